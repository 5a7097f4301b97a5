"""Positions are exact: an error planted at a known place is reported at that line and column."""

from __future__ import annotations

import re

from flowc.transpile import analyze_source
from flowgen import flows
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

#: How a planted bad transition is written; ``{name}`` is the target and
#: ``§`` marks where the error must be reported (it is removed).
TRANSITIONS = [
    'self.next(§"{name}")',
    'self.note = "é ✓"; self.next(§"{name}")',
    'self.next(\n{indent}    §"{name}",\n{indent})',
    'self.next(self.{name}, §"{name}")',
]

#: A bad decorator argument; ``{m}`` is the module prefix the flow uses.
DECORATORS = [
    '@{m}retry(times=§"three")',
    '@{m}retry(minutes_between_retries=1, times=§"three")',
    '@{m}retry(\n{indent}    times=§"three",\n{indent})',
    '@{m}resources(memory="big", cpu=§True)',
]


def _without_mark(text: str) -> tuple[str, int, int]:
    """``text`` without its ``§`` mark, and the 1-based line and column of the mark."""
    offset = text.index("§")
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return before + text[offset + 1 :], line, column


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(max_steps=15), st.data())
def test_bad_transition_is_reported_where_it_is(source: str, data: st.DataObject) -> None:
    plain = list(re.finditer(r"^( +)self\.next\(self\.(\w+)\)$", source, flags=re.M))
    match = data.draw(st.sampled_from(plain))
    indent, name = match.group(1), match.group(2)
    written = data.draw(st.sampled_from(TRANSITIONS)).format(name=name, indent=indent)
    text, line, column = _without_mark(source[: match.start()] + indent + written + source[match.end() :])
    found = {(p.rule, p.span.line, p.span.column) for p in analyze_source(text).problems}
    assert ("FLC110", line, column) in found, (found, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(max_steps=15), st.data())
def test_bad_decorator_argument_is_reported_where_it_is(source: str, data: st.DataObject) -> None:
    # The first decorator of a step: the planted one goes above it, so it is
    # read before any @retry the step already has.
    firsts = list(re.finditer(r"(?<=\n\n)( +)@", source))
    match = data.draw(st.sampled_from(firsts))
    indent = match.group(1)
    module = "mf." if "import metaflow as mf" in source else ""
    written = data.draw(st.sampled_from(DECORATORS)).format(m=module, indent=indent)
    planted = source[: match.start()] + indent + written + "\n" + source[match.start() :]
    if not module:
        planted = "from flowc import resources, retry\n" + planted
    text, line, column = _without_mark(planted)
    found = {(p.rule, p.span.line, p.span.column) for p in analyze_source(text).problems}
    assert ("FLC303", line, column) in found, (found, text)
