"""Whole-process compile time, output size and peak RSS: flowc against Metaflow.

Usage::

    .venv/bin/python bench/compile_vs_metaflow.py --target argo [--repeat 5] [--quick]

For each flow (the examples, then generated 100/400/1000-step linear flows
and a 200-way branch) it runs ``flowc compile FILE --target T`` and
Metaflow's own deployer for the same target, each as a fresh process,
``--repeat`` times, and prints medians, the ratio, output sizes and the
peak RSS of the slowest run.  Metaflow's deployers upload the code package
while compiling, so the script starts a moto S3 server on loopback and
points Metaflow at it with fake credentials; nothing leaves the machine.

Both tools run as users run them: flowc through the ``flowc`` console
script of a regular (non-editable) install built into a temporary folder
(``pip install --target`` writes it to ``<folder>/bin/flowc``), Metaflow
as ``python FLOW.py`` from site-packages.  Each runs with ``python -S`` and
an explicit ``PYTHONPATH``, so neither pays for the other's start-up hooks
(the editable install's path hook, for one).  ``--editable`` runs the
``flowc`` script of this checkout's venv instead.

Targets are rows of :data:`TARGETS`; adding one means adding how Metaflow
deploys to it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "tests"))


@dataclass(frozen=True)
class Target:
    """How to compile for one orchestrator with flowc and with Metaflow."""

    #: ``flowc compile --target`` value.
    flowc: str
    #: Metaflow command after ``python FLOW.py --no-pylint``; ``{out}`` is an output file.
    metaflow: tuple[str, ...]
    #: Metaflow writes to ``{out}`` (True) or to stdout (False).
    metaflow_writes_file: bool = False


TARGETS: dict[str, Target] = {
    "argo": Target("argo", ("argo-workflows", "create", "--only-json")),
    "sfn": Target("sfn", ("step-functions", "create", "--only-json")),
    "airflow": Target("airflow", ("airflow", "create", "{out}"), metaflow_writes_file=True),
}


@dataclass
class Run:
    seconds: float
    cpu: float
    rss_mb: float
    output_bytes: int
    ok: bool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_s3() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """A moto S3 server on loopback and the environment Metaflow needs to use it offline."""
    import boto3

    port = _free_port()
    server = subprocess.Popen(
        [os.path.join(BIN, "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
        "METAFLOW_DEFAULT_DATASTORE": "s3",
        "METAFLOW_DATASTORE_SYSROOT_S3": "s3://mfbench/metaflow",
        "METAFLOW_S3_ENDPOINT_URL": endpoint,
        # boto3 sends every other AWS service there too (Step Functions, DynamoDB...).
        "AWS_ENDPOINT_URL": endpoint,
        "METAFLOW_KUBERNETES_NAMESPACE": "default",
        "METAFLOW_KUBERNETES_CONTAINER_IMAGE": "python:3.11-slim",
        "METAFLOW_SFN_IAM_ROLE": "arn:aws:iam::000000000000:role/bench",
        "METAFLOW_SFN_STATE_MACHINE_PREFIX": "bench",
        "METAFLOW_EVENTS_SFN_ACCESS_IAM_ROLE": "arn:aws:iam::000000000000:role/bench",
        "METAFLOW_ECS_S3_ACCESS_IAM_ROLE": "arn:aws:iam::000000000000:role/bench",
        "METAFLOW_BATCH_JOB_QUEUE": "bench",
        "METAFLOW_ARGO_EVENTS_SERVICE_ACCOUNT": "bench",
        "METAFLOW_ARGO_EVENTS_EVENT_SOURCE": "bench",
        "METAFLOW_ARGO_EVENTS_EVENT": "bench",
        "USERNAME": "bench",
    }
    for _ in range(100):
        try:
            client = boto3.client(
                "s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench"
            )
            client.create_bucket(Bucket="mfbench")
            break
        except Exception:
            time.sleep(0.1)
    return server, env


def measure(argv: list[str], env: dict[str, str], cwd: str, out_file: str | None) -> Run:
    """Run ``argv`` once: wall time, CPU time, peak RSS, output size."""
    from launch import launch

    done = launch(argv, env, cwd)
    size = _size(out_file) if out_file is not None else done.stdout_bytes
    return Run(done.seconds, done.cpu, done.rss_mb, size, done.ok)


def _size(path: str) -> int:
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path))
    return os.path.getsize(path) if os.path.exists(path) else 0


def medians(repeat: int, first: Callable[[], Run], second: Callable[[], Run]) -> tuple[Run, Run]:
    """Both commands ``repeat`` times, interleaved so both see the same machine load."""
    pairs = [(first(), second()) for _ in range(repeat)]
    return _median([a for a, _ in pairs]), _median([b for _, b in pairs])


def _median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        statistics.median(r.cpu for r in runs),
        max(r.rss_mb for r in runs),
        runs[-1].output_bytes,
        all(r.ok for r in runs),
    )


def flows(workdir: str, quick: bool) -> list[tuple[str, str]]:
    """(label, path) of every flow to compile, each in a directory of its own."""
    import flowgen

    found = []
    for name in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if name.endswith(".py"):
            found.append((name[:-3], os.path.join(ROOT, "examples", name)))
    sizes = [("linear-100", flowgen.linear_flow(100)), ("linear-400", flowgen.linear_flow(400))]
    if not quick:
        sizes += [("linear-1000", flowgen.linear_flow(1000)), ("branch-200", flowgen.branch_flow(200))]
    for label, source in sizes:
        folder = os.path.join(workdir, label)
        os.makedirs(folder)
        path = os.path.join(folder, "flow.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(source)
        found.append((label, path))
    return found


def metaflow_copy(path: str, workdir: str, label: str) -> str:
    """The flow importing ``metaflow`` instead of ``flowc`` (the APIs match), with its data."""
    folder = os.path.join(workdir, "mf-" + label)
    shutil.copytree(os.path.dirname(path), folder, ignore=shutil.ignore_patterns("__pycache__", "*.yaml"))
    target = os.path.join(folder, os.path.basename(path))
    with open(path, encoding="utf-8") as handle:
        text = re.sub(r"^from flowc import", "from metaflow import", handle.read(), flags=re.M)
    if "__main__" not in text:
        classes = re.findall(r"^class (\w+)\(", text, flags=re.M)
        text += f'\n\nif __name__ == "__main__":\n    {classes[-1]}()\n'
    with open(target, "w", encoding="utf-8") as handle:
        handle.write(text)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=sorted(TARGETS), default="argo")
    parser.add_argument("--repeat", type=int, default=3, help="runs per flow and tool (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the 1000-step and 200-way flows")
    parser.add_argument("--editable", action="store_true", help="time this venv's editable flowc script")
    args = parser.parse_args()
    target = TARGETS[args.target]
    server, s3_env = start_s3()
    if args.target == "sfn":
        # Metaflow's SFN deployer looks up a Batch job queue and role while compiling.
        from compile_sfn import metaflow_sfn_setup

        s3_env |= metaflow_sfn_setup(s3_env)
    env = {**os.environ, **s3_env}
    load_before = os.getloadavg()[0]
    workdir = tempfile.mkdtemp(prefix="flowc-bench-")
    try:
        launch = Launch.editable() if args.editable else Launch.installed(workdir)
        rows = [
            _row(label, path, target, env, workdir, args.repeat, launch)
            for label, path in flows(workdir, args.quick)
        ]
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    _print(rows, args.target)
    # Other jobs on the machine slow both tools; the ratios are what to compare.
    print(f"load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    return 0


@dataclass(frozen=True)
class Launch:
    """How each tool's process is started."""

    #: argv prefix of ``flowc`` (then ``compile ...``).
    flowc: tuple[str, ...]
    #: argv prefix of a Metaflow flow file (then ``FLOW.py ...``).
    python: tuple[str, ...]
    #: Extra environment of both.
    env: tuple[tuple[str, str], ...] = ()

    @classmethod
    def editable(cls) -> Launch:
        return cls((os.path.join(BIN, "flowc"),), (sys.executable,))

    @classmethod
    def installed(cls, workdir: str) -> Launch:
        """flowc built and installed like a wheel into ``workdir``, run through its console script.

        Site hooks are off for both tools; ``python -m flowc.cli`` would add
        ``runpy``'s few milliseconds, which the ``flowc`` command does not pay.
        """
        target = os.path.join(workdir, "flowc-install")
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", target, ROOT],
            check=True,
        )  # fmt: skip
        site = sysconfig.get_paths()["purelib"]
        path = os.pathsep.join([target, site])
        script = os.path.join(target, "bin", "flowc")
        if not os.path.isfile(script):
            raise SystemExit(f"pip did not write the flowc console script to {script}")
        return cls((sys.executable, "-S", script), (sys.executable, "-S"), (("PYTHONPATH", path),))


def _row(
    label: str, path: str, target: Target, env: dict[str, str], workdir: str, repeat: int, launch: Launch
) -> tuple[str, Run, Run]:
    out_dir = os.path.join(workdir, "out-" + label)
    flowc = [*launch.flowc, "compile", path, "--target", target.flowc]
    flowc += ["--datastore", "s3://mfbench/flowc", "-o", out_dir]
    copy = metaflow_copy(path, workdir, label)
    out_file = os.path.join(workdir, f"mf-{label}.out")
    command = [part.replace("{out}", out_file) for part in target.metaflow]
    theirs_argv = [*launch.python, copy, "--no-pylint", *command]
    written = out_file if target.metaflow_writes_file else None
    env = {**env, **dict(launch.env)}
    ours, theirs = medians(
        repeat,
        lambda: measure(flowc, env, os.path.dirname(path), out_dir),
        lambda: measure(theirs_argv, env, os.path.dirname(copy), written),
    )
    print(
        f"  {label}: flowc {ours.seconds:.2f}s, metaflow {theirs.seconds:.2f}s", file=sys.stderr, flush=True
    )
    return label, ours, theirs


def _ratio(ours: float, theirs: float, ok: bool) -> str:
    return f"{theirs / ours:.1f}x" if ok else "-"


def _print(rows: list[tuple[str, Run, Run]], target: str) -> None:
    print(f"\n| flow ({target}) | flowc s | metaflow s | wall speed-up | CPU speed-up |", end="")
    print(" flowc bytes | metaflow bytes | flowc RSS MB | metaflow RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, ours, theirs in rows:
        ok = theirs.ok and ours.ok
        mf_time = f"{theirs.seconds:.2f}" if theirs.ok else f"failed ({theirs.seconds:.1f}s)"
        print(
            f"| {label} | {ours.seconds:.2f} | {mf_time} | {_ratio(ours.seconds, theirs.seconds, ok)} | "
            f"{_ratio(ours.cpu, theirs.cpu, ok)} | {ours.output_bytes:,} | "
            f"{theirs.output_bytes if theirs.ok else 0:,} | {ours.rss_mb:.0f} | {theirs.rss_mb:.0f} |"
        )
    times = {label: ours for label, ours, _ in rows}
    if "linear-1000" in times and "linear-100" in times:
        wall = times["linear-1000"].seconds / times["linear-100"].seconds
        cpu = times["linear-1000"].cpu / times["linear-100"].cpu
        print(f"\nflowc t(1000)/t(100) = {wall:.1f} wall, {cpu:.1f} CPU (target <= 12)")
    peak = max(ours.rss_mb for _, ours, _ in rows)
    print(f"flowc peak RSS = {peak:.0f} MB (target <= 150)")


if __name__ == "__main__":
    sys.exit(main())
