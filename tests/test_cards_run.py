"""Every example with ``@card`` documents itself when run with ``flowc run``."""

from __future__ import annotations

import glob
import json
import subprocess
import sys
from pathlib import Path

import pytest
from flowc.runtime_shim.cards.render import normalize
from flowc.runtime_shim.datastore import Datastore
from flowc.transpile import load_flow

CARD_EXAMPLES = sorted(
    path for path in glob.glob("examples/*.py") if any(s.decorator("card") for s in load_flow(path).steps)
)


def flowc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False
    )


def run_example(path: str, root: Path, run_id: str) -> None:
    done = flowc("run", path, "--datastore", str(root), "--run-id", run_id)
    assert done.returncode == 0, done.stderr


def card_pages(root: Path, flow: str, run_id: str) -> dict[str, str]:
    """Step name → HTML of its first card, read with ``flowc card list`` / ``view``."""
    listed = flowc("card", "list", flow, run_id, "--format", "json", "--datastore", str(root))
    assert listed.returncode == 0, listed.stderr
    pages = {}
    for row in json.loads(listed.stdout):
        out = root.parent / "cards" / f"{row['pathspec'].replace('/', '_')}.html"
        viewed = flowc("card", "view", row["pathspec"], "-o", str(out), "--datastore", str(root))
        assert viewed.returncode == 0, viewed.stderr
        pages[row["pathspec"].split("/")[2]] = out.read_text()
    return pages


def test_card_examples_exist() -> None:
    assert "examples/linear_etl.py" in CARD_EXAMPLES and "examples/triggered_report.py" in CARD_EXAMPLES


@pytest.mark.parametrize("path", CARD_EXAMPLES)
def test_every_card_step_of_the_example_has_a_card(path: str, tmp_path: Path) -> None:
    flow = load_flow(path)
    run_example(path, tmp_path / "ds", "1001")
    pages = card_pages(tmp_path / "ds", flow.name, "1001")
    assert sorted(pages) == sorted(s.name for s in flow.steps if s.decorator("card"))
    for step, page in pages.items():
        assert f'<g class="node kind-{flow.step(step).kind.value} current" data-step="{step}">' in page
        assert f"{flow.name} · step {step}" in page
        assert "src=" not in page.replace('src="data:', "")
        for parameter in flow.parameters:
            assert f'data-parameter="{parameter.name}"' in page


def test_linear_etl_start_card_shows_its_artifacts(tmp_path: Path) -> None:
    run_example("examples/linear_etl.py", tmp_path / "ds", "2002")
    page = card_pages(tmp_path / "ds", "LinearEtlFlow", "2002")["start"]
    assert 'data-artifact="sales"' in page and '<svg class="chart"' in page
    assert "Generate a deterministic sales series." in page
    assert "Load daily sales, drop outliers, fit a trend and report it." in page


def test_cards_of_two_runs_differ_only_in_ids_and_clocks(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    run_example("examples/triggered_report.py", root, "3003")
    run_example("examples/triggered_report.py", root, "3004")
    first, second = (
        card_pages(root, "TriggeredReportFlow", "3003"),
        card_pages(root, "TriggeredReportFlow", "3004"),
    )
    assert first["end"] != second["end"]
    assert normalize(first["end"]) == normalize(second["end"])
    assert 'data-artifact="report"' in first["end"] and "for ml-team: weights tuned" in first["end"]


def test_cards_are_stored_content_addressed(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    run_example("examples/triggered_report.py", root, "4004")
    meta = next(Datastore(str(root)).iter_task_metadata("TriggeredReportFlow", "4004", "end"))
    (card,) = meta["cards"]
    assert card["type"] == "default" and card["id"] is None
    html_text = Datastore(str(root)).load_value("TriggeredReportFlow", card["sha256"])
    assert html_text.startswith("<!DOCTYPE html>")


def test_client_lists_task_cards(tmp_path: Path) -> None:
    from flowc import Flow

    run_example("examples/linear_etl.py", tmp_path / "ds", "5005")
    run = Flow("LinearEtlFlow", datastore=str(tmp_path / "ds"))["5005"]
    (card,) = run["start"]["t"].cards
    assert (card.type, card.id) == ("default", None)
    assert 'data-artifact="sales"' in card.html and 'data-run-id="5005"' in card.html
    assert [c for s in ("clean", "fit", "end") for c in run[s]["t"].cards] == []


def test_cards_round_trip_through_local_and_s3_datastores(datastore_root: str, tmp_path: Path) -> None:
    """The same run and ``flowc card`` commands against a folder and a real S3 server (SeaweedFS)."""
    done = flowc("run", "examples/triggered_report.py", "--datastore", datastore_root, "--run-id", "6006")
    assert done.returncode == 0, done.stderr
    listed = flowc(
        "card", "list", "TriggeredReportFlow", "6006", "--format", "json", "--datastore", datastore_root
    )
    assert listed.returncode == 0, listed.stderr
    assert [r["pathspec"] for r in json.loads(listed.stdout)] == ["TriggeredReportFlow/6006/end/t"]
    out = tmp_path / "end.html"
    viewed = flowc(
        "card", "view", "TriggeredReportFlow/6006/end/t", "-o", str(out), "--datastore", datastore_root
    )
    assert viewed.returncode == 0, viewed.stderr
    assert 'data-artifact="report"' in out.read_text()
