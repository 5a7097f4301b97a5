"""The card model: which artifacts appear, truncation, escaping, components, failures."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from flowc.runtime_shim.cards import render_task_cards
from flowc.runtime_shim.cards.components import BarChart, Image, LineChart, Markdown, Table
from flowc.runtime_shim.cards.render import normalize
from flowc.transpile import export, load_flow

GRAPH = export.graph_json(load_flow("examples/linear_etl.py"))
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2"
    "21bc330000000049454e44ae426082"
)


def card(**overrides: Any) -> str:
    """The HTML of the single card rendered with sensible defaults plus ``overrides``."""
    kwargs: dict[str, Any] = {
        "flow_name": "LinearEtlFlow",
        "run_id": "1700000000001",
        "step_name": "clean",
        "task_id": "t",
        "attempt": 0,
        "card_decorators": [{"type": "default"}],
        "artifacts": {},
        "parameters": {},
        "graph": GRAPH,
        "flow_doc": "Flow doc.",
        "step_doc": "Step doc.",
        "started_at": 1700000000.0,
        "finished_at": 1700000002.25,
        "components": {},
    }
    kwargs.update(overrides)
    cards = render_task_cards(**kwargs)
    assert len(cards) == 1
    assert cards[0].error is None, cards[0].error
    return cards[0].html


class _Collect(HTMLParser):
    """Start tags and the text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> _Collect:
    parser = _Collect()
    parser.feed(page)
    return parser


def artifact_names(page: str) -> list[str]:
    return [str(a["data-artifact"]) for t, a in parse(page).tags if "data-artifact" in a]


def section(page: str, name: str) -> str:
    """The HTML of the artifact called ``name``."""
    match = re.search(rf'<div class="artifact" id="artifact-{name}".*?</div>', page, re.DOTALL)
    assert match, f"no artifact {name}"
    return match.group(0)


def test_every_public_artifact_appears_sorted_without_private_ones_or_parameters() -> None:
    page = card(
        artifacts={"zeta": 1, "alpha": 0.5, "_internal": 2, "beta": "b", "name_with_under_score": None},
        parameters={"alpha": 0.5},
    )
    assert artifact_names(page) == ["beta", "name_with_under_score", "zeta"]
    assert 'data-parameter="alpha"' in page


def test_options_can_limit_the_artifacts_shown() -> None:
    page = card(
        card_decorators=[{"type": "default", "options": {"artifacts": ["b"]}}], artifacts={"a": 1, "b": 2}
    )
    assert artifact_names(page) == ["b"]


def test_artifact_holding_script_renders_as_text() -> None:
    evil = "<script>alert('x')</script>"
    page = card(
        artifacts={"note": evil, "rows": [{"<b>": evil}], "mapping": {evil: evil}, evil: 1},
        parameters={"p": evil},
        flow_doc=evil,
        step_doc=evil,
        components={None: [Markdown(evil), Table([[evil]], headers=[evil])]},
    )
    scripts = [t for t, _ in parse(page).tags if t == "script"]
    assert scripts == ["script"], "only the card's own script tag"
    assert "<b>" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page


def test_long_list_is_truncated_with_its_count() -> None:
    page = card(artifacts={"items": [f"item-{i}" for i in range(1000)]})
    view = section(page, "items")
    assert "item-19" in view and "item-20" not in view
    assert "showing 20 of 1,000 items" in view
    assert "list[1000]" in view


def test_dict_and_records_are_tables_truncated_with_counts() -> None:
    page = card(
        artifacts={
            "mapping": {f"k{i}": i for i in range(50)},
            "records": [{"id": i, "name": f"n{i}"} for i in range(30)],
        },
        card_decorators=[{"type": "default", "options": {"max_rows": 5}}],
    )
    mapping = section(page, "mapping")
    assert mapping.count("<tr>") == 6 and "showing 5 of 50 entries" in mapping
    records = section(page, "records")
    assert "<th>id</th>" in records and "<th>name</th>" in records
    assert "showing 5 of 30 rows" in records


def test_long_string_is_cut_and_short_string_is_inline() -> None:
    page = card(artifacts={"big": "y" * 5000, "small": "hello"})
    assert "showing 2,000 of 5,000 characters" in section(page, "big")
    assert '<code class="scalar">hello</code>' in section(page, "small")


def test_numeric_sequence_gets_a_chart_and_statistics() -> None:
    page = card(artifacts={"sales": [1, 2.5, 4, 3], "flags": [True, False]})
    sales = section(page, "sales")
    assert '<svg class="chart"' in sales and "<polyline" in sales
    assert "n=4 min=1 max=4 mean=2.625" in sales
    assert "<svg" not in section(page, "flags"), "booleans are not numbers"


def test_graph_highlights_the_step_and_shows_every_step() -> None:
    page = card(step_name="fit")
    steps = [a["data-step"] for t, a in parse(page).tags if t == "g" and "data-step" in a]
    assert steps == ["start", "clean", "fit", "end"]
    current = [a["data-step"] for t, a in parse(page).tags if t == "g" and "current" in str(a.get("class"))]
    assert current == ["fit"]


def test_task_facts_parameters_and_docstrings() -> None:
    page = card(attempt=2, parameters={"alpha": 0.3}, flow_doc="Load daily sales.", step_doc="Drop outliers.")
    assert re.search(r'data-field="attempt">2<', page)
    assert "2023-11-14T22:13:20.000Z" in page and "2.250 s" in page
    assert "Load daily sales." in page and "Drop outliers." in page
    assert '<tr data-parameter="alpha"><th>alpha</th><td><code class="scalar">0.3</code>' in page


def test_page_is_self_contained() -> None:
    page = card(
        artifacts={"x": [1, 2, 3]},
        components={None: [Image(TINY_PNG, "px"), LineChart([1, 2]), BarChart({"a": 1})]},
    )
    for tag, attrs in parse(page).tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith(("data:", "#")), (tag, attrs)
        assert tag not in ("link", "iframe"), tag
    assert "default-src 'none'" in page


def test_components_go_to_the_right_cards() -> None:
    cards = render_task_cards(
        flow_name="F",
        run_id="1",
        step_name="s",
        task_id="t",
        card_decorators=[{"type": "default"}, {"type": "blank", "id": "summary"}],
        components={None: [Markdown("for the default card")], "summary": [Markdown("for **summary**")]},
    )
    assert [(c.type, c.id) for c in cards] == [("default", None), ("blank", "summary")]
    assert "for the default card" in cards[0].html and "for the default card" not in cards[1].html
    assert "for <strong>summary</strong>" in cards[1].html
    assert 'id="artifacts"' not in cards[1].html, "a blank card shows only components"


def test_components_for_a_missing_card_are_kept_with_a_note() -> None:
    page = card(components={"nope": [Markdown("lost?")]})
    assert "lost?" in page and "which this step does not have" in page


def test_image_table_and_charts_render() -> None:
    page = card(
        card_decorators=[{"type": "blank"}],
        components={
            None: [
                Image(TINY_PNG, "dot"),
                Table([[1, "a"], [2, "b"]], headers=["n", "l"]),
                BarChart(["x", "y"], [3, -1]),
            ]
        },
    )
    assert 'src="data:image/png;base64,iVBORw0KGgo' in page
    assert "<th>n</th><th>l</th>" in page and "<td>a</td>" in page
    assert page.count('<rect class="bar"') == 2


def test_image_rejects_non_bytes_and_flags_unknown_formats() -> None:
    with pytest.raises(TypeError):
        Image("not bytes")  # type: ignore[arg-type]
    assert "not PNG, JPEG or GIF" in Image(b"hello").to_html()


def test_failing_component_is_reported_on_the_card() -> None:
    class Broken:
        def to_html(self) -> str:
            raise RuntimeError("boom")

    page = card(components={None: [Broken()]})
    assert "Broken failed to render" in page and "boom" in page


def test_render_failure_gives_an_error_card_instead_of_raising() -> None:
    cards = render_task_cards(
        flow_name="F", run_id="1", step_name="s", task_id="t", card_decorators=[{"type": "fancy"}]
    )
    assert len(cards) == 1
    assert cards[0].error is not None and "unknown card type" in cards[0].error
    assert "This card could not be rendered" in cards[0].html
    assert cards[0]["type"] == "fancy"


def test_bad_keyword_values_never_raise() -> None:
    cards = render_task_cards(attempt="not a number", card_decorators=[{}], surprise=1)
    assert len(cards) == 1 and cards[0].error and "could not be rendered" in cards[0].html


def test_broken_repr_does_not_break_the_card() -> None:
    class Weird:
        def __repr__(self) -> str:
            raise ValueError("no repr")

    page = card(artifacts={"weird": Weird(), "also": [Weird()]})
    assert "repr failed: ValueError" in section(page, "weird")


def test_normalize_blanks_run_ids_and_clocks() -> None:
    one = card(run_id="111", started_at=1.0, finished_at=2.0, artifacts={"x": 1})
    two = card(run_id="222", started_at=50.0, finished_at=70.0, artifacts={"x": 1})
    assert one != two
    assert normalize(one) == normalize(two)
    assert normalize(one) != normalize(card(run_id="333", artifacts={"x": 2}))


def test_markdown_subset_and_link_safety() -> None:
    html_text = Markdown("# T\n- a\n- b\n\n**b** `c` [ok](https://x.y) [bad](javascript:alert(1))").to_html()
    assert "<h1>T</h1>" in html_text and "<ul><li>a</li><li>b</li></ul>" in html_text
    assert '<a href="https://x.y">ok</a>' in html_text
    assert "javascript" not in re.findall(r'href="([^"]*)"', html_text)[0]
    assert 'href="javascript' not in html_text


class FakeFrame:
    """Looks like a pandas DataFrame: shape, head(), to_dict(orient="records")."""

    shape = (500, 2)

    def head(self, n: int) -> FakeFrame:
        self.n = n
        return self

    def to_dict(self, orient: str) -> list[dict[str, int]]:
        assert orient == "records"
        return [{"x": i, "y": i * i} for i in range(self.n)]


class FakeArray:
    """Looks like a 1-D numpy array."""

    shape = (5,)

    def tolist(self) -> list[float]:
        return [0.5, 1.5, 1.0, 2.0, 3.0]


def test_frames_and_arrays_are_recognised_by_shape() -> None:
    page = card(artifacts={"frame": FakeFrame(), "array": FakeArray()})
    frame = section(page, "frame")
    assert "500 rows × 2 columns" in frame and "showing 20 of 500 rows" in frame and "<th>y</th>" in frame
    assert "<polyline" in section(page, "array")


def test_huge_dict_is_not_copied_to_show_twenty_rows() -> None:
    page = card(artifacts={"big": dict.fromkeys(range(200_000), 0)})
    assert "showing 20 of 200,000 entries" in section(page, "big")


def test_nested_big_values_are_shown_bounded() -> None:
    page = card(artifacts={"nested": {"k": list(range(1_000_000))}, "obj": [object()] * 3})
    cell = section(page, "nested")
    assert "[0, 1, 2, 3" in cell and "...]" in cell and "999999" not in cell


def test_memory_addresses_are_left_out() -> None:
    page = card(artifacts={"obj": object(), "objs": [object()]})
    assert "&lt;object&gt;" in section(page, "obj") and "0x" not in section(page, "obj")
    assert "0x" not in section(page, "objs")
