"""``@project``: the DAG id of a branch, and the assets ``@trigger_on_finish`` waits for.

A flow with ``@project(name=P)`` deploys as ``P.<branch>.<Flow>``, as Metaflow
names it, so two branches of one project are two DAGs.  The branch follows
the rule every flowc target and the shim share
(:func:`flowc.runtime_shim.branch.project_branch`): ``prod`` with
``production=True``, else ``--set branch=...``, the decorator's ``branch``,
or ``main``.  When ``--set branch`` replaces the decorator's branch, every
task gets it in ``FLOWC_PROJECT_BRANCH`` so ``current.branch_name`` names
the branch the DAG is deployed as.

A finished run announces itself on the asset ``flowc://<dag id>``.  An
upstream named in ``@trigger_on_finish`` resolves as Metaflow resolves it:
``"Up"`` is in the downstream flow's project and branch (if it has one),
``"proj.branch.Up"`` names both (the branch may contain dots), and
``{"name": "Up", "project": ..., "project_branch": ...}`` fills in what it
gives, the rest from the downstream's ``@project``.
"""

from __future__ import annotations

from flowc.backends.base import CompileOptions
from flowc.runtime_shim.branch import BRANCH_ENV, project_branch
from flowc.transpile.ir import Flow, Value
from flowc.transpile.problems import Problem

#: Prefix of the asset a flow's end task publishes when a run finishes.
FLOW_ASSET_PREFIX = "flowc://"


def branch(flow: Flow, options: CompileOptions) -> str:
    """The ``@project`` branch the DAG is deployed as; ``""`` without ``@project``."""
    project = flow.decorator("project")
    if project is None:
        return ""
    return project_branch(project.args, options.setting("branch", "") or None)


def project_name(flow: Flow) -> str:
    """The ``@project`` name; ``""`` without ``@project``."""
    project = flow.decorator("project")
    return "" if project is None else str(project.get("name") or "")


def dag_id(flow: Flow, options: CompileOptions) -> str:
    """``<project>.<branch>.<Flow>`` with ``@project``, else the flow name."""
    return _qualified(project_name(flow), branch(flow, options), flow.name)


def flow_asset(flow: Flow, options: CompileOptions) -> str:
    """The asset the flow's end task publishes: ``flowc://<dag id>``."""
    return FLOW_ASSET_PREFIX + dag_id(flow, options)


def branch_environment(flow: Flow, options: CompileOptions) -> dict[str, str]:
    """``FLOWC_PROJECT_BRANCH`` for every task when the deployed branch is not the decorator's."""
    project = flow.decorator("project")
    if project is None:
        return {}
    chosen = branch(flow, options)
    # The shim derives the same branch from the decorator alone unless told otherwise.
    return {} if chosen == project_branch(project.args, None) else {BRANCH_ENV: chosen}


def upstream_assets(flow: Flow, options: CompileOptions) -> tuple[list[str], list[Problem]]:
    """The assets of the flows ``@trigger_on_finish`` waits for, or ``FLC401`` problems."""
    decorator = flow.decorator("trigger_on_finish")
    if decorator is None:
        return [], []
    items = [decorator.get("flow")] if decorator.get("flow") is not None else decorator.get("flows")
    assets: list[str] = []
    problems: list[Problem] = []
    for item in items if isinstance(items, list) else []:
        resolved = _resolve(item, project_name(flow), branch(flow, options))
        if isinstance(resolved, str):
            assets.append(FLOW_ASSET_PREFIX + resolved)
        else:
            what, hint = resolved
            problems.append(Problem("FLC401", decorator.span, f"Airflow cannot express {what}", hint))
    return assets, problems


def _resolve(item: Value, project: str, branch_: str) -> str | tuple[str, str]:
    """The upstream's DAG id, or (what, hint) when it cannot be resolved."""
    if isinstance(item, str):
        name, given_project, given_branch = _split(item)
    elif isinstance(item, dict) and isinstance(item.get("name"), str):
        name, given_project, given_branch = (
            str(item.get(k) or "") for k in ("name", "project", "project_branch")
        )
    else:
        return f"the @trigger_on_finish flow {item!r} without a name", "name the flow: flow='UpstreamFlow'"
    if "." in name:
        hint = "write 'Flow' or 'project.branch.Flow'"
        return f"the @trigger_on_finish flow {item!r} (one dot is neither form)", hint
    project, branch_ = given_project or project, given_branch or branch_
    if bool(project) != bool(branch_):
        what = f"the @trigger_on_finish flow {item!r} with only one of project and branch"
        return what, "give both 'project' and 'project_branch', or add @project to this flow"
    return _qualified(project, branch_, name)


def _split(text: str) -> tuple[str, str, str]:
    """``proj.branch.Flow`` → (Flow, proj, branch); a bare name has neither."""
    if text.count(".") < 2:
        return text, "", ""
    project, tail = text.split(".", 1)
    branch_, name = tail.rsplit(".", 1)
    return name, project, branch_


def _qualified(project: str, branch_: str, name: str) -> str:
    return ".".join(part for part in (project, branch_, name) if part)
