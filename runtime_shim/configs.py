"""Configs inside a task: ``Config(...)`` and ``config_expr(...)`` of the authoring API.

A config's value is fixed when the flow is compiled (or when ``flowc run``
starts): the analyzer reads the file and records the value in the graph
JSON every task receives (``"configs": {name: value}``), so every task of a
run sees the same value even if the file changes meanwhile.  The shim calls
:func:`install` with those values before the flow module runs, so
``config.cpu`` in a decorator is a plain value by the time Python applies
it.  A flow imported outside a task reads its configs' default files itself.
Standard library only.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

#: Values recorded for this task (graph JSON ``configs``), by config name.
_recorded: dict[str, Any] = {}
#: Configs declared so far by the flow module, by name (for ``config_expr``).
_declared: dict[str, Config] = {}
_UNSET: Any = object()


def install(values: Mapping[str, Any] | None) -> None:
    """Use ``values`` (config name → parsed value) for the flow about to be loaded."""
    _recorded.clear()
    _recorded.update(values or {})
    _declared.clear()


class ConfigList(tuple[Any, ...]):
    """A config's list: read-only, and equal to a ``list`` with the same items."""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            return list(self) == other
        return tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = tuple.__hash__


class ConfigValue(Mapping[str, Any]):
    """A parsed config: read-only, keys readable as attributes (``config.db.host``)."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", {str(k): freeze(v) for k, v in data.items()})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        try:
            return self._data[key]
        except KeyError:
            raise AttributeError(f"the config has no key {key!r}") from None

    def __setattr__(self, key: str, value: Any) -> None:
        raise TypeError("configs are read-only")

    def __delattr__(self, key: str) -> None:
        raise TypeError("configs are read-only")

    def __repr__(self) -> str:
        return repr(self.to_dict())

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConfigValue, (self.to_dict(),))

    def to_dict(self) -> dict[str, Any]:
        """A plain, mutable copy (nested dicts and lists)."""
        return thaw(self)  # type: ignore[no-any-return]


def freeze(value: Any) -> Any:
    """Objects as :class:`ConfigValue`, lists as :class:`ConfigList`, recursively."""
    if isinstance(value, ConfigValue):
        return value
    if isinstance(value, Mapping):
        return ConfigValue(value)
    if isinstance(value, (list, tuple)):
        return ConfigList(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The plain JSON-like form of a frozen value."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [thaw(v) for v in value]
    return value


class Config:
    """A flow configuration: a JSON (or TOML) document fixed before the run starts.

    Steps read it as ``self.<attribute>`` (a read-only :class:`ConfigValue`);
    decorators and parameter defaults in the class body read it directly
    (``@resources(cpu=config.cpu)``).
    """

    def __init__(
        self,
        name: str,
        default: str | None = None,
        default_value: Any = None,
        help: str | None = None,
        required: bool | None = None,
        parser: Any = None,
        plain: bool = False,
        show_default: bool = True,
    ) -> None:
        self.name, self.default, self.default_value = name, default, default_value
        self.help, self.required, self.parser, self.plain = help, required, parser, plain
        self.show_default = show_default
        where = sys._getframe(1).f_globals.get("__file__")
        self._dir = os.path.dirname(os.path.abspath(where)) if where else os.getcwd()
        self._value = _UNSET
        _declared[name] = self

    @property
    def value(self) -> Any:
        """The parsed value: the recorded one, else read from the default file or value."""
        if self._value is _UNSET:
            raw = _recorded[self.name] if self.name in _recorded else self._read_default()
            self._value = raw if self.plain else freeze(raw)
        return self._value

    def __get__(self, flow: object, owner: type | None = None) -> Any:
        return self if flow is None else self.value

    def __set__(self, flow: object, value: Any) -> None:
        raise AttributeError(f"config {self.name!r} is read-only")

    def __delete__(self, flow: object) -> None:
        raise AttributeError(f"config {self.name!r} is read-only")

    def __getattr__(self, key: str) -> Any:
        if key.startswith("_"):
            raise AttributeError(key)
        return getattr(freeze(self.value), key)

    def __getitem__(self, key: Any) -> Any:
        return self.value[key]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)

    def __repr__(self) -> str:
        return f"Config({self.name!r})"

    def _read_default(self) -> Any:
        if self.default is not None:
            path = os.path.join(self._dir, self.default)
            if os.path.isfile(path):
                with open(path, encoding="utf-8-sig") as handle:
                    return self._parse(handle.read())
        if isinstance(self.default_value, str):
            return self._parse(self.default_value)
        if self.default_value is None and self.required:
            raise ValueError(f"config {self.name!r} is required and has no value")
        return self.default_value

    def _parse(self, text: str) -> Any:
        parser = self.parser
        if parser is None:
            return json.loads(text)
        if isinstance(parser, str):
            module, _, func = parser.rpartition(".")
            parser = getattr(importlib.import_module(module or "builtins"), func)
        return parser(text)


def config_expr(expr: str) -> Any:
    """The value of ``expr`` with the flow's configs bound to their names.

    ``@project(name=config_expr("settings.project"))`` reads a config where
    its class attribute does not exist yet (flow decorators).  Other names
    in ``expr`` are the calling module's globals.
    """
    deferred = DeferredExpr(expr, sys._getframe(1).f_globals)
    try:
        return deferred.resolve()
    except NameError:
        return deferred


class DeferredExpr:
    """A ``config_expr`` written before its configs exist, in a flow imported outside a task.

    Inside a task every config is recorded before the flow module runs, so
    this only appears in flow decorators of a module imported by hand.
    """

    def __init__(self, expr: str, scope: Mapping[str, Any]) -> None:
        self.expr, self.scope = expr, scope

    def resolve(self) -> Any:
        """The expression's value now; ``NameError`` while a config it names is missing."""
        names: dict[str, Any] = {name: freeze(value) for name, value in _recorded.items()}
        for name, config in _declared.items():
            names.setdefault(name, config.value)
        # The flow author's own expression, evaluated as Metaflow does.
        return thaw(eval(self.expr, dict(self.scope), names))

    def __repr__(self) -> str:
        return f"config_expr({self.expr!r})"
