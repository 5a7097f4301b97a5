"""Keeping user text out of Argo's and Kubernetes' template engines.

Two engines rewrite strings on their way to a task's process:

* Argo substitutes ``{{...}}`` tags, and not once: the controller runs its
  global pass over ``spec.arguments`` (operator.go
  ``substituteGlobalVariables``), two passes over each template
  (``common.SubstituteParams``: globals, then inputs) and one more over the
  finished pod (workflowpod.go ``substitutePodParams``).  A value that
  contains ``{{workflow.name}}`` after one pass is expanded by the next, and
  there is no escape syntax.
* The kubelet expands ``$(VAR)`` in a container's command, args and env
  values using the container's environment, and turns ``$$`` into ``$``.

flowc uses the second engine to defeat the first: literal text is written
with every ``$`` doubled and every ``{`` that starts a ``{{`` replaced by
``$(FLOWC_LBRACE)``, where the container defines ``FLOWC_LBRACE={`` as its
first environment variable.  Argo never sees ``{{`` in such text; the
kubelet restores the exact bytes before the process starts.
"""

from __future__ import annotations

import re

#: The environment variable holding a single ``{``; always the container's first.
LBRACE_VAR = "FLOWC_LBRACE"
#: The value of a parameter meaning "the flow's own default" (one computed when the run
#: starts).  No literal flowc writes can equal it, since :func:`kube_escape` doubles every
#: ``$``; a value given at submit time is kubelet text, where ``$$(FLOWC_DEFAULT)`` is
#: that literal text and this reference is reserved.  The start task passes no value then.
DEFAULT_SENTINEL = "$(FLOWC_DEFAULT)"

_OPEN_TAG = re.compile(r"\{(?=\{)")


def kube_escape(text: str) -> str:
    """``text`` as a container command/arg/env value that reaches the process unchanged."""
    return _OPEN_TAG.sub(f"$({LBRACE_VAR})", text.replace("$", "$$"))


def kube_unescape(text: str, env: dict[str, str] | None = None) -> str:
    """What the kubelet makes of ``text`` (for tests): ``$$`` → ``$``, ``$(VAR)`` → its value."""
    values = {LBRACE_VAR: "{", **(env or {})}
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        if text.startswith("$(", i):
            end = text.find(")", i + 2)
            name = text[i + 2 : end] if end != -1 else ""
            if end != -1 and name in values:
                out.append(values[name])
                i = end + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def argo_inert(text: str) -> bool:
    """Whether Argo would leave ``text`` alone wherever it is written."""
    return "{{" not in text
