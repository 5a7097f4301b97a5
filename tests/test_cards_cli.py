"""Cards made by the real shim, read back with ``flowc card list`` and ``flowc card view``."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flowc.runtime_shim.datastore import Datastore
from flowc_cli import invoke

CARD_FLOW = textwrap.dedent(
    '''
    """A flow with two cards on one step."""
    from metaflow import FlowSpec, card, current, step
    from metaflow.cards import BarChart, Markdown, Table


    class Broken:
        def to_html(self):
            raise RuntimeError("component exploded")


    class CardsFlow(FlowSpec):
        """Exercises components."""

        @card(id="main")
        @card(type="blank", id="summary")
        @step
        def start(self):
            """Make numbers."""
            self.numbers = [3, 1, 4, 1, 5]
            self.html_text = "<script>alert(1)</script>"
            current.card["main"].append(Markdown("# Numbers"))
            current.card["summary"].append(Table([[n] for n in self.numbers], headers=["n"]))
            current.card["summary"].append(BarChart({"a": 1, "b": 2}))
            current.card["summary"].append(Broken())
            self.next(self.end)

        @card(type="nonsense")
        @step
        def end(self):
            pass
    '''
)


def run_task(tmp_path: Path, flow_file: Path, flow: str, step: str, inputs: str | None = None) -> None:
    """Run one task with the real shim (``python -m flowc.runtime_shim task``)."""
    argv = [sys.executable, "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    argv += [
        "--flow-file",
        str(flow_file),
        "--flow",
        flow,
        "--run-id",
        "r1",
        "--step",
        step,
        "--task-id",
        "t",
    ]
    if inputs:
        argv += ["--input-paths", inputs]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def flowc(*args: str) -> tuple[int, str, str]:
    result = invoke(args)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def datastore(tmp_path: Path) -> Path:
    flow_file = tmp_path / "cards_flow.py"
    flow_file.write_text(CARD_FLOW)
    run_task(tmp_path, flow_file, "CardsFlow", "start")
    run_task(tmp_path, flow_file, "CardsFlow", "end", "start/t")
    return tmp_path / "ds"


def test_shim_stores_every_card_and_list_shows_them(datastore: Path) -> None:
    code, out, _ = flowc("card", "list", "CardsFlow", "r1", "--format", "json", "--datastore", str(datastore))
    assert code == 0
    # Cards of one step come in decorator order, top to bottom.
    rows = [(r["pathspec"], r["type"], r["id"]) for r in json.loads(out) if r["pathspec"].endswith("/start/t")]
    assert rows == [("CardsFlow/r1/start/t", "default", "main"), ("CardsFlow/r1/start/t", "blank", "summary")]
    assert [r["type"] for r in json.loads(out) if r["pathspec"].endswith("/end/t")] == ["nonsense"]
    code, out, _ = flowc("card", "list", "CardsFlow", "--datastore", str(datastore))
    assert code == 0 and "CardsFlow/r1/start/t\tblank\tid=summary" in out


def test_view_writes_the_chosen_card(datastore: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "summary.html"
    code, out, _ = flowc(
        "card",
        "view",
        "CardsFlow/r1/start/t",
        "--id",
        "summary",
        "-o",
        str(target),
        "--datastore",
        str(datastore),
    )
    assert code == 0 and out.strip() == str(target)
    page = target.read_text()
    assert "<th>n</th>" in page and page.count('<rect class="bar"') == 2
    assert "Broken failed to render" in page and "component exploded" in page
    assert 'id="artifacts"' not in page


def test_view_default_card_shows_artifacts_escaped(datastore: Path, tmp_path: Path) -> None:
    code, out, _ = flowc(
        "card", "view", "r1/start/t", "--flow", "CardsFlow", "--id", "main", "--datastore", str(datastore)
    )
    assert code == 0
    page = Path(out.strip()).read_text()
    assert 'data-artifact="numbers"' in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<h1>Numbers</h1>" in page and "Make numbers." in page and "Exercises components." in page


def test_a_card_that_cannot_render_records_the_error_and_the_step_succeeds(datastore: Path) -> None:
    ds = Datastore(str(datastore))
    assert ds.read_output("CardsFlow", "r1", "end", "t") is not None, "the step succeeded"
    code, out, _ = flowc("card", "view", "CardsFlow/r1/end/t", "--datastore", str(datastore))
    assert code == 0
    page = Path(out.strip()).read_text()
    assert "This card could not be rendered" in page and "unknown card type" in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["CardsFlow/r1/nope/t"], "no successful task CardsFlow/r1/nope/t"),
        (["CardsFlow/r1/start/t", "--id", "zzz"], "has no card with id 'zzz'"),
        (["CardsFlow/r1/start/t", "--index", "5"], "--index 5 is out of range"),
    ],
)
def test_view_mistakes_are_one_line_errors(datastore: Path, args: list[str], message: str) -> None:
    code, _, err = flowc("card", "view", *args, "--datastore", str(datastore))
    assert code == 1 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("pathspec", "message"),
    [("just-one-part", "expected RUN/STEP/TASK"), ("r9/start/t", "give --flow NAME")],
)
def test_bad_pathspec_is_a_usage_error(datastore: Path, pathspec: str, message: str) -> None:
    code, _, err = flowc("card", "view", pathspec, "--datastore", str(datastore))
    assert code == 2 and message in err and "Traceback" not in err


def test_view_open_starts_a_browser_on_the_file(
    datastore: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or False)
    target = tmp_path / "c.html"
    code, _, err = flowc(
        "card",
        "view",
        "CardsFlow/r1/start/t",
        "--id",
        "main",
        "-o",
        str(target),
        "--open",
        "--datastore",
        str(datastore),
    )
    assert code == 0 and opened == [f"file://{target}"]
    assert "No web browser found" in err
