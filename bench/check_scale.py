"""How checking scales with flow size: ``flowc check`` against Metaflow's graph + lint.

Usage::

    .venv/bin/python bench/check_scale.py [--repeat 3] [--timeout 60]

For linear flows of 100/400/1000 steps and for 5/10/20/40 back-to-back
split/join pairs it times, as fresh processes, ``flowc check FLOW.py`` and
``python FLOW.py --no-pylint check`` with Metaflow (which builds its
``FlowGraph`` and runs its linter), and prints medians and the ratio.
It also prints flowc's in-process analysis time, without interpreter
start-up.  Metaflow runs that fail (RecursionError from ~982 linear steps)
or exceed ``--timeout`` (its graph walk is exponential in split/join
pairs) are shown as such.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from flowc.transpile import analyze_file  # noqa: E402
from flowgen import linear_flow, split_join_flow  # noqa: E402

CASES: list[tuple[str, Callable[[], str]]] = [
    *((f"linear {n} steps", lambda n=n: linear_flow(n)) for n in (100, 400, 1000)),
    *((f"{n} split/join pairs", lambda n=n: split_join_flow(n)) for n in (5, 10, 20, 40)),
]


def _as_metaflow(source: str) -> str:
    name = re.search(r"^class (\w+)", source, flags=re.M)
    assert name
    source = source.replace("from flowc import", "from metaflow import")
    return source + f'\n\nif __name__ == "__main__":\n    {name.group(1)}()\n'


#: Metaflow refuses to run without a user name.
_ENV = {**os.environ, "USERNAME": os.environ.get("USERNAME", "bench")}


def _time(command: list[str], cwd: str, timeout: float) -> tuple[float | None, str]:
    """Seconds taken, or ``None`` with the reason when the command failed or timed out."""
    started = time.perf_counter()
    try:
        result = subprocess.run(
            command, cwd=cwd, env=_ENV, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"> {timeout:.0f} s"
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        error = re.findall(r"^(\w+Error)\b", result.stderr, flags=re.M)
        return None, error[-1] if error else f"exit {result.returncode}"
    return elapsed, ""


def _median(command: list[str], cwd: str, repeat: int, timeout: float) -> tuple[float | None, str]:
    times = []
    for _ in range(repeat):
        seconds, why = _time(command, cwd, timeout)
        if seconds is None:
            return None, why
        times.append(seconds)
    return statistics.median(times), ""


def _in_process(path: str, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        analysis = analyze_file(path)
        times.append(time.perf_counter() - started)
        assert not analysis.problems, analysis.problems
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    header = f"{'flow':<22} {'flowc check':>12} {'in-process':>11} {'metaflow check':>15} {'ratio':>8}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as work:
        for label, build in CASES:
            source = build()
            ours = os.path.join(work, "flowc_flow.py")
            theirs = os.path.join(work, "metaflow_flow.py")
            with open(ours, "w", encoding="utf-8") as handle:
                handle.write(source)
            with open(theirs, "w", encoding="utf-8") as handle:
                handle.write(_as_metaflow(source))
            flowc_s, why = _median(
                [os.path.join(BIN, "flowc"), "check", ours], work, args.repeat, args.timeout
            )
            assert flowc_s is not None, f"flowc check failed on {label}: {why}"
            inner = _in_process(ours, args.repeat)
            command = [sys.executable, theirs, "--no-pylint", "check"]
            mf_s, why = _median(command, work, args.repeat, args.timeout)
            mf_text = f"{mf_s:.2f} s" if mf_s is not None else why
            ratio = f"{mf_s / flowc_s:.1f}x" if mf_s is not None else "-"
            print(f"{label:<22} {flowc_s:>10.2f} s {inner:>9.2f} s {mf_text:>15} {ratio:>8}", flush=True)


if __name__ == "__main__":
    main()
