"""Start a measured command from a small process: wall time, CPU time, peak RSS.

Linux carries ``ru_maxrss`` across ``exec``, so a command forked straight
from a large benchmark process would report that process's size as its own
peak. A tiny ``python -S`` launcher forks and execs the command instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass

_LAUNCHER = """\
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.execvp(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    cpu = usage.ru_utime + usage.ru_stime
    out.write(f"{time.perf_counter() - start} {cpu} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


@dataclass(frozen=True)
class Measured:
    """One run of a command (stderr discarded)."""

    seconds: float
    cpu: float
    rss_mb: float
    stdout_bytes: int
    ok: bool


def launch(argv: list[str], env: dict[str, str], cwd: str) -> Measured:
    """Run ``argv`` once in ``cwd`` with ``env``."""
    with tempfile.TemporaryFile() as stdout, tempfile.NamedTemporaryFile("r") as report:
        launcher = [sys.executable, "-S", "-c", _LAUNCHER, report.name, *argv]
        subprocess.run(launcher, cwd=cwd, env=env, stdout=stdout, check=True)
        seconds, cpu, rss_kb, code = report.read().split()
        size = stdout.seek(0, os.SEEK_END)
    return Measured(float(seconds), float(cpu), int(rss_kb) / 1024, size, int(code) == 0)
