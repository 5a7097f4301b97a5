"""Errors of the runtime and the exit codes of docs/task-contract.md."""

from __future__ import annotations

#: The step succeeded (or ``@catch`` swallowed its failure).
EXIT_OK = 0
#: The step raised.
EXIT_STEP_FAILED = 1
#: Bad command line or inputs that do not resolve.
EXIT_USAGE = 2
#: The datastore or the code package failed us; no user code ran (or its result is lost).
EXIT_INFRA = 3


class FlowcRuntimeError(Exception):
    """Base of the runtime's own errors; ``exit_code`` is what the shim exits with."""

    exit_code = EXIT_INFRA


class DatastoreError(FlowcRuntimeError):
    """The datastore is unreachable or refused an operation."""


class IntegrityError(DatastoreError):
    """A stored blob does not hash to its address: it was corrupted or tampered with."""


class PackageError(FlowcRuntimeError):
    """The code package cannot be fetched, or its sha256 is not the expected one."""


class TaskUsageError(FlowcRuntimeError):
    """The task's arguments are wrong: unknown step, missing parent, bad parameter..."""

    exit_code = EXIT_USAGE
