"""``flowc ARGS...`` in-process for tests: ``flowc.cli.main`` with stdout and stderr captured."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from flowc.cli import main


@dataclass(frozen=True)
class Result:
    """What one ``flowc`` command did."""

    exit_code: int
    stdout_bytes: bytes
    stderr: str

    @property
    def stdout(self) -> str:
        return self.stdout_bytes.decode("utf-8", "replace")

    @property
    def output(self) -> str:
        """stdout then stderr (for assertions that do not care which stream a message went to)."""
        return self.stdout + self.stderr


def invoke(args: Sequence[str]) -> Result:
    """Run ``flowc ARGS...``; an exception escaping ``main`` (a bug, not a user error) propagates."""
    with _captured() as (out, err):
        code = main([str(arg) for arg in args])
    return Result(code, out.getvalue(), err.getvalue().decode("utf-8", "replace"))


@contextlib.contextmanager
def _captured() -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    """Replace ``sys.stdout``/``sys.stderr`` with text streams over byte buffers (PNG goes to stdout)."""
    out, err = io.BytesIO(), io.BytesIO()
    streams = (
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = streams
    try:
        yield out, err
    finally:
        for stream in streams:
            stream.flush()
            stream.detach()
        sys.stdout, sys.stderr = saved
