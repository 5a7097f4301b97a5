"""Problems found in a flow: data, not exceptions, so one run reports them all.

Rule ids are stable; ``docs/rules.md`` documents each one.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from flowc.transpile.ir import Span


class Severity(str, enum.Enum):
    """How bad a problem is: errors stop compilation, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


#: Rule id → short title.  The id is what users grep for and silence.
RULES: dict[str, str] = {
    "FLC001": "syntax error",
    "FLC002": "no flow class in the file",
    "FLC003": "ambiguous or unknown flow class",
    "FLC004": "cannot read the flow file",
    "FLC005": "base class from a module flowc does not read",
    "FLC101": "missing or duplicate start step",
    "FLC102": "missing or duplicate end step",
    "FLC103": "ambiguous start or end step",
    "FLC104": "duplicate step name",
    "FLC105": "invalid step name",
    "FLC106": "reserved step name",
    "FLC107": "invalid step signature",
    "FLC108": "missing self.next() transition",
    "FLC109": "self.next() is not the last statement of the step",
    "FLC110": "invalid self.next() transition",
    "FLC111": "transition to an unknown step",
    "FLC112": "end step has a transition",
    "FLC113": "end step is a join",
    "FLC114": "start step has incoming transitions",
    "FLC115": "unreachable step",
    "FLC116": "cycle not through a switch",
    "FLC117": "join does not close a split",
    "FLC118": "join mixes unrelated splits",
    "FLC119": "split never joined",
    "FLC120": "split goes straight to a join",
    "FLC121": "invalid switch",
    "FLC122": "switch case goes straight to a join",
    "FLC123": "invalid foreach variable",
    "FLC124": "step is both a join and a split",
    "FLC125": "@parallel misuse",
    "FLC126": "branches merge without a join",
    "FLC127": "@catch on a foreach or switch step",
    "FLC128": "artifact named like a FlowSpec attribute",
    "FLC201": "parameter on a reserved name",
    "FLC202": "parameter clashes with a step",
    "FLC203": "duplicate parameter",
    "FLC204": "parameter default has the wrong type",
    "FLC205": "non-literal parameter argument",
    "FLC206": "unknown parameter argument",
    "FLC207": "invalid parameter name",
    "FLC208": "unsupported parameter type",
    "FLC301": "unknown decorator",
    "FLC302": "unknown decorator argument",
    "FLC303": "decorator argument has the wrong type",
    "FLC304": "non-literal decorator argument",
    "FLC305": "decorator used at the wrong level",
    "FLC306": "decorator repeated",
    "FLC307": "invalid decorator value",
    "FLC308": "@step is not the innermost decorator",
    "FLC309": "Metaflow name flowc does not provide",
    "FLC310": "your own decorator runs inside the task",
    "FLC311": "your own decorator hides the step",
    "FLC312": "exit hook is not a module-level function",
    "FLC313": "environment read at compile time",
    "FLC314": "environment variable not set",
    "FLC315": "computed Python version is ignored",
    "FLC401": "construct the target cannot express",
    "FLC402": "target limit exceeded",
    "FLC403": "invalid compile option",
    "FLC404": "invalid parameter value for a run",
    "FLC501": "cannot read a config",
    "FLC502": "invalid Config declaration",
    "FLC503": "unknown config key",
    "FLC504": "invalid config reference",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a flow, where it is, and how to fix it."""

    #: Stable rule id, a key of :data:`RULES`.
    rule: str
    #: Where the problem is.
    span: Span
    #: What is wrong, in one sentence.
    message: str
    #: How to fix it, in one line.
    hint: str
    #: Errors stop compilation; warnings are only printed.
    severity: Severity = Severity.ERROR

    def __post_init__(self) -> None:
        assert self.rule in RULES, self.rule

    def format(self) -> str:
        """The human form: ``path:line:col: FLC101 message`` plus the hint."""
        label = "" if self.severity is Severity.ERROR else "warning: "
        return f"{self.span}: {self.rule} {label}{self.message}\n  hint: {self.hint}"

    def to_json(self) -> dict[str, object]:
        """The machine form used by ``--format json``."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "path": self.span.path,
            "line": self.span.line,
            "column": self.span.column,
            "message": self.message,
            "hint": self.hint,
        }


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in reading order, duplicates removed."""
    unique = {(p.span.path, p.span.line, p.span.column, p.rule, p.message): p for p in problems}
    return [unique[k] for k in sorted(unique)]


class FlowError(Exception):
    """Raised when a flow cannot be analysed or compiled; carries the problems."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sort_problems(problems)
        super().__init__("\n".join(p.format() for p in self.problems))
