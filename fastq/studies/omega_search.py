"""Machinery of the omega search: the objective ``Eg(omega)`` with a record of every RS solve,
bounded Brent refinement, bisection on the stability boundary ``at = 1``, input checks.

Used by :func:`fastq.studies.optimum.optimal_omega` (see its module for the method).
"""
from __future__ import annotations

import bisect
import math
from collections.abc import Mapping

import numpy as np

from .. import _validate as V
from ..formats import FORMATS
from ..quantizers import MAX_N_P_LOG, MAX_N_P_UNIFORM, SCHEMES, Quantizer, check_edge, n_p_from_bits
from ..replica import RSResult, default_start, solve_rs

#: Default search interval for omega, in units of the teacher scale sqrt(rho).
DEFAULT_OMEGA_RANGE = (0.01, 12.0)
#: Default number of coarse scan points (geometric spacing; ~7.8% steps on the default range).
DEFAULT_N_SCAN = 96
#: Two fixed points are "the same" when their Eg agree to this relative accuracy.
_SAME_FP_RTOL = 1e-7


def _spec(quantizer_spec, edge_width, edge_convention=None):
    """-> (scheme, n_p, edge_width, edge_convention, prototype).  Accepts a Quantizer (its omega
    is ignored; any level set: grid, format or custom) or a mapping ``{"scheme": ..., "n_p": ...}``
    / ``{"scheme": ..., "bits": ...}`` / ``{"scheme": FORMAT}``.  The convention is
    ``edge_convention`` if given, else the Quantizer's, else "absolute".  ``prototype`` is the
    family at omega = 1 (``prototype.with_omega(w)`` is its member at w).
    """
    conv = edge_convention
    if isinstance(quantizer_spec, Quantizer):
        conv = quantizer_spec.edge_convention if conv is None else conv
        scheme, n_p = quantizer_spec.scheme, quantizer_spec.n_p
        eps = quantizer_spec.edge_width if edge_width is None else edge_width
        proto = quantizer_spec
    elif isinstance(quantizer_spec, Mapping):
        keys = set(quantizer_spec)
        unknown = keys - {"scheme", "n_p", "bits"}
        if unknown:
            raise V.FastqInputError(f"quantizer_spec has unknown keys {sorted(unknown)}; "
                                    "use scheme and one of n_p, bits")
        scheme = quantizer_spec.get("scheme", "uniform")
        if scheme in FORMATS and not keys - {"scheme"}:
            proto = Quantizer.format(scheme, 1.0)
            scheme, n_p = proto.scheme, proto.n_p
        else:
            if scheme not in SCHEMES:
                raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)} or a format name "
                                        f"without n_p/bits (got {scheme!r})")
            if ("n_p" in keys) == ("bits" in keys):
                raise V.FastqInputError("quantizer_spec needs exactly one of n_p, bits")
            if "n_p" in keys:
                max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG
                n_p = V.integer("n_p", quantizer_spec["n_p"], 1, max_np)
            else:
                n_p = n_p_from_bits(quantizer_spec["bits"])
            proto = Quantizer(scheme, n_p, 1.0)
        if edge_width is None:
            from .. import defaults  # read at call time: the default may be retuned

            edge_width = defaults.DEFAULT_EDGE_WIDTH
        eps = edge_width
    else:
        raise V.FastqInputError("quantizer_spec must be a fastq.Quantizer (omega ignored) or a mapping "
                                f"with scheme and n_p or bits (got {type(quantizer_spec).__name__})")
    conv = "absolute" if conv is None else conv
    eps = check_edge(eps, conv)
    proto = proto.with_omega(1.0).with_edge_width(eps, conv)  # validates n_p, ramps
    return scheme, n_p, eps, conv, proto


def _omega_range(omega_range, rho):
    if omega_range is None:
        s = math.sqrt(rho)
        return DEFAULT_OMEGA_RANGE[0] * s, DEFAULT_OMEGA_RANGE[1] * s
    try:
        lo, hi = omega_range
    except (TypeError, ValueError):
        raise V.FastqInputError(f"omega_range must be a pair (lo, hi) (got {omega_range!r})") from None
    lo = V.positive("omega_range lo", lo)
    hi = V.positive("omega_range hi", hi)
    if not hi > lo * (1.0 + 1e-6):
        raise V.FastqInputError(f"omega_range must have lo < hi (got ({lo!r}, {hi!r}))")
    return lo, hi


class _Objective:
    """Eg(omega) for one quantizer family, with a record of every solve (for warm starts)."""

    def __init__(self, proto, alpha, sigma, lam, rho):
        self.proto = proto
        self.model = (alpha, sigma, lam, rho)
        self.cold = default_start(sigma, rho)
        self.n_solves = 0
        self.n_not_converged = 0
        self._om: list[float] = []  # sorted omegas solved canonically
        self._res: list[RSResult] = []
        self.coexisting: list[dict] = []

    def _solve(self, omega, start):
        self.n_solves += 1
        r = solve_rs(self.proto.with_omega(omega), *self.model, start=start)
        if not r.converged:
            self.n_not_converged += 1
        return r

    def _record(self, omega, r):
        i = bisect.bisect_left(self._om, omega)
        if i < len(self._om) and self._om[i] == omega:
            self._res[i] = r
        else:
            self._om.insert(i, omega)
            self._res.insert(i, r)

    def lookup(self, omega):
        i = bisect.bisect_left(self._om, omega)
        if i < len(self._om) and self._om[i] == omega:
            return self._res[i]
        return None

    def nearest_start(self, omega):
        """(chi, eg) of the converged solution nearest to omega in log scale, else the cold start."""
        i = bisect.bisect_left(self._om, omega)
        best, dist = None, math.inf
        for j in (i - 2, i - 1, i, i + 1):
            if 0 <= j < len(self._om) and self._res[j].converged:
                d = abs(math.log(self._om[j] / omega))
                if d < dist:
                    best, dist = self._res[j], d
        return (best.chi, best.eg) if best is not None else self.cold

    def dual(self, omega, warm):
        """Solve from ``warm`` and from the uninformed start; the uninformed one is canonical."""
        rc = self._solve(omega, None)
        rw = self._solve(omega, warm) if warm is not None else None
        r = rc
        if rw is not None and rw.converged:
            if not rc.converged:
                r = rw
            elif abs(rw.eg - rc.eg) > _SAME_FP_RTOL * max(abs(rc.eg), 1e-300):
                self.coexisting.append({"omega": omega, "eg": rc.eg, "eg_other": rw.eg})
        self._record(omega, r)
        return r

    def warm(self, omega):
        """Solve warm-started from the nearest solved omega (refinement evaluations)."""
        omega = float(omega)
        r = self.lookup(omega)
        if r is not None:
            return r
        r = self._solve(omega, self.nearest_start(omega))
        if not r.converged:
            r2 = self._solve(omega, None)
            if r2.converged:
                r = r2
        self._record(omega, r)
        return r

    def verify(self, omega):
        """Re-solve ``omega`` from the uninformed start; adopt it if it is another fixed point."""
        omega = float(omega)
        r = self.lookup(omega)
        rc = self._solve(omega, None)
        if rc.converged and (r is None or not r.converged
                             or abs(rc.eg - r.eg) > _SAME_FP_RTOL * max(abs(rc.eg), 1e-300)):
            if r is not None and r.converged:
                self.coexisting.append({"omega": omega, "eg": rc.eg, "eg_other": r.eg})
            self._record(omega, rc)
            return rc, False
        return (r if r is not None else rc), True

    def points(self, lo, hi):
        """All canonical solutions with lo <= omega <= hi."""
        i = bisect.bisect_left(self._om, lo)
        j = bisect.bisect_right(self._om, hi)
        return list(zip(self._om[i:j], self._res[i:j]))


def _eg(r):
    return r.eg if r.converged and math.isfinite(r.eg) else math.inf


def _is_stable(r):
    return bool(r.converged and r.at < 1.0)


def _brent(obj, lo, hi, rtol, stable_only):
    """Bounded Brent on [lo, hi]; returns the best (omega, result) among all evaluated points in
    the bracket (stable ones only if ``stable_only``).
    """
    from scipy.optimize import minimize_scalar

    big = [None]

    def f(w):
        r = obj.warm(w)
        v = _eg(r)
        if stable_only and not _is_stable(r):
            v = math.inf
        if not math.isfinite(v):
            # finite stand-in above every seen value keeps Brent's parabola arithmetic finite
            if big[0] is None:
                fin = [_eg(x) for _, x in obj.points(lo, hi) if math.isfinite(_eg(x))]
                big[0] = 10.0 * (max(fin) if fin else 1.0) + 1.0
            return big[0]
        return v

    # fminbound stops when the bracket half-width is below ~ 2 (sqrt(eps)|x| + xatol/3)
    minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": rtol * lo, "maxiter": 500})
    best = None
    for w, r in obj.points(lo, hi):
        if stable_only and not _is_stable(r):
            continue
        if math.isfinite(_eg(r)) and (best is None or _eg(r) < _eg(best[1])):
            best = (w, r)
    return best


def _stability_edge(obj, w_stable, w_unstable, rtol):
    """Bisection (in log omega) between a stable and an unstable omega; returns the stable end
    once the two are within ``rtol`` relative.
    """
    a, b = w_stable, w_unstable
    while abs(b - a) > rtol * min(a, b):
        mid = math.sqrt(a * b)
        if _is_stable(obj.warm(mid)):
            a = mid
        else:
            b = mid
    return a, obj.warm(a)


def _local_minima(vals):
    """Indices of local minima of a 1-D array (inf = excluded); plateaus give their first index."""
    n = len(vals)
    idx = []
    for k in range(n):
        v = vals[k]
        if not math.isfinite(v):
            continue
        left = vals[k - 1] if k > 0 else math.inf
        right = vals[k + 1] if k < n - 1 else math.inf
        if v < left and v <= right:
            idx.append(k)
    return idx


def _ramp_fraction(q: Quantizer) -> float:
    """Length of the union of the ramps ``[t_k - eps_k/2, t_k + eps_k/2]`` inside
    the span ``[d_0, d_np]`` of the levels (``[-omega, omega]`` for the paper's grids), divided by
    its length (``eps_k = r D_k`` under the per-jump convention).
    """
    if q.edge_width == 0.0:
        return 0.0
    half = 0.5 * q.ramp_widths
    lo_end, hi_end = float(q.levels[0]), float(q.levels[-1])
    a = np.clip(q.thresholds - half, lo_end, hi_end)
    b = np.clip(q.thresholds + half, lo_end, hi_end)
    total, end = 0.0, -math.inf
    for lo, hi in zip(a, b):  # thresholds are sorted, so are the ramps
        lo = max(lo, end)
        if hi > lo:
            total += hi - lo
            end = hi
    return float(min(1.0, total / (hi_end - lo_end)))
