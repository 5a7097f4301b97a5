"""FLC128: artifacts named like FlowSpec's own attributes, and ``self.name`` at run time."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowc.transpile import Problem, Severity, analyze_source
from runflow import run_flow

HEAD = "from metaflow import FlowSpec, step\n\n\nclass F(FlowSpec):\n    @step\n    def start(self):\n"
TAIL = "        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
#: The first line of the step body in a flow built by :func:`_flow`.
FIRST = 7


def _flow(body: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body), "        ") + TAIL


def _problems(body: str) -> list[Problem]:
    return [p for p in analyze_source(_flow(body), "f.py").problems if p.rule == "FLC128"]


def _where(body: str) -> list[tuple[int, int, Severity]]:
    """``(body line from 0, column, severity)`` of each FLC128 problem."""
    return [(p.span.line - FIRST, p.span.column, p.severity) for p in _problems(body)]


ERROR, WARNING = Severity.ERROR, Severity.WARNING

#: (statements of the start step, where FLC128 must be reported).
FORMS = [
    ("self.index = 3\n", [(0, 9, ERROR)]),
    ("self.input = df = 1\n", [(0, 9, ERROR)]),
    ("df = self.input = 1\n", [(0, 14, ERROR)]),
    ("self.index += 1\n", [(0, 9, ERROR)]),
    ("self.index: int = 3\n", [(0, 9, ERROR)]),
    ("self.a, self.name = 1, 2\n", [(0, 17, WARNING)]),
    ("[self.a, (self.b, self.index)] = 1, (2, 3)\n", [(0, 27, ERROR)]),
    ("self.a, *self.input = [1, 2]\n", [(0, 18, ERROR)]),
    ("for self.index in range(2):\n    pass\n", [(0, 13, ERROR)]),
    ("with open('f') as self.input:\n    pass\n", [(0, 27, ERROR)]),
    ("items = [1 for self.index in range(2)]\n", [(0, 24, ERROR)]),
    (
        "if True:\n    try:\n        self.name = 'x'\n    except Exception:\n        pass\n",
        [(2, 17, WARNING)],
    ),
    ('setattr(self, "name", "resnet")\n', [(0, 23, WARNING)]),
    ('setattr(self, "next", None)\n', [(0, 23, ERROR)]),
    ('delattr(self, "index")\n', [(0, 23, ERROR)]),
    ("del self.index\n", [(0, 13, ERROR)]),
    ("del self.a, self.name\n", [(0, 21, WARNING)]),
    ("self.next = 1\n", [(0, 9, ERROR)]),
    ("self.merge_artifacts = 1\n", [(0, 9, ERROR)]),
    ("self.foreach_stack = []\n", [(0, 9, ERROR)]),
    ("self.cmd = 'python train.py'\n", [(0, 9, ERROR)]),
    ("self.script_name = 'x.py'\n", [(0, 9, ERROR)]),
    ("self._datastore = None\n", [(0, 9, ERROR)]),
    ("self._transition = None\n", [(0, 9, ERROR)]),
    ("self._foreach_stack = []\n", [(0, 9, ERROR)]),
    ("self._flowc_state = None\n", [(0, 9, ERROR)]),
    ("self._success = True\n", [(0, 9, WARNING)]),
    ("self._graph = {}\n", [(0, 9, WARNING)]),
    ("self.name = 'a'\nself.index = 1\n", [(0, 9, WARNING), (1, 9, ERROR)]),
    # The text filter: stores after a line continuation, inside blocks, next to reads.
    ("self.a, \\\n    self.index = 1, 2\n", [(1, 13, ERROR)]),
    ("self.index \\\n    = 1\n", [(0, 9, ERROR)]),
    ("first = self.input[0]\nwhile first:\n    self.input = first = None\n", [(2, 13, ERROR)]),
    ("setattr(\n    self,\n    'next',\n    1,\n)\n", [(2, 13, ERROR)]),
    # Python reads identifiers NFKC-normalised: this is self.index.
    ("self.ｉｎｄｅｘ = 1\n", [(0, 9, ERROR)]),
]


@pytest.mark.parametrize(("body", "expected"), FORMS, ids=[body.split("\n")[0] for body, _ in FORMS])
def test_each_form_is_reported_at_the_target(body: str, expected: list[tuple[int, int, Severity]]) -> None:
    assert _where(body) == expected


FINE = [
    "self.model_name = 'resnet'\n",
    "self.names = ['a']\n",
    "self.index_of_best = 1\n",
    "name = 'resnet'\nindex = 3\ninput = 1\n",
    "obj = object()\nobj.name = 1\n",
    "self.model.name = 'resnet'\n",
    "self.models[0].index = 1\n",
    "self.name: str\n",
    "print(self.name, self.index, self.input)\n",
    "ok = self.name == 'F'\n",
    "key = 'name'\nsetattr(self, key, 1)\n",
    "setattr(other, 'name', 1)\n",
    "class Helper:\n    def __init__(self):\n        self.name = 'helper'\n",
    "def helper(self):\n    self.index = 1\n",
    "fn = lambda self: setattr(self, 'name', 1)\n",
    "self._steps_done = 1\nself._private = 2\n",
]


@pytest.mark.parametrize("body", FINE, ids=[body.split("\n")[0] for body in FINE])
def test_names_that_are_not_flowspec_attributes_are_fine(body: str) -> None:
    assert analyze_source(_flow(body), "f.py").problems == ()


def test_the_message_says_what_happens_and_the_hint_renames() -> None:
    [name] = _problems("self.name = 'resnet'\n")
    assert "flow's class name" in name.message
    assert "self.model_name" in name.hint
    [index] = _problems("self.index = 3\n")
    assert "read-only" in index.message and "fails the task" in index.message
    assert "self.item_index" in index.hint
    [deleted] = _problems("del self.input\n")
    assert "deleting it fails" in deleted.message
    assert deleted.hint.startswith("remove the del")


def test_the_steps_own_name_for_self_is_followed() -> None:
    source = (
        _flow("")
        .replace("def start(self):", "def start(flow):")
        .replace(
            "        self.next(self.end)\n\n    @step\n    def end",
            "        flow.index = 1\n        flow.next(flow.end)\n\n    @step\n    def end",
            1,
        )
    )
    problems = [p for p in analyze_source(source, "f.py").problems if p.rule == "FLC128"]
    assert [(p.span.line, p.span.column, p.message.split(" ")[0]) for p in problems] == [(7, 9, "flow.index")]


def test_every_step_is_checked_including_joins() -> None:
    source = (
        "from metaflow import FlowSpec, step\n\n\nclass F(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.a, self.b)\n\n"
        "    @step\n    def a(self):\n        self.name = 'a'\n        self.next(self.join)\n\n"
        "    @step\n    def b(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, inputs):\n        self.merge_artifacts = 1\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        del self.index\n"
    )
    problems = [p for p in analyze_source(source, "f.py").problems if p.rule == "FLC128"]
    assert [(p.span.line, p.severity) for p in problems] == [(11, WARNING), (20, ERROR), (25, ERROR)]


def test_a_method_that_is_not_a_step_is_not_checked() -> None:
    source = _flow("") + "\n    def helper(self):\n        self.name = 'x'\n"
    assert analyze_source(source, "f.py").problems == ()


NAME_FLOW = """\
from metaflow import FlowSpec, step


class NameFlow(FlowSpec):
    @step
    def start(self):
        self.name = "custom"
        print("start sees", self.name)
        self.next(self.middle)

    @step
    def middle(self):
        print("middle sees", self.name)
        del self.name
        print("after del", self.name)
        self.next(self.end)

    @step
    def end(self):
        print("end sees", self.name)
"""


def test_later_steps_read_the_flows_name_as_in_metaflow(tmp_path: Path) -> None:
    """Metaflow keeps ``self.name = "custom"`` for the step that set it only."""
    path = tmp_path / "name_flow.py"
    path.write_text(NAME_FLOW, encoding="utf-8")
    done = run_flow(path, str(tmp_path / "ds"))
    assert done.returncode == 0, done.stderr
    output = done.stdout + done.stderr
    assert "FLC128 warning" in output
    assert "start sees custom" in output
    assert "middle sees NameFlow" in output
    assert "after del NameFlow" in output
    assert "end sees NameFlow" in output


def test_only_statements_that_may_store_an_attribute_are_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every step ends in ``self.next(...)``; reads like ``self.input[0]`` cost no walk either."""
    from flowc.transpile import artifact_names

    walked: list[int] = []
    real = artifact_names._stores

    def spy(roots: list[ast.stmt], this: str) -> Iterator[tuple[ast.expr, str, bool]]:
        walked.extend(r.lineno for r in roots)
        return real(roots, this)

    monkeypatch.setattr(artifact_names, "_stores", spy)
    body = (
        "first = self.input[0]\nself.index_of_best = first.name.upper()\nif first:\n    self.name = first\n"
    )
    assert _where(body) == [(3, 13, WARNING)]
    assert walked == [FIRST + 2]
