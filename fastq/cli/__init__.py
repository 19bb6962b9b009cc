"""The ``fastq`` command.

Subcommands live in this package, one module each, and are discovered automatically:
a module that defines ``register(subparsers)`` adds its subcommand(s) there and sets
``func=handler`` via ``set_defaults``.  A handler takes the parsed ``args`` and returns an exit
code.  Input errors (:class:`fastq.FastqInputError`) become one line on stderr and exit code 2;
Ctrl-C exits with 130 after finished work has been saved by the command.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
import sys

from .. import __version__
from .._validate import FastqInputError
from ._common import FastqArgumentParser, interrupted_message


def build_parser() -> FastqArgumentParser:
    """The ``fastq`` argument parser with every subcommand of this package registered."""
    parser = FastqArgumentParser(
        prog="fastq",
        description="Typical-case (replica) analysis of weight-quantized learning. "
                    "Run 'fastq COMMAND --help' for each command's options, units and defaults.")
    parser.add_argument("--version", action="version", version=f"fastq {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=FastqArgumentParser)
    sub.required = True
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mod = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(sub)
    return parser


def main(argv=None) -> int:
    """Run the ``fastq`` command line on ``argv`` (default: ``sys.argv``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except FastqInputError as exc:
        print(f"fastq {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(interrupted_message(args.command), file=sys.stderr)
        return 130


def _run(args) -> int:
    """Run the handler; a Ctrl-C that lands while a Numba kernel runs can surface as a
    ``SystemError`` chained to the ``KeyboardInterrupt``: treat it as the interrupt it is.
    """
    try:
        return int(args.func(args) or 0)
    except SystemError as exc:
        if isinstance(exc.__cause__ or exc.__context__, KeyboardInterrupt):
            raise KeyboardInterrupt from exc
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
