"""The analyzer's shortcuts give what the slow ways they replace give.

String literals are read without ``ast.literal_eval``, assigned values are
placed from the ``ast`` tree instead of a libcst position pass, and step
bodies are walked for early ``self.next()`` calls only when their text
could hold one.
"""

from __future__ import annotations

import ast
import textwrap

import libcst as cst
import pytest
from flowc.transpile import analyze_source
from flowc.transpile.literals import docstring, string_value
from flowc.transpile.source import parse
from libcst.metadata import MetadataWrapper, PositionProvider

LITERALS = [
    '"plain"',
    "'single'",
    '""',
    "''",
    '"""triple\nquoted"""',
    "'''triple\n  indented\n'''",
    '""""quote inside"""',
    'r"raw\\d+"',
    'R"no escapes"',
    'u"unicode prefix"',
    '"tab\\tescape"',
    '"new\\nline"',
    '"\\N{BULLET} named"',
    '"é and ✓"',
    'b"bytes"',
    'rb"raw\\bytes"',
    '"con" "cat"',
    'b"two" b"bytes"',
    '"with" f"{x}"',
    '"a" "b" "c"',
    "'it''s'",
]


@pytest.mark.parametrize("source", LITERALS)
def test_string_value_is_evaluated_value(source: str) -> None:
    node = cst.parse_expression(source)
    assert isinstance(node, (cst.SimpleString, cst.ConcatenatedString))
    assert string_value(node) == node.evaluated_value


DOCSTRINGS = [
    'def f():\n    """One line."""\n',
    'def f():\n    """\n    Indented\n      more\n    """\n    return 1\n',
    "def f():\n    'single' 'concatenated'\n",
    'def f():\n    b"bytes are no docstring"\n',
    "def f():\n    return 1\n",
    'def f(): "on the def line"\n',
    'class C:\n    """Class doc\twith tab."""\n',
    'class C:\n    x = "not a docstring"\n',
    'def f():\n    r"""raw \\d"""\n',
]


@pytest.mark.parametrize("source", DOCSTRINGS)
def test_docstring_is_libcst_docstring(source: str) -> None:
    node = cst.parse_module(source).body[0]
    assert isinstance(node, (cst.FunctionDef, cst.ClassDef))
    assert docstring(node) == node.get_docstring(clean=True)


ASSIGNMENTS = [
    'x = Parameter("x")\n',
    'x: int = Parameter("x")\n',
    'a = b = Parameter("x")\n',
    'x = (Parameter("x"))\n',
    'x = (Parameter)("x")\n',
    'x = mf.Parameter("x", help="é ✓")\n',
    'é = "✓"; x = Parameter("x")\n',
    'x = \\\n    Parameter("x")\n',
    "class C:\n    x = Parameter('x')\n    y = [\n        1,\n    ]\n",
    'x = Parameter(\n    "x",\n)[0].attr\n',
]


def _assigned_values(module: cst.Module) -> list[tuple[cst.BaseExpression, cst.CSTNode]]:
    """Every assigned value with the statement line holding it, in module and class bodies."""
    found: list[tuple[cst.BaseExpression, cst.CSTNode]] = []
    for stmt in module.body:
        lines = stmt.body.body if isinstance(stmt, cst.ClassDef) else [stmt]
        for line in lines:
            for small in getattr(line, "body", []):
                if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value is not None:
                    found.append((small.value, line))
    return found


@pytest.mark.parametrize("source", ASSIGNMENTS)
def test_assigned_values_are_placed_as_libcst_places_them(source: str) -> None:
    module, locator = parse("f.py", source)
    for stmt in module.body:
        twin = locator.ast_node(stmt)
        if isinstance(stmt, cst.ClassDef) and isinstance(twin, ast.ClassDef):
            locator.anchor_block(stmt.body.body, twin.body)  # as the analyzer does for a flow class
    positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    values = _assigned_values(module)
    assert values
    for value, line in values:
        where = locator.span(value, line)
        start = positions[value].start
        written = cst.Module([]).code_for_node(value)
        assert (where.line, where.column) == (start.line, start.column + 1), written


def _flow(body: str) -> str:
    head = "from metaflow import FlowSpec, step\n\n\nclass F(FlowSpec):\n"
    return head + textwrap.indent(textwrap.dedent(body), "    ")


def test_early_next_is_found_when_the_text_names_next_once_more() -> None:
    source = _flow(
        """
        @step
        def start(self):
            if self.ready:
                self.next(self.end)
            self.next(self.end)

        @step
        def end(self):
            pass
        """
    )
    rules = [(p.rule, p.span.line) for p in analyze_source(source, "f.py").problems]
    assert rules == [("FLC109", 9)]


def test_early_next_is_found_when_written_in_other_unicode_letters() -> None:
    """Python reads ``ｎｅｘｔ`` as ``next`` (NFKC), which no text search for "next" sees."""
    source = _flow(
        """
        @step
        def start(self):
            if self.ready:
                self.ｎｅｘｔ(self.end)
            self.next(self.end)

        @step
        def end(self):
            pass
        """
    )
    rules = [(p.rule, p.span.line) for p in analyze_source(source, "f.py").problems]
    assert rules == [("FLC109", 9)]


def test_a_step_naming_next_only_in_its_tail_call_is_clean() -> None:
    source = _flow(
        """
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
        """
    )
    assert analyze_source(source, "f.py").problems == ()


def test_an_integer_beyond_ints_digit_limit_is_not_a_literal() -> None:
    """Only config_expr() text can hold one (Python refuses it in the file itself): a problem, not a crash."""
    digits = "1" * 5000
    source = _flow(
        f"""
        c = Config("c", default_value={{"a": 1}})

        @retry(times=config_expr("c.a + {digits}"))
        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
        """
    ).replace("import FlowSpec, step", "import Config, FlowSpec, config_expr, retry, step")
    problems = analyze_source(source, "f.py").problems
    assert [p.rule for p in problems] == ["FLC504"]
    assert "cannot evaluate" in problems[0].message


ELIDED_BODY = '''
@step
def start(self):
    """The docstring stays."""
    first = 1
    text = """a string
spanning lines"""  # and a comment
    def helper():
        return self.next(self.end)  # nested scopes are not the step's

    second = 2; third = 3
    self.value = [
        first,
    ]
    self.other = 4; self.next(other.end)

@step
def end(self):
    pass
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_body_seen_only_in_part_keeps_the_positions_of_the_file(newline: str) -> None:
    """libcst parses a function's first and last statements only; problems in them stay where they are."""
    source = _flow(ELIDED_BODY).replace("\n", newline)
    lines = source.split(newline)
    line = next(n for n, text in enumerate(lines, 1) if "other.end" in text)
    found = [(p.rule, p.span.line, p.span.column) for p in analyze_source(source, "f.py").problems]
    assert found[0] == ("FLC110", line, lines[line - 1].index("other.end") + 1)
    assert [rule for rule, _, _ in found] == ["FLC110", "FLC115"]  # end is then unreachable
    clean = analyze_source(source.replace("other.end", "self.end"), "f.py")
    assert clean.problems == ()
    assert clean.flow is not None
    assert clean.flow.steps[0].docstring == "The docstring stays."
