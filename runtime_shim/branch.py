"""The ``@project`` branch a task reports, and how a deployment tells it.

Backends set :data:`BRANCH_ENV` when ``--set branch=...`` overrides the
decorator's branch.  The module needs nothing but typing names, so a
compiler uses it without loading the task runtime.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Environment variable naming the ``@project`` branch, as ``--set branch=...`` does for names.
BRANCH_ENV = "FLOWC_PROJECT_BRANCH"


def project_branch(project: Mapping[str, Any], override: str | None) -> str:
    """The ``@project`` branch: ``prod`` with ``production=True``, else ``override``,
    the decorator's ``branch`` or ``main``.

    The same rule as the Argo backend's object names (``override`` plays
    ``--set branch=...``), so a task sees the branch its workflow is named after.
    """
    if project.get("production"):
        return "prod"
    return override or str(project.get("branch") or "main")
