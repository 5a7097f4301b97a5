"""Oracle: flowc's graph equals Metaflow's own ``FlowGraph`` for the same flow.

Each flow is copied with its ``flowc`` imports rewritten to ``metaflow``,
imported in a separate interpreter (the analyzer never imports flows, but
Metaflow must), and its ``FlowGraph`` dumped as JSON.  The flows are every
example plus a batch of generated flows of the shapes Metaflow accepts
(``metaflow_compatible``: no recursion to an earlier step), which Metaflow's
own linter must also accept.

Known, deliberate differences, normalised before comparing:

* a join's ``split_parents``: Metaflow lists the split the join closes as
  the last entry; flowc's IR lists only the splits still open after the
  join (the closed split is the one whose ``matching_join`` is the join);
* node types: Metaflow says ``split`` and ``split-switch`` where flowc says
  ``branch`` and ``switch``;
* predecessors: Metaflow's ``in_funcs`` leaves out the back edge of a
  recursive switch (it skips edges to a step already on the current path);
  flowc's ``previous`` keeps it, so it is removed before comparing;
* switch case keys: flowc keeps them as strings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flowc.transpile import Flow, StepKind, analyze_file, load_flow
from flowgen import generate, mutate_transitions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

_TYPES = {StepKind.BRANCH: "split", StepKind.SWITCH: "split-switch"}

#: Runs in a fresh interpreter: imports each flow with Metaflow, dumps its graph.
_DUMP = r"""
import contextlib, importlib.util, io, json, sys
from metaflow.graph import FlowGraph
from metaflow.lint import linter

result = {}
for index, (path, name) in enumerate(json.load(sys.stdin)):
    graph = None
    try:
        spec = importlib.util.spec_from_file_location(f"oracle_flow_{index}", path)
        module = importlib.util.module_from_spec(spec)
        with contextlib.redirect_stdout(io.StringIO()):
            spec.loader.exec_module(module)
        graph = FlowGraph(getattr(module, name))
        linter.run_checks(graph)
        lint = None
    except Exception as exc:
        lint = f"{type(exc).__name__}: {exc}"
    if graph is None:
        result[path] = {"lint": lint}
        continue
    result[path] = {
        "start": graph.start_step,
        "end": graph.end_step,
        "lint": lint,
        "nodes": {
            node.name: {
                "type": node.type,
                "out_funcs": list(node.out_funcs),
                "in_funcs": sorted(node.in_funcs),
                "num_args": node.num_args,
                "foreach_param": node.foreach_param,
                "condition": node.condition,
                "switch_cases": {str(k): v for k, v in (node.switch_cases or {}).items()},
                "split_parents": list(node.split_parents),
                "matching_join": node.matching_join,
            }
            for node in graph
        },
    }
json.dump(result, sys.stdout)
"""


def _as_metaflow(source: str) -> str:
    source = re.sub(r"^from flowc import", "from metaflow import", source, flags=re.M)
    return re.sub(r"^import flowc\b", "import metaflow", source, flags=re.M)


def metaflow_graphs(flows: list[tuple[Path, str]], workdir: Path) -> list[dict[str, Any]]:
    """Metaflow's view of each ``(file, flow class)``, in the same order.

    ``lint`` holds Metaflow's complaint (import, graph or linter), if any.
    """
    jobs = []
    for index, (path, name) in enumerate(flows):
        copy = workdir / f"{index:03d}_{path.name}"
        copy.write_text(_as_metaflow(path.read_text(encoding="utf-8")), encoding="utf-8")
        jobs.append((str(copy), name))
    result = subprocess.run(
        [sys.executable, "-c", _DUMP],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        cwd=workdir,
        env={**os.environ, "USERNAME": "oracle"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    graphs: dict[str, Any] = json.loads(result.stdout)
    return [graphs[path] for path, _ in jobs]


def flowc_view(flow: Flow) -> dict[str, Any]:
    """flowc's IR in the shape of the Metaflow dump, differences normalised."""
    nodes = {}
    for step in flow.steps:
        closes = [s.name for s in flow.steps if s.matching_join == step.name]
        nodes[step.name] = {
            "type": _TYPES.get(step.kind, step.kind.value),
            "out_funcs": list(step.next),
            "in_funcs": sorted(p for p in step.previous if p != step.name),
            "num_args": 2 if step.is_join else 1,
            "foreach_param": step.foreach,
            "condition": step.switch.condition if step.switch else None,
            "switch_cases": step.switch.case_map if step.switch else {},
            "split_parents": list(step.split_parents) + closes,
            "matching_join": step.matching_join,
        }
    return {"start": flow.start, "end": flow.end, "lint": None, "nodes": nodes}


def _compare(flowc_graph: dict[str, Any], metaflow_graph: dict[str, Any], label: str) -> None:
    assert metaflow_graph["lint"] is None, f"{label}: Metaflow's linter rejects it: {metaflow_graph['lint']}"
    mf_nodes = metaflow_graph["nodes"]
    for node in mf_nodes.values():
        # Metaflow lists a step twice when two switch cases lead to it.
        node["out_funcs"] = list(dict.fromkeys(node["out_funcs"]))
    assert flowc_graph["start"] == metaflow_graph["start"], label
    assert flowc_graph["end"] == metaflow_graph["end"], label
    assert sorted(flowc_graph["nodes"]) == sorted(mf_nodes), label
    for name, ours in flowc_graph["nodes"].items():
        assert ours == mf_nodes[name], f"{label}: step {name!r} differs"


@pytest.fixture(scope="module")
def example_graphs(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    flows = [(path, load_flow(str(path))) for path in EXAMPLES]
    theirs = metaflow_graphs([(p, f.name) for p, f in flows], tmp_path_factory.mktemp("oracle_examples"))
    return [(path.name, flowc_view(flow), graph) for (path, flow), graph in zip(flows, theirs, strict=True)]


@pytest.mark.parametrize("index", range(len(EXAMPLES)), ids=[p.stem for p in EXAMPLES])
def test_example_matches_metaflow(
    example_graphs: list[tuple[str, dict[str, Any], dict[str, Any]]], index: int
) -> None:
    label, ours, theirs = example_graphs[index]
    _compare(ours, theirs, label)


#: ``FLOWC_ORACLE_FLOWS=2000`` compares more generated flows.
GENERATED = int(os.environ.get("FLOWC_ORACLE_FLOWS", "150"))


def test_generated_flows_match_metaflow(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    flows = []
    for seed in range(GENERATED):
        path = sources / f"gen_{seed}.py"
        path.write_text(generate(seed, metaflow_compatible=True, max_steps=30), encoding="utf-8")
        flows.append((path, load_flow(str(path))))
    theirs = metaflow_graphs([(p, f.name) for p, f in flows], tmp_path)
    for (path, flow), graph in zip(flows, theirs, strict=True):
        _compare(flowc_view(flow), graph, f"{path.name} (seed {path.stem[4:]})")


#: Shapes neither the examples nor flowgen produce.
SHAPES = {
    "parallel": """
class ShapeFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train, num_parallel=3)

    @parallel
    @step
    def train(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
""",
    "start-is-a-switch-with-numeric-keys": """
class ShapeFlow(FlowSpec):
    @step
    def start(self):
        self.n = 1
        self.next({1: self.one, 2: self.two, 3: self.two}, condition="n")

    @step
    def one(self):
        self.next(self.end)

    @step
    def two(self):
        self.next(self.end)

    @step
    def end(self):
        pass
""",
    "annotated-start-foreach-and-end-after-join": """
class ShapeFlow(FlowSpec):
    @step(start=True)
    def begin(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.next(self.finish)

    @step(end=True)
    def finish(self):
        pass
""",
    "switch-loop-inside-foreach-inside-branch": """
class ShapeFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.left, self.right)

    @step
    def left(self):
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.status = "done"
        self.next({"again": self.work, "done": self.after}, condition="status")

    @step
    def after(self):
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.next(self.join)

    @step
    def right(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
""",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hand_written_shape_matches_metaflow(shape: str, tmp_path: Path) -> None:
    path = tmp_path / f"{shape.replace('-', '_')}.py"
    path.write_text("from flowc import FlowSpec, parallel, step\n" + SHAPES[shape], encoding="utf-8")
    flow = load_flow(str(path))
    (theirs,) = metaflow_graphs([(path, flow.name)], tmp_path)
    _compare(flowc_view(flow), theirs, shape)


def test_comparison_is_not_vacuous(example_graphs: list[tuple[str, dict[str, Any], dict[str, Any]]]) -> None:
    """The examples exercise joins, foreach, switches and recursion, and a change is caught."""
    nodes = [n for _, _, theirs in example_graphs for n in theirs["nodes"].values()]
    assert any(n["type"] == "join" and n["split_parents"] for n in nodes)
    assert any(n["foreach_param"] for n in nodes)
    assert any(n["switch_cases"] for n in nodes)
    assert any(name in n["out_funcs"] for _, _, g in example_graphs for name, n in g["nodes"].items())
    label, ours, theirs = next(g for g in example_graphs if g[0] == "mixed_shapes.py")
    for field, value in (
        ("split_parents", ["x"]),
        ("matching_join", "x"),
        ("in_funcs", []),
        ("out_funcs", ["x"]),
    ):
        changed = json.loads(json.dumps(ours))
        changed["nodes"]["shard"][field] = value
        with pytest.raises(AssertionError):
            _compare(changed, json.loads(json.dumps(theirs)), label)


MUTATED = int(os.environ.get("FLOWC_ORACLE_MUTANTS", "200"))


def _loops_beyond_self(flow: Flow) -> bool:
    """Whether a cycle other than a step's case back to itself exists.

    flowc accepts such a loop when a switch controls it (recursion to an
    earlier step); Metaflow accepts only the self-loop.
    """
    for step in flow.steps:
        targets = [t for t in step.next if t != step.name]
        seen, stack = set(), list(targets)
        while stack:
            name = stack.pop()
            if name == step.name:
                return True
            if name not in seen:
                seen.add(name)
                stack.extend(t for t in flow.step(name).next if t != name)
    return False


def test_mutated_flows_get_the_same_verdict_and_graph(tmp_path: Path) -> None:
    """Random graph edits of valid flows: whatever Metaflow rejects, flowc rejects too,
    and where both accept, the graphs are equal.

    The one deliberate exception is a loop that runs through a switch
    (recursion to an earlier step), which flowc accepts and Metaflow does not.
    flowc also rejects flows Metaflow lets through (branches meeting without
    a join, for example); those are not counted against it.
    """
    sources = tmp_path / "sources"
    sources.mkdir()
    mutants = []
    for seed in range(MUTATED):
        source = generate(seed, metaflow_compatible=True, max_steps=14, style="metaflow")
        for round_ in range(1 + seed % 2):
            source = mutate_transitions(source, seed * 7 + round_)
        path = sources / f"mutant_{seed}.py"
        path.write_text(source, encoding="utf-8")
        name = re.search(r"^class (\w+)\(", source, flags=re.M)
        assert name
        mutants.append((path, name.group(1), analyze_file(str(path))))
    theirs = metaflow_graphs([(p, n) for p, n, _ in mutants], tmp_path)
    missed, compared, rejected = [], 0, 0
    for (path, _, ours), graph in zip(mutants, theirs, strict=True):
        if ours.errors:
            rejected += bool(graph["lint"])
            continue
        assert ours.flow is not None
        if graph["lint"] is None:
            _compare(flowc_view(ours.flow), graph, path.name)
            compared += 1
        elif not ("loop in your flow" in graph["lint"] and _loops_beyond_self(ours.flow)):
            missed.append(f"{path.name}: {graph['lint']}")
    assert not missed, "flowc accepts flows Metaflow rejects:\n" + "\n".join(missed)
    assert rejected > MUTATED // 3 and compared > MUTATED // 10, (rejected, compared)
