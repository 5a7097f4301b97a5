"""The typed DAG IR: what the analyzer produces and every backend consumes.

Every node is a frozen, slotted dataclass with no behaviour beyond derived
properties.  Values that came from the user's source (decorator arguments,
parameter defaults) are plain JSON-like Python values: ``None``, ``bool``,
``int``, ``float``, ``str``, ``list`` and ``dict`` with string keys.  They
are never mutated after construction.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

#: A JSON-like value statically evaluated from the user's source.
Value: TypeAlias = bool | int | float | str | list["Value"] | dict[str, "Value"] | None


@dataclass(frozen=True, slots=True)
class Span:
    """A position in a source file, 1-based like editors show it."""

    #: Path of the file as given by the user.
    path: str
    #: 1-based line number.
    line: int
    #: 1-based column number.
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class StepKind(str, enum.Enum):
    """How a step hands control to its successors.

    The names match ``flowc graph --format json`` and, apart from the
    spelling of splits, Metaflow's own node types.
    """

    #: The start step with a single successor.
    START = "start"
    #: One successor.
    LINEAR = "linear"
    #: Static fan-out: ``self.next(self.a, self.b)``.
    BRANCH = "branch"
    #: Dynamic fan-out: ``self.next(self.a, foreach="items")``.
    FOREACH = "foreach"
    #: A step taking ``inputs`` with a single successor.
    JOIN = "join"
    #: Conditional: ``self.next({"x": self.a, ...}, condition="attr")``.
    SWITCH = "switch"
    #: The end step: no successor.
    END = "end"


class ParamType(str, enum.Enum):
    """The type a parameter's value has when the step reads it."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    #: ``type=JSONType``: any JSON document.
    JSON = "json"
    #: ``IncludeFile``: the content of a local file, stored at run start.
    FILE = "file"


@dataclass(frozen=True, slots=True)
class Decorator:
    """A decorator on a step or on the flow class, with literal arguments."""

    #: Canonical name (``retry``, ``kubernetes``...), whatever alias imported it.
    name: str
    #: Keyword arguments exactly as written, statically evaluated.
    args: Mapping[str, Value]
    #: Where the decorator is written.
    span: Span

    def get(self, key: str, default: Value = None) -> Value:
        """Return argument ``key`` or ``default`` when it was not written."""
        return self.args.get(key, default)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A ``Parameter(...)`` or ``IncludeFile(...)`` class attribute."""

    #: The name users pass on the command line (first argument).
    name: str
    #: The class attribute it is bound to (``self.<attr>`` in steps).
    attr: str
    #: The type of the value steps read.
    type: ParamType
    #: Default value (for ``FILE``, the default path), ``None`` if absent.
    default: Value
    #: Whether a value must be given when no default exists.
    required: bool
    #: Help text, if any.
    help: str | None
    #: Where the parameter is declared.
    span: Span
    #: For ``IncludeFile``: read as text (``True``) or bytes (``False``).
    is_text: bool = True
    #: For ``IncludeFile``: the text encoding.
    encoding: str = "utf-8"


@dataclass(frozen=True, slots=True)
class Config:
    """A ``Config(...)`` class attribute: a document read when the flow is compiled."""

    #: The config's name (first argument): its name in ``config_expr`` and ``--config``.
    name: str
    #: The class attribute it is bound to.
    attr: str
    #: The parsed document (a ``dict`` unless ``plain``); ``None`` when it has no value.
    value: Value
    #: ``default=`` as written: a file relative to the flow file's directory, or ``None``.
    default_file: str | None
    #: The ``--config NAME=FILE`` file read instead of the default, ``None`` when not given.
    override: str | None
    #: How the text is parsed: ``"json"``, ``"toml"`` or ``"yaml"``.
    parser: str
    #: Where the config is declared.
    span: Span
    #: ``plain=True``: steps see the parsed value as it is, not a read-only mapping.
    plain: bool = False


@dataclass(frozen=True, slots=True)
class ExitHook:
    """One ``@exit_hook(...)`` on the flow: functions called once a run has ended.

    A name is a function of the flow's module (``notify``) or an import path
    (``"alerts.notify"``), as written; the function is called with ``run=``
    (the finished run) when it takes ``run`` or ``**kwargs``.
    """

    #: Functions called when the run succeeded, in the order written.
    on_success: tuple[str, ...]
    #: Functions called when the run failed, in the order written.
    on_error: tuple[str, ...]
    #: ``options=`` as written (Metaflow reads ``image`` on Argo; flowc does not use it).
    options: Mapping[str, Value]
    #: Where the decorator is written.
    span: Span


@dataclass(frozen=True, slots=True)
class Switch:
    """The conditional transition of a switch step."""

    #: Name of the artifact whose value picks the case.
    condition: str
    #: Case value (as written, converted to ``str``) → step name, in source order.
    cases: tuple[tuple[str, str], ...]

    @property
    def case_map(self) -> dict[str, str]:
        """The cases as a dict."""
        return dict(self.cases)


@dataclass(frozen=True, slots=True)
class Step:
    """One ``@step`` method and its outgoing transition."""

    #: Method name, also the step's identity.
    name: str
    #: How control leaves the step.
    kind: StepKind
    #: Successor step names, in the order written (switch: case order, deduplicated).
    next: tuple[str, ...]
    #: The step takes ``inputs`` (it joins the branches of a split).
    is_join: bool
    #: Decorators other than ``@step``, top to bottom.
    decorators: tuple[Decorator, ...]
    #: Cleaned docstring, ``""`` when absent.
    docstring: str
    #: Where the step's ``def`` keyword is.
    span: Span
    #: For ``FOREACH``: the artifact name iterated over.
    foreach: str | None = None
    #: For ``FOREACH`` written with ``num_parallel=N``: the gang size.
    num_parallel: int | None = None
    #: For ``SWITCH``: the condition and cases.
    switch: Switch | None = None
    #: Predecessors, sorted by name (Metaflow's ``in_funcs``).
    previous: tuple[str, ...] = ()
    #: Enclosing open splits (branch or foreach steps), outermost first.  For
    #: a join: the splits still open once it has closed its own (Metaflow's
    #: ``split_parents`` also lists the split the join closes).
    split_parents: tuple[str, ...] = ()
    #: For ``BRANCH``/``FOREACH``: the join step that closes this split.
    matching_join: str | None = None

    def decorator(self, name: str) -> Decorator | None:
        """The decorator called ``name`` on this step, if any."""
        return next((d for d in self.decorators if d.name == name), None)

    @property
    def is_split(self) -> bool:
        """The step fans out (branch or foreach); switches do not count."""
        return self.kind in (StepKind.BRANCH, StepKind.FOREACH)


@dataclass(frozen=True, slots=True)
class Flow:
    """A ``FlowSpec`` subclass, analysed statically."""

    #: The class name.
    name: str
    #: Path of the source file as given by the user.
    path: str
    #: Cleaned class docstring, ``""`` when absent.
    docstring: str
    #: Parameters in source order.
    parameters: tuple[Parameter, ...]
    #: Flow-level decorators (``@schedule``, ``@project``...), top to bottom; ``@exit_hook``
    #: is in :attr:`exit_hooks` instead.
    decorators: tuple[Decorator, ...]
    #: Steps in file order.
    steps: tuple[Step, ...]
    #: Where the ``class`` keyword is.
    span: Span
    #: Name of the start step.
    start: str = "start"
    #: Name of the end step.
    end: str = "end"
    #: ``Config(...)`` attributes in source order, values already read.
    configs: tuple[Config, ...] = ()
    #: ``@exit_hook`` decorators, bases' first, then top to bottom.
    exit_hooks: tuple[ExitHook, ...] = ()
    _index: Mapping[str, Step] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {s.name: s for s in self.steps})

    def step(self, name: str) -> Step:
        """The step called ``name``; ``KeyError`` if there is none."""
        return self._index[name]

    def has_step(self, name: str) -> bool:
        """Whether a step called ``name`` exists."""
        return name in self._index

    def decorator(self, name: str) -> Decorator | None:
        """The flow-level decorator called ``name``, if any."""
        return next((d for d in self.decorators if d.name == name), None)

    def foreach_stack(self, name: str) -> tuple[str, ...]:
        """The foreach steps whose fan-out encloses step ``name``, outermost first."""
        return tuple(p for p in self.step(name).split_parents if self.step(p).kind is StepKind.FOREACH)
