"""Five-field (Unix) crons become AWS's six fields with the same days.

Weekdays are renumbered (Unix 0 or 7 = Sunday, AWS 1 = Sunday); AWS ranges
do not wrap past Saturday, so a range reaching Sunday or a stepped range is
written as the list of days.  Each converted field is checked by expanding
both into the days they name.  A cron naming both a day of the month and a
day of the week (Unix runs when either matches) has no AWS form: FLC401.
"""

from __future__ import annotations

import json

import pytest
from flowc.backends.base import CompileError
from flowc.backends.sfn import emit
from sfn_support import documents, flow_of, options
from test_sfn_compile import _linear

_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def _days(field: str, first_day: int) -> set[str]:
    """The weekday names a weekday field names; ``first_day`` is the number of Sunday."""
    out: set[str] = set()
    top = first_day + 6 if first_day else 7
    for item in field.split(","):
        item, _, step = item.partition("/")
        if item == "*":
            low, high = first_day, top
        elif "-" in item:
            low, high = (_number(p, first_day) for p in item.split("-"))
        else:
            low = _number(item, first_day)
            high = top if step else low
        out |= {_NAMES[(day - first_day) % 7] for day in range(low, high + 1, int(step or 1))}
    return out


def _number(text: str, first_day: int) -> int:
    return _NAMES.index(text) + first_day if text in _NAMES else int(text)


def _aws_expression(cron: str) -> str:
    head = f"@schedule(cron={cron!r})"
    docs = documents(flow_of(_linear("", flow_deco=head, imports="schedule")))
    expression: str = json.loads(docs["schedule.json"])["ScheduleExpression"]
    return expression.removeprefix("cron(").removesuffix(")")


@pytest.mark.parametrize(
    "weekdays", ["1-5", "0", "7", "5-7", "0-6", "0-7", "*/2", "1,3,5", "1-5/2", "6,0", "3-7/2", "1/2"]
)
def test_weekdays_name_the_same_days(weekdays: str) -> None:
    fields = _aws_expression(f"15 4 * * {weekdays}").split()
    assert fields[:4] == ["15", "4", "?", "*"] and fields[5] == "*"
    assert _days(fields[4], first_day=1) == _days(weekdays, first_day=0)
    assert all(part not in ("0", "8") for part in fields[4].replace("-", ",").split(","))


def test_names_and_plain_days_pass_through() -> None:
    assert _aws_expression("0 8 * * MON-FRI") == "0 8 ? * MON-FRI *"
    assert _aws_expression("0 0 1 * *") == "0 0 1 * ? *"
    assert _aws_expression("0 12 ? * 2-6 *") == "0 12 ? * 2-6 *"


def test_a_day_of_month_and_of_week_together_is_refused() -> None:
    source = _linear("", flow_deco="@schedule(cron='0 0 1 * 1')", imports="schedule")
    with pytest.raises(CompileError) as caught:
        emit(flow_of(source), options())
    (problem,) = caught.value.problems
    assert problem.rule == "FLC401" and "@schedule(cron='0 0 1 * 1')" in problem.message
    assert problem.hint is not None and "not both" in problem.hint
