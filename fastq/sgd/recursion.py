"""Exact expected excess risk of quantized one-pass SGD (the single-instance API).

:func:`sgd_risk` validates the setting, builds the per-coordinate coefficients
(:func:`fastq.sgd.moments.recursion_coefficients`) and runs the kernel
``fastq.sgd._recursion_kernels._risk_recursion`` (O(d) per step).  :func:`sgd_stability` gives
the largest stable step, :func:`sgd_w_inf` the fixed point of the mean recursion.

Definitions (docs/sgd.md): ``R_t = E[1/2 (w_t - w*)^T H (w_t - w*)]`` averaged over the teacher,
the samples and every quantization noise; ``bias_t`` is the risk of the conditional mean
``E[w_t | w*]``, ``variance_t = R_t - bias_t`` the risk of the fluctuation around it; the deployed
risk is that of ``Q_p(w_t)`` (equal to ``R_t`` when the parameters are not quantized).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from .._status import STATUS_NAMES, status_name
from . import moments as MO
from .spec import MAX_RECURSION_WORK, SGDSetup, make_setup, record_steps

__all__ = ["sgd_risk", "sgd_stability", "sgd_w_inf", "SGDRiskResult", "SGDStabilityResult"]


@dataclass(frozen=True)
class SGDRiskResult:
    """Exact expected risk curve.

    steps : (n,) recorded steps; risk, bias, variance, risk_deployed : (n,) values there
    (+inf after a numerical blow-up); risk_inf, bias_inf, variance_inf : the T -> infinity limit
    (None when unstable); w_inf_factor : (d,) ``D`` with ``E[w_inf | w*] = D w*``;
    spectral_radius : of the second-moment map (< 1 iff stable); gamma_max : largest stable step;
    status : "converged" (all T steps computed and gamma < gamma_max) or "diverged" (gamma is at
    or beyond the stability limit, or the moments overflowed); converged : status == "converged";
    params : the setting (spectrum, teacher, B, gamma, T, sigma, targets).
    """

    steps: np.ndarray
    risk: np.ndarray
    bias: np.ndarray
    variance: np.ndarray
    risk_deployed: np.ndarray
    risk_inf: float | None
    bias_inf: float | None
    variance_inf: float | None
    w_inf_factor: np.ndarray
    spectral_radius: float
    gamma_max: float
    status: str
    converged: bool
    params: dict = field(default_factory=dict)

    @property
    def final(self) -> dict:
        """Values at the last recorded step."""
        return {"step": int(self.steps[-1]), "risk": float(self.risk[-1]), "bias": float(self.bias[-1]),
                "variance": float(self.variance[-1]), "risk_deployed": float(self.risk_deployed[-1])}

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"steps": self.steps, "risk": self.risk, "bias": self.bias, "variance": self.variance,
                "risk_deployed": self.risk_deployed, "risk_inf": self.risk_inf, "bias_inf": self.bias_inf,
                "variance_inf": self.variance_inf, "spectral_radius": self.spectral_radius,
                "gamma_max": self.gamma_max, "status": self.status, "converged": self.converged,
                "params": self.params}


@dataclass(frozen=True)
class SGDStabilityResult:
    """Stability of the second moments: ``stable`` iff ``gamma < gamma_max`` iff
    ``spectral_radius < 1``; ``trace_A = tr(E[x~ x~^T])`` (additive data noise adds ``d eps``).
    """

    gamma: float
    gamma_max: float
    spectral_radius: float
    stable: bool
    trace_A: float


def coef_moments(coef):
    """The two data moments :func:`fastq.sgd.moments.mean_factor` needs, from the coefficients."""
    from types import SimpleNamespace

    return SimpleNamespace(A=coef.A, C=coef.C)


def check_recursion_size(s: SGDSetup) -> None:
    """Refuse, before any work, a recursion longer than about 100 s of one core."""
    if float(s.dim) * s.steps > MAX_RECURSION_WORK:
        raise V.FastqInputError(f"dim * steps = {float(s.dim) * s.steps:.3g} exceeds the limit "
                                f"{MAX_RECURSION_WORK:.0e} (about 100 s of one core)")


def _setup(setup, kwargs) -> SGDSetup:
    if setup is None:
        return make_setup(**kwargs)
    if kwargs:
        raise V.FastqInputError(f"pass either setup or parameters, not both (got {sorted(kwargs)})")
    if not isinstance(setup, SGDSetup):
        raise V.FastqInputError(f"setup must be an SGDSetup from make_setup (got {type(setup).__name__})")
    return setup


def _require_noise_models(setup: SGDSetup):
    bad = [t for t, q in setup.quant.items() if not q.is_noise_model and t != "data"]
    if bad:
        raise V.FastqInputError(f"{bad[0]} uses a real quantizer ({setup.quant[bad[0]]}); the exact "
                                "recursion needs add:EPS or mult:EPS on every target but the data "
                                "(simulate real quantizers with sgd_simulate)")
    check_data_grid(setup)


def check_data_grid(setup: SGDSetup):
    """Refuse, before any work, a real data quantizer whose grid is too fine for the exact moments."""
    from .moments import MAX_POINTS, grid_size

    q = setup.quant.get("data")
    if q is None or q.is_noise_model:
        return
    R = q.range if q.range is not None else setup.default_range("data")
    sl = np.sqrt(setup.lam)
    n = grid_size(q, R, float(sl.max()), float(sl.min()))
    if n > MAX_POINTS:
        raise V.FastqInputError(f"data quantizer {q}: its grid has {n:.3g} points within the data's range, "
                                f"above the limit {MAX_POINTS:.0e} of the exact moments (use fewer bits)")


def sgd_risk(setup: SGDSetup | None = None, *, checkpoints=None, **params) -> SGDRiskResult:
    """Exact expected excess risk of quantized SGD at every step (kernel ``_risk_recursion``).

    Pass an :class:`~fastq.sgd.spec.SGDSetup` or the parameters of
    :func:`~fastq.sgd.spec.make_setup` (``dim, decay, teacher_decay, spectrum, teacher_var, batch,
    gamma, steps, sigma, data, label, param, activation, gradient``; targets as ``"add:EPS"`` or
    ``"mult:EPS"``).  ``checkpoints``: None (every step), a count, or a list of steps.
    Work ``d * T`` above 1e11 is refused.
    """
    from ._recursion_kernels import _risk_recursion

    s = _setup(setup, params)
    _require_noise_models(s)
    rec = record_steps(s.steps, checkpoints)
    check_recursion_size(s)
    coef = MO.recursion_coefficients(s)
    lam, pi = s.lam, s.pi
    E = pi.copy()                 # w_0 = 0: E[(w_0 - w*)^2] = pi
    dl = -np.ones_like(lam)       # E[w_0 - w* | w*] = -w*
    out = np.empty((rec.size, 4))
    code, _ = _risk_recursion(coef.aE, coef.ad, coef.a0, coef.h, coef.gE, coef.gd, coef.g0,
                              coef.q, coef.r, lam, lam * pi, E, dl, s.steps, rec, out)
    bad = ~np.all(np.isfinite(out), axis=1)
    if bad.any():  # overflow: every row from the first non-finite one on is +inf
        out[int(np.argmax(bad)):] = np.inf
    lsum, lpsum = float(lam.sum()), float(lam @ pi)
    risk, bias, var = 0.5 * out[:, 0], 0.5 * out[:, 1], 0.5 * out[:, 3]
    fin = np.isfinite(out[:, 0])
    dep = np.full(rec.size, np.inf)
    dep[fin] = 0.5 * (coef.rho_p * out[fin, 0] + 2 * coef.mu_p * out[fin, 2] + coef.mu_p * lpsum
                      + coef.e_pa * lsum)
    rad, gmax = MO.stability(coef, s.gamma)
    stable = rad < 1.0
    status = status_name(code) if stable else STATUS_NAMES[2]
    r_inf = b_inf = v_inf = None
    if stable:
        E_inf, d_inf = MO.stationary(coef, pi)
        r_inf, b_inf, v_inf, _ = MO.risk_parts(lam, pi, E_inf, d_inf, coef)
    D = MO.mean_factor(lam, None, 0.0, dm=coef_moments(coef))
    return SGDRiskResult(rec, risk, bias, var, dep, r_inf, b_inf, v_inf, D,
                         float(rad), float(gmax), status, status == "converged", s.to_dict())


def sgd_stability(setup: SGDSetup | None = None, **params) -> SGDStabilityResult:
    """Largest stable step ``gamma_max`` and the spectral radius at ``setup.gamma``
    (secular equations; no iteration of the recursion).
    """
    s = _setup(setup, params)
    _require_noise_models(s)
    coef = MO.recursion_coefficients(s)
    rad, gmax = MO.stability(coef, s.gamma)
    return SGDStabilityResult(s.gamma, float(gmax), float(rad), bool(rad < 1.0), float(coef.A.sum()))


def sgd_w_inf(spectrum, w_star=None, *, data=None) -> np.ndarray:
    """Fixed point of the mean recursion ``E[w_{t+1}|w*] = E[w_t|w*] - gamma (A E[w_t|w*] - H w*)``.

    Returns ``D`` (``w_inf = D w*``) or, when ``w_star`` is given, ``D * w_star``.  Only data
    quantization moves it: additive ``lam / (lam + eps)`` (spectral distortion), multiplicative
    ``1 / (1 + eps)`` (shape preserved); a real data quantizer (``int[-rtn]:``, ``fp[-rtn]:``,
    INT range default ``4 sqrt(max lam)``) ``E[x~ x] / E[x~^2]`` from its exact moments.  The other
    targets' noise models are unbiased and leave ``w_inf = w*`` (biased label quantizers: see
    :mod:`fastq.sgd.bias`).
    """
    from .spec import _array, parse_quant

    lam = _array("spectrum", spectrum, positive=True, max_len=10_000_000)
    q = parse_quant("data", data)
    if q is not None and not q.is_noise_model:
        s = make_setup(spectrum=lam, gamma=1.0, steps=0, data=q)
        check_data_grid(s)
        D = MO.mean_factor(lam, None, 0.0, dm=MO.setup_data_moments(s))
    else:
        D = MO.mean_factor(lam, None if q is None else q.kind, 0.0 if q is None else q.eps)
    if w_star is None:
        return D
    w = _array("w_star", np.abs(np.asarray(w_star, dtype=np.float64)), positive=False, max_len=lam.size)
    if w.size != lam.size:
        raise V.FastqInputError(f"w_star must have length {lam.size} (got {w.size})")
    return D * np.asarray(w_star, dtype=np.float64)
