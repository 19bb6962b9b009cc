"""The exit codes of every ``fastq`` command, in one place (shown in every ``--help`` epilog)."""
from __future__ import annotations

#: the work ran and its result is usable
OK = 0
#: the work ran and its result was written, but it is degenerate or not to be trusted as it
#: stands (the output's status or warning says why: an optimum at the end of the search
#: interval, errors at chance level, probabilities that do not sum to 1, ...); also Python's own
#: code for an unexpected error, which prints a traceback
DEGENERATE = 1
#: bad input, or work too large for this machine: one line on stderr, before any work or file
BAD_INPUT = 2
#: a solver did not converge (the result is written with its status)
NOT_CONVERGED = 3
#: interrupted (Ctrl-C): finished work is kept, and the same command resumes it
INTERRUPTED = 130

EPILOG = ("exit codes: 0 ok; 1 result written but degenerate or unreliable (its status says why); "
          "2 bad input or work too large, refused before any work; 3 a solver did not converge "
          "(status in the output); 130 interrupted, finished work kept for a rerun.")
