"""A private Airflow 3 for the tests: ``AIRFLOW_HOME`` in a temporary folder, SQLite, offline.

The session fixture ``airflow`` migrates one SQLite metadata database per
pytest process (so xdist workers never share one) and runs every Airflow
command in a subprocess with that home, so Airflow's configuration never
leaks into the test process.

- :meth:`AirflowEnv.dag_test` runs ``airflow dags test`` on one DAG file
  and reads the run's state back from the metadata database:
  ``dag.test()`` returns normally when a task fails, so tests must check it.
- :meth:`AirflowEnv.dag_test_with_events` does the same for a run that
  consumed asset events (what an asset-scheduled run sees).
- :meth:`AirflowEnv.load` loads DAG files with Airflow's
  ``DagBag`` and returns the import errors and the DAGs' task ids.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

AIRFLOW = str(Path(sys.executable).with_name("airflow"))

#: Loads each file given on the command line in its own DagBag; prints JSON.
_DAGBAG_SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.definitions.asset import Asset, AssetAll, AssetAny
def expression(node):
    if isinstance(node, Asset):
        return node.name
    if isinstance(node, (AssetAll, AssetAny)):
        return {type(node).__name__: [expression(o) for o in node.objects]}
    return None
report = {}
for path in sys.argv[1:]:
    bag = DagBag(dag_folder=path)
    report[path] = {
        "errors": {k: str(v) for k, v in bag.import_errors.items()},
        "dags": {d: sorted(t.task_id for t in dag.tasks) for d, dag in bag.dags.items()},
        "params": {d: {k: dag.params.get_param(k).value for k in dag.params} for d, dag in bag.dags.items()},
        "schedule_assets": {
            d: [a.uri for a in dag.schedule] if isinstance(dag.schedule, list) else []
            for d, dag in bag.dags.items()
        },
        "outlets": {d: sorted(o.uri for t in dag.tasks for o in t.outlets) for d, dag in bag.dags.items()},
        "schedule_expression": {d: expression(dag.schedule) for d, dag in bag.dags.items()},
    }
print("DAGBAG " + json.dumps(report, default=repr))
"""


#: Renders the templated pod fields of one KubernetesPodOperator as Airflow would at
#: run time (try number 3), without XCom: prints JSON.
_RENDER_SCRIPT = """
import json, sys
from types import SimpleNamespace
from airflow.dag_processing.dagbag import DagBag
path, task_id = sys.argv[1:]
(dag,) = DagBag(dag_folder=path).dags.values()
task = dag.get_task(task_id)
context = {"ti": SimpleNamespace(try_number=3), "params": {}}
fields = {name: task.render_template(getattr(task, name), context) for name in ("cmds", "env_vars", "image")}
fields["env_vars"] = {e.name: e.value for e in fields["env_vars"]} if isinstance(fields["env_vars"], list) else fields["env_vars"]
print("RENDERED " + json.dumps(fields, default=repr))
"""


#: ``dag.test()`` on one DAG file, with asset events attached to the run it creates, as
#: the scheduler attaches the events that triggered an asset-scheduled run.  The events
#: are recorded the way ``POST /api/v2/assets/events`` records them.  argv: file, dag id,
#: JSON {asset name: extra}.
_EVENTS_SCRIPT = """
import json, sys
import airflow.models.dagrun as dagrun_module
from airflow.assets.manager import asset_manager
from airflow.dag_processing.dagbag import DagBag
from airflow.models.asset import AssetModel
from sqlalchemy import select
path, dag_id, events = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
create = dagrun_module.get_or_create_dagrun
def create_with_events(**kwargs):
    run, session = create(**kwargs), kwargs["session"]
    for name, extra in events.items():
        asset = session.scalar(select(AssetModel).where(AssetModel.name == name))
        assert asset is not None, f"no asset {name!r}"
        run.consumed_asset_events.append(
            asset_manager.register_asset_change(asset=asset, extra=extra, source_is_api=True, session=session)
        )
    session.commit()
    return run
dagrun_module.get_or_create_dagrun = create_with_events
DagBag(dag_folder=path).dags[dag_id].test()
"""


@dataclass(frozen=True)
class DagRunResult:
    """What ``airflow dags test`` left in the metadata database."""

    #: The DAG run's state (``success``, ``failed``...).
    state: str
    #: Airflow's run id.
    run_id: str
    #: ``(task_id, map_index)`` → task instance state.
    tasks: dict[tuple[str, int], str]
    #: The command's combined output, for failure messages.
    log: str

    def summary(self) -> str:
        """The run's state, the tasks that did not succeed and the error lines of the log."""
        bad = {f"{t}[{m}]": s for (t, m), s in sorted(self.tasks.items()) if s not in ("success", "skipped")}
        errors = [line for line in self.log.splitlines() if "flowc:" in line or "Error" in line]
        return f"DAG run {self.state}; tasks: {bad}\n" + "\n".join(errors[-40:])

    @property
    def flowc_run_id(self) -> str:
        """The flowc run id the generated DAG derives from Airflow's run id."""
        return "airflow-" + re.sub(r"[^A-Za-z0-9_.-]", "_", self.run_id)


class AirflowEnv:
    """One AIRFLOW_HOME with a migrated SQLite database."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.database = home / "airflow.db"
        self.env = {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.database}",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "NO_PROXY": "*",
        }

    def _run(
        self, args: list[str], extra: dict[str, str] | None = None, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **self.env, **(extra or {})}
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout, check=False)

    def migrate(self) -> None:
        """Create the metadata database."""
        (self.home / "dags").mkdir(parents=True, exist_ok=True)
        done = self._run([AIRFLOW, "db", "migrate"])
        assert done.returncode == 0, done.stdout + done.stderr

    def dag_test(
        self,
        dag_file: Path,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> DagRunResult:
        """``airflow dags test DAG_ID -f FILE`` with the file's folder as dags folder.

        ``dag_id`` may be the flow's name: the file's own ``dag_id`` is used
        (``<project>.<branch>.<Flow>`` with ``@project``).
        """
        dag_id = file_dag_id(dag_file, dag_id)
        args = [AIRFLOW, "dags", "test", dag_id, "-f", str(dag_file)]
        if conf:
            args += ["-c", json.dumps(conf)]
        extra = {**(env or {}), "AIRFLOW__CORE__DAGS_FOLDER": str(dag_file.parent)}
        return self._result(dag_id, self._run(args, extra))

    def dag_test_with_events(
        self, dag_file: Path, dag_id: str, events: dict[str, dict[str, Any]], env: dict[str, str]
    ) -> DagRunResult:
        """Like :meth:`dag_test`, the run consuming one asset event per ``{asset name: extra}``."""
        dag_id = file_dag_id(dag_file, dag_id)
        args = [sys.executable, "-c", _EVENTS_SCRIPT, str(dag_file), dag_id, json.dumps(events)]
        extra = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(dag_file.parent)}
        return self._result(dag_id, self._run(args, extra))

    def _result(self, dag_id: str, done: subprocess.CompletedProcess[str]) -> DagRunResult:
        """The last run of ``dag_id`` in the metadata database."""
        log = done.stdout + done.stderr
        with sqlite3.connect(self.database) as db:
            row = db.execute(
                "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
            ).fetchone()
            assert row is not None, f"no DAG run of {dag_id} was created:\n{log[-5000:]}"
            tasks = db.execute(
                "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?",
                (dag_id, row[0]),
            ).fetchall()
        return DagRunResult(row[1], row[0], {(t, m): str(s) for t, m, s in tasks}, log)

    def load(self, paths: list[Path]) -> dict[str, Any]:
        """Each file loaded alone in a DagBag: ``{path: {"errors", "dags", "params"}}``."""
        done = self._run([sys.executable, "-c", _DAGBAG_SCRIPT, *map(str, paths)])
        lines = [line for line in done.stdout.splitlines() if line.startswith("DAGBAG ")]
        assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
        report: dict[str, Any] = json.loads(lines[-1][len("DAGBAG ") :])
        return report

    def render_pod(self, path: Path, task_id: str) -> dict[str, Any]:
        """The pod fields ``cmds``, ``env_vars`` and ``image`` of a task after Jinja rendering."""
        done = self._run([sys.executable, "-c", _RENDER_SCRIPT, str(path), task_id])
        lines = [line for line in done.stdout.splitlines() if line.startswith("RENDERED ")]
        assert done.returncode == 0 and lines, done.stdout[-3000:] + done.stderr[-3000:]
        rendered: dict[str, Any] = json.loads(lines[-1][len("RENDERED ") :])
        return rendered


def file_dag_id(dag_file: Path, default: str) -> str:
    """The ``dag_id`` a generated DAG file declares (``default`` if none is found)."""
    match = re.search(r'^    dag_id="([^"]+)",$', dag_file.read_text(encoding="utf-8"), re.MULTILINE)
    return match.group(1) if match else default


def airflow_installed() -> bool:
    """Whether the ``[airflow]`` extra is installed next to this Python."""
    return Path(AIRFLOW).exists()


@pytest.fixture(scope="session", name="airflow")
def airflow_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowEnv]:
    """A migrated AIRFLOW_HOME for this test process (see the module docstring)."""
    if not airflow_installed():
        pytest.skip("apache-airflow is not installed (pip install -e '.[airflow]')")
    env = AirflowEnv(tmp_path_factory.mktemp("airflow_home"))
    env.migrate()
    yield env
