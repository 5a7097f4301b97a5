"""The content-addressed datastore on a local folder and on S3 (SeaweedFS)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from flowc.runtime_shim import blobs
from flowc.runtime_shim.datastore import Datastore, resolve_root
from flowc.runtime_shim.errors import DatastoreError, IntegrityError

VALUES: list[Any] = [
    0,
    3.5,
    "text",
    None,
    [1, {"a": (2, 3)}],
    b"\x00\xff" * 10,
    {"nested": {"x": [1.5] * 1000}},
]


def blob_keys(ds: Datastore, flow: str) -> list[str]:
    return sorted(k for k in ds.storage.list_keys(f"{flow}/data"))


@pytest.mark.parametrize("value", VALUES, ids=lambda v: type(v).__name__)
def test_round_trip(datastore_root: str, value: Any) -> None:
    ds = Datastore(datastore_root)
    sha = ds.save_value("F", value)
    assert Datastore(datastore_root).load_value("F", sha) == value
    assert blob_keys(ds, "F") == [f"F/data/{sha[:2]}/{sha}"]


def test_identical_values_are_stored_once(datastore_root: str) -> None:
    ds = Datastore(datastore_root)
    first = ds.save_value("F", list(range(10_000)))
    written = ds.bytes_written
    assert written > 0
    again = Datastore(datastore_root)
    assert again.save_value("F", list(range(10_000))) == first and again.bytes_written == 0
    assert len(blob_keys(ds, "F")) == 1


def test_address_is_the_sha256_of_the_stored_bytes(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path))
    sha = ds.save_value("F", "x" * 100_000)
    stored = (tmp_path / "F" / "data" / sha[:2] / sha).read_bytes()
    assert hashlib.sha256(stored).hexdigest() == sha
    assert stored[:1] == b"\x78"  # compressible: a zlib stream
    raw = ds.save_value("F", os.urandom(2 << 20))
    assert (tmp_path / "F" / "data" / raw[:2] / raw).read_bytes()[:1] == b"\x80"  # random: a plain pickle


@pytest.mark.parametrize("kind", ["random", "compressible"])
def test_large_values_stream_through_files(datastore_root: str, kind: str) -> None:
    size = 70 << 20  # above the spill size and the S3 multipart threshold
    value = os.urandom(size) if kind == "random" else b"0123456789abcdef" * (size // 16)
    ds = Datastore(datastore_root)
    writer = blobs.encode(value)
    assert (writer.in_memory() is None) == (kind == "random")  # random: encoded again, into the storage
    sha = ds.save_value("F", value)
    assert sha == writer.sha256 and ds.bytes_written == writer.size
    assert Datastore(datastore_root).load_value("F", sha) == value


class Shifty:
    """A large value that pickles differently every time."""

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (bytes, (os.urandom(20 << 20),))


def test_a_value_changing_while_stored_leaves_nothing(datastore_root: str) -> None:
    ds = Datastore(datastore_root)
    with pytest.raises(DatastoreError, match="changed while it was being stored"):
        ds.save_value("F", Shifty())
    assert blob_keys(ds, "F") == []
    if not datastore_root.startswith("s3://"):
        assert [p.name for p in Path(datastore_root).rglob("*") if p.is_file()] == []


def test_large_values_are_never_held_twice(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path))
    for value in (os.urandom(48 << 20), b"abc" * (16 << 20)):
        tracemalloc.start()
        sha = ds.save_value("F", value)
        _, saving = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        tracemalloc.start()
        loaded = ds.load_value("F", sha)
        _, loading = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert loaded == value
        assert saving < 0.5 * len(value), saving  # the value itself is not traced: only what saving added
        assert loading < 1.3 * len(value), loading  # the loaded copy, plus buffers


def test_corrupted_blob_raises_integrity_error(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path))
    sha = ds.save_value("F", {"weights": [1, 2, 3]})
    path = tmp_path / "F" / "data" / sha[:2] / sha
    path.write_bytes(path.read_bytes()[:-1] + b"!")
    with pytest.raises(IntegrityError, match=f"F/data/{sha[:2]}/{sha} is corrupted"):
        ds.load_value("F", sha)


def test_json_documents_are_written_atomically(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path))
    meta = {"flow": "F", "run_id": "r", "step": "s", "task_id": "t", "attempt": 0, "status": "ok"}
    ds.write_metadata(meta)
    assert ds.read_metadata("F", "r", "s", "t", 0) == meta
    assert ds.read_metadata("F", "r", "s", "t", 1) is None
    leftovers = [p for p in tmp_path.rglob("*") if p.name.startswith(".tmp-")]
    assert leftovers == []


def test_root_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOWC_DATASTORE", raising=False)
    assert resolve_root() == str(tmp_path / ".flowc")
    monkeypatch.setenv("FLOWC_DATASTORE", "s3://bucket/prefix/")
    assert resolve_root() == "s3://bucket/prefix"
    assert resolve_root("other") == str(tmp_path / "other")
    assert resolve_root("file:///data/x") == "/data/x"


SHARED = [list(range(50_000)), "the same text", os.urandom(0) + b"\x01" * (3 << 20)]


def _writer(args: tuple[str, int]) -> list[str]:
    root, seed = args
    ds = Datastore(root)
    # every writer stores the shared values, interleaved with one value of its own
    shas = [ds.save_value("F", value) for value in SHARED]
    shas.append(ds.save_value("F", f"own value {seed}"))
    return shas


def test_hundred_concurrent_writers_store_each_blob_once(datastore_root: str) -> None:
    context = multiprocessing.get_context("fork")
    with context.Pool(100) as pool:
        results = pool.map(_writer, [(datastore_root, n) for n in range(100)], chunksize=1)
    shared = {tuple(r[:3]) for r in results}
    assert len(shared) == 1
    own = {r[3] for r in results}
    assert len(own) == 100
    ds = Datastore(datastore_root)
    keys = blob_keys(ds, "F")
    assert len(keys) == 103 and len(set(keys)) == 103
    for sha, value in zip(results[0][:3], SHARED, strict=True):
        assert ds.load_value("F", sha) == value
    assert {ds.load_value("F", sha) for sha in own} == {f"own value {n}" for n in range(100)}


def test_folders_that_are_not_runs_are_not_listed_as_runs(tmp_path: Path) -> None:
    ds = Datastore(str(tmp_path))
    for folder in ("r1", "data", "packages", "_triggers"):
        (tmp_path / "F" / folder).mkdir(parents=True)
        (tmp_path / "F" / folder / "x").write_text("x")
    assert ds.list_runs("F") == ["r1"]
