"""What a code package carries for a task image without flowc installed."""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

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
