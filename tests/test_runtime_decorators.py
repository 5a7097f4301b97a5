"""The runtime sees a step's decorators in the same order as the IR: top to bottom."""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

from flowc.runtime_shim import api
from flowc.transpile import load_flow

FLOW = textwrap.dedent(
    """
    from metaflow import FlowSpec, card, retry, step


    class OrderFlow(FlowSpec):
        @card(id="first")
        @retry(times=1)
        @card(type="blank", id="second")
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    """
)


def test_step_decorators_are_top_to_bottom_like_the_ir(tmp_path: Path) -> None:
    path = tmp_path / "order_flow.py"
    path.write_text(FLOW.replace("from metaflow import", "from flowc.runtime_shim.api import"))
    spec = importlib.util.spec_from_file_location("order_flow", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    recorded = api.step_decorators(module.OrderFlow.start)
    assert recorded == [("card", {"id": "first"}), ("retry", {"times": 1}), ("card", {"type": "blank", "id": "second"})]
    step = next(s for s in load_flow(str(path)).steps if s.name == "start")
    assert [d.name for d in step.decorators] == [name for name, _ in recorded]
