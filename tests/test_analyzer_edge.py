"""Odd but legal files, and hostile ones: the analyzer copes without crashing or hanging."""

from __future__ import annotations

from pathlib import Path

import pytest
from flowc.transpile import analyze_file, analyze_source

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "examples" / "linear_etl.py").read_text(encoding="utf-8")
FIRST_STEP = "@step\n    def start"


def _with_decorator(decorator: str) -> str:
    assert FIRST_STEP in BASE
    return BASE.replace(FIRST_STEP, f"{decorator}\n    {FIRST_STEP}", 1)


@pytest.mark.parametrize(
    "text",
    [
        "\ufeff" + BASE,
        BASE.replace("\n", "\r\n"),
        BASE.replace("\n", "\r"),
        BASE.replace("\n\n\nclass", "\n\x0c\nclass"),
        BASE.replace("    ", "\t"),
        "X = " + "+".join(["1"] * 900) + "\n" + BASE,
    ],
    ids=["bom", "crlf", "cr", "form-feed", "tabs", "long-unused-constant"],
)
def test_legal_variants_analyse_cleanly(text: str) -> None:
    analysis = analyze_source(text, "variant.py")
    assert analysis.problems == ()
    assert analysis.flow is not None
    assert [s.name for s in analysis.flow.steps] == [
        s.name for s in analyze_source(BASE).flow.steps  # type: ignore[union-attr]
    ]


@pytest.mark.parametrize(
    ("decorator", "rule"),
    [
        ("@retry(times=10**10**10)", "FLC304"),
        ("@environment(vars={'A': 'x' * 10**12})", "FLC304"),
        ("@resources(memory=1e400)", "FLC304"),
        ("@resources(cpu=(-8) ** 0.5)", "FLC304"),
        ("@retry(times=" + "9" * 5000 + ")", "FLC001"),
        ("@retry(times=" + "+".join(["1"] * 3000) + ")", "FLC001"),
        ("@retry(times=" + "(" * 300 + "1" + ")" * 300 + ")", "FLC001"),
    ],
    ids=["power-bomb", "repeat-bomb", "infinite-float", "complex", "huge-int", "deep-sum", "deep-parens"],
)
def test_hostile_expressions_are_problems(decorator: str, rule: str) -> None:
    analysis = analyze_source(_with_decorator(decorator), "hostile.py")
    assert rule in {p.rule for p in analysis.problems}


def test_deep_expression_the_parser_accepts_is_reported_not_raised() -> None:
    analysis = analyze_source(_with_decorator("@retry(times=" + "+".join(["1"] * 600) + ")"))
    assert [p.rule for p in analysis.problems] == ["FLC001"]


def test_null_byte_is_a_syntax_error() -> None:
    assert [p.rule for p in analyze_source("x = 1\x00\n").problems] == ["FLC001"]


def test_pep263_encoding_is_honoured(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    source = "# -*- coding: latin-1 -*-\n" + BASE.replace("class LinearEtlFlow", "# café\nclass LinearEtlFlow")
    path.write_bytes(source.encode("latin-1"))
    analysis = analyze_file(str(path))
    assert analysis.problems == ()


@pytest.mark.parametrize(
    "data", [b"x = '\xe9'\n", b"# coding: no-such-codec\nx = 1\n"], ids=["not-utf8", "unknown-codec"]
)
def test_undecodable_files_are_flc004(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.py"
    path.write_bytes(data)
    assert [p.rule for p in analyze_file(str(path)).problems] == ["FLC004"]


def test_directory_and_missing_file_are_flc004(tmp_path: Path) -> None:
    assert [p.rule for p in analyze_file(str(tmp_path)).problems] == ["FLC004"]
    assert [p.rule for p in analyze_file(str(tmp_path / "nope.py")).problems] == ["FLC004"]


def test_crlf_keeps_positions() -> None:
    path = ROOT / "tests" / "bad_flows" / "retry_times_string.py"
    text = path.read_text(encoding="utf-8")
    lf = analyze_source(text).problems
    crlf = analyze_source(text.replace("\n", "\r\n")).problems
    assert [(p.rule, p.span.line, p.span.column) for p in crlf] == [
        (p.rule, p.span.line, p.span.column) for p in lf
    ]


_UNICODE_LINE = """from flowc import FlowSpec, step


class UnicodeFlow(FlowSpec):
    @step
    def start(self):
        self.note = "café ✓"; self.next(self.end)
        self.done = True

    @step
    def end(self):
        self.note = "naïve"; self.next("start")
"""


def test_columns_count_characters_not_bytes() -> None:
    problems = analyze_source(_UNICODE_LINE).problems
    found = {(p.rule, p.span.line, p.span.column) for p in problems}
    line7 = _UNICODE_LINE.split("\n")[6]
    line12 = _UNICODE_LINE.split("\n")[11]
    assert ("FLC109", 7, line7.index("self.next") + 1) in found
    assert ("FLC112", 12, line12.index("self.next") + 1) in found


def test_form_feed_inside_a_line_keeps_line_numbers() -> None:
    text = BASE.replace("class LinearEtlFlow", "X = 1  # \x0c page break\n\n\nclass LinearEtlFlow", 1)
    text = text.replace(FIRST_STEP, "@retry(times='x')\n    " + FIRST_STEP, 1)
    (problem,) = analyze_source(text).problems
    line = text.split("\n").index("    @retry(times='x')") + 1
    assert (problem.rule, problem.span.line, problem.span.column) == ("FLC303", line, 18)
