"""Compile time, peak RSS and output size: ``flowc compile --target sfn`` against
Metaflow's ``step-functions create --only-json``, both as fresh processes.

Usage::

    .venv/bin/python bench/compile_sfn.py [--repeat 3] [--steps 200] [--quick]

Metaflow's Step Functions compiler talks to AWS while compiling (S3 for the
code package, Batch for the job queue and one job definition per step), so
the script starts a moto server on loopback, creates the queue, role and
bucket it looks for, and points every AWS client at it with
``AWS_ENDPOINT_URL``; nothing leaves the machine.  flowc needs none of it.
Prints a Markdown table and the ratios; not a test (no timing assertions).
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
import tempfile
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
sys.path.insert(0, os.path.join(ROOT, "tests"))
ONE_MB = 1024 * 1024


@dataclass
class Run:
    seconds: float
    rss_mb: float
    output_bytes: int
    ok: bool


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_aws() -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """A moto server with what Metaflow's SFN deployer looks up, and the environment to use it."""
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
        "AWS_ENDPOINT_URL": endpoint,
        "METAFLOW_DEFAULT_DATASTORE": "s3",
        "METAFLOW_DATASTORE_SYSROOT_S3": "s3://mfbench/metaflow",
        "METAFLOW_S3_ENDPOINT_URL": endpoint,
        "METAFLOW_SFN_IAM_ROLE": "arn:aws:iam::123456789012:role/bench",
        "METAFLOW_ECS_S3_ACCESS_IAM_ROLE": "arn:aws:iam::123456789012:role/bench",
        "METAFLOW_SFN_DYNAMO_DB_TABLE": "bench",
        "METAFLOW_BATCH_JOB_QUEUE": "bench",
        "USERNAME": "bench",
    }
    for _ in range(100):
        try:
            return server, env | metaflow_sfn_setup(env)
        except Exception:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("moto server did not start")


def metaflow_sfn_setup(env: dict[str, str]) -> dict[str, str]:
    """Create, on the moto server at ``env["AWS_ENDPOINT_URL"]``, the IAM role, Batch
    compute environment and job queue ``bench`` and the bucket ``mfbench`` that
    Metaflow's SFN deployer looks up; return the settings pointing Metaflow at them.
    (Also used by bench/compile_vs_metaflow.py --target sfn.)"""
    import boto3

    session = boto3.Session(
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        region_name=env["AWS_DEFAULT_REGION"],
    )
    url = env["AWS_ENDPOINT_URL"]
    iam, ec2, batch = (session.client(s, endpoint_url=url) for s in ("iam", "ec2", "batch"))
    role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    profile = iam.create_instance_profile(InstanceProfileName="bench")["InstanceProfile"]["Arn"]
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
    resources = {"type": "EC2", "minvCpus": 0, "maxvCpus": 4, "desiredvCpus": 0, "instanceTypes": ["optimal"],
                 "subnets": [subnet], "securityGroupIds": [group], "instanceRole": profile}  # fmt: skip
    environment = batch.create_compute_environment(
        computeEnvironmentName="bench", type="MANAGED", serviceRole=role, computeResources=resources
    )["computeEnvironmentArn"]
    batch.create_job_queue(
        jobQueueName="bench", state="ENABLED", priority=1,
        computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}],
    )  # fmt: skip
    s3 = session.client("s3", endpoint_url=url)
    if "mfbench" not in {b["Name"] for b in s3.list_buckets()["Buckets"]}:
        s3.create_bucket(Bucket="mfbench")
    return {
        "METAFLOW_SFN_IAM_ROLE": role,
        "METAFLOW_ECS_S3_ACCESS_IAM_ROLE": role,
        "METAFLOW_SFN_DYNAMO_DB_TABLE": "bench",
        "METAFLOW_BATCH_JOB_QUEUE": "bench",
    }


def measure(argv: list[str], env: dict[str, str], cwd: str, out_dir: str | None) -> Run:
    """Run ``argv`` once: wall time, peak RSS, output size (stdout or ``out_dir``)."""
    from launch import launch

    done = launch(argv, env, cwd)
    size = done.stdout_bytes
    if out_dir is not None:
        size = os.path.getsize(os.path.join(out_dir, "state-machine.json")) if os.path.isdir(out_dir) else 0
    return Run(done.seconds, done.rss_mb, size, done.ok)


def median(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.seconds for r in runs),
        max(r.rss_mb for r in runs),
        runs[-1].output_bytes,
        all(r.ok for r in runs),
    )


def flows(workdir: str, steps: int, quick: bool) -> list[tuple[str, str, str]]:
    """``(label, flowc file, metaflow file)`` for each flow, each in its own directory."""
    import flowgen

    sources = (
        [] if quick else [p for p in sorted(os.listdir(os.path.join(ROOT, "examples"))) if p.endswith(".py")]
    )
    found = []
    for name in sources:
        with open(os.path.join(ROOT, "examples", name), encoding="utf-8") as handle:
            found.append((name[:-3], handle.read()))
    found.append((f"linear-{steps}", flowgen.linear_flow(steps)))
    out = []
    for label, text in found:
        folder = os.path.join(workdir, label)
        shutil.copytree(os.path.join(ROOT, "examples", "data"), os.path.join(folder, "data"))
        ours = os.path.join(folder, "flow.py")
        theirs = os.path.join(folder, "mf_flow.py")
        with open(ours, "w", encoding="utf-8") as handle:
            handle.write(text)
        with open(theirs, "w", encoding="utf-8") as handle:
            handle.write(_as_metaflow(text))
        out.append((label, ours, theirs))
    return out


def _as_metaflow(text: str) -> str:
    """The same flow importing ``metaflow`` (the authoring APIs match)."""
    text = re.sub(r"^from flowc import", "from metaflow import", text, flags=re.M)
    if "__main__" not in text:
        (name,) = re.findall(r"^class (\w+)\(", text, flags=re.M)[-1:]
        text += f'\n\nif __name__ == "__main__":\n    {name}()\n'
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="flowc runs per flow (median reported)")
    parser.add_argument("--metaflow-repeat", type=int, default=1, help="Metaflow runs per flow")
    parser.add_argument("--steps", type=int, default=200, help="size of the generated linear flow")
    parser.add_argument("--quick", action="store_true", help="only the generated flow")
    args = parser.parse_args()
    server, aws = start_aws()
    env = {**os.environ, **aws}
    workdir = tempfile.mkdtemp(prefix="flowc-bench-sfn-")
    rows = []
    try:
        for label, ours_path, theirs_path in flows(workdir, args.steps, args.quick):
            folder = os.path.dirname(ours_path)
            out = os.path.join(folder, "out")
            flowc = [os.path.join(BIN, "flowc"), "compile", ours_path, "--target", "sfn"]
            flowc += ["--datastore", "s3://mfbench/flowc", "-o", out]
            ours = median([measure(flowc, env, folder, out) for _ in range(args.repeat)])
            mf = [sys.executable, theirs_path, "--no-pylint", "step-functions", "create", "--only-json"]
            theirs = median([measure(mf, env, folder, None) for _ in range(args.metaflow_repeat)])
            print(f"  {label}: flowc {ours.seconds:.2f}s, metaflow {theirs.seconds:.2f}s", file=sys.stderr)
            rows.append((label, ours, theirs))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    _print(rows)
    return 0


def _print(rows: list[tuple[str, Run, Run]]) -> None:
    print(
        "\n| flow (sfn) | flowc s | metaflow s | speed-up | flowc bytes | metaflow bytes | flowc RSS MB | metaflow RSS MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, ours, theirs in rows:
        ratio = f"{theirs.seconds / ours.seconds:.1f}x" if ours.ok and theirs.ok else "-"
        mf = f"{theirs.seconds:.2f}" if theirs.ok else "rejects the flow"
        over = " (> 1 MB)" if theirs.output_bytes > ONE_MB else ""
        print(
            f"| {label} | {ours.seconds:.2f} | {mf} | {ratio} | {ours.output_bytes:,} | "
            f"{theirs.output_bytes:,}{over} | {ours.rss_mb:.0f} | {theirs.rss_mb:.0f} |"
        )
    big = rows[-1][1]
    print(
        f"\nflowc {rows[-1][0]}: {big.seconds:.2f} s (target < 1 s), peak RSS {big.rss_mb:.0f} MB (target < 150 MB)"
    )


if __name__ == "__main__":
    sys.exit(main())
