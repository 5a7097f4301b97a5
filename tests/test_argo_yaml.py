"""The YAML writer: whatever strings and shapes it is given, PyYAML reads back the same tree."""

from __future__ import annotations

from typing import Any

import yaml
from flowc.backends.argo.yamlout import dump_document
from hypothesis import given, settings
from hypothesis import strategies as st

KEYS = st.text(min_size=1, max_size=12)
SCALARS = st.one_of(st.text(max_size=40), st.integers(-(10**12), 10**12), st.booleans())
TREES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, TREES, min_size=1, max_size=5))
def test_dump_then_load_is_identity(tree: dict[str, Any]) -> None:
    text = dump_document(tree)
    assert yaml.safe_load(text) == tree
    assert yaml.load(text, Loader=yaml.CSafeLoader) == tree


def test_tricky_scalars_round_trip() -> None:
    values = [
        "yes",
        "No",
        "null",
        "~",
        "0x1F",
        "1e3",
        "1_000",
        "12:30",
        "-",
        "- a",
        "a: b",
        "#x",
        "a #b",
        "{{x}}",
        "[1]",
        "'q'",
        '"q"',
        "\ttab",
        "trailing ",
        " leading",
        "multi\nline\n",
        "multi\nline",
        "\n",
        "\u2028",
        "\x85",
        "\ufeff",
        "é日🚀",
        "",
        "=",
        "<<",
        "!tag",
        "&anchor",
        "*alias",
        "%d",
        "@at",
        "`tick`",
        "|",
        ">",
        "?",
        "?x",
        ",",
        ".inf",
        ".nan",
        "+1",
        "0o17",
        "2026-11-26",
        "true ",
        "on",
    ]
    tree = {"values": values, "map": {v: v for v in values if v}}
    assert yaml.safe_load(dump_document(tree)) == tree
