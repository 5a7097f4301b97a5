"""Argo and Kubernetes naming rules, in one place, with where each comes from.

Every name flowc writes into an Argo document goes through one of the
functions below.  A name that is too long is shortened deterministically:
cut, then ``-`` and the first hex digits of the sha256 of the full name, so
two long names that share a prefix still differ.  A name that cannot be made
valid raises :class:`LimitError`, which the emitter turns into ``FLC402``.
"""

from __future__ import annotations

import re

#: Object names (WorkflowTemplate, Sensor): argo-workflows
#: ``workflow/validate/validate.go`` ``maxCharsInObjectName``.
MAX_OBJECT_NAME = 63
#: CronWorkflow names: Argo appends an 11-character timestamp suffix to the
#: workflows it creates; validate.go ``maxCharsInCronWorkflowName``.
MAX_CRON_NAME = 52
#: Template, DAG task and step names: validate.go ``workflowFieldMaxLength``.
MAX_FIELD_NAME = 128
#: Label values: Kubernetes apimachinery ``validation.LabelValueMaxLength``.
MAX_LABEL_VALUE = 63
#: Namespaces are DNS-1123 labels: apimachinery ``validation.DNS1123LabelMaxLength``.
MAX_NAMESPACE = 63

#: Object names are DNS-1123 subdomains (apimachinery ``IsDNS1123Subdomain``).
OBJECT_NAME = re.compile(r"^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")
#: Template and task names: validate.go ``workflowFieldNameFmt``.
FIELD_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
#: Parameter names: validate.go ``paramOrArtifactNameRegex``.
PARAMETER_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
#: Namespaces: apimachinery ``dns1123LabelFmt`` (``IsDNS1123Label``).
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
#: The hint of an error about a namespace name.
NAMESPACE_HINT = f"use at most {MAX_NAMESPACE} lowercase letters, digits and '-'"
#: Label values: apimachinery ``labelValueFmt`` (empty allowed).
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

_HASH_CHARS = 8


class LimitError(ValueError):
    """A name cannot be made to satisfy an Argo or Kubernetes rule."""


def short_hash(text: str) -> str:
    """The first hex digits of the sha256 of ``text``: stable on every machine."""
    import hashlib  # only long names need it, and loading OpenSSL costs ~2 ms

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_HASH_CHARS]


def shorten(name: str, limit: int, key: str | None = None) -> str:
    """``name`` if it fits in ``limit``, else a cut of it plus ``-`` and a hash of ``key or name``."""
    if len(name) <= limit:
        return name
    keep = limit - _HASH_CHARS - 1
    head = name[:keep].rstrip("-.")
    return f"{head}-{short_hash(key or name)}"


def kebab(text: str) -> str:
    """``ForeachTuningFlow`` → ``foreach-tuning-flow``; ``my_step`` → ``my-step``."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", text)
    lowered = re.sub(r"[^a-z0-9.]+", "-", spaced.lower())
    return lowered.strip("-.")


def object_name(text: str, limit: int = MAX_OBJECT_NAME) -> str:
    """A DNS-1123 object name for ``text`` of at most ``limit`` characters."""
    name = shorten(re.sub(r"\.+", ".", kebab(text)), limit, key=text)
    if not OBJECT_NAME.fullmatch(name):
        raise LimitError(f"cannot make a Kubernetes object name from {text!r}")
    return name


def field_name(text: str) -> str:
    """A template or DAG task name: step names only need ``_`` → ``-``."""
    name = shorten(text.replace("_", "-"), MAX_FIELD_NAME, key=text)
    if not FIELD_NAME.fullmatch(name):
        raise LimitError(f"{text!r} cannot be an Argo template or task name")
    return name


def parameter_name(text: str) -> str:
    """``text`` itself if it is a valid Argo parameter name."""
    if not PARAMETER_NAME.fullmatch(text):
        raise LimitError(f"{text!r} is not a valid Argo parameter name (letters, digits, - and _ only)")
    return text


def label_value(text: str) -> str:
    """A label value for ``text``: invalid characters become ``-``, then shortened."""
    cleaned = re.sub(r"[^-A-Za-z0-9_.]+", "-", text).strip("-_.")
    value = shorten(cleaned, MAX_LABEL_VALUE, key=text).strip("-_.")
    if not LABEL_VALUE.fullmatch(value):
        raise LimitError(f"cannot make a Kubernetes label value from {text!r}")
    return value


def is_namespace(text: str) -> bool:
    """Whether ``text`` is a valid Kubernetes namespace name (never shortened: it must exist)."""
    return len(text) <= MAX_NAMESPACE and NAMESPACE.fullmatch(text) is not None
