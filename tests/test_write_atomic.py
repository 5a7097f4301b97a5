"""Generated files are replaced atomically, with the umask's permissions, leaving nothing behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from flowc.commands._common import write_atomic


def test_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "workflow-template.yaml"
    write_atomic(str(target), b"old\n")
    write_atomic(str(target), b"new\n")
    assert target.read_bytes() == b"new\n"
    assert os.listdir(target.parent) == ["workflow-template.yaml"]


def test_permissions_follow_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(str(tmp_path / "a.yaml"), b"x")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.yaml").stat().st_mode) == 0o644


def test_a_leftover_of_a_killed_run_does_not_block_writing(tmp_path: Path) -> None:
    leftover = tmp_path / f".a.yaml.{os.getpid()}.flowc-tmp"
    leftover.write_bytes(b"half")
    write_atomic(str(tmp_path / "a.yaml"), b"whole")
    assert (tmp_path / "a.yaml").read_bytes() == b"whole"
    assert not leftover.exists()


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "a.yaml"
    target.write_bytes(b"old")

    with pytest.raises(TypeError):
        write_atomic(str(target), "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["a.yaml"]
