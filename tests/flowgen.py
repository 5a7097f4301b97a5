"""Random VALID flows, as source text, for property tests.

``flows()`` is a hypothesis strategy; ``generate(seed)`` gives the same kind
of flow from a plain integer seed; ``linear_flow``, ``branch_flow`` and
``split_join_flow`` build large regular flows for size tests.

A flow is assembled from *segments* chained one after another.  A segment
is one step (linear), a static branch or a foreach (each closed by a join),
a switch whose case paths merge again, or a recursion (a switch case going
back to the same step or, unless ``metaflow_compatible``, to an earlier
one).  Branches and foreach bodies are chains of segments themselves, which
gives nested foreach, branches inside foreach and foreach inside branches.

Every generated flow is meant to pass ``flowc check`` *and to run*: foreach
lists are non-empty, switch conditions name a case, and every recursion
stops after a few rounds.  ``IncludeFile`` parameters default to
``data.txt``, so run generated flows from a folder holding such a file.
Pass ``styles=("flowc",)`` (or ``style="flowc"``) for flows that must run
without Metaflow installed.

``mutate_transitions(source, seed)`` makes one random edit of a flow's
graph, for oracle tests that compare verdicts with Metaflow's.
"""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

#: Strings that break naive quoting in YAML, JSON, shells, Argo and Jinja templates.
ADVERSARIAL = (
    "plain",
    "it's",
    'say "hi"',
    "line one\nline two",
    "tab\there",
    "back\\slash",
    "{{workflow.name}}",
    "{{inputs.parameters.x}}",
    "$(echo x)",
    "${HOME}",
    "$.x",
    "{}",
    "{0}",
    "%s %(x)s",
    "`uname`",
    "héllo wörld",
    "日本語 ✓ 🚀",
    "",
    " ",
    "a: b",
    "- item",
    "# not a comment",
    "null",
    "true",
    "<tag>&amp;",
    "';DROP TABLE x;--",
)

IMPORT_STYLES = ("flowc", "metaflow", "module", "renamed")

_CASE_KEYS = ("a", "b", "c", "fast", "slow", "retry-me")


class Chooser:
    """The random choices a generator makes; backed by ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, lo: int, hi: int) -> int:
        """A whole number in ``[lo, hi]``."""
        return self._rng.randint(lo, hi)

    def pick(self, options: Sequence[T]) -> T:
        """One of ``options``."""
        return options[self.integer(0, len(options) - 1)]

    def coin(self) -> bool:
        """True or False."""
        return self.integer(0, 1) == 1


class _DrawChooser(Chooser):
    """The same choices drawn from hypothesis, so failures shrink."""

    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self._draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return int(self._draw(st.integers(lo, hi)))


@dataclass
class _Step:
    name: str
    join: bool = False
    decorators: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    #: ``self.next(...)`` text with ``{}`` where the continuation goes.
    next: str = "self.next(self.{})"
    start_flag: bool = False
    end_flag: bool = False


@dataclass
class _Builder:
    ch: Chooser
    style: str
    metaflow_compatible: bool
    max_steps: int
    steps: list[_Step] = field(default_factory=list)
    counter: int = 0

    def new(self, stem: str, join: bool = False) -> _Step:
        self.counter += 1
        step = _Step(f"{stem}_{self.counter}", join=join)
        step.body.append(f"self.visited_{self.counter} = {self.counter}")
        if self.ch.integer(0, 3) == 0:
            step.decorators.append(_decorator(self.ch, self.style))
        self.steps.append(step)
        return step

    def full(self) -> bool:
        return len(self.steps) >= self.max_steps

    def chain(self, depth: int, length: int) -> tuple[_Step, _Step]:
        """Segments one after another: (first step, last step)."""
        first, last = self.segment(depth)
        for _ in range(length - 1):
            head, tail = self.segment(depth)
            _link(last, head)
            last = tail
        return first, last

    def segment(self, depth: int) -> tuple[_Step, _Step]:
        kinds = ["linear"]
        if depth < 3 and not self.full():
            kinds += ["branch", "foreach", "switch", "recursion"]
        kind = self.ch.pick(kinds)
        if kind == "branch":
            return self._branch(depth)
        if kind == "foreach":
            return self._foreach(depth)
        if kind == "switch":
            return self._switch(depth)
        if kind == "recursion":
            return self._recursion()
        step = self.new("step")
        return step, step

    def _branch(self, depth: int) -> tuple[_Step, _Step]:
        split = self.new("split")
        heads = []
        tails = []
        for _ in range(self.ch.integer(2, 3)):
            head, tail = self.chain(depth + 1, self.ch.integer(1, 2))
            heads.append(head)
            tails.append(tail)
        join = self.new("join", join=True)
        split.next = "self.next(" + ", ".join(f"self.{h.name}" for h in heads) + ")"
        for tail in tails:
            _link(tail, join)
        return split, join

    def _foreach(self, depth: int) -> tuple[_Step, _Step]:
        split = self.new("fanout")
        items = [self.ch.pick(ADVERSARIAL[:6]) for _ in range(self.ch.integer(1, 3))]
        var = f"items_{self.counter}"
        split.body.append(f"self.{var} = {items!r}")
        head, tail = self.chain(depth + 1, self.ch.integer(1, 2))
        head.body.insert(0, "self.item = self.input")
        split.next = f'self.next(self.{head.name}, foreach="{var}")'
        join = self.new("gather", join=True)
        join.body.append("self.count = len(list(inputs))")
        _link(tail, join)
        return split, join

    def _switch(self, depth: int) -> tuple[_Step, _Step]:
        switch = self.new("switch")
        keys = list(_CASE_KEYS)
        cases = []
        tails = []
        for _ in range(self.ch.integer(2, 3)):
            key = keys.pop(self.ch.integer(0, len(keys) - 1))
            head, tail = self.chain(depth + 1, 1)
            cases.append((key, head.name))
            tails.append(tail)
        var = f"route_{self.counter}"
        switch.body.append(f"self.{var} = {self.ch.pick(cases)[0]!r}")
        switch.next = (
            "self.next({" + ", ".join(f"{k!r}: self.{n}" for k, n in cases) + f'}}, condition="{var}")'
        )
        merge = self.new("merge")
        for tail in tails:
            _link(tail, merge)
        return switch, merge

    def _recursion(self) -> tuple[_Step, _Step]:
        earlier = not self.metaflow_compatible and self.ch.coin()
        top = self.new("again") if earlier else None
        loop = self.new("loop")
        counter = f"rounds_{self.counter}"
        loop.body += [
            f"self.{counter} = getattr(self, {counter!r}, 0) + 1",
            f'self.status = "again" if self.{counter} < {self.ch.integer(1, 3)} else "done"',
        ]
        back = top if top is not None else loop
        loop.next = f'self.next({{"again": self.{back.name}, "done": self.{{}}}}, condition="status")'
        after = self.new("after")
        _link(loop, after)
        if top is not None:
            _link(top, loop)
        return (top or loop), after


def _link(step: _Step, target: _Step) -> None:
    assert "{}" in step.next, step
    step.next = step.next.replace("{}", target.name, 1)


def _name(style: str, api: str) -> str:
    """How ``api`` is spelt in the flow's source for an import style."""
    if style == "module":
        return f"mf.{api}"
    if style == "renamed":
        return {"step": "flow_step", "FlowSpec": "Spec", "Parameter": "Param"}.get(api, api)
    return api


def _text(ch: Chooser) -> str:
    return "".join(ch.pick(ADVERSARIAL) for _ in range(ch.integer(1, 2)))


def _decorator(ch: Chooser, style: str) -> str:
    kind = ch.pick(("retry", "timeout", "resources", "catch", "environment"))
    if kind == "retry":
        args = f"times={ch.integer(0, 4)}" + (
            f", minutes_between_retries={ch.integer(0, 2)}" if ch.coin() else ""
        )
    elif kind == "timeout":
        unit = ch.pick(("seconds", "minutes", "hours"))
        args = f"{unit}={ch.integer(1, 90)}"
    elif kind == "resources":
        parts = [f"cpu={ch.integer(1, 8)}", f"memory={ch.pick((512, 4096, '8192'))!r}"]
        if ch.coin():
            parts.append(f"gpu={ch.integer(0, 1)}")
        args = ", ".join(parts[: ch.integer(1, len(parts))])
    elif kind == "catch":
        args = f'var="failure", print_exception={ch.coin()}'
    else:
        values = {f"FLOWGEN_{i}": _text(ch) for i in range(ch.integer(1, 3))}
        args = f"vars={values!r}"
    return f"@{_name(style, kind)}({args})"


_PARAM_TYPES = ("str", "int", "float", "bool", "json", "file")


def _parameter(ch: Chooser, style: str, index: int) -> tuple[str, str | None]:
    """A parameter line and, for ``IncludeFile``, the decorator-free API name it needs."""
    kind = ch.pick(_PARAM_TYPES)
    attr = f"param_{index}"
    name = ch.pick((attr, f"param-{index}", f"Param{index}"))
    help_arg = f", help={_text(ch)!r}" if ch.coin() else ""
    if kind == "file":
        return (
            f"    {attr} = {_name(style, 'IncludeFile')}({name!r}, default='data.txt'{help_arg})",
            "IncludeFile",
        )
    default: object = {
        "str": _text(ch),
        "int": ch.integer(-5, 100),
        "float": ch.integer(0, 100) / 8,
        "bool": ch.coin(),
        "json": {"k": [1, 2], "s": _text(ch)},
    }[kind]
    type_arg = {
        "str": "str",
        "int": "int",
        "float": "float",
        "bool": "bool",
        "json": _name(style, "JSONType"),
    }[kind]
    typed = f", type={type_arg}" if kind == "json" or ch.coin() else ""
    default_src = repr(json.dumps(default)) if kind == "json" else repr(default)
    line = f"    {attr} = {_name(style, 'Parameter')}({name!r}, default={default_src}{typed}{help_arg})"
    return line, "JSONType" if kind == "json" else None


def _imports(style: str, used: set[str]) -> str:
    names = sorted(used)
    if style == "module":
        return "import metaflow as mf"
    if style == "renamed":
        aliases = {
            "step": "step as flow_step",
            "FlowSpec": "FlowSpec as Spec",
            "Parameter": "Parameter as Param",
        }
        return "from flowc import " + ", ".join(aliases.get(n, n) for n in names)
    return f"from {style} import " + ", ".join(names)


def _flow(ch: Chooser, style: str, metaflow_compatible: bool, max_steps: int) -> str:
    builder = _Builder(ch, style, metaflow_compatible, max_steps)
    start = builder.new("start")
    first, last = builder.chain(0, ch.integer(1, 4))
    end = builder.new("end")
    _link(start, first)
    _link(last, end)
    end.next = ""
    custom = ch.integer(0, 3) == 0
    if custom:
        start.start_flag = end.end_flag = True
    else:
        _rename(builder.steps, {start.name: "start", end.name: "end"})
    used = {"FlowSpec", "step"}
    lines = []
    for index in range(ch.integer(0, 4)):
        line, extra = _parameter(ch, style, index)
        used.add("Parameter" if "IncludeFile" not in line else "IncludeFile")
        if extra:
            used.add(extra)
        lines.append(line)
    for step in builder.steps:
        for deco in step.decorators:
            used.add(deco[1:].split("(")[0].split(".")[-1])
    class_name = f"Generated{ch.integer(0, 9999)}Flow"
    out = [
        f'"""Generated by tests/flowgen.py ({_text(ch)!r})."""',
        "",
        _imports(style, used),
        "",
        "",
        f"class {class_name}({_name(style, 'FlowSpec')}):",
        f"    {_docstring(_text(ch))}",
    ]
    out += lines
    for step in builder.steps:
        out += _render_step(step, style)
    out += ["", "", 'if __name__ == "__main__":', f"    {class_name}()", ""]
    return "\n".join(out)


def _rename(steps: list[_Step], renames: dict[str, str]) -> None:
    for step in steps:
        for old, new in renames.items():
            if step.name == old:
                step.name = new
            step.next = step.next.replace(f"self.{old})", f"self.{new})").replace(
                f"self.{old},", f"self.{new},"
            )
            step.next = step.next.replace(f"self.{old}}}", f"self.{new}}}")


def _docstring(text: str) -> str:
    safe = text.replace("\\", "\\\\").replace('"', "'")
    return f'"""{safe}"""' if safe.strip() else '"""A generated flow."""'


def _render_step(step: _Step, style: str) -> list[str]:
    flags = [f for f, on in (("start=True", step.start_flag), ("end=True", step.end_flag)) if on]
    step_deco = _name(style, "step") + (f"({', '.join(flags)})" if flags else "")
    lines = [""]
    lines += [f"    {d}" for d in step.decorators if not _catch_on_split(d, step)]
    lines.append(f"    @{step_deco}")
    lines.append(f"    def {step.name}(self{', inputs' if step.join else ''}):")
    lines += [f"        {b}" for b in step.body]
    if step.next:
        lines.append(f"        {step.next}")
    return lines


def _catch_on_split(decorator: str, step: _Step) -> bool:
    """Metaflow (and flowc) refuse @catch on foreach and switch steps."""
    splits = "foreach=" in (step.next or "") or "condition=" in (step.next or "")
    return splits and re.match(r"@(mf\.)?catch\(", decorator) is not None


def generate(
    seed: int, *, metaflow_compatible: bool = False, max_steps: int = 40, style: str | None = None
) -> str:
    """The source of a random valid flow, the same for the same arguments."""
    ch = Chooser(random.Random(seed))
    return _flow(ch, style or ch.pick(IMPORT_STYLES), metaflow_compatible, max_steps)


@st.composite
def _flows(
    draw: Callable[[st.SearchStrategy[Any]], Any],
    metaflow_compatible: bool,
    max_steps: int,
    styles: Sequence[str],
) -> str:
    ch = _DrawChooser(draw)
    return _flow(ch, ch.pick(styles), metaflow_compatible, max_steps)


def flows(
    *, metaflow_compatible: bool = False, max_steps: int = 30, styles: Sequence[str] = IMPORT_STYLES
) -> st.SearchStrategy[str]:
    """Hypothesis strategy: source text of random valid flows of every shape.

    ``metaflow_compatible`` leaves out shapes Metaflow rejects (recursion to
    an earlier step); ``styles`` limits the import styles (``"flowc"`` only
    for flows that must run without Metaflow installed).
    """
    return _flows(metaflow_compatible, max_steps, tuple(styles))


def linear_flow(n: int) -> str:
    """A flow of ``n`` steps in a line (``n >= 2``)."""
    names = ["start"] + [f"step_{i}" for i in range(1, n - 1)] + ["end"]
    out = ["from flowc import FlowSpec, step", "", "", "class LinearFlow(FlowSpec):"]
    for here, there in itertools.pairwise(names):
        out += ["    @step", f"    def {here}(self):", f"        self.next(self.{there})", ""]
    out += ["    @step", "    def end(self):", "        pass", ""]
    return "\n".join(out)


def branch_flow(width: int) -> str:
    """One static branch of ``width`` parallel steps and its join."""
    names = [f"branch_{i}" for i in range(width)]
    out = ["from flowc import FlowSpec, step", "", "", "class BranchFlow(FlowSpec):"]
    out += [
        "    @step",
        "    def start(self):",
        "        self.next(" + ", ".join(f"self.{n}" for n in names) + ")",
        "",
    ]
    for name in names:
        out += ["    @step", f"    def {name}(self):", "        self.next(self.join)", ""]
    out += ["    @step", "    def join(self, inputs):", "        self.next(self.end)", ""]
    out += ["    @step", "    def end(self):", "        pass", ""]
    return "\n".join(out)


def split_join_flow(pairs: int) -> str:
    """``pairs`` back-to-back two-way branch/join pairs (a join cannot also split,
    so each join hands over to the next pair's split step)."""
    out = ["from flowc import FlowSpec, step", "", "", "class SplitJoinFlow(FlowSpec):"]
    out += ["    @step", "    def start(self):", "        self.next(self.split_0)", ""]
    for i in range(pairs):
        after = f"split_{i + 1}" if i + 1 < pairs else "end"
        out += [
            "    @step",
            f"    def split_{i}(self):",
            f"        self.next(self.left_{i}, self.right_{i})",
            "",
        ]
        for side in ("left", "right"):
            out += ["    @step", f"    def {side}_{i}(self):", f"        self.next(self.join_{i})", ""]
        out += ["    @step", f"    def join_{i}(self, inputs):", f"        self.next(self.{after})", ""]
    out += ["    @step", "    def end(self):", "        pass", ""]
    return "\n".join(out)


_MUTATIONS = ("retarget", "add-inputs", "drop-inputs", "add-target", "drop-next", "swap-next")


def mutate_transitions(source: str, seed: int) -> str:
    """``source`` with one random edit of its graph: a changed, added or
    dropped ``self.next`` target, a join made plain or a plain step made a
    join.  The result is often invalid; oracle tests compare verdicts."""
    rng = random.Random(seed)
    lines = source.split("\n")
    steps = re.findall(r"def (\w+)\(self", source)
    nexts = [i for i, line in enumerate(lines) if "self.next(" in line]
    defs = [i for i, line in enumerate(lines) if line.lstrip().startswith("def ")]
    op = rng.choice(_MUTATIONS)
    i = rng.choice(nexts)
    if op == "retarget":
        named = [n for n in re.findall(r"self\.(\w+)", lines[i].split("self.next(", 1)[1]) if n in steps]
        if named:
            lines[i] = lines[i].replace(f"self.{rng.choice(named)}", f"self.{rng.choice(steps)}", 1)
    elif op == "add-inputs":
        j = rng.choice(defs)
        lines[j] = lines[j].replace("(self)", "(self, inputs)")
    elif op == "drop-inputs":
        j = rng.choice(defs)
        lines[j] = lines[j].replace("(self, inputs)", "(self)")
    elif op == "add-target" and "foreach" not in lines[i] and "condition" not in lines[i]:
        lines[i] = lines[i].replace("self.next(", f"self.next(self.{rng.choice(steps)}, ", 1)
    elif op == "drop-next":
        lines[i] = lines[i].split("self.next(")[0] + "pass"
    elif op == "swap-next":
        j = rng.choice(nexts)
        a, b = lines[i].strip(), lines[j].strip()
        lines[i], lines[j] = lines[i].replace(a, b), lines[j].replace(b, a)
    return "\n".join(lines)
