"""Metaflow's names: those flowc's runtime shim provides, and what to use instead of the rest.

The sets here must agree with what a task sees under ``metaflow``
(``runtime_shim/flowload.py`` and the code package's alias); a test checks it.
"""

from __future__ import annotations

from flowc.transpile.specs import API_NAMES

#: Names of ``metaflow`` the shim provides besides the authoring API that the
#: analyzer reads (``API_NAMES``).
SHIM_EXTRAS = frozenset({"profile", "cards", "MergeArtifactsException", "CaughtException", "S3"})

#: Metaflow's client names the shim provides, in flows and inside tasks
#: (``runtime_shim/client.py``, ``METAFLOW_NAMES``): namespaces are accepted no-ops,
#: ``metadata()`` names the datastore the client reads.
CLIENT = frozenset(
    {
        "DataArtifact",
        "Flow",
        "Metaflow",
        "Run",
        "Step",
        "Task",
        "default_metadata",
        "default_namespace",
        "get_metadata",
        "get_namespace",
        "metadata",
        "namespace",
    }
)

#: Every top-level ``metaflow`` name a flow may use under flowc.
PROVIDED = API_NAMES | SHIM_EXTRAS | CLIENT

#: ``from flowc import ...`` gives the client too (code packages ship it).
FLOWC_CLIENT = frozenset({"Flow", "Run", "Step", "Task"})

#: ``metaflow.cards`` components the shim renders (``LineChart`` and ``BarChart`` are flowc's own).
CARD_COMPONENTS = frozenset({"Artifact", "BarChart", "Image", "LineChart", "Markdown", "Table"})

_RUNNER = "run the flow with 'flowc run FILE' and deploy it with 'flowc compile FILE --target ...'"
_USER_DECORATOR = (
    "write a plain Python decorator (with functools.wraps) above @step: it runs inside the task (FLC310)"
)
_CUSTOM_CARD = "custom card types are not supported: use @card or @card(type='blank') with flowc's components"
_SIMPLE_CARD = "use Markdown or Table, which flowc renders"

#: Top-level ``metaflow`` names flowc refuses → what to do instead.
METAFLOW_INSTEAD: dict[str, str] = {
    **dict.fromkeys(("Runner", "NBRunner", "Deployer", "NBDeployer", "DeployedFlow"), _RUNNER),
    **dict.fromkeys(
        ("user_step_decorator", "UserStepDecorator", "StepMutator", "FlowMutator", "USER_SKIP_STEP"),
        _USER_DECORATOR,
    ),
    "parallel_map": "use concurrent.futures (ProcessPoolExecutor or ThreadPoolExecutor) from the standard library",
    "parallel_imap_unordered": "use concurrent.futures.as_completed from the standard library",
    "JSONTypeClass": "use JSONType",
    "airflow_external_task_sensor": "flowc has no Airflow sensors: trigger the flow's DAG from Airflow instead",
    "airflow_s3_key_sensor": "flowc has no Airflow sensors: trigger the flow's DAG from Airflow instead",
}

#: ``metaflow.cards`` names flowc refuses → what to do instead.
CARD_INSTEAD: dict[str, str] = {
    "VegaChart": "flowc cards render offline, without Vega: use LineChart, BarChart or an Image of a chart",
    "ProgressBar": "flowc renders a card once, when the step ends: show the final figure with Markdown",
    **dict.fromkeys(
        ("ValueBox", "EventsTimeline", "JSONViewer", "YAMLViewer", "PythonCode", "Error"), _SIMPLE_CARD
    ),
    **dict.fromkeys(
        ("MetaflowCard", "MetaflowCardComponent", "BlankCard", "DefaultCard", "ErrorCard", "PageComponent"),
        _CUSTOM_CARD,
    ),
    "get_cards": "read cards outside the flow with 'flowc card'",
}

#: Metaflow submodules (and their children) flowc refuses → what to do instead.
MODULE_INSTEAD: dict[str, str] = {
    "metaflow.exception": "catch Exception; MergeArtifactsException is importable from 'metaflow'",
    "metaflow.client": "import the client from 'metaflow': Flow, Run, Step, Task, namespace",
    "metaflow.runner": _RUNNER,
    "metaflow.plugins": "Metaflow's plugins are not part of flowc: use 'metaflow' and 'metaflow.cards' names only",
    "metaflow.metaflow_config": "configure flowc with command-line options and FLOWC_* environment variables",
}

#: Attributes of Metaflow's ``current`` that flowc's lacks → what to do instead.
CURRENT_INSTEAD: dict[str, str] = {
    "namespace": "flowc has no namespaces: use current.flow_name and current.run_id",
    "graph": "print the flow's graph outside the flow with 'flowc graph FILE'",
    "run": "use Run(f'{current.flow_name}/{current.run_id}') (from metaflow import Run)",
    "task": "use current.task_id and current.pathspec; finished tasks: Task('Flow/run/step/task')",
    "trigger": "flowc does not expose the triggering event to steps: pass its payload as a Parameter",
    "parallel": "in a @parallel step, self.index is the node's rank (0-based)",
}

#: Methods of Metaflow's ``current.card`` that flowc's lacks → what to do instead (none today:
#: ``refresh()`` is a no-op because flowc renders a card once, when the step ends).
CARD_COLLECTOR_INSTEAD: dict[str, str] = {}
