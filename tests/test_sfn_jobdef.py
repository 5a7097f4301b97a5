"""@batch job-definition settings (swap, devices, volumes, tmpfs, logging) in the
job definitions flowc generates: checked field by field, against botocore's
model of ``RegisterJobDefinition`` and by registering them in moto's Batch;
values Metaflow would refuse and arguments AWS Batch has no place for are
FLC401 with a hint naming what to do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flowc.backends.base import CompileError
from flowc.backends.sfn import emit
from sfn_support import documents, flow_of, moto_sfn, options
from test_sfn_compile import _linear

EVERYTHING = (
    "    @batch(memory=8192, max_swap=2048, swappiness=60, inferentia=2, efa=1,\n"
    "           host_volumes=['/data', '/var/cache:/cache'], efs_volumes='fs-0abc12:/shared',\n"
    "           use_tmpfs=True, log_driver='awslogs', log_options=['awslogs-group:ml', 'mode:non-blocking'])"
)


def _job_definitions(decorators: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The work step's generated job definition's containerProperties, and every definition."""
    docs = documents(flow_of(_linear(decorators, imports="batch, kubernetes")))
    machine = json.loads(docs["state-machine.json"])
    found = json.loads(docs["batch-job-definitions.json"])["jobDefinitions"]
    name = machine["States"]["work"]["Parameters"]["JobDefinition"]
    (mine,) = [d for d in found if d["jobDefinitionName"] == name]
    return mine["containerProperties"], found


def _errors(decorators: str) -> list[str]:
    with pytest.raises(CompileError) as caught:
        emit(flow_of(_linear(decorators, imports="batch, kubernetes")), options())
    return [f"{p.rule} {p.message} | {p.hint}" for p in caught.value.problems]


def test_every_setting_lands_in_the_job_definition() -> None:
    container, _ = _job_definitions(EVERYTHING)
    linux = container["linuxParameters"]
    assert (linux["maxSwap"], linux["swappiness"]) == (2048, 60)
    assert [d["hostPath"] for d in linux["devices"]] == [
        "/dev/neuron0",
        "/dev/neuron1",
        "/dev/infiniband/uverbs0",
    ]
    assert linux["tmpfs"] == [{"containerPath": "/metaflow_temp", "size": 4096, "mountOptions": ["defaults"]}]
    assert container["environment"] == [{"name": "METAFLOW_TEMPDIR", "value": "/metaflow_temp"}]
    assert container["volumes"] == [
        {"name": "host-0", "host": {"sourcePath": "/data"}},
        {"name": "host-1", "host": {"sourcePath": "/var/cache"}},
        {
            "name": "efs-0",
            "efsVolumeConfiguration": {"fileSystemId": "fs-0abc12", "transitEncryption": "ENABLED"},
        },
    ]
    assert [(m["sourceVolume"], m["containerPath"]) for m in container["mountPoints"]] == [
        ("host-0", "/data"),
        ("host-1", "/cache"),
        ("efs-0", "/shared"),
    ]
    assert container["logConfiguration"] == {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "ml", "mode": "non-blocking"},
    }


def test_tmpfs_size_path_and_tempdir_as_written() -> None:
    container, _ = _job_definitions(
        "    @kubernetes(use_tmpfs=True, tmpfs_size=512, tmpfs_path='/scratch', tmpfs_tempdir=False)"
    )
    assert container["linuxParameters"]["tmpfs"][0] | {"mountOptions": None} == {
        "containerPath": "/scratch",
        "size": 512,
        "mountOptions": None,
    }
    assert "environment" not in container


def test_the_generated_definitions_are_valid_register_requests() -> None:
    """botocore checks each request against the Batch API model; moto's Batch then registers it."""
    more = "trainium=1, shared_memory=256, privileged=True, "
    _, found = _job_definitions(EVERYTHING.replace("inferentia=2, ", more))
    with moto_sfn():
        import boto3

        client = boto3.client("batch", region_name="us-east-1")
        for request in found:
            registered = client.register_job_definition(**request)
            assert registered["jobDefinitionName"] == request["jobDefinitionName"]
        listed = client.describe_job_definitions()["jobDefinitions"]
    assert {d["jobDefinitionName"] for d in listed} == {d["jobDefinitionName"] for d in found}


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("swappiness=150", "a whole number from 0 to 100"),
        ("max_swap=-1", "a whole number of 0 or more"),
        ("host_volumes='data'", "'/host/path[:/container/path]'"),
        ("efs_volumes=['/mnt/x']", "'fs-0123abcd[:/container/path]'"),
        ("log_driver='stdout'", "one of awsfirelens"),
        ("log_options='no-colon'", "'awslogs-group:name'"),
        ("tmpfs_path='relative'", "an absolute path"),
    ],
)
def test_bad_values_are_refused_with_what_to_write(argument: str, expected: str) -> None:
    (error,) = _errors(f"    @batch({argument})")
    assert error.startswith(f"FLC401 AWS Step Functions cannot express @batch({argument}) on step 'work'")
    assert expected in error


@pytest.mark.parametrize(
    ("decorator", "expected"),
    [
        ("@batch(ephemeral_storage=50)", "Fargate"),
        ("@batch(executable='python3.11')", "--set python=PATH"),
        ("@kubernetes(disk=10240)", "launch template"),
        ("@kubernetes(node_selector={'a': 'b'})", "a Kubernetes setting"),
        ("@kubernetes(service_account='sa')", "a Kubernetes setting"),
    ],
)
def test_arguments_batch_has_no_place_for_name_what_to_do(decorator: str, expected: str) -> None:
    (error,) = _errors(f"    {decorator}")
    assert error.startswith("FLC401 AWS Step Functions cannot express")
    assert expected in error
