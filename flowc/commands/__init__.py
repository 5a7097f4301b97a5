"""One module per ``flowc`` command, named after it (``_``-prefixed modules are private helpers).

A command module has a docstring and defines:

- ``EPILOG``: examples and exit codes for ``flowc NAME --help`` (line breaks kept);
- ``configure(parser)``: adds its arguments to an ``argparse.ArgumentParser``;
- ``run(args) -> int``: runs it with the parsed ``argparse.Namespace`` and returns the exit
  code; the first line of its docstring is the command's summary in ``flowc --help``.

``run`` imports what it needs (the analyzer, a backend, the runtime) inside
its body, so that parsing ``flowc NAME ...`` stays fast.  It raises
``UserError`` or ``UsageError`` (from ``_common``) for the user's mistakes;
:mod:`flowc.cli` prints them.  A module may set ``RAW_ARGUMENTS = True`` to
receive its arguments unparsed as ``args.argv`` (``flowc task`` does), and
``SHORT_LIVED = True`` when it runs no user code and leaves no thread or
process behind (``check``, ``compile``, ``graph``): the garbage collector then
runs rarely, and the console script ends the process without the
interpreter's teardown once output is flushed (see :func:`flowc.cli.entry_point`).
"""
