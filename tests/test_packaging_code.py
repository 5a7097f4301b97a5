"""Code packages: the hand-written tar.gz writer and byte-for-byte determinism."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest
from flowc.runtime_shim.package import LEVEL, build_package, sha256_hex
from flowc.runtime_shim.tarball import tar_gz
from hypothesis import given, settings
from hypothesis import strategies as st


def reference_gzip(raw: bytes, level: int) -> bytes:
    """What ``gzip.GzipFile`` writes with no time and no name (``gzip.compress`` puts the host's OS byte)."""
    packed = io.BytesIO()
    with gzip.GzipFile(fileobj=packed, mode="wb", mtime=0, filename="", compresslevel=level) as out:
        out.write(raw)
    return packed.getvalue()


def reference_tar(entries: list[tuple[str, bytes, int]]) -> bytes:
    """What ``tarfile`` writes in PAX format for the same members."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, mode in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = mode
            tar.addfile(info, io.BytesIO(data))
    return raw.getvalue()


NAMES = st.text(st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=260)
ENTRIES = st.lists(
    st.tuples(NAMES, st.binary(max_size=1100), st.sampled_from([0o644, 0o755, 0o600])),
    max_size=6,
    unique_by=lambda e: e[0],
)


@settings(max_examples=150, deadline=None)
@given(ENTRIES, st.sampled_from([1, 6, 9]))
def test_tarball_is_what_tarfile_and_gzip_write(entries: list[tuple[str, bytes, int]], level: int) -> None:
    raw = reference_tar(entries)
    packed = tar_gz(entries, level)
    assert gzip.decompress(packed) == raw
    assert packed == reference_gzip(raw, level)


@pytest.mark.parametrize("length", [99, 100, 101, 155, 300])
@pytest.mark.parametrize("size", [0, 511, 512, 513])
def test_long_names_and_block_edges_round_trip(length: int, size: int) -> None:
    name = "d/" + "n" * (length - 2)
    data = bytes(range(256)) * 3
    packed = tar_gz([(name, data[:size], 0o755)], LEVEL)
    with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as tar:
        (member,) = tar.getmembers()
        assert (member.name, member.size, member.mode, member.mtime) == (name, size, 0o755, 0)
        assert (member.uid, member.gid, member.uname, member.gname) == (0, 0, "", "")
        extracted = tar.extractfile(member)
        assert extracted is not None and extracted.read() == data[:size]


def test_a_name_that_is_not_utf8_keeps_its_bytes() -> None:
    name = b"caf\xe9.py".decode("utf-8", "surrogateescape")
    assert gzip.decompress(tar_gz([(name, b"x", 0o644)], 1)) == reference_tar([(name, b"x", 0o644)])


def _flow_dir(root: Path, order: list[str], mtime: int, mode: int) -> Path:
    files = {"flow.py": "X = 1\n", "lib/util.py": "Y = 2\n", "lib/data.py": "Z = 3\n", "notes.txt": "skip\n"}
    for rel in order:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[rel])
        os.chmod(path, mode)
        os.utime(path, (mtime, mtime))
    (root / "run.py").write_text("print(1)\n")
    os.chmod(root / "run.py", 0o755)
    return root


def test_same_sources_give_the_same_bytes_whatever_mtimes_order_and_permissions(tmp_path: Path) -> None:
    names = ["flow.py", "lib/util.py", "lib/data.py", "notes.txt"]
    one = _flow_dir(tmp_path / "a", names, 1_000_000, 0o644)
    two = _flow_dir(tmp_path / "b", names[::-1], 2_000_000, 0o664)
    data_one, sha_one = build_package(str(one))
    data_two, sha_two = build_package(str(two))
    assert data_one == data_two and sha_one == sha_two
    assert sha_one == hashlib.sha256(data_one).hexdigest()
    with tarfile.open(fileobj=io.BytesIO(data_one), mode="r:gz") as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert [m.name for m in members.values()] == sorted(members)
    assert members["run.py"].mode == 0o755 and members["flow.py"].mode == 0o644
    assert "lib/util.py" in members and "notes.txt" not in members
    assert "_flowc/flowc/runtime_shim/tarball.py" in members


def test_a_changed_file_changes_the_hash(tmp_path: Path) -> None:
    source = _flow_dir(tmp_path / "a", ["flow.py"], 0, 0o644)
    _, before = build_package(str(source))
    (source / "flow.py").write_text("X = 2\n")
    _, after = build_package(str(source))
    assert before != after


def test_sha256_hex_matches_hashlib() -> None:
    for data in (b"", b"abc", bytes(100_000)):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
