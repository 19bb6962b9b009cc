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
from ._common import FastqArgumentParser


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
        return int(args.func(args) or 0)
    except FastqInputError as exc:
        print(f"fastq {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # output piped into e.g. `head`, which closed early: not an error of ours
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print(f"fastq {args.command}: interrupted; finished work was saved", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
