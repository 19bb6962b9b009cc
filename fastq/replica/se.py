r"""State evolution of AMP for quantized ridge regression (THEORY section 6).

.. math::

    V^{t+1} = \int Dz\, \frac{d\phi^*}{dx}(\xi^t z, \Lambda^t), \qquad
    E^{t+1} = \int Dz\, \phi^*(\xi^t z, \Lambda^t)^2 - 2\rho\frac{\alpha}{1+V^t} V^{t+1} + \rho,

    \xi^t = \frac{\sqrt{\alpha^2\rho + \alpha(\sigma^2 + E^t)}}{1+V^t}, \qquad
    \Lambda^t = \lambda + \frac{\alpha}{1+V^t},

with ``phi*(x, Lambda) = phi_eps(x / Lambda)``.  With ``V <-> chi`` and ``E <-> Q - 2m + rho``
(so ``Eg^t = (E^t + sigma^2) / 2``) one step is exactly one *undamped* application of the RS
map of :mod:`fastq.replica._map` (``xi = h``, ``Lambda = Theta``), so the kernel ``_se`` simply
iterates ``_rs_map`` and every integral is the exact piecewise-linear Gaussian moment of
:mod:`fastq.gauss`.  Its fixed point is the RS saddle point.

Default start: ``V^0 = 1, E^0 = rho + 1`` -- the macroscopic state of AMP's default
initialization (``mbar^0_i ~ N(0, 1)`` independent of the teacher, ``v^0_i = 1``), so that
``state_evolution`` and :func:`fastq.amp.amp` with default settings describe the same run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from .._jit import njit
from .._status import CONVERGED, DIVERGED, MAX_ITER, STATUS_NAMES
from ..quantizers import Quantizer
from ._layout import AT, CHI, EG, KAPPA, N_MAP
from ._map import _rs_map
from ._solver import _CHI_RUNAWAY


@dataclass(frozen=True)
class SEResult:
    """A state-evolution trajectory and where it ended.

    Attributes
    ----------
    V, E, eg : ndarray (iterations + 1,)
        ``V^t``, ``E^t`` and ``Eg^t = (E^t + sigma^2)/2`` for t = 0 (the start) .. iterations.
    chi : float
        Final ``V`` (the RS susceptibility at a fixed point).
    eg_final : float
        Final ``Eg`` (see also :attr:`eg` for the whole trajectory).
    at, kappa : float
        De Almeida-Thouless quantity and jump coefficient evaluated at the final state
        (``at < 1``: the fixed point is linearly stable, for SE and for AMP).
    converged : bool
    iterations : int
        Number of SE steps taken.
    status : "converged" | "max_iter" | "diverged"
    start : (V0, E0)
    edge_width : float
    """

    V: np.ndarray
    E: np.ndarray
    eg: np.ndarray
    chi: float
    eg_final: float
    at: float
    kappa: float
    converged: bool
    iterations: int
    status: str
    start: tuple
    edge_width: float

    @property
    def trajectory(self) -> dict:
        """The trajectory as lists ``t, V, E, eg`` (JSON-ready)."""
        return {"t": list(range(self.V.shape[0])), "V": self.V.tolist(), "E": self.E.tolist(),
                "eg": self.eg.tolist()}

    def to_dict(self) -> dict:
        """Fixed point (keys ``eg``, ``chi``) plus the trajectory."""
        return {"eg": self.eg_final, "chi": self.chi, "at": self.at, "kappa": self.kappa,
                "rs": bool(self.converged and self.at < 1.0), "converged": self.converged,
                "iterations": self.iterations, "status": self.status,
                "start": {"V": self.start[0], "E": self.start[1]},
                "edge_width": self.edge_width, "trajectory": self.trajectory}


@njit
def _se(breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho,
        v0, e0, t_max, tol, traj_v, traj_e):
    """Iterate the SE map ``t_max`` times at most; ``traj_v/traj_e`` (length t_max + 1) receive the
    trajectory.  Stops when ``|V' - V|`` and ``|E' - E|`` are both ``<= tol * max(1, |.|)``
    (tol = 0: run all t_max steps).  Returns ``(iterations, status, at, kappa)``.
    """
    buf = np.empty(N_MAP)
    v = v0
    e = e0
    traj_v[0] = v
    traj_e[0] = e
    status = MAX_ITER
    t = 0
    at = np.nan
    kappa = np.nan
    while t < t_max:
        eg = 0.5 * (e + sigma * sigma)
        _rs_map(v, eg, breaks, value, slope, centre, thresholds, jumps, eps, alpha, sigma, lam, rho, buf)
        vn = buf[CHI]
        en = 2.0 * buf[EG] - sigma * sigma  # E = Q - 2m + rho
        if not (math.isfinite(vn) and math.isfinite(en)) or vn > _CHI_RUNAWAY:
            status = DIVERGED
            break
        t += 1
        traj_v[t] = vn
        traj_e[t] = en
        at = buf[AT]
        kappa = buf[KAPPA]
        dv = abs(vn - v) / max(1.0, abs(v))
        de = abs(en - e) / max(1.0, abs(e))
        v = vn
        e = en
        if tol > 0.0 and dv <= tol and de <= tol:
            status = CONVERGED
            break
    if status != DIVERGED:
        # stability of the final state (map evaluated there)
        _rs_map(v, 0.5 * (e + sigma * sigma), breaks, value, slope, centre, thresholds, jumps, eps,
                alpha, sigma, lam, rho, buf)
        at = buf[AT]
        kappa = buf[KAPPA]
    return t, status, at, kappa


def state_evolution(quantizer: Quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
                    t_max: int = 1000, start: tuple[float, float] | None = None,
                    tol: float = 1e-13) -> SEResult:
    """State-evolution trajectory of AMP (kernel ``_se``, one undamped RS-map step per iteration).

    Parameters
    ----------
    quantizer : Quantizer
        Level set and edge width eps (``phi*(x, Lambda) = phi_eps(x / Lambda)``).
    alpha, sigma, lam, rho : float
        Model (alpha > 0, sigma >= 0, lam >= 0, rho > 0).
    t_max : int >= 1
        Maximum number of SE steps.
    start : (V0, E0), optional
        Initial state; default ``(1, rho + 1)``, the state of AMP's default start
        (``mbar^0 ~ N(0, 1)`` independent of the teacher, ``v^0 = 1``).  ``E0 = rho`` is the
        zero estimator (the start ``solve_rs`` uses by default).
    tol : float >= 0
        Stop when successive V and E differ by at most ``tol * max(1, |value|)``;
        0 runs exactly ``t_max`` steps.

    Returns
    -------
    SEResult
        Trajectory arrays ``V, E, eg`` and the final ``chi``, ``eg_final``, ``at``, ``status``.
        Being undamped, SE may oscillate or fail to converge where the RS fixed point is unstable
        (``at >= 1``); that is reported as status "max_iter", not hidden.
    """
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    t_max = V.integer("t_max", t_max, 1, 10_000_000)
    tol = V.in_range("tol", tol, 0.0, 1e-2)
    if start is None:
        v0, e0 = 1.0, rho + 1.0
    else:
        if len(start) != 2:
            raise V.FastqInputError("start must be a pair (V0, E0)")
        v0 = V.nonnegative("start V0", start[0])
        e0 = V.positive("start E0", start[1])
    breaks, value, slope, centre = quantizer.pieces
    tv = np.empty(t_max + 1)
    te = np.empty(t_max + 1)
    n, code, at, kappa = _se(breaks, value, slope, centre, quantizer.thresholds, quantizer.jumps, quantizer.edge_width,
        alpha, sigma, lam, rho, v0, e0, t_max, tol, tv, te)
    n = int(n)
    status = STATUS_NAMES[int(code)]
    tv = tv[: n + 1].copy()
    te = te[: n + 1].copy()
    return SEResult(V=tv, E=te, eg=0.5 * (te + sigma * sigma), chi=float(tv[-1]),
                    eg_final=float(0.5 * (te[-1] + sigma * sigma)), at=float(at),
                    kappa=float(kappa), converged=status == "converged", iterations=n,
                    status=status, start=(float(v0), float(e0)), edge_width=float(quantizer.edge_width))
