"""Class hierarchies: which classes are flows, and what a flow inherits, in MRO order.

Metaflow finds steps and parameters with ``dir(cls)``, so a flow has every
step and ``Parameter`` reachable through its method resolution order: base
flows, plain mixins, classes imported from project modules.  This module
resolves base-class expressions to class definitions (in the flow file or
in a module :class:`~flowc.transpile.modules.Modules` can read) and
linearises them as Python does (C3).
"""

from __future__ import annotations

import sys

import libcst as cst
from flowc.transpile.context import Context
from flowc.transpile.ir import Span
from flowc.transpile.modules import Modules, SourceModule
from flowc.transpile.problems import Severity
from flowc.transpile.specs import API_MODULES


class ClassRef:
    """A class definition and the module that holds it (compared by identity)."""

    # Plain classes here: a dataclass costs ~0.3 ms of import time (exec of its methods).
    __slots__ = ("module", "node")

    def __init__(self, module: SourceModule, node: cst.ClassDef) -> None:
        self.module = module
        self.node = node

    @property
    def ctx(self) -> Context:
        """The context of the file the class is written in."""
        return self.module.ctx

    @property
    def name(self) -> str:
        """The class name."""
        return self.node.name.value


class Unreadable:
    """A base class imported from a module flowc does not read (an installed package)."""

    __slots__ = ("base", "module", "statement")

    def __init__(self, base: cst.Arg, module: str, statement: str) -> None:
        #: The base expression, in the class statement.
        self.base = base
        #: The module it comes from.
        self.module = module
        #: The import statement that binds it, as written.
        self.statement = statement


class _FlowSpec:
    """The FlowSpec class of the authoring API."""


FLOWSPEC = _FlowSpec()

Base = ClassRef | _FlowSpec | Unreadable | None


class Hierarchy:
    """Resolves and caches the bases of classes, reading project modules on demand."""

    def __init__(self, modules: Modules) -> None:
        self.modules = modules
        self._bases: dict[int, list[Base]] = {}
        self._flows: dict[int, bool] = {}
        self._refs: dict[int, ClassRef] = {}

    def ref(self, module: SourceModule, node: cst.ClassDef) -> ClassRef:
        """The one :class:`ClassRef` of ``node`` (compared by identity)."""
        return self._refs.setdefault(id(node), ClassRef(module, node))

    # -- bases ---------------------------------------------------------------------

    def bases(self, ref: ClassRef) -> list[Base]:
        """What each base expression of ``ref`` is (``None``: not a class flowc knows)."""
        key = id(ref.node)
        if key not in self._bases:
            self._bases[key] = [self._resolve(ref.module, arg) for arg in ref.node.bases]
        return self._bases[key]

    def _resolve(self, module: SourceModule, arg: cst.Arg) -> Base:
        expr = arg.value
        if module.ctx.imports.resolve(expr) == "FlowSpec":
            return FLOWSPEC
        if isinstance(expr, cst.Name):
            return self._name(module, expr.value, arg, set())
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, (cst.Name, cst.Attribute)):
            return self._attribute(module, expr, arg)
        return None

    def _name(self, module: SourceModule, name: str, arg: cst.Arg, seen: set[str]) -> Base:
        """The class ``name`` denotes at the top level of ``module``."""
        key = f"{module.name}:{name}"
        if key in seen:
            return None
        seen.add(key)
        if name in module.classes:
            return self.ref(module, module.classes[name])
        bound = module.bindings.names.get(name)
        if bound is not None:
            source, original = bound
            if source.split(".")[0] in API_MODULES:
                return FLOWSPEC if original == "FlowSpec" else None
            target = self.modules.load(source)
            if target is None:
                return self._unreadable(source, arg, module.bindings.statement(name))
            return self._name(target, original, arg, seen)
        for star in module.bindings.stars:
            target = self.modules.load(star)
            found = self._name(target, name, arg, seen) if target is not None else None
            if found is not None:
                return found
        return None

    def _attribute(self, module: SourceModule, expr: cst.Attribute, arg: cst.Arg) -> Base:
        """``alias.Class`` or ``package.module.Class`` through ``import`` statements."""
        head = _dotted(expr.value)
        first, _, rest = head.partition(".")
        source: str | None = None
        if head in module.bindings.modules:
            source = module.bindings.modules[head]
        elif first in module.bindings.modules:
            source = ".".join(p for p in (module.bindings.modules[first], rest) if p)
        elif first in module.bindings.names:  # from pkg import base; base.Class
            package, name = module.bindings.names[first]
            source = ".".join(p for p in (package, name, rest) if p)
        if source is None or source.split(".")[0] in API_MODULES:
            return None
        target = self.modules.load(source)
        if target is None:
            return self._unreadable(source, arg, module.bindings.statement(first))
        return self._name(target, expr.attr.value, arg, set())

    @staticmethod
    def _unreadable(source: str, arg: cst.Arg, statement: str) -> Base:
        # The standard library holds no flows or Parameters (ABC, Generic...).
        if source.split(".")[0] in sys.stdlib_module_names:
            return None
        return Unreadable(arg, source, statement)

    # -- flows and their MRO ---------------------------------------------------------

    def is_flow(self, ref: ClassRef, seen: frozenset[int] = frozenset()) -> bool:
        """Whether ``ref`` derives from FlowSpec."""
        key = id(ref.node)
        if key in seen:
            return False
        if key not in self._flows:
            self._flows[key] = any(
                base is FLOWSPEC or (isinstance(base, ClassRef) and self.is_flow(base, seen | {key}))
                for base in self.bases(ref)
            )
        return self._flows[key]

    def mro(self, ref: ClassRef) -> list[ClassRef]:
        """``ref`` and the classes it inherits from, in Python's method resolution order."""
        return self._linearise(ref, frozenset())

    def _linearise(self, ref: ClassRef, seen: frozenset[int]) -> list[ClassRef]:
        parents = [b for b in self.bases(ref) if isinstance(b, ClassRef) and id(b.node) not in seen]
        inner = seen | {id(ref.node)}
        merged = _c3([self._linearise(p, inner) for p in parents] + [parents])
        if merged is None:
            # Python refuses such a class (TypeError at import); keep a depth-first order.
            merged = list({id(c.node): c for p in parents for c in self._linearise(p, inner)}.values())
        return [ref, *merged]

    def unreadable(self, mro: list[ClassRef]) -> list[tuple[ClassRef, Unreadable]]:
        """The bases along ``mro`` that come from modules flowc cannot read."""
        return [(ref, base) for ref in mro for base in self.bases(ref) if isinstance(base, Unreadable)]


def _c3(sequences: list[list[ClassRef]]) -> list[ClassRef] | None:
    """C3 merge of linearisations; ``None`` when no consistent order exists."""
    pending = [list(s) for s in sequences if s]
    result: list[ClassRef] = []
    while pending:
        for seq in pending:
            head = seq[0]
            if not any(head in other[1:] for other in pending):
                break
        else:
            return None
        result.append(head)
        pending = [[c for c in s if c is not head] for s in pending]
        pending = [s for s in pending if s]
    return result


def _dotted(expr: cst.BaseExpression) -> str:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr.value}"
    return ""


def pick_flow(hierarchy: Hierarchy, flow_name: str | None) -> tuple[ClassRef, list[ClassRef]] | None:
    """The flow class of the file (``flow_name`` or the only leaf) and its MRO; problems to the file."""
    root = hierarchy.modules.root
    ctx = root.ctx
    refs = [hierarchy.ref(root, node) for node in root.classes.values()]
    flows = {r.name: r for r in refs if hierarchy.is_flow(r)}
    inherited = {id(c.node) for r in flows.values() for c in hierarchy.mro(r)[1:]}
    leaves = [r for r in flows.values() if id(r.node) not in inherited]
    where = Span(ctx.path, 1, 1)
    if flow_name is not None:
        if flow_name not in flows:
            known = ", ".join(sorted(flows)) or "none"
            ctx.report(
                "FLC003",
                where,
                None,
                f"no flow class named {flow_name!r} in this file",
                f"flow classes here: {known}",
            )
            return None
        chosen = flows[flow_name]
    elif not flows:
        _no_flow(hierarchy, refs)
        return None
    elif len(leaves) != 1:
        names = ", ".join(sorted(r.name for r in leaves or flows.values()))
        ctx.report(
            "FLC003", where, None, f"this file defines several flows: {names}", "pick one with --flow NAME"
        )
        return None
    else:
        chosen = leaves[0]
    mro = hierarchy.mro(chosen)
    for ref, base in hierarchy.unreadable(mro):
        ref.ctx.report(
            "FLC005",
            base.base,
            ref.node,
            f"base class {_code(base.base.value)} of {ref.name} comes from {base.module!r}, "
            "which flowc does not read: its steps and Parameters are left out",
            f"{_READS_ONLY}; define the class there if the flow needs what it declares",
            Severity.WARNING,
        )
    return chosen, mro


_READS_ONLY = "flowc reads only modules next to the flow file (its folder and packages below it)"


def _no_flow(hierarchy: Hierarchy, refs: list[ClassRef]) -> None:
    """FLC002, naming the import when a class derives from a module flowc cannot read."""
    # A class named like a flow is the likelier one to report.
    for ref in sorted(refs, key=lambda r: not r.name.endswith("Flow")):
        for base in hierarchy.bases(ref):
            if isinstance(base, Unreadable):
                imported = f" ({base.statement})" if base.statement else ""
                ref.ctx.report(
                    "FLC002",
                    base.base,
                    ref.node,
                    f"class {ref.name} derives from {_code(base.base.value)}, imported from "
                    f"{base.module!r}{imported}, a module flowc cannot read",
                    f"{_READS_ONLY}, never installed packages: put the base flow there",
                )
                return
    ctx = hierarchy.modules.root.ctx
    ctx.report(
        "FLC002",
        Span(ctx.path, 1, 1),
        None,
        "this file defines no FlowSpec subclass",
        "define class MyFlow(FlowSpec) with 'from flowc import FlowSpec' (or metaflow)",
    )


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node).strip()
