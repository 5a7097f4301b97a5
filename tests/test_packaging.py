"""Packaging: a real (non-editable) install works and nothing of the user's shadows it.

The three code folders live at the top of the repository but install as
``flowc.transpile``, ``flowc.backends`` and ``flowc.runtime_shim``; these
tests catch a package missing from ``pyproject.toml`` or shadowed by a
user's own folders (``tests/test_shim_imports.py`` checks what the shim imports).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flowc installed from a built wheel into a bare target folder."""
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
            "--no-index", "--target", str(target), str(ROOT),
        ],
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return target


def _decoy(folder: Path) -> None:
    """User code with the names of our top-level folders, which must not be imported."""
    for name in ("backends", "transpile", "runtime_shim"):
        package = folder / name
        package.mkdir()
        (package / "__init__.py").write_text(f"DECOY = {name!r}\n")


_PROBE = """
import json, sys
import flowc, flowc.transpile, flowc.backends, flowc.backends.registry, flowc.runtime_shim
import flowc.cli
import backends, transpile
print(json.dumps({
    "flowc": flowc.__file__,
    "transpile": flowc.transpile.__file__,
    "backends": flowc.backends.__file__,
    "registry": flowc.backends.registry.__file__,
    "runtime_shim": flowc.runtime_shim.__file__,
    "decoy": [backends.DECOY, transpile.DECOY],
}))
"""


def test_wheel_install_imports_and_is_not_shadowed(installed: Path, tmp_path: Path) -> None:
    _decoy(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    # "-c" puts the working directory (holding the decoys) first on sys.path.
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, cwd=tmp_path, env=env, check=False
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found.pop("decoy") == ["backends", "transpile"]
    for name, file in found.items():
        assert Path(file).is_relative_to(installed), f"{name} imported from {file}, not the installed copy"


def test_installed_copy_analyses_an_example(installed: Path, tmp_path: Path) -> None:
    _decoy(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    example = ROOT / "examples" / "mixed_shapes.py"
    result = subprocess.run(
        [sys.executable, "-m", "flowc.cli", "graph", str(example)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["flow"] == "MixedShapesFlow"


def test_installed_copy_ships_typing_marker_and_package_data(installed: Path) -> None:
    for package in ("flowc", "flowc/transpile", "flowc/backends", "flowc/runtime_shim"):
        assert (installed / package / "py.typed").exists(), package


def _folder_to_package() -> dict[str, str]:
    mapping: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
    return {folder: package for package, folder in mapping.items()}


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    expected = set()
    for folder, package in _folder_to_package().items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            if "__pycache__" in relative.parts:
                continue
            expected.add(".".join([package, *relative.parts]))
    missing = sorted(expected - listed)
    assert not missing, f"add to [tool.setuptools] packages in pyproject.toml: {missing}"
    assert sorted(listed - expected) == [], "pyproject lists packages that do not exist"
