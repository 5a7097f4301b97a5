"""Secrets fetched by the task itself, for targets that cannot inject them.

AWS Batch cannot put Secrets Manager values into a job's environment per
submission, so the Step Functions target passes the ``@secrets`` sources in
``FLOWC_SECRET_SOURCES`` (a JSON list) and, optionally, a role to assume in
``FLOWC_SECRET_ROLE``.  Each secret must hold a JSON object; its keys become
environment variables of the step.  boto3 is imported only when asked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flowc.runtime_shim.errors import FlowcRuntimeError

#: Metaflow's spelling of a Secrets Manager source (``aws-secrets-manager.<id>``).
_PROVIDER_PREFIX = "aws-secrets-manager."


class SecretError(FlowcRuntimeError):
    """A secret cannot be read or does not have the expected shape."""


def secret_ids(environ: Mapping[str, str]) -> list[str]:
    """The secret ids named by ``FLOWC_SECRET_SOURCES`` (empty when unset)."""
    raw = environ.get("FLOWC_SECRET_SOURCES") or "[]"
    try:
        sources = json.loads(raw)
    except ValueError as exc:
        raise SecretError(f"FLOWC_SECRET_SOURCES is not a JSON list: {raw!r}") from exc
    if not isinstance(sources, list):
        raise SecretError(f"FLOWC_SECRET_SOURCES is not a JSON list: {raw!r}")
    ids = []
    for source in sources:
        secret_id = source.get("id") if isinstance(source, dict) else source
        if not isinstance(secret_id, str) or not secret_id:
            raise SecretError(f"cannot read the secret source {source!r}: give a secret id")
        ids.append(secret_id.removeprefix(_PROVIDER_PREFIX))
    return ids


def secret_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment variables the step's secrets define (nothing when none are named)."""
    ids = secret_ids(environ)
    if not ids:
        return {}
    client = _client(environ)
    found: dict[str, str] = {}
    for secret_id in ids:
        for key, value in _read(client, secret_id).items():
            if key in found:
                raise SecretError(f"secrets define {key!r} twice (last in {secret_id!r})")
            found[key] = value
    return found


def _client(environ: Mapping[str, str]) -> Any:
    import boto3

    session = boto3.Session()
    endpoint = environ.get("FLOWC_SECRETS_ENDPOINT_URL") or None
    role = environ.get("FLOWC_SECRET_ROLE")
    if role:
        credentials = session.client("sts", endpoint_url=endpoint).assume_role(
            RoleArn=role, RoleSessionName="flowc-secrets"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
    return session.client("secretsmanager", endpoint_url=endpoint)


def _read(client: Any, secret_id: str) -> dict[str, str]:
    try:
        text = client.get_secret_value(SecretId=secret_id).get("SecretString")
    except Exception as exc:  # botocore raises many kinds; all mean the same to the user
        raise SecretError(f"cannot read secret {secret_id!r}: {exc}") from exc
    try:
        data = json.loads(text or "")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SecretError(f"secret {secret_id!r} must hold a JSON object of environment variables")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
