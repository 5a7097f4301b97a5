"""A foreach as Map states over the indices ``0 .. cardinality-1``.

The indices come from ``States.ArrayRange``, which builds at most 1,000 items.
An inline Map is bounded well below that by the 25,000-event history anyway,
so it maps the indices directly.  A Distributed Map runs its items as child
executions and may be far wider, so it is fed in chunks: an inline Map over
the chunk starts (``ArrayRange(0, n-1, 1000)``) runs, per chunk, a
Distributed Map over that chunk's indices.  That reaches 1,000,000 items.
"""

from __future__ import annotations

from typing import Any

from flowc.backends.sfn import limits

State = dict[str, Any]
CARDINALITY = "$.out.value.foreach.cardinality"


def selector(depth: int, loops: list[str], extra: dict[str, str]) -> dict[str, object]:
    """An ItemSelector carrying the command, run id, outer indices and loop records."""
    out: dict[str, object] = {"boot.$": "$.boot", "run.$": "$.run"}
    for level in range(depth):
        out[f"i{level}.$"] = f"$.i{level}"
    out["loops"] = {f"{h}.$": f"$.loops.{h}" for h in loops}
    out |= extra
    return out


def foreach_states(
    names: dict[str, str],
    depth: int,
    loops: list[str],
    body: tuple[str, dict[str, State]],
    distributed: bool,
    max_concurrency: int,
    comment: str,
) -> tuple[dict[str, State], str]:
    """The states after the read of the cardinality, and the one that goes on to the join.

    ``names`` maps roles (``items``, ``map``, ``chunks``, ``last``, ``whole``,
    ``full``, ``tail``) to state names; ``items`` is the first state.
    """
    index = {f"i{depth}.$": "$$.Map.Item.Value"}
    if not distributed:
        states = {
            names["items"]: _range("indices 0 .. cardinality-1", "0", f"States.MathAdd({CARDINALITY}, -1)", 1)
            | {"Next": names["map"]},
            names["map"]: _map(
                comment, selector(depth, loops, index), body, {"Mode": "INLINE"}, max_concurrency
            ),
        }
        return states, names["map"]
    size = limits.ARRAY_RANGE_MAX_ITEMS
    chunk = _range(f"chunk starts, {size:,} indices each", "0", f"States.MathAdd({CARDINALITY}, -1)", size)
    chunk["Parameters"]["n.$"] = CARDINALITY
    config = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    inner = _map(comment, selector(depth, loops, index), body, config, max_concurrency)
    inner |= {"End": True, "OutputPath": None}
    per_chunk = {
        names["last"]: {
            "Type": "Pass",
            "Comment": "last index of a full chunk",
            "Parameters": {"value.$": f"States.MathAdd($.first, {size - 1})"},
            "ResultPath": "$.last",
            "Next": names["whole"],
        },
        names["whole"]: {
            "Type": "Choice",
            "Comment": "is this the last, partial chunk?",
            "Choices": [
                {"Variable": "$.last.value", "NumericGreaterThanEqualsPath": "$.n", "Next": names["tail"]}
            ],
            "Default": names["full"],
        },
        names["full"]: _range("a full chunk", "$.first", "$.last.value", 1) | {"Next": names["map"]},
        names["tail"]: _range("the last chunk", "$.first", "States.MathAdd($.n, -1)", 1)
        | {"Next": names["map"]},
        names["map"]: inner,
    }
    chunks: State = {
        "Type": "Map",
        "Comment": f"chunks of {size:,} indices",
        "ItemsPath": "$.fanout.items",
        "ItemSelector": selector(depth, loops, {"n.$": "$.fanout.n", "first.$": "$$.Map.Item.Value"}),
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": names["last"],
            "States": per_chunk,
        },
        "ResultPath": None,
    }
    return {names["items"]: chunk | {"Next": names["chunks"]}, names["chunks"]: chunks}, names["chunks"]


def _range(comment: str, first: str, last: str, step: int) -> State:
    return {
        "Type": "Pass",
        "Comment": comment,
        "Parameters": {"items.$": f"States.ArrayRange({first}, {last}, {step})"},
        "ResultPath": "$.fanout",
    }


def _map(
    comment: str,
    item_selector: dict[str, object],
    body: tuple[str, dict[str, State]],
    config: dict[str, str],
    max_concurrency: int,
) -> State:
    state: State = {
        "Type": "Map",
        "Comment": comment,
        "ItemsPath": "$.fanout.items",
        "ItemSelector": item_selector,
        "ItemProcessor": {"ProcessorConfig": config, "StartAt": body[0], "States": body[1]},
        "ResultPath": None,
    }
    if max_concurrency:
        state["MaxConcurrency"] = max_concurrency
    return state
