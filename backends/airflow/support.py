"""What the Airflow target cannot express (``FLC401``) and its settings (``FLC403``).

Every check reports all problems at once, naming the step and its line.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowc.backends.airflow.limits import DEFAULT_MAX_MAP_LENGTH
from flowc.backends.airflow.loops import Region, loop_regions
from flowc.backends.airflow.triggers import trigger_events
from flowc.backends.base import CompileOptions, unsupported
from flowc.backends.cron import CronError, five_field_cron
from flowc.transpile.ir import Flow, Step, StepKind
from flowc.transpile.problems import Problem

TARGET = "Airflow"

#: ``--set`` keys this target reads.
SETTINGS = (
    "operator",
    "max_iterations",
    "max_map_length",
    "start_date",
    "namespace",
    "secrets",
    "python",
    "branch",
)

#: ``@kubernetes`` arguments the KubernetesPodOperator mapping understands.
KUBERNETES_ARGS = frozenset(
    {
        "cpu",
        "memory",
        "gpu",
        "disk",
        "image",
        "image_pull_policy",
        "namespace",
        "service_account",
        "node_selector",
        "labels",
        "annotations",
        "tolerations",
        "secrets",
    }
)

#: Step decorators that ask for something no Airflow operator here provides.
_STEP_REJECTS = {
    "batch": "@batch (AWS Batch compute)",
    "parallel": "@parallel gang scheduling",
}
#: (``@pypi``/``@conda`` and their flow-level bases are honoured by the shim: docs/environments.md.)
_FLOW_REJECTS: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Settings:
    """The target settings, parsed and checked."""

    #: ``kubernetes`` (KubernetesPodOperator) or ``local`` (the shim on the worker).
    operator: str = "kubernetes"
    #: How many iterations of a recursive step are unrolled.
    max_iterations: int = 20
    #: Airflow's ``[core] max_map_length`` on the target deployment.
    max_map_length: int = DEFAULT_MAX_MAP_LENGTH
    #: ``start_date`` of scheduled DAGs, ``YYYY-MM-DD`` (fixed: never the clock).
    start_date: tuple[int, int, int] = (2024, 1, 1)
    #: Kubernetes namespace for task pods (the connection's default when empty).
    namespace: str = ""
    #: Kubernetes secrets whose keys become environment variables of every pod.
    secrets: tuple[str, ...] = ()
    #: Python interpreter running the shim with ``operator=local`` (the worker's when empty).
    python: str = ""


def parse_settings(flow: Flow, options: CompileOptions) -> tuple[Settings, list[Problem]]:
    """The settings from ``--set``, or ``FLC403`` problems for bad ones."""
    problems: list[Problem] = []

    def bad(message: str, hint: str) -> None:
        problems.append(Problem("FLC403", flow.span, message, hint))

    for key in sorted(set(options.settings) - set(SETTINGS)):
        bad(f"unknown Airflow setting {key!r}", "known settings: " + ", ".join(SETTINGS))
    operator = options.setting("operator", "kubernetes")
    if operator not in ("kubernetes", "local"):
        bad(
            f"operator={operator!r} is not an Airflow operator mode",
            "use operator=kubernetes or operator=local",
        )
    iterations = _positive(options.setting("max_iterations", "20"), "max_iterations", 2, bad)
    map_length = _positive(
        options.setting("max_map_length", str(DEFAULT_MAX_MAP_LENGTH)), "max_map_length", 1, bad
    )
    start = _date(options.setting("start_date", "2024-01-01"), bad)
    settings = Settings(
        operator=operator,
        max_iterations=iterations,
        max_map_length=map_length,
        start_date=start,
        namespace=options.setting("namespace", ""),
        secrets=tuple(n.strip() for n in options.setting("secrets", "").split(",") if n.strip()),
        python=options.setting("python", ""),
    )
    return settings, problems


def _positive(text: str, key: str, minimum: int, bad: object) -> int:
    assert callable(bad)
    if text.isdigit() and int(text) >= minimum:
        return int(text)
    bad(f"{key}={text!r} is not a whole number >= {minimum}", f"for example --set {key}={max(minimum, 20)}")
    return minimum


def _date(text: str, bad: object) -> tuple[int, int, int]:
    assert callable(bad)
    parts = text.split("-")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        year, month, day = (int(p) for p in parts)
        if 1 <= month <= 12 and 1 <= day <= 31:
            return year, month, day
    bad(f"start_date={text!r} is not a date", "write it as YYYY-MM-DD, e.g. --set start_date=2024-01-01")
    return (2024, 1, 1)


def unsupported_constructs(flow: Flow, settings: Settings) -> list[Problem]:
    """``FLC401`` problems for everything this target cannot run faithfully."""
    problems: list[Problem] = []
    for step in flow.steps:
        problems.extend(_step_problems(flow, step, settings))
    for decorator in flow.decorators:
        if decorator.name in _FLOW_REJECTS:
            problems.append(
                unsupported(TARGET, None, flow, _FLOW_REJECTS[decorator.name], f"remove @{decorator.name}")
            )
    problems.extend(_schedule_problems(flow))
    problems.extend(trigger_events(flow)[1])
    return problems


def loop_problems(flow: Flow) -> list[Problem]:
    """Loops back to an earlier step that the unrolling (plan.py) cannot lay out."""
    found = []
    for region in loop_regions(flow):
        problem = _region_problem(flow, region)
        if problem is not None:
            step, reason, hint = problem
            source, head = region.back_edges[0]
            what = f"a switch case going back to the earlier step {head!r} (from {source!r}) {reason}"
            found.append(unsupported(TARGET, flow.step(step), flow, what, hint))
    return found


#: The hint for loops whose steps cannot be numbered per pass.
_LOOP_HINT = "keep every step of the loop inside it until the switch that goes back"


def _region_problem(flow: Flow, region: Region) -> tuple[str, str, str] | None:
    """(step, why, hint) when the region cannot be unrolled, numbered as ``flowc run`` numbers it."""
    if len(region.switches) > 1:
        return (
            region.switches[1],
            f"in a loop sharing steps with the loop of {region.switches[0]!r}",
            _LOOP_HINT,
        )
    (switch,) = region.switches
    inside = set(region.steps)
    depth = flow.foreach_stack(region.entry)
    for name in region.steps:
        step = flow.step(name)
        stack = flow.foreach_stack(name)
        if stack[: len(depth)] != depth or any(split not in inside for split in stack[len(depth) :]):
            return name, f"across the boundary of the foreach at {(depth or stack)[-1]!r}", _LOOP_HINT
        if step.kind is StepKind.FOREACH and depth:
            # Each pass's splits would be flattened over the outer map: not laid out (unroll.py).
            why = f"around the foreach at {name!r} inside the foreach at {depth[-1]!r}"
            return name, why, "move the loop out of the outer foreach, or the inner foreach out of the loop"
        if name != switch and any(child not in inside for child in step.next):
            return name, f"with step {name!r} leaving it without its switch", _LOOP_HINT
    return None


def _step_problems(flow: Flow, step: Step, settings: Settings) -> list[Problem]:
    found: list[Problem] = []
    for decorator in step.decorators:
        if decorator.name in _STEP_REJECTS and not decorator.get("disabled"):
            what = f"{_STEP_REJECTS[decorator.name]} on step {step.name!r}"
            found.append(
                unsupported(TARGET, step, flow, what, f"remove @{decorator.name} from {step.name!r}")
            )
        if decorator.name == "kubernetes" and settings.operator == "kubernetes":
            for arg in sorted(set(decorator.args) - KUBERNETES_ARGS):
                what = f"@kubernetes({arg}=...) on step {step.name!r}"
                hint = "supported: " + ", ".join(sorted(KUBERNETES_ARGS))
                found.append(unsupported(TARGET, step, flow, what, hint))
            found.extend(_toleration_problems(flow, step, decorator.get("tolerations")))
        if decorator.name == "secrets" and settings.operator == "kubernetes":
            found.extend(_pod_secret_problems(flow, step, decorator.get("sources"), decorator.get("role")))
    return found


def _pod_secret_problems(flow: Flow, step: Step, sources: object, role: object) -> list[Problem]:
    """In pods, ``@secrets`` sources are Kubernetes secret names (as on Argo)."""
    found = []
    if role is not None:
        what = f"@secrets(role=...) on step {step.name!r} for pods"
        found.append(unsupported(TARGET, step, flow, what, "give the pod's service account access instead"))
    odd = [s for s in sources if not isinstance(s, str)] if isinstance(sources, list) else []
    if odd:
        what = f"the @secrets source {odd[0]!r} on step {step.name!r} for pods"
        found.append(unsupported(TARGET, step, flow, what, "name Kubernetes secrets as strings"))
    return found


def _toleration_problems(flow: Flow, step: Step, tolerations: object) -> list[Problem]:
    """Tolerations must be dicts with Kubernetes' keys."""
    if not isinstance(tolerations, list):
        return []
    known = ("key", "operator", "value", "effect", "tolerationSeconds")
    bad = [t for t in tolerations if not isinstance(t, dict) or set(t) - set(known)]
    if not bad:
        return []
    what = f"the toleration {bad[0]!r} on step {step.name!r}"
    return [unsupported(TARGET, step, flow, what, "use dicts with the keys " + ", ".join(known))]


def _schedule_problems(flow: Flow) -> list[Problem]:
    found: list[Problem] = []
    schedule = flow.decorator("schedule")
    triggers = [d for d in ("schedule", "trigger", "trigger_on_finish") if flow.decorator(d)]
    if len(triggers) > 1:
        what = " together with ".join("@" + d for d in triggers)
        found.append(unsupported(TARGET, None, flow, what, "keep one of them"))
    cron = schedule.get("cron") if schedule else None
    if schedule is not None and isinstance(cron, str):
        try:
            five_field_cron(cron)
        except CronError as exc:
            hint = "write a five-field cron: minute hour day month weekday"
            found.append(Problem("FLC401", schedule.span, f"{TARGET} cannot express {exc}", hint))
    if triggers:
        for parameter in flow.parameters:
            if parameter.required and parameter.default is None:
                found.append(
                    Problem(
                        "FLC401",
                        parameter.span,
                        f"{TARGET} cannot start a scheduled or triggered run without a value for "
                        f"required parameter {parameter.name!r}",
                        "give the parameter a default",
                    )
                )
    return found
