"""``from metaflow import S3`` under flowc, against the real SeaweedFS server (never a mock).

Unit tests call each method of :class:`flowc.runtime_shim.s3.S3` directly;
the end-to-end tests run flows with ``flowc run`` on an ``s3://`` datastore
(one step puts, the next gets through ``S3(run=self)``) and on a local one
(a one-line error).
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import SeaweedFS
from flowc.runtime_shim.s3 import S3
from flowc.runtime_shim.s3object import (
    MetaflowS3InvalidObject,
    MetaflowS3NotFound,
    MetaflowS3URLException,
)
from flowc.transpile import analyze_source

from flowc.client import Flow


@pytest.fixture
def root(s3_server: SeaweedFS, s3_env: dict[str, str]) -> str:
    """A fresh, empty ``s3://`` prefix on the session's server."""
    return f"s3://{s3_server.bucket}/s3helper-{uuid.uuid4().hex[:10]}"


def raw_get(server: SeaweedFS, url: str) -> bytes:
    """An object's bytes read with plain boto3, bypassing the helper."""
    bucket, _, key = url[len("s3://") :].partition("/")
    body: bytes = server.client().get_object(Bucket=bucket, Key=key)["Body"].read()
    return body


# --- writing ----------------------------------------------------------------------------------


def test_put_str_and_bytes_returns_the_url_and_stores_the_bytes(root: str, s3_server: SeaweedFS) -> None:
    with S3(s3root=root + "/") as s3:
        url = s3.put("a/text.txt", "héllo")
        assert url == f"{root}/a/text.txt"
        assert s3.put("blob", b"\x00\x01") == f"{root}/blob"
    assert raw_get(s3_server, url) == "héllo".encode()
    assert raw_get(s3_server, f"{root}/blob") == b"\x00\x01"


def test_put_without_overwrite_keeps_the_first_value(root: str) -> None:
    with S3(s3root=root) as s3:
        s3.put("k", "first")
        s3.put("k", "second", overwrite=False)
        assert s3.get("k").text == "first"
        s3.put("k", "third")
        assert s3.get("k").text == "third"


def test_put_refuses_other_objects(root: str) -> None:
    with S3(s3root=root) as s3, pytest.raises(MetaflowS3InvalidObject, match="'k'"):
        s3.put("k", 42)


def test_put_many_and_put_files(root: str, tmp_path: Path) -> None:
    local = tmp_path / "data.csv"
    local.write_bytes(b"x,y\n1,2\n")
    with S3(s3root=root) as s3:
        many = s3.put_many([("m/1", "one"), ("m/2", b"two")])
        assert many == [("m/1", f"{root}/m/1"), ("m/2", f"{root}/m/2")]
        files = s3.put_files([("f/data.csv", str(local))])
        assert files == [("f/data.csv", f"{root}/f/data.csv")]
        assert [o.blob for o in s3.get_many(["m/1", "m/2", "f/data.csv"])] == [b"one", b"two", b"x,y\n1,2\n"]
        with pytest.raises(MetaflowS3NotFound, match=r"nope\.csv"):
            s3.put_files([("f/x", str(tmp_path / "nope.csv"))])


def test_put_stores_content_type_and_metadata(root: str) -> None:
    with S3(s3root=root) as s3:
        s3.put("meta", "{}", content_type="application/json", metadata={"owner": "ml"})
        info = s3.info("meta")
    assert (info.content_type, info.metadata, info.size) == ("application/json", {"owner": "ml"}, 2)
    assert info.has_info and not info.downloaded and info.last_modified


# --- reading ----------------------------------------------------------------------------------


def test_get_gives_text_blob_path_key_url_size(root: str) -> None:
    with S3(s3root=root) as s3:
        s3.put("dir/obj.txt", "content")
        obj = s3.get("dir/obj.txt")
        assert (obj.key, obj.url, obj.size, obj.exists) == ("dir/obj.txt", f"{root}/dir/obj.txt", 7, True)
        assert obj.text == "content" and obj.blob == b"content" and obj.downloaded
        assert obj.path is not None and Path(obj.path).read_bytes() == b"content"
        path = obj.path
    assert not os.path.exists(path), "leaving the with block removes downloads"


def test_get_missing_raises_or_returns_a_missing_object(root: str) -> None:
    with S3(s3root=root) as s3:
        with pytest.raises(MetaflowS3NotFound, match="absent"):
            s3.get("absent")
        missing = s3.get("absent", return_missing=True)
        assert (missing.exists, missing.downloaded, missing.text, missing.size) == (False, False, None, None)
        assert missing.key == "absent"
        s3.put("here", "1")
        found, lost = s3.get_many(["here", "gone"], return_missing=True)
        assert (found.text, lost.exists) == ("1", False)
        with pytest.raises(MetaflowS3NotFound):
            s3.get_many(["here", "gone"])
        assert not s3.info("gone", return_missing=True).exists
        with pytest.raises(MetaflowS3NotFound):
            s3.info("gone")


def test_listing_and_get_all(root: str) -> None:
    with S3(s3root=root) as s3:
        s3.put_many([("a/0.txt", "0"), ("a/b/1.txt", "1"), ("a/c/d/2.txt", "2"), ("f/3.txt", "3")])
        top = {(o.key, o.exists) for o in s3.list_paths()}
        assert top == {("a", False), ("f", False)}
        under = {(o.key, o.exists, o.size) for o in s3.list_paths(["a"])}
        assert under == {("0.txt", True, 1), ("b", False, None), ("c", False, None)}
        assert sorted(o.key for o in s3.list_recursive()) == [
            "a/0.txt",
            "a/b/1.txt",
            "a/c/d/2.txt",
            "f/3.txt",
        ]
        assert sorted(o.url for o in s3.list_recursive(["a/c"])) == [f"{root}/a/c/d/2.txt"]
        everything = {o.key: o.text for o in s3.get_all()}
        assert everything == {"a/0.txt": "0", "a/b/1.txt": "1", "a/c/d/2.txt": "2", "f/3.txt": "3"}
        assert {o.key: o.text for o in s3.get_recursive(["a/b"])} == {"1.txt": "1"}
        assert s3.info_many(["f/3.txt"])[0].size == 1


def test_bucket_and_prefix_is_the_same_root(root: str, s3_server: SeaweedFS) -> None:
    prefix = root.split("/", 3)[3]
    with S3(s3root=root) as s3:
        s3.put("x", "via s3root")
    with S3(bucket=s3_server.bucket, prefix="/" + prefix + "/") as s3:
        assert s3.get("x").text == "via s3root"


def test_full_urls_without_a_root(root: str) -> None:
    with S3() as s3:
        assert s3.put(f"{root}/full", "u") == f"{root}/full"
        obj = s3.get(f"{root}/full")
        assert (obj.key, obj.url, obj.text) == (f"{root}/full", f"{root}/full", "u")
        with pytest.raises(MetaflowS3URLException, match="not a full s3:// URL"):
            s3.get("relative")
        with pytest.raises(MetaflowS3URLException, match="get_all"):
            s3.get_all()
    with S3(s3root=root) as s3, pytest.raises(MetaflowS3URLException, match="relative"):
        s3.get(f"{root}/full")


def test_bad_roots_are_refused() -> None:
    with pytest.raises(MetaflowS3URLException, match="s3root"):
        S3(s3root="/local/folder")
    with pytest.raises(MetaflowS3URLException, match="running step"):
        from flowc.runtime_shim.api import FlowSpec

        S3(run=FlowSpec(use_cli=False))


def test_s3_run_of_a_client_run_reads_what_the_flow_wrote(s3_flow_run: tuple[str, str]) -> None:
    datastore, _output = s3_flow_run
    run = Flow("S3HelperFlow", datastore=datastore)["5"]
    with S3(run=run) as s3:
        assert s3.get("greeting.txt").text == "hello from start"
    bucket = datastore[len("s3://") :].split("/")[0]
    with S3(run=run, bucket=bucket, prefix="elsewhere") as s3:
        assert s3.put("k", "v") == f"s3://{bucket}/elsewhere/S3HelperFlow/5/k"


# --- flowc check ------------------------------------------------------------------------------


def test_flowc_check_accepts_s3() -> None:
    source = "import metaflow\nfrom flowc import S3 as S3b\nX = metaflow.S3\n" + FLOW
    assert [p.format() for p in analyze_source(source, "flow.py").problems] == []


# --- flowc run, end to end --------------------------------------------------------------------

FLOW = """\
from metaflow import FlowSpec, S3, step


class S3HelperFlow(FlowSpec):
    @step
    def start(self):
        with S3(run=self) as s3:
            self.url = s3.put("greeting.txt", "hello from start")
            s3.put_many([("parts/%d" % i, str(i * i)) for i in range(3)])
        self.next(self.end)

    @step
    def end(self):
        with S3(run=self) as s3:
            self.greeting = s3.get("greeting.txt").text
            self.parts = sorted((o.key, o.text) for o in s3.get_all() if o.key.startswith("parts/"))
            self.missing = s3.get("nothing", return_missing=True).exists
        print("got", self.greeting)
"""


def flowc_run(tmp_path: Path, datastore: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "s3flow.py").write_text(FLOW)
    command = [
        sys.executable,
        "-m",
        "flowc.cli",
        "run",
        "s3flow.py",
        "--datastore",
        datastore,
        "--run-id",
        "5",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=tmp_path)


@pytest.fixture
def s3_flow_run(root: str, tmp_path: Path) -> tuple[str, str]:
    done = flowc_run(tmp_path, root)
    assert done.returncode == 0, done.stdout + done.stderr
    return root, done.stdout + done.stderr


def test_flow_puts_in_one_step_and_gets_in_the_next(
    s3_flow_run: tuple[str, str], s3_server: SeaweedFS
) -> None:
    datastore, output = s3_flow_run
    assert "got hello from start" in output
    run = Flow("S3HelperFlow", datastore=datastore)["5"]
    assert run.successful
    expected_url = f"{datastore}/S3HelperFlow/data/s3/5/greeting.txt"
    data: Any = run.data
    assert (data.url, data.greeting, data.missing) == (expected_url, "hello from start", False)
    assert data.parts == [("parts/0", "0"), ("parts/1", "1"), ("parts/2", "4")]
    assert raw_get(s3_server, expected_url) == b"hello from start"
    assert sorted(step.id for step in run.steps()) == ["end", "start"], "the helper's folder is no step"


def test_s3_run_self_on_a_local_datastore_is_one_clear_line(tmp_path: Path) -> None:
    done = flowc_run(tmp_path, str(tmp_path / "ds"))
    assert done.returncode != 0
    output = done.stdout + done.stderr
    lines = [line for line in output.splitlines() if "S3(run=self) needs an s3:// datastore" in line]
    assert lines, output
    assert f"the local folder {tmp_path / 'ds'}: run with --datastore s3://BUCKET/PREFIX" in lines[0]
    assert any("s3flow.py:7: MetaflowS3URLException: S3(run=self) needs" in line for line in lines), output


def test_code_package_metaflow_alias_has_s3(tmp_path: Path) -> None:
    """Task images get ``S3`` from the package's ``metaflow`` alias, without boto3 at import."""
    import io
    import tarfile

    from flowc.runtime_shim.package import build_package

    source = tmp_path / "src"
    source.mkdir()
    (source / "flow.py").write_text("X = 1\n")
    data, _ = build_package(str(source))
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(tmp_path / "image", filter="data")
    code = "import sys; sys.path.insert(0, sys.argv[1])\nfrom metaflow import S3\nprint(S3.__module__)\n"
    done = subprocess.run(  # -S: no site-packages, so neither Metaflow nor boto3 can help
        [sys.executable, "-S", "-c", code, str(tmp_path / "image/_flowc")],
        cwd=tmp_path,
        env={},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "flowc.runtime_shim.s3"), done.stderr


def test_the_api_imports_boto3_only_on_first_request() -> None:
    probe = "import sys, flowc.runtime_shim.api\nprint('boto3' in sys.modules, 'botocore' in sys.modules)\n"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["False", "False"], done.stderr


def test_s3_objects_pickle_as_artifacts(root: str) -> None:
    """Flows keep listings as artifacts (``self.files = s3.list_paths()``) and get them later."""
    import pickle

    with S3(s3root=root) as s3:
        s3.put_many([("p/a", "1"), ("p/b", "2")])
        listed = pickle.loads(pickle.dumps(s3.list_recursive(["p"])))
        assert sorted((o.key, o.size) for o in listed) == [("a", 1), ("b", 1)]
    with S3() as s3:
        assert sorted(o.text or "" for o in s3.get_many(o.url for o in listed)) == ["1", "2"]
    with S3(s3root=root + "/p") as s3:
        assert [o.text for o in s3.get_many(sorted(listed, key=lambda o: o.key))] == ["1", "2"]
