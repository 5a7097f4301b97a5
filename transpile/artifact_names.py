"""FLC128: a step stores an artifact under a name ``FlowSpec`` uses itself.

``self.name = "resnet"`` or ``self.index = 3`` look like artifacts, but the
names belong to the flow object: Metaflow fails the task (read-only
properties, methods the step calls, its own task state) or keeps its own
value in later steps (``name``).  The step body is read from the ``ast``
tree; only its statements whose lines may store one of these names are walked.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from flowc.transpile.context import Context
from flowc.transpile.problems import Severity

#: Read-only properties of ``FlowSpec``: assigning or deleting raises AttributeError.
_PROPERTIES = frozenset({"index", "input", "script_name", "_flow_decorators", "_flow_mutators"})

#: Methods of ``FlowSpec``: an instance value hides the method in this task only.
_METHODS = frozenset(
    {
        "next",
        "merge_artifacts",
        "foreach_stack",
        "cmd",
        "_find_input",
        "_get_foreach_item_value",
        "_set_datastore",
        "_validate_ubf_step",
        "_set_constants",
        "_get_parameters",
        "_check_parameters",
        "_process_config_decorators",
    }
)

#: Metaflow's task state on the flow object whose loss fails the task.
_FATAL_STATE = frozenset(
    {
        "_datastore",
        "_transition",
        "_foreach_stack",
        "_foreach_var",
        "_iteration_stack",
        "_graph_info",
        "_EPHEMERAL",
    }
)

#: Metaflow's task state it overwrites or never persists: the value is lost, the task runs.
_LOST_STATE = frozenset(
    {
        "_current_step",
        "_success",
        "_task_ok",
        "_exception",
        "_graph",
        "_steps",
        "_cached_input",
        "_flow_state",
        "_foreach_num_splits",
        "_NON_PARAMETERS",
    }
)

#: flowc's runtime keeps its per-task state under names with this prefix.
_FLOWC_PREFIX = "_flowc"

_SUGGESTIONS = {
    "name": "model_name",
    "index": "item_index",
    "input": "input_data",
    "next": "next_item",
    "foreach_stack": "stack",
    "merge_artifacts": "merged",
    "cmd": "command",
    "script_name": "script",
}

#: Whether a step's text may store one of the attributes (checked before walking it).  A
#: name followed on its line by ``(``, ``.`` or ``[`` is read, never stored: so every
#: step's ``self.next(...)`` and reads like ``self.input[0]`` do not cost a walk.
_MENTION = re.compile(
    r"\b(?:name|_flowc\w*|"
    + "|".join(sorted(_PROPERTIES | _METHODS | _FATAL_STATE | _LOST_STATE))
    + r")\b(?![ \t]*[(.\[])"
)


def check_artifact_names(ctx: Context, func: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
    """Report assignments and deletions of ``FlowSpec``'s own attributes in a step body."""
    if not func.body or not func.args.args:
        return
    first = func.body[0].lineno
    lines = ctx.locator.lines[first - 1 : func.end_lineno]
    # Python reads identifiers NFKC-normalised (``ｉｎｄｅｘ`` is ``index``): such lines are walked.
    hits = [first + i for i, line in enumerate(lines) if not line.isascii() or _MENTION.search(line)]
    roots = [s for s in func.body if any(s.lineno <= h <= (s.end_lineno or s.lineno) for h in hits)]
    this = func.args.args[0].arg
    for node, attr, deleting in _stores(roots, this):
        found = _classify(attr, deleting)
        if found is None:
            continue
        message, severity = found
        suggest = f"{this}.{_SUGGESTIONS.get(attr, attr.lstrip('_').lower() or 'value')}"
        hint = (
            f"remove the del; keep your own values under other names, e.g. {suggest}"
            if deleting
            else f"store the value under another name, e.g. {suggest}, here and where later steps read it"
        )
        ctx.report(
            "FLC128", ctx.locator.ast_span(node), None, message.format(this=this, attr=attr), hint, severity
        )


def _classify(attr: str, deleting: bool) -> tuple[str, Severity] | None:
    """The message (``{this}``/``{attr}`` to fill in) and severity for ``self.<attr>``, or ``None``."""
    verb = "deleting" if deleting else "assigning"
    fails = f"{verb} it fails the task"
    if attr in _PROPERTIES:
        return "{this}.{attr} is a read-only property of FlowSpec: " + fails, Severity.ERROR
    if attr == "next":
        return (
            "{this}.next is FlowSpec's transition method: the step's self.next(...) then fails",
            Severity.ERROR,
        )
    if attr in _METHODS:
        after = fails if deleting else "calls to it in this step fail and later steps read the method"
        return "{this}.{attr} is a method of FlowSpec, not an artifact: " + after, Severity.ERROR
    if attr.startswith(_FLOWC_PREFIX):
        return "flowc's runtime keeps the task's state in {this}.{attr}: " + fails, Severity.ERROR
    if attr in _FATAL_STATE:
        return "Metaflow keeps the task's state in {this}.{attr}: " + fails, Severity.ERROR
    if attr in _LOST_STATE:
        return "Metaflow keeps the task's state in {this}.{attr} and overwrites or drops this value", (
            Severity.WARNING
        )
    if attr != "name":
        return None
    if deleting:
        return "{this}.name is the flow's name: deleting it changes nothing for later steps", Severity.WARNING
    later = "later steps read the flow's class name, not this value (in Metaflow and in flowc)"
    return "{this}.name is the flow's name: " + later, Severity.WARNING


def _stores(roots: list[ast.stmt], this: str) -> Iterator[tuple[ast.expr, str, bool]]:
    """``(node, attribute, deleting)`` for each store to or deletion of ``this.<attribute>`` in ``roots``.

    Nested functions, lambdas and classes are not entered: ``self`` there may
    be another object.
    """
    bare: set[int] = set()  # ``self.x: int`` annotates, it binds nothing
    stack: list[ast.AST] = list(roots)
    found: list[tuple[ast.expr, str, bool]] = []
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.AnnAssign) and node.value is None:
            bare.add(id(node.target))
        elif isinstance(node, ast.Attribute) and _is_name(node.value, this) and id(node) not in bare:
            if isinstance(node.ctx, (ast.Store, ast.Del)):
                found.append((node, node.attr, isinstance(node.ctx, ast.Del)))
        elif isinstance(node, ast.Call):
            named = _setattr_name(node, this)
            if named is not None:
                found.append(named)
        stack.extend(ast.iter_child_nodes(node))
    yield from sorted(found, key=lambda f: (f[0].lineno, f[0].col_offset))


def _setattr_name(call: ast.Call, this: str) -> tuple[ast.expr, str, bool] | None:
    """``setattr(self, "x", v)`` / ``delattr(self, "x")`` with a literal name, as a store."""
    if not isinstance(call.func, ast.Name) or call.func.id not in ("setattr", "delattr"):
        return None
    if len(call.args) < 2 or not _is_name(call.args[0], this):
        return None
    key = call.args[1]
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key, key.value, call.func.id == "delattr"
    return None


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


__all__ = ["check_artifact_names"]
