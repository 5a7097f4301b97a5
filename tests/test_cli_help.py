"""``flowc --help`` and every command's ``--help`` work (commands are discovered from modules)."""

from __future__ import annotations

import re
import subprocess
import sys


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False
    )


def test_top_level_help_lists_the_commands_and_each_one_loads() -> None:
    done = flowc("--help")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    listed = re.findall(r"^  (\w[\w-]*)  ", done.stdout.split("Commands:")[1], flags=re.M)
    assert {"check", "compile", "graph", "run", "resume", "push", "task", "card"} <= set(listed)
    for name in listed:
        sub = flowc(name, "--help")
        assert sub.returncode == 0 and "Traceback" not in sub.stderr, (name, sub.stderr)
        assert "usage:" in sub.stdout.lower() and name in sub.stdout, (name, sub.stdout)
