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
import signal
import sys
import threading
import time

from .. import __version__
from .._validate import FastqInputError
from ._common import FastqArgumentParser, interrupted_message
from ._exit import EPILOG


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
    parser.epilog = EPILOG
    for p in sub.choices.values():
        p.epilog = f"{p.epilog}\n\n{EPILOG}" if p.epilog else EPILOG
    return parser


def main(argv=None) -> int:
    """Run the ``fastq`` command line on ``argv`` (default: ``sys.argv``); returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _say_notes_on_stderr(args.command)
    _COMMAND[0] = args.command
    global _SIGINT_SEEN
    _SIGINT_SEEN = False
    _EXITING.clear()
    previous = _hear_sigint()
    # loky's resource tracker (a child process) warns about its semaphores after a Ctrl-C; the
    # one line printed below is the message, so silence that child's warning
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:joblib.externals.loky.backend.resource_tracker")
    try:
        return _handle(args)
    finally:  # called in-process (tests, scripts): leave the caller's SIGINT handling as it was
        if _WATCHDOG:
            _WATCHDOG.pop().cancel()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _handle(args) -> int:
    """Run the parsed command; input errors, a closed pipe and Ctrl-C become their exit codes."""
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
        if _EXITING.is_set():  # the watchdog is already printing and leaving
            time.sleep(STOP_WITHIN_S)
        _EXITING.set()
        print(interrupted_message(args.command), file=sys.stderr)
        if _SIGINT_SEEN and threading.active_count() > 1:
            # worker threads may still be inside a nogil kernel; tearing the interpreter down
            # under them can crash it.  Finished work is already on disk (written atomically by
            # this thread), so leave at once with the interrupt's exit code.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130


def _say_notes_on_stderr(command: str) -> None:
    """Notes of the library (e.g. ``--jobs`` capped) as one ``fastq COMMAND: ...`` line each."""
    import logging

    log = logging.getLogger("fastq")
    for h in list(log.handlers):
        if getattr(h, "_fastq_cli", False):
            log.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"fastq {command}: %(message)s"))
    handler._fastq_cli = True
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _run(args) -> int:
    """Run the handler; a Ctrl-C that lands while a Numba kernel runs can surface as a
    ``SystemError`` chained to the ``KeyboardInterrupt``: treat it as the interrupt it is.
    """
    try:
        return int(args.func(args) or 0)
    except Exception as exc:
        # a Ctrl-C that lands inside a Numba kernel or compilation can surface as another error
        # (SystemError, or RuntimeError from a half-finished compilation): once SIGINT has been
        # received, the failure is the interrupt's
        if _SIGINT_SEEN:
            raise KeyboardInterrupt from exc
        raise


_SIGINT_SEEN = False
_EXITING = threading.Event()
_WATCHDOG: list = []
_COMMAND = ["fastq"]
#: after Ctrl-C, the most time the command may take to stop on its own before it is ended
STOP_WITHIN_S = 3.0


def _inside_compiler(frame) -> bool:
    """True when ``frame`` (or a caller) is a Python callback of LLVM (llvmlite) during compilation,
    where an exception raised by a signal handler is swallowed by ctypes instead of stopping the
    command.  Anywhere else, Numba's own Python code included, the KeyboardInterrupt propagates
    (and an error it causes there is turned back into the interrupt by :func:`_run`).
    """
    depth = 0
    while frame is not None and depth < 60:
        name = frame.f_code.co_filename.replace("\\", "/")
        if "/llvmlite/" in name:
            return True
        frame, depth = frame.f_back, depth + 1
    return False


def _force_exit() -> None:
    """The watchdog: the command did not stop within :data:`STOP_WITHIN_S` of Ctrl-C."""
    if _EXITING.is_set():
        return
    _EXITING.set()
    print(interrupted_message(_COMMAND[0]), file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def _note_sigint(signum, frame):
    """SIGINT handler: remember it, start the watchdog, and raise KeyboardInterrupt as Python's
    default handler does -- unless the compiler is running, where the watchdog ends the command.
    """
    global _SIGINT_SEEN
    if not _SIGINT_SEEN:
        _SIGINT_SEEN = True
        timer = threading.Timer(STOP_WITHIN_S, _force_exit)
        timer.daemon = True
        timer.start()
        _WATCHDOG.append(timer)
    if _inside_compiler(frame):
        return
    signal.default_int_handler(signum, frame)


def _hear_sigint():
    """Install :func:`_note_sigint` (only over Python's default handler, in the main thread);
    returns the handler it replaced, or None when it installed nothing.
    """
    if threading.current_thread() is threading.main_thread() and \
            signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        return signal.signal(signal.SIGINT, _note_sigint)
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
