"""Whole-process time of a 5-step flow: ``flowc run`` against Metaflow's ``python flow.py run``.

Both run the same file (written with ``from metaflow import ...``) on a local
datastore in a temporary folder, interleaved, several times; the script
prints the medians and their ratio (target: flowc >= 3x faster), and the
whole-process time of one shim task next to a bare ``python -c pass``
(target: shim overhead <= 150 ms per task).

    .venv/bin/python bench/run_vs_metaflow.py [--repeat 7]

Bytecode caching is enabled for both tools (``PYTHONDONTWRITEBYTECODE`` is
removed from the environment), as on a normal installation.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOW = '''\
from metaflow import FlowSpec, step


class FiveStepFlow(FlowSpec):
    """Five steps passing a counter along."""

    @step
    def start(self):
        self.x = 1
        self.next(self.a)

    @step
    def a(self):
        self.x += 1
        self.next(self.b)

    @step
    def b(self):
        self.x += 1
        self.next(self.c)

    @step
    def c(self):
        self.x += 1
        self.next(self.end)

    @step
    def end(self):
        print("x =", self.x)


if __name__ == "__main__":
    FiveStepFlow()
'''


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (the process and all it waited for) of one command; fails loudly."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def main() -> None:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="flowc-bench-") as scratch:
        work = Path(scratch)
        (work / "five.py").write_text(FLOW)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env |= {"USERNAME": "bench", "METAFLOW_DATASTORE_SYSROOT_LOCAL": str(work / "mf")}
        flowc = [python, "-m", "flowc.cli", "run", "five.py", "--datastore", str(work / "fc")]
        metaflow = [python, "five.py", "--quiet", "run"]
        shim = [
            python,
            "-m",
            "flowc.runtime_shim",
            "task",
            "--datastore",
            str(work / "fc"),
            "--flow-file",
            "five.py",
            "--flow",
            "FiveStepFlow",
            "--run-id",
            "shim",
            "--step",
            "start",
        ]
        for warm in (flowc, metaflow):  # write bytecode caches before measuring
            timed(warm, work, env)
        runs: dict[str, list[tuple[float, float]]] = {
            "flowc run": [],
            "metaflow run": [],
            "shim task": [],
            "python -c pass": [],
        }
        for index in range(options.repeat):
            runs["flowc run"].append(timed(flowc, work, env))
            runs["metaflow run"].append(timed(metaflow, work, env))
            runs["shim task"].append(timed([*shim, "--task-id", f"t{index}"], work, env))
            runs["python -c pass"].append(timed([python, "-c", "pass"], work, env))
    medians = {name: statistics.median(wall for wall, _ in values) for name, values in runs.items()}
    cpu = {name: statistics.median(used for _, used in values) for name, values in runs.items()}
    print(f"{'command':<16} {'wall s':>8} {'cpu s':>8}   (medians of {options.repeat} interleaved runs)")
    for name, value in medians.items():
        print(f"{name:<16} {value:8.3f} {cpu[name]:8.3f}")
    ratio = medians["metaflow run"] / medians["flowc run"]
    cpu_ratio = cpu["metaflow run"] / cpu["flowc run"]
    overhead = medians["shim task"] - medians["python -c pass"]
    print(f"flowc is {ratio:.2f}x faster than Metaflow by wall time, {cpu_ratio:.2f}x by CPU (target >= 3x)")
    print(
        f"one shim task: {medians['shim task'] * 1000:.0f} ms whole process, "
        f"{overhead * 1000:.0f} ms above a bare interpreter (target <= 150 ms)"
    )


if __name__ == "__main__":
    main()
