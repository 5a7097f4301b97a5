"""A switch case that skips ahead: ``s → {a: x, b: m}`` and ``x → m``.

Both ``s`` and ``x`` may have run before ``m``, so optional entries
(``s/t?,x/t?``) would name both and the shim would build ``m`` on ``s``'s
artifacts.  Each edge into ``m`` sets ``m``'s parent instead
(``<source>-to-<m>``).  Every flow runs with ``flowc run`` and in moto seeded
with that run's decisions; each Batch stand-in must receive the local run's
``--task-id`` / ``--input-paths`` / ``--split-index``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sfn_support import definition, flow_of, output_key, run_in_moto, validate
from test_sfn_loops import RUN, _in_moto, _local_run, _tasks

_HEAD = "from flowc import FlowSpec, step\n\n\nclass {name}(FlowSpec):\n"


def _flow(name: str, steps: dict[str, str]) -> str:
    body = "".join(
        f"    @step\n    def {step}(self{', inputs' if step.startswith('join') else ''}):\n        {code}\n\n"
        for step, code in steps.items()
    )
    return _HEAD.format(name=name) + body


SKIP_TO_END = _flow(
    "SkipToEndFlow",
    {
        "start": 'self.route = "long"\n        self.next({"long": self.mid, "short": self.end}, condition="route")',
        "mid": "self.seen = 'mid'\n        self.next(self.end)",
        "end": "assert self.seen == 'mid'",
    },
)
SKIP_IN_FOREACH = _flow(
    "SkipInForeachFlow",
    {
        "start": 'self.items = [0, 1, 2]\n        self.next(self.route, foreach="items")',
        "route": 'self.c = "x" if self.input else "y"\n        self.next({"x": self.x, "y": self.y}, condition="c")',
        "x": "self.tag = 'x'\n        self.next(self.y)",
        "y": "self.next(self.join)",
        "join": "self.tags = [getattr(i, 'tag', None) for i in inputs]\n        self.next(self.end)",
        "end": "assert self.tags == [None, 'x', 'x'], self.tags",
    },
)
SKIP_IN_LOOP = _flow(
    "SkipInLoopFlow",
    {
        "start": "self.k = 0\n        self.next(self.a)",
        "a": 'self.k += 1\n        self.c = "x" if self.k % 2 else "y"\n'
        '        self.next({"x": self.b, "y": self.c_}, condition="c")',
        "b": "self.next(self.c_)",
        "c_": 'self.d = "again" if self.k < 3 else "done"\n'
        '        self.next({"again": self.a, "done": self.end}, condition="d")',
        "end": "pass",
    },
)
SOURCES = {"skip-to-end": SKIP_TO_END, "skip-in-foreach": SKIP_IN_FOREACH, "skip-in-loop": SKIP_IN_LOOP}


@pytest.mark.parametrize("shape", SOURCES)
def test_each_step_names_the_parent_it_came_from(tmp_path: Path, shape: str) -> None:
    flow, root, local = _local_run(tmp_path, SOURCES[shape])
    result = _in_moto(flow, root)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert len(result.tasks) == len(local), "a task ran twice or not at all"
    assert _tasks(result) == local


def test_both_ways_into_the_merge() -> None:
    flow = flow_of(SKIP_TO_END)
    for case, parent in (("mid", "mid/t"), ("end", "start/t")):
        seeded = {output_key(flow.name, RUN, "start", "t"): {"switch": {"next": case}}}
        result = run_in_moto(definition(flow), seeded=seeded, name=RUN)
        assert result.status == "SUCCEEDED", (result.error, result.cause)
        assert result.by_step()["end"][0].args.input_paths == parent


def test_merge_machines_pass_both_validators(tmp_path: Path) -> None:
    paths = []
    for shape, source in SOURCES.items():
        paths.append(tmp_path / f"{shape}.json")
        paths[-1].write_text(json.dumps(definition(flow_of(source))))
    validate(paths)
