"""Cards render inside a bare task image: the unpacked code package and the standard library only."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

from flowc.runtime_shim.datastore import Datastore
from flowc.runtime_shim.package import build_package
from flowc.transpile import export, load_flow

FLOW = textwrap.dedent(
    '''
    """Made to run from a package."""
    from metaflow import FlowSpec, card, current, step
    from metaflow.cards import LineChart, Markdown


    class PackagedFlow(FlowSpec):
        @card
        @step
        def start(self):
            """Packaged start."""
            self.series = [1.0, 4.0, 2.0]
            current.card.append(Markdown("from **the package**"))
            current.card.append(LineChart(self.series))
            self.next(self.end)

        @step
        def end(self):
            pass
    '''
)


def test_a_task_from_a_code_package_renders_its_card_with_the_standard_library(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "packaged.py").write_text(FLOW)
    graph = tmp_path / "graph.json"
    graph.write_text(json.dumps(export.graph_json(load_flow(str(source / "packaged.py")))))
    data, _ = build_package(str(source))
    image = tmp_path / "image"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(image, filter="data")
    assert (image / "_flowc/flowc/runtime_shim/cards/card.css").is_file()
    argv = [sys.executable, "-S", "-m", "flowc.runtime_shim", "task", "--datastore", str(tmp_path / "ds")]
    argv += ["--flow-file", "packaged.py", "--flow", "PackagedFlow", "--run-id", "r", "--step", "start"]
    argv += ["--task-id", "t", "--graph-json", str(graph)]
    # -S: no site-packages, so neither flowc's install nor any third-party module is importable.
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(image / "_flowc")}
    done = subprocess.run(argv, cwd=image, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    meta = next(Datastore(str(tmp_path / "ds")).iter_task_metadata("PackagedFlow", "r", "start"))
    (card,) = meta["cards"]
    page = Datastore(str(tmp_path / "ds")).load_value("PackagedFlow", card["sha256"])
    assert "from <strong>the package</strong>" in page
    assert '<g class="node kind-start current" data-step="start">' in page
    assert 'data-artifact="series"' in page and "Packaged start." in page
    assert "could not be rendered" not in page
