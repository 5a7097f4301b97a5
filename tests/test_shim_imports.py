"""The runtime shim runs in task containers: it must not import the compiler's dependencies.

Each module is imported in a fresh interpreter, so one module's imports
cannot hide behind another's.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import pytest

#: Compiler-side dependencies the shim must never import.
FORBIDDEN_IN_SHIM = ("libcst", "jinja2", "networkx", "click")


def _shim_modules() -> list[str]:
    import flowc.runtime_shim

    names = ["flowc.runtime_shim"]
    for info in pkgutil.walk_packages(flowc.runtime_shim.__path__, "flowc.runtime_shim."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


@pytest.mark.parametrize("module", _shim_modules())
def test_runtime_shim_imports_no_compiler_dependency(module: str) -> None:
    probe = (
        "import importlib, json, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN_IN_SHIM!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [], f"importing {module} loads compiler dependencies"


def test_the_shim_probe_can_fail() -> None:
    """The probe above does see a forbidden import when one happens."""
    probe = "import json, sys, flowc.transpile\nprint(json.dumps('libcst' in sys.modules))\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert json.loads(result.stdout) is True


def test_shim_entry_point_imports_no_compiler_dependency() -> None:
    """``python -m flowc.runtime_shim`` (what task containers run), as far as its --help."""
    probe = (
        "import json, runpy, sys\n"
        "sys.argv = ['flowc.runtime_shim', '--help']\n"
        "try:\n"
        "    runpy.run_module('flowc.runtime_shim', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps(sorted(m for m in {FORBIDDEN_IN_SHIM!r} if m in sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
