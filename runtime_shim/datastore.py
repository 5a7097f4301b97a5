"""The datastore: artifacts and task records of every run, under one root.

Layout (``docs/datastore.md``)::

    <root>/<Flow>/data/<sha[:2]>/<sha>                       artifact blobs (write-once)
    <root>/<Flow>/packages/<sha>.tgz                         code packages
    <root>/<Flow>/<run>/run.json                             run record (local runner)
    <root>/<Flow>/<run>/<step>/<task>/<attempt>/stdout.log   logs
    <root>/<Flow>/<run>/<step>/<task>/<attempt>/metadata.json  written last
    <root>/<Flow>/<run>/<step>/<task>/output.json            after a success

The same class serves the shim, the local runner and the client.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from flowc.runtime_shim import blobs
from flowc.runtime_shim.errors import DatastoreError
from flowc.runtime_shim.storage import NotFound, Storage, open_storage

#: Environment variable naming the default root.
ROOT_ENV = "FLOWC_DATASTORE"
#: Folder names under ``<root>/<Flow>/`` that are not runs (``_triggers``: the sfn event gate's markers).
NOT_RUNS = frozenset({"data", "packages", "_triggers"})


def resolve_root(root: str | None = None) -> str:
    """``root``, else ``$FLOWC_DATASTORE``, else ``./.flowc`` (made absolute)."""
    chosen = root or os.environ.get(ROOT_ENV) or ".flowc"
    if "://" in chosen and not chosen.startswith("file://"):
        return chosen.rstrip("/")
    return os.path.abspath(chosen.removeprefix("file://"))


def _dumps(doc: Any) -> bytes:
    return json.dumps(doc, indent=1, sort_keys=True, default=str).encode()


class Datastore:
    """Reads and writes blobs and task records under one root."""

    def __init__(self, root: str | None = None, storage: Storage | None = None) -> None:
        self.root = resolve_root(root)
        self.storage = storage or open_storage(self.root)
        #: Bytes of blobs actually written by this object (dedup makes it 0 for known values).
        self.bytes_written = 0

    # -- blobs ---------------------------------------------------------------

    @staticmethod
    def blob_key(flow: str, sha256: str) -> str:
        """Key of the blob with address ``sha256``."""
        return f"{flow}/data/{sha256[:2]}/{sha256}"

    def save_value(self, flow: str, value: Any) -> str:
        """Store ``value`` (once per content) and return its sha256."""
        first = blobs.encode(value)
        key = self.blob_key(flow, first.sha256)
        if self.storage.exists(key):
            return first.sha256
        data = first.in_memory()
        if data is not None:
            self.storage.put_bytes(key, data)
        else:
            with self.storage.put_stream(key) as sink:
                second = blobs.encode(value, sink)
                if second.sha256 != first.sha256:
                    raise DatastoreError(f"a value changed while it was being stored at {key}")
        self.bytes_written += first.size
        return first.sha256

    def load_value(self, flow: str, sha256: str) -> Any:
        """The value stored at ``sha256``; :class:`IntegrityError` when it was corrupted."""
        key = self.blob_key(flow, sha256)
        where = f"{self.storage.url}/{key}"
        data, path, temporary, computed = self.storage.fetch(key)
        if data is not None:
            return blobs.decode_bytes(data, sha256, where)
        assert path is not None
        try:
            return blobs.decode_file(path, sha256, where, computed)
        finally:
            if temporary:
                os.unlink(path)

    # -- task records ----------------------------------------------------------

    @staticmethod
    def task_prefix(flow: str, run: str, step: str, task: str) -> str:
        """Folder of one task (all attempts)."""
        return f"{flow}/{run}/{step}/{task}"

    def put_json(self, key: str, doc: Any) -> None:
        """Write a JSON document atomically."""
        self.storage.put_bytes(key, _dumps(doc))

    def get_json(self, key: str) -> Any:
        """A JSON document, or ``None`` when the key does not exist."""
        try:
            return json.loads(self.storage.get_bytes(key))
        except NotFound:
            return None

    def write_text(
        self, flow: str, run: str, step: str, task: str, attempt: int, name: str, text: str
    ) -> None:
        """Store a text file (a log) in an attempt's folder."""
        key = f"{self.task_prefix(flow, run, step, task)}/{attempt}/{name}"
        self.storage.put_bytes(key, text.encode("utf-8", "replace"))

    def read_text(self, flow: str, run: str, step: str, task: str, attempt: int, name: str) -> str:
        """A text file of an attempt, ``""`` when absent."""
        try:
            data = self.storage.get_bytes(f"{self.task_prefix(flow, run, step, task)}/{attempt}/{name}")
        except NotFound:
            return ""
        return data.decode("utf-8", "replace")

    def write_metadata(self, meta: dict[str, Any]) -> None:
        """Publish an attempt's metadata: the last write of a task, atomic."""
        prefix = self.task_prefix(meta["flow"], meta["run_id"], meta["step"], meta["task_id"])
        self.put_json(f"{prefix}/{meta['attempt']}/metadata.json", meta)

    def read_metadata(self, flow: str, run: str, step: str, task: str, attempt: int) -> dict[str, Any] | None:
        """An attempt's metadata, ``None`` when it was never published."""
        doc: dict[str, Any] | None = self.get_json(
            f"{self.task_prefix(flow, run, step, task)}/{attempt}/metadata.json"
        )
        return doc

    def write_output(self, doc: dict[str, Any]) -> None:
        """Publish a successful task's output document (docs/task-contract.md)."""
        prefix = self.task_prefix(doc["flow"], doc["run_id"], doc["step"], doc["task_id"])
        self.put_json(f"{prefix}/output.json", doc)

    def read_output(self, flow: str, run: str, step: str, task: str) -> dict[str, Any] | None:
        """A task's output document, ``None`` unless the task succeeded."""
        doc: dict[str, Any] | None = self.get_json(f"{self.task_prefix(flow, run, step, task)}/output.json")
        return doc

    def successful_tasks(self, flow: str, run: str, step: str, prefix: str = "") -> list[str]:
        """Ids of the tasks of ``step`` that succeeded and start with ``prefix``."""
        found = []
        base = f"{flow}/{run}/{step}/"
        for key in self.storage.list_keys(f"{flow}/{run}/{step}"):
            rest = key[len(base) :]
            task, _, name = rest.partition("/")
            if name == "output.json" and task.startswith(prefix):
                found.append(task)
        return sorted(found)

    # -- listings ----------------------------------------------------------------

    def list_flows(self) -> list[str]:
        """Names of the flows with something stored."""
        return self.storage.list_dirs("")

    def list_runs(self, flow: str) -> list[str]:
        """Ids of the runs of ``flow``."""
        return [r for r in self.storage.list_dirs(flow) if r not in NOT_RUNS]

    def list_steps(self, flow: str, run: str) -> list[str]:
        """Names of the steps with at least one task in ``run``."""
        return self.storage.list_dirs(f"{flow}/{run}")

    def list_tasks(self, flow: str, run: str, step: str) -> list[str]:
        """Ids of the tasks of ``step`` (successful or not)."""
        return self.storage.list_dirs(f"{flow}/{run}/{step}")

    def list_attempts(self, flow: str, run: str, step: str, task: str) -> list[int]:
        """Attempt numbers with a folder, ascending."""
        names = self.storage.list_dirs(self.task_prefix(flow, run, step, task))
        return sorted(int(n) for n in names if n.isdigit())

    def write_run(self, flow: str, run: str, doc: dict[str, Any]) -> None:
        """The run record written by the local runner."""
        self.put_json(f"{flow}/{run}/run.json", doc)

    def read_run(self, flow: str, run: str) -> dict[str, Any] | None:
        """The run record, ``None`` when no runner wrote one."""
        doc: dict[str, Any] | None = self.get_json(f"{flow}/{run}/run.json")
        return doc

    def iter_task_metadata(self, flow: str, run: str, step: str) -> Iterator[dict[str, Any]]:
        """Latest attempt metadata of every task of a step."""
        for task in self.list_tasks(flow, run, step):
            attempts = self.list_attempts(flow, run, step, task)
            for attempt in reversed(attempts):
                meta = self.read_metadata(flow, run, step, task, attempt)
                if meta is not None:
                    yield meta
                    break
