"""The Argo Workflows target: ``flowc compile --target argo``.

Modules, in pipeline order: :mod:`.scopes` (where each step runs),
:mod:`.dag` (DAG templates), :mod:`.decorators` and :mod:`.containers`
(shared container templates), :mod:`.documents` and :mod:`.sensor`
(WorkflowTemplate, CronWorkflow, Sensor), :mod:`.yamlout` (the bytes).
Naming rules live in :mod:`.limits`, text escaping in :mod:`.escape`.
"""

from __future__ import annotations

from flowc.backends.argo.emit import emit

__all__ = ["emit"]
