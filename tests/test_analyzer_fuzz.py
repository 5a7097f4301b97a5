"""The analyzer never crashes: any text gives a flow or problems, never an exception."""

from __future__ import annotations

import os
import re
from pathlib import Path

from flowc.transpile import Analysis, analyze_source
from flowc.transpile.export import dot, dumps_json, mermaid
from flowgen import flows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.py"))]

#: Fragments that a mutation splices into a flow: flow syntax, half-written
#: or misplaced, plus plain Python that confuses naive readers.
SNIPPETS = [
    "self.next(self.end)",
    "self.next(self.start)",
    "self.next()",
    "self.next(*targets)",
    "self.next(**kw)",
    'self.next(self.a, foreach="items")',
    'self.next({"a": self.end}, condition="c")',
    "self.next({1: self.end, 2.5: self.start}, condition='c')",
    'self.next({**cases}, condition="x")',
    "self.next(self.end, num_parallel=0)",
    "@step",
    "@step(start=True)",
    "@step(end=True, start=True)",
    "@retry(times=-1)",
    "@resources(memory=1e400)",
    "@timeout(hours=10**100)",
    "@environment(vars={1: 2})",
    "@schedule(cron=1)",
    "@card(type='x', options={'a': [1, {'b': None}]})",
    "def end(self, inputs, *args, **kwargs):",
    "async def start(self):",
    "def start(self, /, x):",
    "lambda self: self.next(self.end)",
    "class Inner(FlowSpec):",
    "x = Parameter()",
    "y = Parameter(name='y', default=1 / 0)",
    "z = Parameter('z', default=-'a')",
    "w = IncludeFile('w', default=b'bytes')",
    "v = Parameter(*args)",
    "u: int = Parameter('u', default=1, type=int)",
    "from flowc import *",
    "import metaflow as mf, flowc",
    "from metaflow import step as s, FlowSpec as F",
    "pass",
    "return",
    "yield self.next",
    "global x",
    "'''",
    "\\",
    "(",
    "]",
    "\t",
    "# ünïcödé ✓",
    "f'{self.x}'",
    "match x:\n    case 1:\n        pass",
]


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    """An example flow after a few random line-level edits."""
    lines = draw(st.sampled_from(EXAMPLES)).split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "truncate", "dedent", "replace"]))
        if not lines:
            break
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            indent = " " * draw(st.sampled_from([0, 4, 8, 12, 3]))
            lines.insert(i, indent + draw(st.sampled_from(SNIPPETS)))
        elif op == "truncate":
            cut = draw(st.integers(0, len(lines[i])))
            lines = [*lines[:i], lines[i][:cut]]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        else:
            old = draw(st.sampled_from(["self.", "(", ")", ":", "inputs", "step", "=", '"', ",", "next"]))
            new = draw(st.sampled_from(["", "self.self.", "((", ",", "'", "input", "steps", "==", "end"]))
            lines[i] = lines[i].replace(old, new, 1)
    return "\n".join(lines)


def _assert_sane(text: str, analysis: Analysis) -> None:
    assert isinstance(analysis, Analysis)
    if not analysis.errors:
        assert analysis.flow is not None
        # Whatever the analyzer accepts, every export can render.
        dumps_json(analysis.flow)
        mermaid(analysis.flow)
        dot(analysis.flow)
    line_count = len(re.split(r"\r\n|\r|\n", text)) + 1
    for problem in analysis.problems:
        assert 1 <= problem.span.line <= line_count, problem
        assert problem.span.column >= 1, problem
        assert problem.message and problem.hint


#: ``FLOWC_FUZZ_EXAMPLES=20000 pytest tests/test_analyzer_fuzz.py`` digs deeper.
_EXAMPLES = int(os.environ.get("FLOWC_FUZZ_EXAMPLES", "300"))
_FUZZ = settings(max_examples=_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(mutated_examples())
def test_mutated_examples_never_crash(text: str) -> None:
    _assert_sane(text, analyze_source(text, "mutated.py"))


@_FUZZ
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text_never_crashes(text: str) -> None:
    _assert_sane(text, analyze_source(text, "random.py"))


@_FUZZ
@given(
    st.lists(st.sampled_from(SNIPPETS), max_size=12),
    st.lists(st.sampled_from([0, 4, 8]), min_size=12, max_size=12),
)
def test_random_snippet_soup_never_crashes(snippets: list[str], indents: list[int]) -> None:
    text = "from flowc import FlowSpec, step, Parameter\nclass F(FlowSpec):\n"
    text += "\n".join(" " * n + s for s, n in zip(snippets, indents, strict=False))
    _assert_sane(text, analyze_source(text, "soup.py"))


@settings(max_examples=_EXAMPLES // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(), st.data())
def test_generated_flows_with_one_line_removed_never_crash(source: str, data: st.DataObject) -> None:
    lines = source.split("\n")
    del lines[data.draw(st.integers(0, len(lines) - 1))]
    text = "\n".join(lines)
    _assert_sane(text, analyze_source(text, "cut.py"))
