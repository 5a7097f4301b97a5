"""``@schedule(cron=...)`` in the two dialects flows are written in.

Metaflow passes the expression through to the scheduler, so flows written
for Step Functions use AWS's six fields (``minute hour day-of-month month
day-of-week year``, 1 = Sunday, ``?`` for "any") while flows written for
Argo or Airflow use Unix's five (0 = Sunday).  Targets that take five
fields (Argo's CronWorkflow, Airflow) convert a six-field expression here;
what has no five-field meaning (a year other than ``*``, AWS's ``L``, ``W``
and ``#``) is refused by the caller with the reason returned.

Sources: AWS EventBridge Scheduler "cron expressions"
(https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based);
Argo's CronWorkflow uses robfig/cron's standard five-field parser
(https://argo-workflows.readthedocs.io/en/latest/cron-workflows/).
"""

from __future__ import annotations

import re

_AWS_ONLY = re.compile(r"[LW#]")
#: A day number (not the step of ``*/2``): AWS counts 1-7 from Sunday, Unix 0-6.
_DAY_NUMBER = re.compile(r"(?<![/\d])\d+")


class CronError(ValueError):
    """An AWS cron expression with no five-field equivalent."""


def five_field_cron(expression: str) -> str:
    """``expression`` as a Unix five-field cron; six AWS fields are converted.

    Raises :class:`CronError` naming what cannot be converted.
    """
    fields = expression.split()
    if len(fields) != 6:
        return expression.strip()
    minute, hour, day, month, weekday, year = fields
    if year != "*":
        raise CronError(
            f"the year field {year!r} of the AWS cron {expression!r} (five-field crons have no year)"
        )
    for name, value in (("day-of-month", day), ("day-of-week", weekday)):
        if _AWS_ONLY.search(value):
            raise CronError(f"the AWS-only {name} {value!r} of the cron {expression!r}")
    day = "*" if day == "?" else day
    weekday = "*" if weekday == "?" else _DAY_NUMBER.sub(lambda m: str((int(m.group()) - 1) % 7), weekday)
    return f"{minute} {hour} {day} {month} {weekday}"
