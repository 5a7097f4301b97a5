"""Checks on each step's own transition, before the graph is walked.

Each check looks at one step and its direct successors or predecessors
only, so the whole pass is linear in the number of edges.
"""

from __future__ import annotations

from flowc.transpile.context import Context, did_you_mean
from flowc.transpile.ir import StepKind
from flowc.transpile.steps import RawStep

_SPLITTING = (StepKind.BRANCH, StepKind.FOREACH, StepKind.SWITCH)


def check_transitions(
    ctx: Context,
    steps: dict[str, RawStep],
    kinds: dict[str, StepKind],
    previous: dict[str, set[str]],
    start: str | None,
    end: str | None,
) -> None:
    """Report every transition problem that one step shows on its own."""
    for name, raw in steps.items():
        _unknown_targets(ctx, raw, steps)
        if kinds[name] is StepKind.END:
            _end_step(ctx, raw, start, end)
            continue
        if raw.next_call is None and not raw.invalid_next and not raw.is_end:
            ctx.report(
                "FLC108",
                raw.span,
                None,
                f"step {name!r} does not end with self.next()",
                "add self.next(self.<next step>) as the last statement",
            )
        if raw.num_args == 2 and name == start:
            ctx.report(
                "FLC107",
                raw.span,
                None,
                f"the start step {name!r} takes inputs, but nothing comes before it",
                f"write def {name}(self):",
            )
        elif raw.num_args == 2 and kinds[name] in _SPLITTING:
            ctx.report(
                "FLC124",
                raw.span,
                None,
                f"step {name!r} both joins (takes inputs) and splits",
                "add a separate step: join first, then split",
            )
        _straight_to_join(ctx, raw, kinds[name], steps)
        _parallel(ctx, raw, steps, previous)
        _catch_on_split(ctx, raw, kinds[name])
    if start is not None and start in steps and start != end and previous.get(start):
        senders = ", ".join(sorted(previous[start]))
        ctx.report(
            "FLC114",
            steps[start].span,
            None,
            f"the start step {start!r} has incoming transitions from {senders}",
            "loop back to a step after the start step instead",
        )


def _unknown_targets(ctx: Context, raw: RawStep, steps: dict[str, RawStep]) -> None:
    for target in raw.targets:
        if target not in steps:
            ctx.report(
                "FLC111",
                raw.next_span or raw.span,
                None,
                f"step {raw.name!r} goes to {target!r}, which is not a step{did_you_mean(target, steps)}",
                f"define a @step named {target!r} or fix the name",
            )


def _end_step(ctx: Context, raw: RawStep, start: str | None, end: str | None) -> None:
    if raw.next_call is not None:
        ctx.report(
            "FLC112",
            raw.next_span or raw.span,
            None,
            f"the end step {raw.name!r} calls self.next()",
            "remove the self.next() call",
        )
    if raw.num_args == 2 and start != end:
        ctx.report(
            "FLC113",
            raw.span,
            None,
            f"the end step {raw.name!r} is a join",
            "add a join step before the end step",
        )


_STRAIGHT_TO_JOIN = {
    StepKind.FOREACH: ("FLC120", "foreach", "add at least one step between the foreach and its join"),
    StepKind.BRANCH: ("FLC120", "branch", "add at least one step on that branch before the join"),
    StepKind.SWITCH: ("FLC122", "switch", "add an unconditional step on that case before the join"),
}


def _straight_to_join(ctx: Context, raw: RawStep, kind: StepKind, steps: dict[str, RawStep]) -> None:
    """No split, and no switch case, may go directly into a join step."""
    if kind not in _STRAIGHT_TO_JOIN:
        return
    rule, what, hint = _STRAIGHT_TO_JOIN[kind]
    for target in raw.targets:
        if target in steps and steps[target].num_args == 2:
            ctx.report(
                rule,
                raw.next_span or raw.span,
                None,
                f"{what} step {raw.name!r} goes straight to the join {target!r}",
                hint,
            )


def _catch_on_split(ctx: Context, raw: RawStep, kind: StepKind) -> None:
    """``@catch`` cannot stand in for a foreach's cardinality or a switch's choice (as in Metaflow)."""
    if kind not in (StepKind.FOREACH, StepKind.SWITCH):
        return
    for decorator in raw.decorators:
        if decorator.name == "catch":
            what = "foreach" if kind is StepKind.FOREACH else "switch"
            ctx.report(
                "FLC127",
                decorator.span,
                None,
                f"@catch on the {what} step {raw.name!r}: after a caught failure there is no "
                f"{'list to fan out over' if what == 'foreach' else 'case to take'}",
                f"move the work that may fail into a step before {raw.name!r} and put @catch there",
            )


def _is_parallel(raw: RawStep) -> bool:
    return any(d.name == "parallel" for d in raw.decorators)


def _parallel(ctx: Context, raw: RawStep, steps: dict[str, RawStep], previous: dict[str, set[str]]) -> None:
    """``num_parallel=`` targets carry ``@parallel``; ``@parallel`` steps sit between the two."""
    if raw.num_parallel is not None:
        for target in raw.targets:
            if target in steps and not _is_parallel(steps[target]):
                ctx.report(
                    "FLC125",
                    raw.next_span or raw.span,
                    None,
                    f"{target!r} is reached with num_parallel= but has no @parallel",
                    f"add @parallel to step {target!r}",
                )
    if not _is_parallel(raw):
        return
    callers = sorted(p for p in previous.get(raw.name, ()) if steps[p].num_parallel is None)
    if callers:
        ctx.report(
            "FLC125",
            raw.span,
            None,
            f"@parallel step {raw.name!r} is reached from {callers[0]!r} without num_parallel=",
            f"call it with self.next(self.{raw.name}, num_parallel=N)",
        )
    joins = [t for t in raw.targets if t in steps and steps[t].num_args == 2]
    if raw.targets and not joins:
        ctx.report(
            "FLC125",
            raw.span,
            None,
            f"@parallel step {raw.name!r} is not followed by a join step",
            f"go from {raw.name!r} straight to a step taking (self, inputs)",
        )
