"""The document formats of configs: which ``parser=`` flowc applies, and parsing with it.

flowc parses a config when compiling and records the value in the graph
JSON, so a parser must be one flowc can apply itself: JSON, TOML
(``tomllib``) or YAML (PyYAML, when it is installed where flowc runs; tasks
never need it).  YAML is always read with ``yaml.safe_load``: a config is
data, and the value must have a JSON form anyway.
"""

from __future__ import annotations

import json

import libcst as cst
from flowc.transpile.ir import Value
from flowc.transpile.modules import collect_bindings

#: ``parser=`` names flowc applies → the format name kept in the IR.
PARSERS = {
    "json.loads": "json",
    "tomllib.loads": "toml",
    "yaml.safe_load": "yaml",
    "yaml.full_load": "yaml",
}
#: Parser names that look supported but fail when Metaflow calls them → why.
REFUSED = {
    "yaml.load": "yaml.load(text) needs a Loader= argument since PyYAML 6, so Metaflow's call fails",
    "yaml.unsafe_load": "it builds arbitrary Python objects, which have no JSON form",
}
SUPPORTED = "parser='json.loads' (the default), 'tomllib.loads' or 'yaml.safe_load'"


class DocumentError(Exception):
    """The text does not parse; ``detail`` completes "<what> ..." and ``hint`` says what to do."""

    def __init__(self, detail: str, hint: str) -> None:
        super().__init__(detail)
        self.detail, self.hint = detail, hint


def callable_name(node: cst.BaseExpression, module: cst.Module) -> str | None:
    """The dotted name a parser written as a callable stands for, through ``module``'s imports.

    ``yaml.safe_load`` after ``import yaml`` → ``"yaml.safe_load"``; ``load``
    after ``from yaml import safe_load as load`` → ``"yaml.safe_load"``.
    """
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.insert(0, node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    bindings = collect_bindings(module, None)
    head = node.value
    for depth in range(len(parts), -1, -1):
        dotted = ".".join([head, *parts[:depth]])
        if dotted in bindings.modules:
            return ".".join([bindings.modules[dotted], *parts[depth:]])
    if head in bindings.names:
        source, name = bindings.names[head]
        return ".".join([source, name, *parts])
    return None


def missing_library(fmt: str) -> bool:
    """Whether the library that parses ``fmt`` cannot be imported here."""
    if fmt != "yaml":
        return False
    import importlib.util

    return importlib.util.find_spec("yaml") is None


def parse_document(fmt: str, text: str) -> Value:
    """Parse ``text`` as ``fmt`` into a JSON-like value; raises :class:`DocumentError`."""
    if fmt == "json":
        try:
            value: Value = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"at line {exc.lineno} column {exc.colno}"
            raise DocumentError(f"is not valid JSON: {exc.msg} {where}", "fix the JSON") from None
        return value
    try:
        return _jsonlike(_toml(text) if fmt == "toml" else _yaml(text))
    except ValueError as exc:  # tomllib.TOMLDecodeError is one
        label = fmt.upper()
        raise DocumentError(f"is not valid {label} for flowc: {exc}", f"fix the {label}") from None


def _toml(text: str) -> object:
    import tomllib  # only TOML configs pay for it

    return tomllib.loads(text)


def _yaml(text: str) -> object:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark is not None else ""
        raise ValueError(f"{exc.problem or exc.context}{where}") from None
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from None


def _jsonlike(value: object) -> Value:
    """TOML and YAML values as JSON-like ones; dates, times and sets have no JSON form and are refused."""
    if isinstance(value, dict):
        return {str(k): _jsonlike(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonlike(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"{type(value).__name__} values ({value}) have no JSON form")
