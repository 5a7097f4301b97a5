"""One task, start to finish: the shim's main sequence.

Fetch and verify the code, resolve the parents, run the step, store the
artifacts, write the metadata last, then tell the orchestrator where to go
next.  Each stage is a short method; any failure becomes one clear message
naming the task and an exit code from :mod:`flowc.runtime_shim.errors`.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from flowc.runtime_shim import api, configs, environments, errors, persist, transition
from flowc.runtime_shim.current import current
from flowc.runtime_shim.datastore import ROOT_ENV, Datastore
from flowc.runtime_shim.flowload import flow_parameters, load_flow_class, step_function
from flowc.runtime_shim.inputs import Inputs, InputView, Parent, resolve
from flowc.runtime_shim.params import ParameterContext, parameter_value
from flowc.runtime_shim.secrets import secret_environment
from flowc.runtime_shim.stepexec import Outcome, execute, timeout_seconds, user_traceback

#: Prefix of the output line on stdout (docs/task-contract.md).
OUTPUT_PREFIX = "FLOWC_OUTPUT "


@dataclass
class TaskArgs:
    """The shim's command line (docs/task-contract.md)."""

    flow: str
    run_id: str
    step: str
    task_id: str
    datastore: str | None = None
    flow_file: str | None = None
    package_url: str | None = None
    package_sha256: str | None = None
    attempt: int = 0
    input_paths: str | None = None
    split_indices: list[int] = field(default_factory=list)
    params: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    origin_run_id: str | None = None
    output_json: str | None = None
    output_dir: str | None = None
    graph_json: str | None = None


class StepFailed(Exception):
    """The user's code (or what it left behind) failed the step."""


class Task:
    """Runs one task; :meth:`run` returns the process exit code."""

    def __init__(self, args: TaskArgs) -> None:
        self.args = args
        self.ds = Datastore(args.datastore)
        self.name = f"{args.flow}/{args.run_id}/{args.step}/{args.task_id} (attempt {args.attempt})"
        self.flow_file = ""
        self.graph: dict[str, Any] | None = None
        self.decorators: list[tuple[str, dict[str, Any]]] = []
        self.meta: dict[str, Any] = {
            "flow": args.flow,
            "run_id": args.run_id,
            "step": args.step,
            "task_id": args.task_id,
            "attempt": args.attempt,
            "input_paths": args.input_paths,
            "split_indices": args.split_indices,
            "origin_run_id": args.origin_run_id,
            "tags": args.tags,
            "package_sha256": args.package_sha256,
        }

    def run(self) -> int:
        """Run the task; never raises."""
        try:
            return self._run()
        except errors.FlowcRuntimeError as exc:
            kind = "infrastructure error" if exc.exit_code == errors.EXIT_INFRA else "error"
            print(f"flowc: {kind} in task {self.name}: {exc}", file=sys.stderr)
            return exc.exit_code
        finally:
            current.reset()  # also removes current.tempdir

    def _run(self) -> int:
        os.environ[ROOT_ENV] = self.ds.root  # the client in a step reads the root this task writes
        self._locate_code()
        configs.install((self.graph or {}).get("configs"))  # before the flow module reads them
        # An @exit_hook function, not a step (exithook.HOOK_PREFIX; the module loads only for hooks).
        if self.args.step.startswith("exit_hook:"):
            from flowc.runtime_shim.exithook import run_hook

            a = self.args
            return run_hook(a.flow, a.run_id, a.step, self.flow_file, self.graph, self.ds.root)
        environments.prepare(self.graph, self.args.step)  # before the flow module imports them
        try:
            cls = load_flow_class(self.flow_file, self.args.flow)
        except errors.FlowcRuntimeError:
            raise
        except Exception as exc:  # the flow module itself raised while being imported
            return self._fail(self._outcome_of(exc))
        func = step_function(cls, self.args.step)
        self.decorators = api.step_decorators(func)
        parents = (
            resolve(self.ds, self.args.flow, self.args.run_id, self.args.input_paths)
            if self.args.input_paths
            else []
        )
        is_join = _takes_inputs(func)
        flow, state = self._prepare(cls, parents, is_join)
        self._set_current(cls)
        inputs = Inputs([InputView(p, self._loader) for p in parents]) if is_join else None
        outcome = execute(
            (lambda: func(flow, inputs)) if is_join else (lambda: func(flow)),
            self.args.step,
            {**secret_environment(os.environ), **(self._decorator("environment").get("vars") or {})},
            timeout_seconds(self._decorator("timeout")) or None,
        )
        return self._finish(cls, func, flow, state, outcome)

    # -- setting up ---------------------------------------------------------------

    def _locate_code(self) -> None:
        args = self.args
        package_dir = None
        if args.package_url:
            if not args.package_sha256:
                raise errors.TaskUsageError("--package-url needs --package-sha256")
            from flowc.runtime_shim.fetch import fetch_package  # tarfile: only when a package is used

            package_dir = fetch_package(args.package_url, args.package_sha256)
        elif os.environ.get("FLOWC_PACKAGE_DIR"):
            package_dir = os.environ["FLOWC_PACKAGE_DIR"]
        if not args.flow_file:
            raise errors.TaskUsageError("--flow-file is required")
        self.flow_file = args.flow_file
        if package_dir and not os.path.isabs(args.flow_file):
            self.flow_file = os.path.join(package_dir, args.flow_file)
            if package_dir not in sys.path:
                sys.path.insert(0, package_dir)
        graph_path = args.graph_json
        if graph_path is None and package_dir:
            graph_path = os.path.join(package_dir, "_flowc", "graphs", f"{args.flow}.json")
        if graph_path and os.path.isfile(graph_path):
            with open(graph_path, encoding="utf-8") as handle:
                self.graph = json.load(handle)
        elif args.graph_json:
            raise errors.TaskUsageError(f"graph JSON {args.graph_json} does not exist")

    def _loader(self, sha256: str) -> Any:
        return self.ds.load_value(self.args.flow, sha256)

    def _decorator(self, name: str) -> dict[str, Any]:
        return next((dict(kw) for n, kw in self.decorators if n == name), {})

    def _prepare(
        self, cls: type[api.FlowSpec], parents: list[Parent], is_join: bool
    ) -> tuple[Any, api.StepState]:
        """The flow object with its inherited artifacts (loaded lazily) and parameters."""
        params = flow_parameters(cls)
        state = api.StepState(load=self._loader, parameters=frozenset(params))
        flow = cls.__new__(cls)
        object.__setattr__(flow, "_flowc_state", state)
        stack: list[dict[str, Any]] = []
        if not parents:
            self._start_parameters(flow, params)
        else:
            first = parents[0]
            stack = list(first.meta.get("foreach_stack") or [])
            if is_join:
                state.refs.update({a: s for a, s in first.artifacts.items() if a in params})
                if stack and self._joins_a_foreach():
                    stack = stack[:-1]
            else:
                state.refs.update(first.artifacts)
                entered = self._enter_foreach(state, first, stack)
                if entered is stack and stack:
                    self._inherit_foreach_input(state, stack[-1])
                stack = entered
            for attr in params:
                if attr in state.refs:
                    object.__setattr__(flow, attr, self._loader(state.refs[attr]))
        state.foreach_index = stack[-1]["index"] if stack else None
        state.foreach_frames = stack
        self.meta["foreach_stack"] = stack
        self.meta["parameters"] = sorted(params)
        return flow, state

    def _joins_a_foreach(self) -> bool:
        """Whether this join gathers a foreach's children (its input paths are globs)."""
        entries = (self.args.input_paths or "").split(",")
        return any(e.strip().rstrip("?").endswith("*") for e in entries)

    def _inherit_foreach_input(self, state: api.StepState, frame: dict[str, Any]) -> None:
        """Later steps of a foreach body see the same ``self.input`` (loaded on first use)."""
        sha = state.refs.get(frame.get("var") or "")
        if sha is not None:
            index = int(frame["index"])
            state.foreach_input_loader = lambda: self._loader(sha)[index]

    def _enter_foreach(
        self, state: api.StepState, parent: Parent, stack: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        split = parent.meta.get("foreach")
        if not split:
            return stack
        if not self.args.split_indices:
            raise errors.TaskUsageError(f"{parent.step} is a foreach: the task needs --split-index")
        index = self.args.split_indices[-1]
        if not 0 <= index < split["cardinality"]:
            raise errors.TaskUsageError(
                f"--split-index {index} is outside the foreach of {split['cardinality']}"
            )
        if split.get("var"):
            state.foreach_input = self._loader(parent.artifacts[split["var"]])[index]
        frame = {
            "step": parent.step,
            "var": split.get("var"),
            "index": index,
            "cardinality": split["cardinality"],
        }
        return [*stack, frame]

    def _start_parameters(self, flow: Any, params: dict[str, api.Parameter]) -> None:
        raw = dict(self.args.params)
        known = {p.name: attr for attr, p in params.items()}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise errors.TaskUsageError(f"unknown parameter(s): {', '.join(unknown)}")
        flow_dir = os.path.dirname(os.path.abspath(self.flow_file))
        context = ParameterContext(
            flow_name=self.args.flow,
            user_name=current.username,
            parameter_name="",
            logger=lambda *parts, **_: print(*parts, file=sys.stderr),
            ds_type="s3" if self.ds.root.startswith("s3://") else "local",
        )
        for attr, param in params.items():
            value = parameter_value(param, raw.get(param.name), flow_dir, context)
            object.__setattr__(flow, attr, value)

    def _set_current(self, cls: type) -> None:
        current.reset()
        current.flow_name, current.run_id = self.args.flow, self.args.run_id
        current.step_name, current.task_id = self.args.step, self.args.task_id
        current.retry_count, current.origin_run_id = self.args.attempt, self.args.origin_run_id
        current.tags = list(self.args.tags)
        current.parameter_names = [p.name for p in flow_parameters(cls).values()]
        current.is_running_flow = True
        current.bind(self.graph, getattr(cls, "_flowc_flow_decorators", []), self.decorators)

    # -- finishing -----------------------------------------------------------------

    def _outcome_of(self, exc: BaseException) -> Outcome:
        import time

        outcome = Outcome(started_at=time.time(), finished_at=time.time(), error=exc)
        outcome.traceback, outcome.location = user_traceback(exc)
        return outcome

    def _finish(self, cls: type, func: Any, flow: Any, state: api.StepState, outcome: Outcome) -> int:
        caught = False
        if outcome.error is not None:
            if not self._catch(flow, outcome):
                return self._fail(outcome)
            caught = True
        try:
            step_graph = self._graph_step()
            if caught:
                move = transition.static(step_graph)
                if move is None:
                    return self._fail(outcome)
            else:
                is_end = bool(getattr(func, "is_end_step", False)) or (step_graph or {}).get("kind") == "end"
                is_end = is_end or (step_graph is None and self.args.step == "end")
                move = transition.recorded(flow, state.transition, is_end)
            artifacts = persist.store_artifacts(self.ds, self.args.flow, flow, state)
        except (transition.TransitionError, persist.ArtifactError) as exc:
            outcome.error = exc
            outcome.traceback, outcome.location = f"{type(exc).__name__}: {exc}\n", ""
            return self._fail(outcome)
        cards = persist.render_cards(self, cls, func, flow, artifacts, outcome)
        self._publish(outcome, artifacts, cards, move, caught)
        return errors.EXIT_OK

    def _graph_step(self) -> dict[str, Any] | None:
        for step in (self.graph or {}).get("steps", []):
            if step.get("name") == self.args.step:
                found: dict[str, Any] = step
                return found
        return None

    def _catch(self, flow: Any, outcome: Outcome) -> bool:
        """Apply ``@catch`` on the last attempt: store the exception, carry on."""
        names = [n for n, _ in self.decorators]
        if "catch" not in names or isinstance(outcome.error, (KeyboardInterrupt, SystemExit)):
            return False
        retries = int(self._decorator("retry").get("times", 3)) if "retry" in names else 0
        if self.args.attempt < retries:
            return False
        assert outcome.error is not None
        var = self._decorator("catch").get("var")
        if var:
            object.__setattr__(flow, var, api.CaughtException(outcome.error, outcome.traceback))
        print(f"flowc: @catch swallowed {type(outcome.error).__name__} in {self.name}", file=sys.stderr)
        return True

    def _fail(self, outcome: Outcome) -> int:
        error = outcome.error
        where = f" at {outcome.location}" if outcome.location else ""
        message = f"{type(error).__name__}: {error}"
        self.meta |= {
            "status": "failed",
            "started_at": outcome.started_at,
            "finished_at": outcome.finished_at,
            "artifacts": {},
            "error": {
                "type": type(error).__name__,
                "message": str(error),
                "location": outcome.location,
                "traceback": outcome.traceback,
            },
        }
        sys.stderr.write(outcome.traceback)
        print(f"flowc: step {self.args.step!r} failed in task {self.name}{where}: {message}", file=sys.stderr)
        self._write_logs(outcome)
        self.ds.write_metadata(self.meta)
        return errors.EXIT_STEP_FAILED

    def _write_logs(self, outcome: Outcome) -> None:
        a = self.args
        for name, text in outcome.logs.items():
            self.ds.write_text(a.flow, a.run_id, a.step, a.task_id, a.attempt, name, text)
        self.meta["logs"] = sorted(outcome.logs)

    def _publish(
        self,
        outcome: Outcome,
        artifacts: dict[str, str],
        cards: list[dict[str, Any]],
        move: transition.Transition,
        caught: bool,
    ) -> None:
        """Logs, then metadata (the commit point), then the output documents."""
        self._write_logs(outcome)
        self.meta |= {
            "status": "ok",
            "caught": caught,
            "started_at": outcome.started_at,
            "finished_at": outcome.finished_at,
            "artifacts": artifacts,
            "cards": cards,
            "foreach": move.foreach,
            "switch": move.switch,
            "next": move.next,
            "error": None,
        }
        self.ds.write_metadata(self.meta)
        base = {k: self.meta[k] for k in ("flow", "run_id", "step", "task_id", "attempt")}
        doc = transition.output_document(base, move)
        self.ds.write_output(doc)
        if self.args.output_json:
            _write_file(self.args.output_json, json.dumps(doc))
        if self.args.output_dir:
            for name, text in transition.output_files(move).items():
                _write_file(os.path.join(self.args.output_dir, name), text)
        sys.stdout.flush()
        print(OUTPUT_PREFIX + json.dumps(doc, sort_keys=True), flush=True)


def _takes_inputs(func: Any) -> bool:
    code = getattr(func, "__code__", None)
    return code is not None and code.co_argcount >= 2


def _write_file(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
