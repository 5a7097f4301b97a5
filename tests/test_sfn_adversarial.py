"""User text is data: parameter and environment values reach the task unchanged.

Values go through compile → Step Functions (moto) → the container command
the shim parses, and must come out byte for byte, whether they are parameter
defaults, execution input or @environment values.
"""

from __future__ import annotations

from typing import Any

from flowgen import ADVERSARIAL
from sfn_support import definition, flow_of, run_in_moto

VALUES = [*ADVERSARIAL, "$$.Execution.Input.x", "States.Format('{}', $.x)", "a.$", "Ref::x", "line\r\nbreak"]


def _source() -> str:
    params = "\n".join(f"    p{i} = Parameter('p{i}', default={v!r})" for i, v in enumerate(VALUES))
    env = {f"V{i}": v for i, v in enumerate(VALUES)}
    return f"""
from flowc import FlowSpec, Parameter, environment, step


class AdversarialFlow(FlowSpec):
{params}

    @environment(vars={env!r})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _dollar_values(node: Any) -> list[str]:
    """Every value of a key ending in ``.$`` (what Step Functions evaluates)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith(".$"):
                found.append(str(value))
            found += _dollar_values(value)
    elif isinstance(node, list):
        for value in node:
            found += _dollar_values(value)
    return found


def test_no_user_value_is_ever_evaluated_by_step_functions() -> None:
    machine = definition(flow_of(_source()))
    evaluated = "\n".join(_dollar_values(machine))
    for value in VALUES:
        if len(value) > 3 and value not in ("plain", "null", "true"):
            assert value not in evaluated, value


def test_defaults_and_environment_arrive_unchanged() -> None:
    result = run_in_moto(definition(flow_of(_source())), name="adversarial-1")
    assert result.status == "SUCCEEDED", result.cause
    (start,) = result.by_step()["start"]
    assert start.args.params == {f"p{i}": v for i, v in enumerate(VALUES)}
    assert start.environment == {f"V{i}": v for i, v in enumerate(VALUES)}


def test_execution_input_arrives_unchanged() -> None:
    given = {f"p{i}": v for i, v in enumerate(reversed(VALUES))}
    result = run_in_moto(definition(flow_of(_source())), name="adversarial-2", execution_input=given)
    assert result.status == "SUCCEEDED", result.cause
    (start,) = result.by_step()["start"]
    assert start.args.params == given
