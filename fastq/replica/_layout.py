"""Named slots of the RS kernels' output rows (read by name, never by bare position).

One evaluation of the RS map (``_map._rs_map``) fills the first :data:`N_MAP` slots; a solve
(``_solver._solve``, and every point of a sweep) fills all :data:`N_SOLVE` of them.  Kernels and
their callers index with these constants, e.g. ``out[AT]``; Numba treats them as compile-time
constants.
"""
from __future__ import annotations

#: slot names, in order
SOLVE_FIELDS = ("chi", "eg", "Q", "m", "h", "theta", "at", "kappa", "iterations", "status",
                "residual")
CHI, EG, Q, M, H, THETA, AT, KAPPA, ITERATIONS, STATUS, RESIDUAL = range(len(SOLVE_FIELDS))
#: slots filled by one map evaluation (the derived quantities at an input point)
N_MAP = KAPPA + 1
#: slots filled by a solve
N_SOLVE = len(SOLVE_FIELDS)
