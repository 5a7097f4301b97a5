"""Step Functions limits and naming rules, in one place, with their sources.

Every number here is checked at compile time so that a flow which cannot run
on AWS fails on the developer's machine with a FLC402 error, not later in the
console.
"""

from __future__ import annotations

import hashlib
import re

# -- Amazon States Language / Step Functions service quotas -----------------
# Source: AWS Step Functions Developer Guide, "Step Functions service quotas"
# (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)
# and the CreateStateMachine / StartExecution API references.

#: State machine, execution and state names: at most 80 characters.
MAX_NAME = 80
#: Characters a state or state machine name may not contain (API reference,
#: CreateStateMachine ``name``): whitespace, brackets, wildcards, punctuation
#: and control characters.
FORBIDDEN_NAME_CHARS = frozenset(' \t\n\r<>{}[]?*"#%\\^|~`$&,;:/')
#: Names restricted to this set also work with CloudWatch Logs, so flowc only
#: ever generates names from it.
SAFE_NAME = re.compile(r"^[0-9A-Za-z_-]+$")
#: Maximum size of a state machine definition (hard quota): 1 MB.
MAX_DEFINITION_BYTES = 1024 * 1024
#: Maximum size of an execution's input and of any state's input or output
#: (hard quota): 256 KiB.
MAX_PAYLOAD_BYTES = 256 * 1024
#: Maximum number of events in an execution's history (hard quota).
MAX_HISTORY_EVENTS = 25_000
#: An inline Map runs at most 40 iterations at a time ("Map state in Inline
#: mode"); wider foreach go to a Distributed Map.
INLINE_MAP_MAX_CONCURRENCY = 40
#: A Distributed Map runs up to 10,000 parallel child executions
#: ("Map state in Distributed mode").
DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000
#: ``States.ArrayRange`` builds arrays of at most 1,000 items ("Intrinsic
#: functions", States.ArrayRange), which bounds the width of one foreach.
ARRAY_RANGE_MAX_ITEMS = 1000
#: Up to 10 intrinsic functions may be nested in one field ("Intrinsic functions").
MAX_NESTED_INTRINSICS = 10

# -- AWS Batch ----------------------------------------------------------------
# Source: AWS Batch API reference, SubmitJob ``jobName``: up to 128 letters,
# numbers, hyphens and underscores, starting with a letter or number.
MAX_BATCH_JOB_NAME = 128
BATCH_JOB_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]*$")

# -- EventBridge ----------------------------------------------------------------
# Source: EventBridge Scheduler API reference, CreateSchedule ``Name`` (1-64,
# ``[0-9a-zA-Z-_.]+``) and EventBridge PutRule ``Name`` (1-64, ``[\.\-_A-Za-z0-9]+``).
MAX_EVENT_NAME = 64

# -- flowc's own bounds -----------------------------------------------------------
#: Iterations of one recursion (switch loop) before the execution fails; each
#: iteration costs about 20 history events, so this keeps a loop well inside
#: ``MAX_HISTORY_EVENTS``.  ``--set max_recursion=N`` changes it.
DEFAULT_MAX_RECURSION = 500

#: Seconds added to a step's @timeout for the Task's TimeoutSeconds: the shim
#: enforces @timeout itself (so @catch can catch it); the state machine only
#: stops a job that hangs past it, after container start and package download.
TIMEOUT_GRACE_SECONDS = 300

_UNSAFE = re.compile(r"[^0-9A-Za-z_-]+")


def shorten(name: str, limit: int) -> str:
    """``name`` if it fits ``limit``, else a prefix plus 8 hex digits of its sha256.

    The result is deterministic, so recompiling gives the same names, and two
    long names that share a prefix stay distinct.
    """
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{name[: limit - 9]}-{digest}"


def safe_name(text: str, limit: int = MAX_NAME) -> str:
    """``text`` reduced to ``[0-9A-Za-z_-]`` and shortened to ``limit`` characters."""
    cleaned = _UNSAFE.sub("-", text).strip("-") or "flow"
    if cleaned != text:
        # Keep names of different texts apart even when they clean alike.
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        cleaned = f"{cleaned}-{digest}"
    return shorten(cleaned, limit)


def is_valid_state_name(name: str) -> bool:
    """Whether ``name`` is a state name Step Functions accepts."""
    return 0 < len(name) <= MAX_NAME and not any(
        c in FORBIDDEN_NAME_CHARS or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in name
    )
