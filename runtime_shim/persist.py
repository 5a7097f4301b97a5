"""Storing what a step produced: its artifacts and its cards."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from flowc.runtime_shim import api
from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.errors import DatastoreError
from flowc.runtime_shim.flowload import docstring, flow_parameters

if TYPE_CHECKING:
    from flowc.runtime_shim.stepexec import Outcome
    from flowc.runtime_shim.task import Task

_STATE = "_flowc_state"


class ArtifactError(Exception):
    """An artifact cannot be pickled (fails the step)."""


def store_artifacts(ds: Datastore, flow_name: str, flow: Any, state: api.StepState) -> dict[str, str]:
    """Store the step's artifacts; returns name → sha256.

    Inherited artifacts the step never read are passed on by reference,
    without loading or re-uploading them.  Parameters keep their original blob.
    """
    artifacts = {name: sha for name, sha in state.refs.items() if name not in flow.__dict__}
    for name, value in flow.__dict__.items():
        if name == _STATE:
            continue
        if name in state.parameters and name in state.refs:
            artifacts[name] = state.refs[name]
            continue
        try:
            artifacts[name] = ds.save_value(flow_name, value)
        except DatastoreError:
            raise
        except Exception as exc:
            raise ArtifactError(f"artifact {name!r} cannot be stored: {type(exc).__name__}: {exc}") from None
    return dict(sorted(artifacts.items()))


def render_cards(
    task: Task, cls: type, func: Any, flow: Any, artifacts: dict[str, str], outcome: Outcome
) -> list[dict[str, Any]]:
    """Render the step's ``@card``s (if the cards module exists) and store their HTML.

    A card that fails to render or store is reported and skipped: it never fails the step.
    """
    decorators = [dict(kw) for name, kw in task.decorators if name == "card"]
    if not decorators:
        return []
    try:
        from flowc.runtime_shim import cards as card_module
    except ImportError:
        return []
    from flowc.runtime_shim.current import current

    args = task.args
    try:
        values = {name: getattr(flow, name) for name in artifacts}
        params = {p.name: values.get(attr) for attr, p in flow_parameters(cls).items()}
        rendered = card_module.render_task_cards(
            flow_name=args.flow,
            run_id=args.run_id,
            step_name=args.step,
            task_id=args.task_id,
            attempt=args.attempt,
            card_decorators=decorators,
            artifacts=values,
            parameters=params,
            graph=task.graph,
            flow_doc=docstring(cls),
            step_doc=docstring(func),
            started_at=outcome.started_at,
            finished_at=outcome.finished_at,
            components=current.card.components(),
        )
        return [
            {"type": card.type, "id": card.id, "sha256": task.ds.save_value(args.flow, card.html)}
            for card in rendered
        ]
    except Exception as exc:
        print(f"flowc: cards of {task.name} not stored: {type(exc).__name__}: {exc}", file=sys.stderr)
        return []
