"""flowc: Metaflow-style flows compiled for Argo, Step Functions and Airflow.

The authoring API (``FlowSpec``, ``step``, ``Parameter``, decorators...)
comes from the runtime shim, so the same objects exist inside task images
where only the shim is shipped.
"""

#: Not ``typing.TYPE_CHECKING``: importing typing costs ~3 ms of every ``flowc`` start-up
#: (mypy treats any name ``TYPE_CHECKING`` as true).
TYPE_CHECKING = False

if TYPE_CHECKING:
    from flowc.client import Flow, Run, Step, Task
    from flowc.runtime_shim.api import (
        S3,
        Config,
        FlowSpec,
        IncludeFile,
        JSONType,
        Parameter,
        batch,
        card,
        catch,
        conda,
        conda_base,
        config_expr,
        current,
        environment,
        exit_hook,
        kubernetes,
        parallel,
        profile,
        project,
        pypi,
        pypi_base,
        resources,
        retry,
        schedule,
        secrets,
        step,
        timeout,
        trigger,
        trigger_on_finish,
    )

__version__ = "0.1.0"

#: The client, Metaflow's names included (``namespace`` and friends are no-ops).
_CLIENT = frozenset(
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


def __getattr__(name: str) -> object:
    """The API, imported on first use: ``flowc compile`` and ``flowc check`` never need it."""
    if name in _CLIENT:
        import flowc.client

        return getattr(flowc.client, name)
    if name in __all__:
        import flowc.runtime_shim.api

        return getattr(flowc.runtime_shim.api, name)
    raise AttributeError(f"module 'flowc' has no attribute {name!r}")


__all__ = [
    "S3",
    "Config",
    "Flow",
    "FlowSpec",
    "IncludeFile",
    "JSONType",
    "Parameter",
    "Run",
    "Step",
    "Task",
    "batch",
    "card",
    "catch",
    "conda",
    "conda_base",
    "config_expr",
    "current",
    "environment",
    "exit_hook",
    "kubernetes",
    "parallel",
    "profile",
    "project",
    "pypi",
    "pypi_base",
    "resources",
    "retry",
    "schedule",
    "secrets",
    "step",
    "timeout",
    "trigger",
    "trigger_on_finish",
]
