"""Parameter defaults computed at run time are a warning, as Metaflow allows them."""

from flowc.transpile import Severity, analyze_source

SOURCE = """
import os
from metaflow import FlowSpec, IncludeFile, Parameter, step


def here(name):
    return os.path.join(os.path.dirname(__file__), name)


class DynamicFlow(FlowSpec):
    data = IncludeFile("data", default=here("movies.csv"))
    seed = Parameter("seed", type=int, default=int(os.environ.get("SEED", "1")))
    label = Parameter("label", default="x", help=open("HELP").read())

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_dynamic_defaults_warn_but_other_arguments_fail() -> None:
    analysis = analyze_source(SOURCE, "dynamic.py")
    by_line = {(p.span.line, p.severity) for p in analysis.problems if p.rule == "FLC205"}
    assert by_line == {(11, Severity.WARNING), (12, Severity.WARNING), (13, Severity.ERROR)}
    assert analysis.flow is not None
    params = {p.name: p for p in analysis.flow.parameters}
    assert params["seed"].type.value == "int" and params["seed"].default is None
    assert params["data"].type.value == "file" and not params["data"].required
