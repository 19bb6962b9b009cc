"""Solver statuses: the one place that names how a computation ended.

Every solver, iteration or simulation in fastq reports how it ended with one of these codes
(inside ``@njit`` kernels, as small integers) and one of these names (in every ``...Result``
record, as ``status``), next to a boolean ``converged``:

* ``converged`` -- the stopping criterion was met; the numbers are what the solver promises;
* ``max_iter`` -- the iteration budget ran out first; the last iterate is returned, flagged;
* ``diverged`` -- a non-finite value or a run-away quantity appeared; the last finite state is
  returned, flagged.

Results that are not iterations use their own names, listed in :data:`OTHER_STATUSES`
(closed forms, exact searches stopped by a budget).  Nothing is ever reported as a plain number
when it did not converge: a consumer checks ``converged`` (or ``status``) first.
"""
from __future__ import annotations

CONVERGED = 0
MAX_ITER = 1
DIVERGED = 2

#: code -> name for the iterative solvers' kernels
STATUS_NAMES = {CONVERGED: "converged", MAX_ITER: "max_iter", DIVERGED: "diverged"}
#: name -> code
STATUS_CODES = {v: k for k, v in STATUS_NAMES.items()}

#: statuses of results that are not fixed-point iterations
OTHER_STATUSES = {
    "closed_form": "an exact closed form (no iteration; always converged)",
    "optimal": "an exact search that exhausted its tree (the result is the exact optimum)",
    "node_limit": "an exact search stopped by its node budget (best point found, not proven optimal)",
    "mu_at_edge": "a 1RSB energy maximum over mu found at an end of the scanned grid (not stationary)",
    "quadrature": "a quadrature that did not converge (doubling the rule still moved the result beyond tolerance)",
}


def status_name(code) -> str:
    """The name of a kernel status code (``0 -> "converged"`` ...)."""
    return STATUS_NAMES[int(code)]
