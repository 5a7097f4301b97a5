"""What a code package carries for a task image without flowc installed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from flowc.runtime_shim.bootstrap import bootstrap_command
from flowc.runtime_shim.package import build_package


def test_package_ships_flowc_cards_importable_with_the_standard_library(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "flow.py").write_text("X = 1\n")
    data, _ = build_package(str(source))
    image = tmp_path / "image"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(image, filter="data")
    assert (image / "_flowc/flowc/cards.py").is_file()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from flowc.cards import Markdown, Table; import flowc.cards as c; "
        "print(c.__file__); print(type(Markdown('x')).__module__)"
    )
    # -S: no site-packages, so only the unpacked package can provide flowc.
    done = subprocess.run(
        [sys.executable, "-S", "-c", code, str(image / "_flowc")],
        cwd=tmp_path, env={}, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    origin, module = done.stdout.splitlines()
    assert Path(origin).resolve() == (image / "_flowc/flowc/cards.py").resolve()
    assert module == "flowc.runtime_shim.cards.components"


BOOT_FLOW = """
from metaflow import FlowSpec, step


class BootFlow(FlowSpec):
    @step
    def start(self):
        if open("mode.txt").read() == "fail":
            raise ValueError("asked to fail")
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.mark.parametrize(("mode", "right_hash", "code"), [("ok", True, 0), ("fail", True, 1), ("ok", False, 3)])
def test_bootstrap_deletes_its_unpacked_package_and_keeps_the_exit_code(
    tmp_path: Path, mode: str, right_hash: bool, code: int
) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "boot.py").write_text(BOOT_FLOW)
    work = tmp_path / "work"
    work.mkdir()
    (work / "mode.txt").write_text(mode)
    data, sha = build_package(str(source))
    package = tmp_path / "package.tgz"
    package.write_bytes(data)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    args = ["task", "--datastore", str(tmp_path / "ds"), "--flow-file", "boot.py", "--flow", "BootFlow"]
    args += ["--run-id", "r", "--step", "start", "--task-id", "t"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"TMPDIR": str(scratch)}
    done = subprocess.run(
        bootstrap_command(str(package), sha if right_hash else "0" * 64, args, python=sys.executable),
        cwd=work, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == code, done.stderr
    if code == 1:
        assert "asked to fail" in done.stderr
    assert list(scratch.iterdir()) == []
