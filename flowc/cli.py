"""The ``flowc`` command line (standard library ``argparse``).

Each command is one module under :mod:`flowc.commands`, found by name, so
adding a command means adding one module (see that package's docstring for
the three names a module defines).  ``flowc NAME`` imports that module
alone, and command modules import their heavy dependencies inside ``run``,
so start-up costs little more than ``import argparse``.  Only ``flowc
--help`` imports every command, to list their summaries.

Errors are handled here, in :func:`main`: ``UserError`` prints the flow's
problems or ``Error: MESSAGE`` and exits 1; ``UsageError`` and argparse's own
errors print the command's usage line and ``error: MESSAGE`` and exit 2.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Iterable, Sequence

import flowc.commands
from flowc.commands._common import EXIT_OK, EXIT_USAGE, EXIT_USER_ERROR, UsageError, UserError, print_problems

TYPE_CHECKING = False  # as in flowc/__init__.py: typing stays unimported at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from types import ModuleType
    from typing import NoReturn

SUMMARY = "flowc: run Metaflow-style flows on Argo, Step Functions and Airflow."

EXAMPLES = """\
Examples:
  flowc check flows/train.py
  flowc graph flows/train.py --format mermaid
  flowc compile flows/train.py --target argo -o deploy/
  flowc run flows/train.py --param alpha=0.3
"""


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the epilogs' line breaks; ``Usage:`` capitalised like flowc's other messages."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, "Usage: " if prefix is None else prefix)


#: Young-generation threshold of the garbage collector while a ``SHORT_LIVED`` command runs.
#: CPython's default (700) collects ~60 times while libcst alone is imported
#: (~8 ms), for objects that are nearly all freed by reference counting.
SHORT_LIVED_GC_THRESHOLD = 1_000_000


class Parser(argparse.ArgumentParser):
    """argparse's parser, which also suggests the option meant by a misspelt one."""

    def error(self, message: str) -> NoReturn:
        prefix = "unrecognized arguments: "
        if message.startswith(prefix):
            message += _did_you_mean(message[len(prefix) :].split(), list(self._option_string_actions))
        super().error(message)


def _did_you_mean(given: list[str], options: list[str]) -> str:
    import difflib

    for word in given:
        close = difflib.get_close_matches(word.split("=", 1)[0], options, n=1)
        if word.startswith("-") and close:
            return f" (did you mean {close[0]}?)"
    return ""


def entry_point() -> NoReturn:
    """The ``flowc`` console script: :func:`main`, then the process ends.

    After a ``SHORT_LIVED`` command it ends without the interpreter's
    teardown, which frees libcst's objects one by one (~20 ms) for nothing.
    """
    code = main()
    if _is_short_lived(_command_word(sys.argv[1:])):
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, ValueError):
            pass
        os._exit(code)
    sys.exit(code)


def _is_short_lived(name: str | None) -> bool:
    module = sys.modules.get(f"{flowc.commands.__name__}.{(name or '').replace('-', '_')}")
    return bool(getattr(module, "SHORT_LIVED", False))


def _command_word(args: Sequence[str]) -> str | None:
    """The command's name in ``flowc [OPTIONS] NAME ...``, if there is one."""
    return next((arg for arg in args if not arg.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``flowc ARGV`` (default ``sys.argv[1:]``) and return its exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    # Options before the first word are flowc's own (-h, --version); the rest is the command's.
    split = next((i for i, arg in enumerate(args) if not arg.startswith("-")), len(args))
    try:
        if split > 0 or split == len(args):
            code = _root(args[:split], has_command=split < len(args))
            if code is not None:
                return code
        return _run(args[split], args[split + 1 :])
    except SystemExit as exc:  # argparse: --help exits 0, a usage error 2
        return _exit_code(exc)
    except BrokenPipeError:  # ``flowc graph ... | head``: stop quietly
        return _silence_stdout()
    except KeyboardInterrupt:
        print("Aborted!", file=sys.stderr)
        return EXIT_USER_ERROR


def _root(options: list[str], has_command: bool) -> int | None:
    """``flowc [-h] [--version]``: the exit code, or ``None`` when a command follows."""
    root = _root_parser(listing=not has_command or bool({"-h", "--help"} & set(options)))
    if root.parse_args(options).version:
        return _print_version()
    if not has_command:
        root.print_help(sys.stderr)
        return EXIT_USAGE
    return None


def _run(name: str, argv: list[str]) -> int:
    """Parse ``argv`` for command ``name`` and run it; the one place user and usage errors land."""
    module = _command_module(name)
    if module is None:
        _root_parser(listing=False).error(
            f"no such command {name!r} (commands: {', '.join(command_names())})"
        )
    parser = command_parser(name, module)
    if getattr(module, "RAW_ARGUMENTS", False):  # flowc task: the shim parses its own arguments
        args = argparse.Namespace(argv=argv)
    else:
        args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = module.run
    thresholds = gc.get_threshold()
    if getattr(module, "SHORT_LIVED", False):
        gc.set_threshold(SHORT_LIVED_GC_THRESHOLD, *thresholds[1:])
    try:
        return run(args)
    except UsageError as exc:
        parser.error(str(exc))
    except UserError as exc:
        print_problems(exc.problems)
        if str(exc):
            print(f"Error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    finally:
        gc.set_threshold(*thresholds)


def command_names() -> list[str]:
    """The public commands: modules of :mod:`flowc.commands` not starting with ``_``."""
    import pkgutil

    names = (m.name for m in pkgutil.iter_modules(flowc.commands.__path__))
    return sorted(n.replace("_", "-") for n in names if not n.startswith("_"))


def _command_module(name: str) -> ModuleType | None:
    module_name = name.replace("-", "_")
    if name.startswith("_") or not module_name.isidentifier():
        return None
    qualified = f"{flowc.commands.__name__}.{module_name}"
    try:
        return importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise


def command_parser(name: str, module: ModuleType) -> argparse.ArgumentParser:
    """The parser of ``flowc NAME``: summary, the module's options, its epilog."""
    epilog: str = module.EPILOG
    configure: Callable[[argparse.ArgumentParser], None] = module.configure
    parser = Parser(
        prog=f"flowc {name}",
        description=_summary(module),
        epilog=epilog,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    configure(parser)
    return parser


def _summary(module: ModuleType) -> str:
    """The first line of the docstring of the module's ``run``: the command's summary."""
    doc: str | None = module.run.__doc__
    return (doc or "").strip().split("\n", 1)[0]


def _root_parser(listing: bool) -> argparse.ArgumentParser:
    """``flowc [-h] [--version] COMMAND``; with ``listing`` its help lists every command."""
    epilog = EXAMPLES
    if listing:
        summaries = {}
        for name in command_names():
            module = _command_module(name)
            summaries[name] = _summary(module) if module else ""
        width = max(map(len, summaries), default=0)
        rows = "".join(f"  {name.ljust(width)}  {text}\n" for name, text in summaries.items())
        epilog = f"Commands:\n{rows}\n{EXAMPLES}"
    parser = Parser(
        prog="flowc",
        usage="%(prog)s [-h] [--version] COMMAND [ARGS]...",
        description=SUMMARY,
        epilog=epilog,
        formatter_class=HelpFormatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="store_true", help="show the version and exit")
    return parser


def _print_version() -> int:
    from importlib.metadata import PackageNotFoundError, version

    try:
        number = version("flowc")
    except PackageNotFoundError:
        number = flowc.__version__
    print(f"flowc, version {number}")
    return EXIT_OK


def _exit_code(exc: SystemExit) -> int:
    """The status ``sys.exit`` would give: ``None`` is 0, a message is printed and 1."""
    if exc.code is None:
        return EXIT_OK
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return EXIT_USER_ERROR


def _silence_stdout() -> int:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import contextlib

    with contextlib.suppress(OSError, ValueError):  # not a real file (tests) or already closed
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_USER_ERROR


if __name__ == "__main__":  # pragma: no cover
    entry_point()
