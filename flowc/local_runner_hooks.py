"""``@exit_hook`` for ``flowc run`` and ``flowc resume``: the hooks, once the run has ended.

As Metaflow's local runtime does, the runner calls the ``on_success``
functions of every ``@exit_hook`` when the run succeeded, else the
``on_error`` ones, in the order written, each in a shim process of its own
(``--step exit_hook:FN``, docs/task-contract.md).  A hook that fails is
reported and the next one still runs; the run's outcome stays what it was.
"""

from __future__ import annotations

from flowc.local_runner_proc import Printer, ShimLauncher, TaskSpec
from flowc.runtime_shim.exithook import hook_step
from flowc.transpile.ir import Flow

#: A hook has no parents; an empty (not None) input spec also keeps the start parameters off.
NO_INPUTS = ""


def hook_functions(flow: Flow, succeeded: bool) -> list[str]:
    """The functions to call for a run that ``succeeded`` (or not), in order."""
    return [name for hook in flow.exit_hooks for name in (hook.on_success if succeeded else hook.on_error)]


def run_exit_hooks(flow: Flow, succeeded: bool, launcher: ShimLauncher, printer: Printer) -> list[str]:
    """Call the hooks for the run's outcome; returns the functions that failed."""
    failed = []
    for name in hook_functions(flow, succeeded):
        result = launcher.run(TaskSpec(hook_step(name), input_paths=NO_INPUTS), more=False)
        if result.returncode != 0:
            failed.append(name)
            printer.print(
                f"[exit_hook] hook {name!r} failed (exit {result.returncode}); the run's outcome is unchanged",
                markup=False,
                highlight=False,
            )
    return failed
