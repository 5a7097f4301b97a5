"""A card and a ``flowc graph --format html`` page, opened in headless Debian Chromium.

Selenium drives ``chromium`` through ``chromedriver`` (``make browser``).
Every page load must log no JavaScript error and request nothing but the
file itself (``data:`` URIs are not requests); screenshots go to
build/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flowc.runtime_shim.cards import render_task_cards
from flowc.transpile import export, load_flow
from flowc_cli import invoke

from flowc.cards import BarChart, Image, LineChart, Markdown, Table
from flowc.graph_render import dot_binary

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="chromium and chromium-driver not installed (make browser)",
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-extensions",
    "--disable-sync",
    "--disable-default-apps",
    "--window-size=1200,1600",
)


@contextmanager
def chromium(profile: Path) -> Iterator[Any]:
    """A fresh headless Chromium with console and network logging."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must never download a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.get("about:blank")
        requests_made(driver), console_errors(driver)  # drop what the new-tab page did
        yield driver
    finally:
        driver.quit()


def requests_made(driver: Any) -> list[str]:
    """URLs of every request the page made since the last call."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def console_errors(driver: Any) -> list[str]:
    """Console messages at error level since the last call."""
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def open_page(driver: Any, path: Path) -> None:
    """Load ``path`` and fail on any console error or request other than the file itself."""
    url = path.resolve().as_uri()
    driver.get(url)
    driver.execute_script("return document.readyState")
    foreign = [u for u in requests_made(driver) if u != url and not u.startswith("data:")]
    assert foreign == [], f"the page requested {foreign}"
    assert console_errors(driver) == [], "the page logged errors"


def screenshot(driver: Any, name: str) -> Path:
    """Save a full-page screenshot under build/ and return its path."""
    out = Path("build") / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1200, min(max(int(height), 600), 8000))
    target = out / f"{name}.png"
    assert driver.save_screenshot(str(target)), "screenshot failed"
    return target


pytestmark = needs_browser
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2"
    "21bc330000000049454e44ae426082"
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory.mktemp("profile")) as browser:
        yield browser


def linear_etl_card() -> str:
    """The card of LinearEtlFlow's start step, rendered as the shim renders it."""
    flow = load_flow("examples/linear_etl.py")
    sales = [100 + (day * 7) % 23 + (400 if day == 13 else 0) for day in range(30)]
    cards = render_task_cards(
        flow_name=flow.name,
        run_id="1700000000001",
        step_name="start",
        task_id="t",
        attempt=0,
        card_decorators=[{"type": "default"}],
        artifacts={"sales": sales, "alpha": 0.5, "note": "<script>window.pwned = 1</script>"},
        parameters={"alpha": 0.5, "days": 30, "region": "emea"},
        graph=export.graph_json(flow),
        flow_doc=flow.docstring,
        step_doc=flow.step("start").docstring,
        started_at=1700000000.0,
        finished_at=1700000001.0,
        components={
            None: [
                Markdown("## Notes\nSales **rose**."),
                Table([[1, "a"]], headers=["n", "letter"]),
                LineChart([1, 3, 2]),
                BarChart({"x": 2, "y": 5}),
                Image(PNG, "pixel"),
            ]
        },
    )
    return cards[0].html


def test_card_opens_offline_with_its_elements(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    page = tmp_path / "card.html"
    page.write_text(linear_etl_card(), encoding="utf-8")
    open_page(driver, page)
    assert driver.title == "LinearEtlFlow · start"
    steps = [g.get_attribute("data-step") for g in driver.find_elements(By.CSS_SELECTOR, "svg.dag g.node")]
    assert steps == ["start", "clean", "fit", "end"]
    assert (
        driver.find_element(By.CSS_SELECTOR, "svg.dag g.node.current").get_attribute("data-step") == "start"
    )
    assert driver.find_element(By.CSS_SELECTOR, "#artifact-sales svg.chart polyline").is_displayed()
    assert (
        driver.find_element(By.CSS_SELECTOR, "#artifact-note code").text
        == "<script>window.pwned = 1</script>"
    )
    assert driver.execute_script("return window.pwned") is None
    image = driver.find_element(By.CSS_SELECTOR, "#components img")
    assert driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 1
    assert [
        p.get_attribute("data-parameter") for p in driver.find_elements(By.CSS_SELECTOR, "tr[data-parameter]")
    ] == [
        "alpha",
        "days",
        "region",
    ]
    screenshot(driver, "card-linear-etl-start")
    # The filter box hides artifacts whose name does not match.
    driver.find_element(By.ID, "artifact-filter").send_keys("sal")
    shown = [
        a.get_attribute("data-artifact")
        for a in driver.find_elements(By.CSS_SELECTOR, ".artifact")
        if a.is_displayed()
    ]
    assert shown == ["sales"]
    assert driver.find_element(By.ID, "artifact-count").text == "1 of 2 shown"
    assert console_errors(driver) == [] and requests_made(driver) == []


def test_card_from_an_example_run_opens_offline(driver: Any, tmp_path: Path) -> None:
    """``flowc run examples/linear_etl.py``, then ``flowc card view`` of its start step."""
    from selenium.webdriver.common.by import By

    root, page = tmp_path / "ds", tmp_path / "start.html"
    for args in (
        ["run", "examples/linear_etl.py", "--param", "alpha=0.3", "--run-id", "77", "--datastore", str(root)],
        ["card", "view", "LinearEtlFlow/77/start/t", "-o", str(page), "--datastore", str(root)],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
    open_page(driver, page)
    assert (
        driver.find_element(By.CSS_SELECTOR, "svg.dag g.node.current").get_attribute("data-step") == "start"
    )
    assert driver.find_element(By.CSS_SELECTOR, 'tr[data-parameter="alpha"] td').text == "0.3"
    assert driver.find_element(By.CSS_SELECTOR, "#artifact-sales svg.chart polyline").is_displayed()
    assert driver.find_element(By.CSS_SELECTOR, '#task td[data-field="run"]').text == "77"
    screenshot(driver, "card-linear-etl-run")
    assert console_errors(driver) == [] and requests_made(driver) == []


@pytest.mark.skipif(dot_binary() is None, reason="Graphviz dot not installed (make browser)")
def test_graph_page_opens_offline_and_selects_steps(driver: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    result = invoke(["graph", "examples/switch_quality.py", "--format", "html"])
    assert result.exit_code == 0, result.stderr
    page = tmp_path / "graph.html"
    page.write_bytes(result.stdout_bytes)
    open_page(driver, page)
    flow = load_flow("examples/switch_quality.py")
    nodes = driver.find_elements(By.CSS_SELECTOR, ".picture svg g.node")
    assert sorted(n.find_element(By.TAG_NAME, "title").get_attribute("textContent") for n in nodes) == sorted(
        s.name for s in flow.steps
    )
    rows = [
        r.get_attribute("data-step") for r in driver.find_elements(By.CSS_SELECTOR, "#steps tr[data-step]")
    ]
    assert rows == [s.name for s in flow.steps]
    screenshot(driver, "graph-switch-quality")
    # Clicking a node selects its row.
    target = next(
        n for n in nodes if n.find_element(By.TAG_NAME, "title").get_attribute("textContent") == "assess"
    )
    target.click()
    selected = driver.find_elements(By.CSS_SELECTOR, "#steps tr.selected")
    assert [r.get_attribute("data-step") for r in selected] == ["assess"]
    assert "selected" in str(target.get_attribute("class"))
    assert console_errors(driver) == [] and requests_made(driver) == []


def test_the_checks_catch_a_network_request_and_a_script_error(driver: Any, tmp_path: Path) -> None:
    """The harness itself: a page that fetches and throws must fail both checks."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/x.png">'
        "<script>throw new Error('boom')</script></body></html>"
    )
    with pytest.raises(AssertionError, match="requested"):
        open_page(driver, page)
    driver.get(page.resolve().as_uri())
    assert any("boom" in m for m in console_errors(driver))
