"""The card's own graph layout (no layout library in task images)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from flowc.runtime_shim.cards.dag import graph_svg
from flowc.transpile import export, load_flow

SVG = "{http://www.w3.org/2000/svg}"


def layout(path: str, highlight: str | None = None) -> tuple[ET.Element, dict[str, tuple[float, float]]]:
    """The parsed SVG and each step's (x, y)."""
    root = ET.fromstring(graph_svg(export.graph_json(load_flow(path)), highlight))
    places = {}
    for g in root.iter(f"{SVG}g"):
        if g.get("data-step"):
            rect = g.find(f"{SVG}rect")
            assert rect is not None
            places[str(g.get("data-step"))] = (float(rect.get("x", 0)), float(rect.get("y", 0)))
    return root, places


@pytest.mark.parametrize(
    "path", ["examples/branch_models.py", "examples/mixed_shapes.py", "examples/nested_foreach.py"]
)
def test_every_edge_points_down_and_no_nodes_overlap(path: str) -> None:
    _, places = layout(path)
    flow = load_flow(path)
    for step in flow.steps:
        for target in step.next:
            assert places[target][1] > places[step.name][1], f"{step.name} -> {target} points up"
    assert len(set(places.values())) == len(places), "two steps share a position"


def test_branches_share_a_layer() -> None:
    _, places = layout("examples/branch_models.py")
    assert places["baseline"][1] == places["linear"][1]
    assert places["start"][1] < places["baseline"][1] < places["choose"][1] < places["end"][1]


def test_a_switch_loop_is_drawn_as_a_back_edge_with_its_label() -> None:
    root, places = layout("examples/recursive_training.py")
    back = [g for g in root.iter(f"{SVG}g") if g.get("class") == "edge back"]
    assert len(back) == 1 and back[0].findtext(f"{SVG}text") == "again"
    assert places["start"][1] < places["train"][1] < places["end"][1]


def test_foreach_and_switch_edges_are_labelled() -> None:
    text = graph_svg(export.graph_json(load_flow("examples/foreach_tuning.py")))
    assert ">foreach candidates<" in text
    text = graph_svg(export.graph_json(load_flow("examples/switch_quality.py")))
    assert ">good<" in text and ">bad<" in text


def test_highlight_marks_one_step() -> None:
    root, _ = layout("examples/mixed_shapes.py", "combine")
    current = [g.get("data-step") for g in root.iter(f"{SVG}g") if "current" in str(g.get("class"))]
    assert current == ["combine"]


@pytest.mark.parametrize("graph", [None, {}, {"steps": []}, {"steps": [{"kind": "start"}]}])
def test_missing_graph_says_so(graph: Any) -> None:
    assert "No graph available" in graph_svg(graph, "start")


def test_unknown_targets_and_hostile_names_are_harmless() -> None:
    graph = {
        "steps": [
            {"name": "start", "kind": "start", "next": ["<b>x</b>", "end"], "decorators": [{"name": "<i>"}]},
            {"name": "end", "kind": "end", "next": []},
        ]
    }
    text = graph_svg(graph, "end")
    assert "<b>" not in text and "<i>" not in text and "&lt;i&gt;" in text
    assert len(re.findall(r'class="edge"', text)) == 1


def test_long_edges_go_around_the_steps_they_pass() -> None:
    root, places = layout("examples/mixed_shapes.py")
    long_edges = [g.find(f"{SVG}path") for g in root.iter(f"{SVG}g") if g.get("class") == "edge"]
    verticals = []
    for path in long_edges:
        assert path is not None
        verticals += [(float(x), float(y)) for x, y in re.findall(r"L([\d.]+),([\d.]+)", str(path.get("d")))]
    assert verticals, "audit_done -> finish spans two layers and needs a detour"
    for x, y in verticals:
        for step, (left, top) in places.items():
            assert not (left <= x <= left + 156 and top <= y <= top + 52), f"edge passes through {step}"
