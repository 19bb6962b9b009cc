"""Eg(omega) under the 1RSB theory for the omega optimizer (``theory`` of :func:`fastq.optimal_omega`).

:class:`RSBObjective` is the RS objective of :mod:`.omega_search` whose records carry the 1RSB Eg
of the hard quantizer (:func:`fastq.solve_rsb`, warm-started from the nearest omega already
solved) -- at every omega (``theory="1rsb"``) or where the RS point is unstable (``"auto"``).  The
stability fields (``at``, ``kappa``) stay those of the RS point, so "stable optimum" keeps its RS
meaning.  A 1RSB point that did not converge makes the record not converged (Eg = inf for the
search), never a silent RS value.
"""
from __future__ import annotations

import bisect
import dataclasses
import math

from ..replica.rsb import solve_rsb_warm
from .omega_search import _Objective
from .rsb_grid import check_theory


def make_objective(theory, *args):
    """The objective of :func:`fastq.optimal_omega` for ``theory`` (arguments of ``_Objective``)."""
    return _Objective(*args) if check_theory(theory) == "rs" else RSBObjective(theory, *args)


class RSBObjective(_Objective):
    """Eg(omega) from 1RSB (see the module docstring); ``n_rsb`` counts 1RSB solves."""

    def __init__(self, theory, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.theory = theory
        self.n_rsb = 0
        self._rsb_om: list[float] = []
        self._rsb: list[tuple] = []  # (RSBResult, warm token), sorted by omega

    def _rsb_at(self, omega):
        i = bisect.bisect_left(self._rsb_om, omega)
        if i < len(self._rsb_om) and self._rsb_om[i] == omega:
            return self._rsb[i][0]
        warm, dist = None, math.inf
        for j in (i - 1, i):
            if 0 <= j < len(self._rsb_om) and self._rsb[j][1] is not None:
                d = abs(math.log(self._rsb_om[j] / omega))
                if d < dist:
                    warm, dist = self._rsb[j][1], d
        r, token = solve_rsb_warm(self.proto.with_omega(omega).hard(), *self.model, warm=warm)
        self.n_rsb += 1
        self._rsb_om.insert(i, omega)
        self._rsb.insert(i, (r, token))
        return r

    def _solve(self, omega, start):
        r = super()._solve(omega, start)
        if self.theory == "auto" and (not r.converged or r.at < 1.0):
            return r
        p = self._rsb_at(float(omega))
        ok = bool(r.converged and p.converged)
        return dataclasses.replace(r, eg=p.eg if ok else math.nan, converged=ok,
                                   status=r.status if ok else p.status)
