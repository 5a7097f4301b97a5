"""Running a step's user code: environment, timeout, captured logs, failures.

Everything the user's code does happens inside :func:`execute`, which
never raises: it returns an :class:`Outcome` the task turns into metadata.
"""

from __future__ import annotations

import io
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from flowc.runtime_shim.collector import for_user_code

_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Outcome:
    """What happened when the user's code ran."""

    started_at: float
    finished_at: float = 0.0
    error: BaseException | None = None
    #: The traceback restricted to the user's frames.
    traceback: str = ""
    #: ``file:line`` of the innermost user frame of the error.
    location: str = ""
    logs: dict[str, str] = field(default_factory=dict)


class _Tee(io.TextIOBase):
    """Writes to the real stream and keeps a copy for the task's log."""

    def __init__(self, real: TextIO) -> None:
        self.real = real
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.real.write(text)
        self.real.flush()
        return self.copy.write(text)

    def flush(self) -> None:
        self.real.flush()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", "utf-8") or "utf-8"


class StepTimeout(Exception):
    """The step ran longer than its ``@timeout``."""


def timeout_seconds(args: dict[str, Any]) -> float:
    """The duration a ``@timeout(...)`` allows, in seconds."""
    return (
        float(args.get("seconds", 0) or 0)
        + 60 * float(args.get("minutes", 0) or 0)
        + 3600 * float(args.get("hours", 0) or 0)
    )


@contextmanager
def _time_limit(seconds: float | None, step: str) -> Iterator[None]:
    if not seconds or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise StepTimeout(f"step {step!r} exceeded its @timeout of {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def user_traceback(exc: BaseException) -> tuple[str, str]:
    """``(traceback text without the shim's frames, file:line of the innermost user frame)``."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_SHIM_DIR)]
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(exc), exc))
    location = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
    return "Traceback (most recent call last):\n" + text, location


def execute(
    call: Callable[[], Any],
    step: str,
    env: dict[str, str],
    timeout: float | None,
) -> Outcome:
    """Run ``call`` with ``env`` set, a time limit, and stdout/stderr captured."""
    outcome = Outcome(started_at=time.time())
    os.environ.update({k: str(v) for k, v in env.items()})
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        with _time_limit(timeout, step), for_user_code():
            call()
    except BaseException as exc:  # the user's code may raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        outcome.error = exc
        outcome.traceback, outcome.location = user_traceback(exc)
    finally:
        sys.stdout, sys.stderr = saved
        outcome.finished_at = time.time()
        outcome.logs = {"stdout.log": out.copy.getvalue(), "stderr.log": err.copy.getvalue()}
    return outcome
