"""@project branches deploy side by side: the state machine (and the names derived
from it) is ``<project>-<branch>-<Flow>``, with the shim's branch rule; an
upstream flow of ``@trigger_on_finish`` is named the same way, taking what it
does not give from this flow's project and branch, as Metaflow does."""

from __future__ import annotations

import json

import pytest
from sfn_support import documents, flow_of

SOURCE = """
from flowc import FlowSpec, project, schedule, step, trigger_on_finish


@schedule(daily=True)
{head}
class ReportFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def _names(head: str, **settings: str) -> tuple[str, list[str], list[dict[str, str]]]:
    """(schedule name, upstream machine names, the start task's environment)."""
    docs = documents(flow_of(SOURCE.replace("{head}", head)), **settings)
    schedule = json.loads(docs["schedule.json"])
    upstream = []
    if "event-rule.json" in docs:
        pattern = json.loads(docs["event-rule.json"])["Rule"]["EventPattern"]
        upstream = [a.rsplit(":", 1)[1] for a in json.loads(pattern)["detail"]["stateMachineArn"]]
    start = json.loads(docs["state-machine.json"])["States"]["start"]
    return schedule["Name"], upstream, start["Parameters"]["ContainerOverrides"].get("Environment", [])


@pytest.mark.parametrize(
    ("head", "settings", "name"),
    [
        ("", {}, "ReportFlow"),
        ("@project(name='shop')", {}, "shop-main-ReportFlow"),
        ("@project(name='shop', branch='staging')", {}, "shop-staging-ReportFlow"),
        ("@project(name='shop', branch='staging')", {"branch": "canary"}, "shop-canary-ReportFlow"),
        ("@project(name='shop', production=True)", {"branch": "canary"}, "shop-prod-ReportFlow"),
    ],
)
def test_the_machine_is_named_after_the_branch(head: str, settings: dict[str, str], name: str) -> None:
    assert _names(head, **settings)[0] == name


def test_tasks_report_the_branch_given_at_compile_time() -> None:
    *_, environment = _names("@project(name='shop', branch='staging')", branch="canary")
    assert {"Name": "FLOWC_PROJECT_BRANCH", "Value": "canary"} in environment
    assert _names("@project(name='shop', branch='staging')")[2] == []


@pytest.mark.parametrize(
    ("upstream", "own", "machine"),
    [
        ("'TrainFlow'", "", "TrainFlow"),
        ("'TrainFlow'", "@project(name='shop', branch='dev')", "shop-dev-TrainFlow"),
        ("'ml.prod.TrainFlow'", "@project(name='shop')", "ml-prod-TrainFlow"),
        ("{'name': 'TrainFlow', 'project': 'ml', 'project_branch': 'prod'}", "", "ml-prod-TrainFlow"),
        ("{'name': 'TrainFlow', 'project_branch': 'prod'}", "@project(name='shop')", "shop-prod-TrainFlow"),
        ("{'name': 'TrainFlow', 'project': 'ml'}", "", "ml-main-TrainFlow"),
    ],
)
def test_an_upstream_flow_is_named_as_it_deploys(upstream: str, own: str, machine: str) -> None:
    head = f"@trigger_on_finish(flow={upstream})\n{own}"
    assert _names(head)[1] == [machine]
