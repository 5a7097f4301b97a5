"""Metaflow flows under flowc: they run unchanged, or ``flowc check`` refuses them precisely.

A Metaflow name the runtime shim does not provide must be an error at check
time (FLC309, at the name), never an import failure in every task; a plain
Python decorator of the user's own is a warning (FLC310) and runs in the task.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest
from flowc.runtime_shim.package import build_package
from flowc.transpile import analyze_source
from flowc.transpile.metaflow_names import (
    CARD_COLLECTOR_INSTEAD,
    CARD_COMPONENTS,
    CARD_INSTEAD,
    CURRENT_INSTEAD,
    METAFLOW_INSTEAD,
    PROVIDED,
)

from flowc.client import Flow

TAIL = """

class CompatFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def problems(head: str, tail: str = TAIL) -> set[tuple[str, int, int]]:
    """``(rule, line, column)`` of every problem of a flow made of ``head`` and a two-step class."""
    analysis = analyze_source(textwrap.dedent(head) + tail, "flow.py")
    return {(p.rule, p.span.line, p.span.column) for p in analysis.problems}


def messages(head: str, tail: str = TAIL) -> list[str]:
    return [p.format() for p in analyze_source(textwrap.dedent(head) + tail, "flow.py").problems]


def flowc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc.cli", *args], capture_output=True, text=True, check=False, cwd=cwd
    )


# --- check time -------------------------------------------------------------------------------


def test_names_flowc_provides_pass() -> None:
    head = """\
        from metaflow import FlowSpec, step, Parameter, JSONType, IncludeFile, current, card, profile
        from metaflow import retry, catch, resources, timeout, environment, schedule, project, cards
        from metaflow.cards import Markdown, Table, Image, Artifact
        import metaflow
        import metaflow.cards
        import metaflow as mf

        X = metaflow.cards.Markdown, mf.Parameter, metaflow.retry
        """
    assert problems(head) == set()


def test_each_unprovided_import_is_an_error_at_its_name() -> None:
    head = """\
        from metaflow import FlowSpec, step, Flow, NBRunner
        from metaflow.cards import Markdown, VegaChart
        import metaflow.plugins.cards
        from metaflow.exception import MetaflowException
        from metaflow import Runner as R, Paramter
        """
    assert problems(head) == {
        ("FLC309", 1, 44),  # NBRunner (Flow is the client, which tasks have)
        ("FLC309", 2, 38),  # VegaChart
        ("FLC309", 3, 8),  # metaflow.plugins.cards
        ("FLC309", 4, 1),  # the from-import of metaflow.exception
        ("FLC309", 5, 22),  # Runner as R
        ("FLC309", 5, 35),  # Paramter
    }


def test_flowc_imports_are_checked_the_same_way() -> None:
    head = """\
        from flowc import FlowSpec, step, Flow, profile, Paramter
        from flowc.cards import Markdown, LineChart, VegaChart
        """
    assert problems(head) == {("FLC309", 1, 50), ("FLC309", 2, 46)}
    assert "did you mean 'Parameter'?" in messages(head)[0]


def test_attribute_uses_of_the_module_are_checked() -> None:
    head = """\
        import metaflow
        import metaflow as mf
        import metaflow.cards as mc
        from metaflow import FlowSpec, step, cards

        A = metaflow.Runner
        B = mf.cards.ProgressBar
        C = mc.ValueBox
        D = cards.JSONViewer
        OK = metaflow.current, mf.cards.Table, mc.Markdown, cards.Image
        """
    assert problems(head) == {("FLC309", 6, 5), ("FLC309", 7, 5), ("FLC309", 8, 5), ("FLC309", 9, 5)}


def test_imports_inside_a_step_are_checked_where_written() -> None:
    tail = TAIL.replace(
        "        self.next(self.end)", "        from metaflow import Runner\n        self.next(self.end)"
    )
    assert problems("from metaflow import FlowSpec, step\n", tail) == {("FLC309", 7, 30)}


def test_guarded_imports_and_the_main_block_are_not_checked() -> None:
    head = """\
        from metaflow import FlowSpec, step

        try:
            from metaflow import S3
        except ImportError:
            S3 = None

        try:
            from metaflow import Runner
        finally:
            pass
        """
    main = '\n\nif __name__ == "__main__":\n    from metaflow import Runner\n    CompatFlow()\n'
    assert problems(head, TAIL + main) == {("FLC309", 9, 26)}


def test_the_message_names_the_name_and_the_hint_says_what_to_do() -> None:
    (text,) = messages("from metaflow import FlowSpec, step, parallel_map\n")
    assert text.startswith("flow.py:1:38: FLC309 flowc does not provide metaflow.parallel_map")
    assert "concurrent.futures" in text
    (text,) = messages("from metaflow import FlowSpec, step, Paramter\n")
    assert "did you mean 'Parameter'?" in text
    (text,) = messages("from metaflow import FlowSpec, step\nfrom metaflow.cards import VegaChart\n")
    assert "metaflow.cards.VegaChart" in text and "LineChart" in text


def test_flowc_check_refuses_with_position_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "flow.py"
    path.write_text("from metaflow import FlowSpec, step, Runner\n" + TAIL)
    done = flowc("check", "flow.py", cwd=tmp_path)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "flow.py:1:38: FLC309 flowc does not provide metaflow.Runner" in done.stderr
    done = flowc("check", "flow.py", "--format", "json", cwd=tmp_path)
    (found,) = json.loads(done.stdout)
    assert (found["rule"], found["line"], found["column"], found["severity"]) == ("FLC309", 1, 38, "error")


def test_current_attributes_flowc_lacks_are_errors() -> None:
    tail = TAIL.replace(
        "        self.next(self.end)",
        "        print(current.run_id, current.pathspec, current.namespace)\n"
        "        current.card.append(None)\n"
        "        current.card.refresh()\n"
        '        current.card["x"].refresh()\n'
        "        print(current.trigger, current.username, current.project_name, current.get('tempdir'))\n"
        "        self.next(self.end)",
    )
    head = "from flowc import FlowSpec, step, current\n"
    assert problems(head, tail) == {("FLC309", 7, 49), ("FLC309", 11, 15)}
    (text, *_) = messages(head, tail)
    assert "flowc does not provide current.namespace" in text


# --- user decorators --------------------------------------------------------------------------

USER_DECORATOR = """\
    import functools
    import json as jsonlib
    from json import dumps

    from metaflow import FlowSpec, retry, step


    def logged(func):
        @functools.wraps(func)
        def wrapper(self, *args):
            return func(self, *args)

        return wrapper


    def bare(func):
        def wrapper(self, *args):
            return func(self, *args)

        return wrapper


    def register(func):
        REGISTRY.append(func.__name__)
        return func


    def labelled(label):
        def decorate(func):
            @functools.wraps(func)
            def wrapper(self, *args):
                return func(self, *args)

            return wrapper

        return decorate


    def labelled_bare(label):
        def decorate(func):
            def wrapper(self, *args):
                return func(self, *args)

            return wrapper

        return decorate


    class Tagged:
        def __init__(self, func):
            functools.update_wrapper(self, func)


    REGISTRY = []
    tagged = logged
    retries = retry
    """

#: The line of the decorator on ``start`` once the class follows USER_DECORATOR.
DECORATOR_LINE = 60


@pytest.mark.parametrize(
    ("decorator", "rule"),
    [
        ("@logged", "FLC310"),  # def, with functools.wraps
        ("@register", "FLC310"),  # returns the function itself
        ("@labelled('x')", "FLC310"),  # a factory whose wrapper uses functools.wraps
        ("@Tagged", "FLC310"),  # class
        ("@tagged", "FLC310"),  # assignment
        ("@dumps", "FLC310"),  # imported from another module
        ("@functools.lru_cache(maxsize=None)", "FLC310"),  # attribute of an imported module
        ("@jsonlib.loads", "FLC310"),
        ("@bare", "FLC311"),  # the wrapper drops @step's marks
        ("@labelled_bare('x')", "FLC311"),
        ("@undefined_name", "FLC301"),  # bound nowhere
        ("@retries", "FLC301"),  # stands for flowc's @retry: flowc would not see it
        ("@defined_below", "FLC301"),  # Python would fail on the name when the class is made
    ],
)
def test_user_decorators_are_warnings_unless_python_or_the_task_would_fail(decorator: str, rule: str) -> None:
    tail = TAIL.replace("    @step\n    def start", f"    {decorator}\n    @step\n    def start")
    tail += "\n\ndef defined_below(func):\n    return func\n"
    analysis = analyze_source(textwrap.dedent(USER_DECORATOR) + tail, "flow.py")
    (problem,) = analysis.problems
    assert (problem.rule, problem.span.line, problem.span.column) == (rule, DECORATOR_LINE, 5)
    assert (problem.severity.value == "warning") == (rule == "FLC310")
    if rule == "FLC310":
        assert analysis.flow is not None
        assert [d.name for d in analysis.flow.step("start").decorators] == []


def test_unknown_name_imported_from_metaflow_stays_an_error() -> None:
    head = "from metaflow import FlowSpec, step, parallel_map\n"
    tail = TAIL.replace("    @step\n    def start", "    @parallel_map\n    @step\n    def start")
    assert problems(head, tail) == {("FLC309", 1, 38), ("FLC301", 5, 5)}


# --- the shim provides what the analyzer accepts ----------------------------------------------

_ALIAS_PROBE = """
import json, sys
from flowc.runtime_shim.flowload import install_metaflow_alias
install_metaflow_alias()
import metaflow
from metaflow import cards
names = json.loads(sys.argv[1])
cards_names = json.loads(sys.argv[2])
print(json.dumps({
    "missing": sorted(n for n in names if not hasattr(metaflow, n)),
    "missing_cards": sorted(n for n in cards_names if not hasattr(cards, n)),
}))
"""


def test_every_name_the_analyzer_accepts_exists_in_a_task() -> None:
    names = sorted(PROVIDED)
    done = subprocess.run(
        [sys.executable, "-c", _ALIAS_PROBE, json.dumps(names), json.dumps(sorted(CARD_COMPONENTS))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"missing": [], "missing_cards": []}


def test_refused_names_are_real_metaflow_names_the_shim_lacks() -> None:
    """The refusal tables name what Metaflow 2.19 has and flowc does not: no invented names."""
    probe = (
        "import json, metaflow, metaflow.cards\n"
        "print(json.dumps([sorted(n for n in json.loads(a) if not hasattr(m, n))"
        " for a, m in zip(__import__('sys').argv[1:], (metaflow, metaflow.cards))]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, json.dumps(sorted(METAFLOW_INSTEAD)), json.dumps(sorted(CARD_INSTEAD))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[], []]
    assert not set(METAFLOW_INSTEAD) & PROVIDED and not set(CARD_INSTEAD) & CARD_COMPONENTS


def test_refused_current_attributes_are_missing_from_the_shim() -> None:
    from flowc.runtime_shim.current import current

    assert [n for n in CURRENT_INSTEAD if hasattr(current, n)] == []
    assert [n for n in CARD_COLLECTOR_INSTEAD if hasattr(current.card, n)] == []


def test_code_package_metaflow_alias_has_cards_and_profile(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "flow.py").write_text("X = 1\n")
    data, _ = build_package(str(source))
    image = tmp_path / "image"
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(image, filter="data")
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from metaflow import profile, FlowSpec\n"
        "from metaflow.cards import Markdown, Table, Image, Artifact\n"
        "import metaflow\n"
        "print(metaflow.__file__)\n"
    )
    # -S: no site-packages, so only the unpacked package can provide metaflow.
    done = subprocess.run(
        [sys.executable, "-S", "-c", code, str(image / "_flowc")],
        cwd=tmp_path,
        env={},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == (image / "_flowc/metaflow/__init__.py").resolve()


def test_profile_prints_or_adds_up_milliseconds(capsys: pytest.CaptureFixture[str]) -> None:
    from flowc.runtime_shim.api import profile

    import flowc

    assert flowc.profile is profile
    with profile("load"):
        pass
    assert capsys.readouterr().out.splitlines() == [
        "PROFILE: load starting",
        "PROFILE: load completed in 0ms",
    ]
    stats = {"fit": 5}
    with profile("fit", stats), profile("new", stats):
        pass
    assert stats == {"fit": 5, "new": 0} and capsys.readouterr().out == ""


# --- flowc run, end to end --------------------------------------------------------------------

CARD_FLOW = """\
from metaflow import FlowSpec, card, current, profile, step
from metaflow.cards import Markdown, Table


class CompatCardFlow(FlowSpec):
    @card
    @step
    def start(self):
        timings = {}
        with profile("work", timings):
            self.total = sum(range(10))
        self.timed = sorted(timings)
        current.card.append(Markdown("# Compat *report*"))
        current.card.append(Table([["total", self.total]], headers=["name", "value"]))
        self.next(self.end)

    @step
    def end(self):
        print("total is", self.total)
"""

USER_FLOW = """\
import functools

from metaflow import FlowSpec, step


def logged(func):
    @functools.wraps(func)
    def wrapper(self, *args):
        print("entering", func.__name__)
        self.wrapped = func.__name__
        result = func(self, *args)
        print("leaving", func.__name__)
        return result

    return wrapper


class UserDecoratorFlow(FlowSpec):
    @logged
    @step
    def start(self):
        self.value = 41
        self.next(self.end)

    @logged
    @step
    def end(self):
        self.value += 1
"""


def run_flow(tmp_path: Path, name: str, text: str) -> tuple[Path, subprocess.CompletedProcess[str]]:
    (tmp_path / name).write_text(text)
    done = flowc("run", name, "--datastore", str(tmp_path / "ds"), "--run-id", "77", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    return tmp_path / "ds", done


def test_metaflow_cards_flow_runs_and_renders_its_card(tmp_path: Path) -> None:
    root, done = run_flow(tmp_path, "cardflow.py", CARD_FLOW)
    assert "total is 45" in done.stdout + done.stderr
    run = Flow("CompatCardFlow", datastore=str(root))["77"]
    assert run.successful and run.data.total == 45
    assert run["start"].tasks()[0].artifacts["timed"].data == ["work"]
    listed = flowc("card", "list", "CompatCardFlow", "77", "--format", "json", "--datastore", str(root))
    (row,) = json.loads(listed.stdout)
    page = tmp_path / "card.html"
    viewed = flowc("card", "view", row["pathspec"], "-o", str(page), "--datastore", str(root))
    assert viewed.returncode == 0, viewed.stderr
    html = page.read_text()
    assert "Compat <em>report</em>" in html
    assert "<th>name</th>" in html and "<td>45</td>" in html


def test_user_decorator_flow_runs_with_the_wrapper_and_keeps_artifacts(tmp_path: Path) -> None:
    root, done = run_flow(tmp_path, "userflow.py", USER_FLOW)
    output = done.stdout + done.stderr
    assert "FLC310" in output  # the warning is shown, the run goes on
    assert output.index("entering start") < output.index("leaving start") < output.index("entering end")
    run = Flow("UserDecoratorFlow", datastore=str(root))["77"]
    assert run.successful
    assert run.data.value == 42 and run.data.wrapped == "end"
    assert run["start"].tasks()[0].artifacts["wrapped"].data == "start"
