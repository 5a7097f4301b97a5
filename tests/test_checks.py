"""What the analyzer reads from a flow, and the rule table that documents its checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flowc.transpile import RULES, Flow, ParamType, StepKind, analyze_source

ROOT = Path(__file__).resolve().parent.parent


def _flow(body: str, head: str = "from flowc import FlowSpec, Parameter, step, retry, resources\n") -> Flow:
    analysis = analyze_source(head + body, "flow.py")
    assert analysis.problems == (), [p.format() for p in analysis.problems]
    assert analysis.flow is not None
    return analysis.flow


def _rules(text: str) -> list[tuple[str, int, int]]:
    return [(p.rule, p.span.line, p.span.column) for p in analyze_source(text, "flow.py").problems]


_LINEAR = """
class F({base}):
    @{step}
    def start(self):
        self.next(self.end)

    @{step}
    def end(self):
        pass
"""


@pytest.mark.parametrize(
    ("head", "base", "step"),
    [
        ("from flowc import FlowSpec, step\n", "FlowSpec", "step"),
        ("from metaflow import FlowSpec, step\n", "FlowSpec", "step"),
        ("import metaflow as mf\n", "mf.FlowSpec", "mf.step"),
        ("import flowc\n", "flowc.FlowSpec", "flowc.step"),
        ("from flowc import FlowSpec as Base, step as s\n", "Base", "s"),
        ("from flowc import *\n", "FlowSpec", "step"),
        ("try:\n    from metaflow import FlowSpec, step\nexcept ImportError:\n    pass\n", "FlowSpec", "step"),
    ],
    ids=["flowc", "metaflow", "module-alias", "module", "renamed", "star", "guarded"],
)
def test_every_import_style_is_understood(head: str, base: str, step: str) -> None:
    flow = _flow(_LINEAR.format(base=base, step=step), head=head)
    assert [s.name for s in flow.steps] == ["start", "end"]


def test_steps_of_a_local_base_class_are_inherited() -> None:
    flow = _flow(
        """
class Base(FlowSpec):
    @step
    def start(self):
        self.next(self.end)


class Child(Base):
    @step
    def end(self):
        pass
"""
    )
    assert flow.name == "Child"
    assert [s.name for s in flow.steps] == ["start", "end"]


def test_decorator_arguments_and_module_constants_are_evaluated() -> None:
    flow = _flow(
        """
RETRIES = 2
GIB = 1024

class F(FlowSpec):
    @retry(times=RETRIES, minutes_between_retries=1)
    @resources(cpu=0.5, memory=4 * GIB)
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    )
    start = flow.step("start")
    assert [d.name for d in start.decorators] == ["retry", "resources"]
    assert dict(start.decorators[0].args) == {"times": 2, "minutes_between_retries": 1}
    assert dict(start.decorators[1].args) == {"cpu": 0.5, "memory": 4096}
    assert (start.decorators[0].span.line, start.decorators[0].span.column) == (7, 5)


def test_non_literal_decorator_argument_names_the_argument() -> None:
    text = (
        "from flowc import FlowSpec, step, retry\nimport os\n\nclass F(FlowSpec):\n"
        "    @retry(times=int(os.environ['N']))\n    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    (problem,) = analyze_source(text).problems
    assert problem.rule == "FLC304"
    assert "'times'" in problem.message
    assert (problem.span.line, problem.span.column) == (5, 18)


def test_parameters_of_every_type() -> None:
    flow = _flow(
        """
class F(FlowSpec):
    a = Parameter("a", default=0.5, type=float, help="alpha")
    b = Parameter("b", default=3)
    c = Parameter("c", default=True)
    d = Parameter("d", default='{"k": [1]}', type=JSONType)
    e = Parameter("e", required=True, type=str)
    f = IncludeFile("f", default="data.csv", is_text=False)
    g = Parameter("g", default=2, type=float)
"""
        + _LINEAR.format(base="FlowSpec", step="step").split("\n", 2)[2],
        head="from flowc import FlowSpec, IncludeFile, JSONType, Parameter, step\n",
    )
    got = {p.name: (p.type, p.default, p.required) for p in flow.parameters}
    assert got == {
        "a": (ParamType.FLOAT, 0.5, False),
        "b": (ParamType.INT, 3, False),
        "c": (ParamType.BOOL, True, False),
        "d": (ParamType.JSON, {"k": [1]}, False),
        "e": (ParamType.STR, None, True),
        "f": (ParamType.FILE, "data.csv", False),
        "g": (ParamType.FLOAT, 2.0, False),
    }
    assert flow.parameters[0].help == "alpha"
    assert flow.parameters[5].is_text is False


def test_switch_keys_become_strings_in_case_order() -> None:
    flow = _flow(
        """
class F(FlowSpec):
    @step
    def start(self):
        self.level = 2
        self.next({1: self.low, 2: self.high, "x": self.high}, condition="level")

    @step
    def low(self):
        self.next(self.end)

    @step
    def high(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    )
    start = flow.step("start")
    assert start.kind is StepKind.SWITCH
    assert start.switch is not None and start.switch.cases == (("1", "low"), ("2", "high"), ("x", "high"))
    assert start.next == ("low", "high")
    assert flow.step("end").previous == ("high", "low")


def test_start_and_end_annotations() -> None:
    flow = _flow(
        """
class F(FlowSpec):
    @step(start=True)
    def begin(self):
        self.next(self.finish)

    @step(end=True)
    def finish(self):
        pass
"""
    )
    assert (flow.start, flow.end) == ("begin", "finish")
    assert [s.kind for s in flow.steps] == [StepKind.START, StepKind.END]


def test_single_step_flow_is_start_and_end() -> None:
    flow = _flow("\nclass F(FlowSpec):\n    @step(start=True, end=True)\n    def only(self):\n        pass\n")
    assert flow.start == flow.end == "only"


def test_recursion_to_an_earlier_step_is_accepted_inside_one_split() -> None:
    flow = _flow(
        """
class F(FlowSpec):
    @step
    def start(self):
        self.next(self.prepare)

    @step
    def prepare(self):
        self.next(self.check)

    @step
    def check(self):
        self.status = "done"
        self.next({"again": self.prepare, "done": self.end}, condition="status")

    @step
    def end(self):
        pass
"""
    )
    assert flow.step("prepare").previous == ("check", "start")


def test_recursion_across_a_join_is_rejected() -> None:
    text = (
        "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.a, self.b)\n\n"
        "    @step\n    def a(self):\n        self.next(self.join)\n\n"
        "    @step\n    def b(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, inputs):\n        self.s = 'x'\n"
        "        self.next({'again': self.a, 'done': self.end}, condition='s')\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    assert ("FLC121", 19, 9) in _rules(text)


def test_docs_rules_table_lists_every_rule_with_its_title() -> None:
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (FLC\d{3})(?: †)? \| ([^|]+) \|", text, flags=re.M)
    documented = {rule: title.strip().replace("`", "") for rule, title in rows}
    assert len(rows) == len(documented), "a rule is documented twice"
    assert documented == RULES


def test_join_argument_not_called_inputs_is_only_a_warning() -> None:
    text = (
        "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.a, self.b)\n\n"
        "    @step\n    def a(self):\n        self.next(self.join)\n\n"
        "    @step\n    def b(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self, results):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    analysis = analyze_source(text)
    assert analysis.errors == ()
    (warning,) = analysis.problems
    assert (warning.rule, warning.severity.value, warning.span.line, warning.span.column) == (
        "FLC107",
        "warning",
        17,
        20,
    )
    assert analysis.flow is not None and analysis.flow.step("join").is_join


def test_orphan_is_reported_next_to_a_broken_transition() -> None:
    text = (
        "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"
        "    @step\n    def start(self):\n        self.next(self.middle)\n\n"
        '    @step\n    def middle(self):\n        self.next("end")\n\n'
        "    @step\n    def orphan(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    # 'end' is unreachable only because of the broken transition: not reported.
    assert _rules(text) == [("FLC110", 10, 19), ("FLC115", 13, 5)]
