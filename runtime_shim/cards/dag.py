"""The flow graph as inline SVG, laid out in layers (no layout library in task images).

Steps are placed on layers by their longest distance from the start step,
then ordered inside each layer by the mean position of their neighbours (a
few sweeps of the barycentre heuristic).  Edges that go back up (a switch
case looping to its own step) are drawn beside the nodes.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

NODE_W, NODE_H, GAP_X, GAP_Y, MARGIN = 156, 52, 28, 44, 16
_Edge = tuple[str, str, str]  # source, target, label


def _edges(steps: Sequence[Mapping[str, Any]], names: set[str]) -> list[_Edge]:
    edges: list[_Edge] = []
    for step in steps:
        switch = step.get("switch") or {}
        by_target = {target: key for key, target in (switch.get("cases") or {}).items()}
        for target in step.get("next") or []:
            if target not in names:
                continue
            label = f"foreach {step['foreach']}" if step.get("foreach") else str(by_target.get(target, ""))
            edges.append((step["name"], target, label))
    return edges


def _back_edges(order: Sequence[str], edges: Sequence[_Edge]) -> set[tuple[str, str]]:
    """Edges closing a cycle in a depth-first walk from the first step."""
    successors: dict[str, list[str]] = {name: [] for name in order}
    for source, target, _ in edges:
        successors[source].append(target)
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    for root in order:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, i = stack[-1]
            if i < len(successors[node]):
                stack[-1] = (node, i + 1)
                child = successors[node][i]
                if state.get(child) == 1:
                    back.add((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                stack.pop()
    return back


def _layers(order: Sequence[str], forward: Sequence[tuple[str, str]]) -> list[list[str]]:
    """Longest-path layering over the acyclic (forward) edges."""
    indegree = {name: 0 for name in order}
    for _, target in forward:
        indegree[target] += 1
    depth = {name: 0 for name in order}
    ready = [name for name in order if indegree[name] == 0]
    while ready:
        node = ready.pop(0)
        for source, target in forward:
            if source == node:
                depth[target] = max(depth[target], depth[node] + 1)
                indegree[target] -= 1
                if indegree[target] == 0:
                    ready.append(target)
    layers: list[list[str]] = [[] for _ in range(max(depth.values(), default=0) + 1)]
    for name in order:
        layers[depth[name]].append(name)
    return layers


def _order(layers: list[list[str]], forward: Sequence[tuple[str, str]]) -> None:
    """Reorder each layer by the barycentre of its neighbours, sweeping down and up.

    Positions are centred per layer, so layers of different widths line up.
    """

    def positions() -> dict[str, float]:
        return {n: i - (len(layer) - 1) / 2 for layer in layers for i, n in enumerate(layer)}

    for sweep in range(4):
        downward = sweep % 2 == 0
        neighbours = forward if downward else [(t, s) for s, t in forward]
        for i in range(1, len(layers)) if downward else range(len(layers) - 2, -1, -1):
            pos = positions()
            key: dict[str, float] = {}
            for name in layers[i]:
                around = [pos[s] for s, t in neighbours if t == name]
                key[name] = sum(around) / len(around) if around else pos[name]
            layers[i].sort(key=key.__getitem__)


def _node(step: Mapping[str, Any], x: float, y: float, highlight: str | None) -> str:
    name, kind = str(step["name"]), str(step.get("kind") or "linear")
    decorators = " ".join("@" + str(d.get("name")) for d in step.get("decorators") or [])
    classes = f"node kind-{escape(kind)}" + (" current" if name == highlight else "")
    rx = NODE_H / 2 if kind in ("start", "end") else 6
    short = name if len(name) <= 20 else name[:19] + "…"
    deco_text = decorators if len(decorators) <= 24 else decorators[:23] + "…"
    return (
        f'<g class="{classes}" data-step="{escape(name)}"><title>{escape(name)} ({escape(kind)}) {escape(decorators)}</title>'
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" rx="{rx:.0f}"/>'
        f'<text class="name" x="{x + NODE_W / 2:.1f}" y="{y + 19:.1f}">{escape(short)}</text>'
        f'<text class="kind" x="{x + NODE_W / 2:.1f}" y="{y + 33:.1f}">{escape(kind)}</text>'
        f'<text class="deco" x="{x + NODE_W / 2:.1f}" y="{y + 46:.1f}">{escape(deco_text)}</text></g>'
    )


def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    mid = (y1 + y2) / 2
    return f" C{x1:.1f},{mid:.1f} {x2:.1f},{mid:.1f} {x2:.1f},{y2:.1f}"


def _forward_path(slots: Sequence[tuple[float, float]]) -> tuple[str, float, float]:
    """A path from the first slot's bottom to the last slot's top through the virtual slots between."""
    (ax, ay), (bx, by) = slots[0], slots[-1]
    x, y = ax + NODE_W / 2, ay + NODE_H
    path = f"M{x:.1f},{y:.1f}"
    label_at = (x + 4, y + GAP_Y / 2)
    for vx, vy in slots[1:-1]:
        path += _curve(x, y, vx + NODE_W / 2, vy) + f" L{vx + NODE_W / 2:.1f},{vy + NODE_H:.1f}"
        x, y = vx + NODE_W / 2, vy + NODE_H
    path += _curve(x, y, bx + NODE_W / 2, by - 2)
    if len(slots) == 2:
        label_at = ((ax + bx + NODE_W) / 2 + 4, (y + by) / 2)
    return path, *label_at


def _edge(slots: Sequence[tuple[float, float]], label: str, back: bool) -> str:
    (ax, ay), (bx, by) = slots[0], slots[-1]
    if back:
        x1, y1, x2, y2 = ax + NODE_W, ay + NODE_H / 2, bx + NODE_W, by + NODE_H / 2
        if slots[0] == slots[-1]:  # a step looping to itself: a loop on its right side
            y1, y2 = ay + 10, ay + NODE_H - 10
        bend = max(x1, x2) + GAP_X
        path = f"M{x1:.1f},{y1:.1f} C{bend:.1f},{y1:.1f} {bend:.1f},{y2:.1f} {x2 + 2:.1f},{y2:.1f}"
        lx, ly = bend - 4, (y1 + y2) / 2
    else:
        path, lx, ly = _forward_path(slots)
    css = "edge back" if back else "edge"
    text = f'<text class="elabel" x="{lx:.1f}" y="{ly:.1f}">{escape(label)}</text>' if label else ""
    return f'<g class="{css}"><path d="{path}" marker-end="url(#flowc-arrow)"/>{text}</g>'


def _virtual_slots(
    layers: list[list[str]], forward: Sequence[tuple[str, str]]
) -> tuple[dict[tuple[str, str], list[str]], list[tuple[str, str]]]:
    """Give every edge longer than one layer a virtual slot on each layer it crosses.

    Returns the slots of each long edge and the one-layer edges the ordering
    sweeps use, so that long edges take part in the ordering and are drawn
    around the nodes instead of through them.
    """
    depth = {name: row for row, layer in enumerate(layers) for name in layer}
    chains: dict[tuple[str, str], list[str]] = {}
    short: list[tuple[str, str]] = []
    for source, target in forward:
        names = [f"\x00{source}>{target}>{row}" for row in range(depth[source] + 1, depth[target])]
        for name, row in zip(names, range(depth[source] + 1, depth[target]), strict=True):
            layers[row].append(name)
        chains[(source, target)] = names
        path = [source, *names, target]
        short.extend(itertools.pairwise(path))
    return chains, short


def graph_svg(graph: Mapping[str, Any] | None, highlight: str | None = None) -> str:
    """The SVG of a ``flowc graph --format json`` document, ``highlight`` step marked."""
    steps = [s for s in (graph or {}).get("steps") or [] if isinstance(s, Mapping) and "name" in s]
    if not steps:
        return '<p class="muted">No graph available for this flow.</p>'
    order = [str(s["name"]) for s in steps]
    edges = _edges(steps, set(order))
    back = _back_edges(order, edges)
    forward = [(s, t) for s, t, _ in edges if (s, t) not in back]
    layers = _layers(order, forward)
    chains, short = _virtual_slots(layers, forward)
    _order(layers, short)
    widest = max(len(layer) for layer in layers)
    label_room = 6 * max((len(label) for _, _, label in edges), default=0)  # ~6 units per 10px character
    width = MARGIN * 2 + widest * NODE_W + (widest - 1) * GAP_X + (GAP_X * 2 if back else 0) + label_room
    height = MARGIN * 2 + len(layers) * NODE_H + (len(layers) - 1) * GAP_Y
    place: dict[str, tuple[float, float]] = {}
    for row, layer in enumerate(layers):
        left = MARGIN + (widest - len(layer)) * (NODE_W + GAP_X) / 2
        for col, name in enumerate(layer):
            place[name] = (left + col * (NODE_W + GAP_X), MARGIN + row * (NODE_H + GAP_Y))
    by_name = {str(s["name"]): s for s in steps}
    parts = [
        _edge([place[s], *(place[v] for v in chains.get((s, t), [])), place[t]], label, (s, t) in back)
        for s, t, label in edges
    ]
    parts += [_node(by_name[name], *place[name], highlight) for name in order]
    return (
        f'<svg class="dag" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="flow graph">'
        '<defs><marker id="flowc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
        + "".join(parts)
        + "</svg>"
    )
