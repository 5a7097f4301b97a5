"""Metaflow behaviours real flows rely on, run through ``flowc run`` and read back with the client."""

from __future__ import annotations

import textwrap
from pathlib import Path

from runflow import run_flow

from flowc.client import Flow

FLOW = textwrap.dedent(
    """
    from metaflow import FlowSpec, JSONType, Parameter, card, catch, step


    def stamp(ctx):
        return f"{ctx.flow_name}:{ctx.parameter_name}:{ctx.ds_type}"


    class CompatFlow(FlowSpec):
        label = Parameter("label", default=stamp)
        count = Parameter("count", type=int, default=lambda ctx: 7)
        options = Parameter("options", type=JSONType, default=lambda ctx: '{"a": 1}')

        @card(type="html")
        @step
        def start(self):
            self.html = "<h1>Squares</h1><p id='mark'>4 9 16</p>"
            self.items = ["x", "y"]
            self.next(self.work, foreach="items")

        @step
        def work(self):
            self.stack = self.foreach_stack()
            self.next(self.later)

        @catch(var="failure")
        @step
        def later(self):
            self.again = self.input
            raise ValueError(f"boom {self.input}")
            self.next(self.join)

        @step
        def join(self, inputs):
            self.stacks = [i.stack for i in inputs]
            self.agains = [i.again for i in inputs]
            self.failures = [(i.failure.type, i.failure.exception, "ValueError" in i.failure.stacktrace) for i in inputs]
            self.outside = self.foreach_stack()
            self.next(self.end)

        @step
        def end(self):
            pass
    """
)


def test_metaflow_runtime_behaviours(tmp_path: Path) -> None:
    path = tmp_path / "compat.py"
    path.write_text(FLOW)
    root = str(tmp_path / "ds")
    done = run_flow(path, root)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Flow("CompatFlow", datastore=root)["r1"]
    start = run["start"].task
    # callable defaults are called with Metaflow's context, then typed
    assert start.data.label == "CompatFlow:label:local"
    assert start.data.count == 7 and start.data.options == {"a": 1}
    # foreach_stack() is (index, cardinality, value) per level; later body steps still see self.input
    join = run["join"].task.data
    assert join.stacks == [[(0, 2, "x")], [(1, 2, "y")]]
    assert join.agains == ["x", "y"] and join.outside == []
    # @catch stores Metaflow's attribute names
    assert join.failures == [("builtins.ValueError", "boom x", True), ("builtins.ValueError", "boom y", True)]
    # @card(type="html") shows the step's own HTML
    cards = start.cards
    assert [c.type for c in cards] == ["html"] and "<p id='mark'>4 9 16</p>" in cards[0].html
