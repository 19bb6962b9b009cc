"""Three quantized estimators of the solvable linear model, exactly (issue 14, item 1).

At one setting ``(quantizer, alpha, sigma, lam, rho)`` of the teacher-student model of
``docs/theory.md`` (rows of X with N(0, 1/N) entries, ``w0 ~ N(0, rho)``, ``y = X w0 + e``):

* **QAT** -- the quantized ERM of the paper: the RS saddle point with the edge-smoothed denoiser
  ``phi_eps(x / Theta)`` (``fastq.solve_rs``).  Its weights are ``phi_eps(x / Theta)`` with the
  effective field ``x = m_hat w0 + sqrt(chi_hat) z``.  ``eg_qat_rounded`` is the error of the
  same weights rounded to the levels (what one deploys), exact by the same integrals as PTQ.
* **PTQ** -- ridge then round: the ridge weights are ``x_r / Theta_r`` with the ridge's field
  ``x_r = m_hat_r w0 + sqrt(chi_hat_r) z`` (``fastq.ridge``), rounded by the hard quantizer.
  Because ``E[w0 | x_r] = (m_hat_r rho / h_r^2) x_r``,
  ``Eg_PTQ = (E phi(x_r/Theta_r)^2 - 2 (m_hat_r rho / h_r) E[z phi(h_r z/Theta_r)] + rho + sigma^2) / 2``,
  Gaussian integrals of a piecewise-constant function: exact with erf (``fastq.gauss``).
  It is one application of the QAT saddle-point map at the ridge fixed point.
* **noise model** (QGen's "quantization is additive noise"): the ridge weights plus noise
  independent of everything, with the variance of uniform rounding noise of the local bin width
  inside ``[-omega, omega]`` (``Delta^2 / 12``; for a uniform quantizer ``Delta = 2 omega / n_p``)
  and the clipping error outside::

      Eg_noise = Eg_ridge + 1/2 [ sum_k P(d_{k-1} < w_r < d_k) D_k^2 / 12
                                 + E (|w_r| - omega)^2 1{|w_r| > omega} ],   w_r ~ N(0, Q_ridge)

  (``Delta^2/24`` per weight in the uniform, unclipped case).

Training errors use the same 1/2 convention as Eg, ``Et = ||y - X w||^2 / (2M)``; in RS at
zero temperature ``Et = Eg / (1 + chi)^2`` for QAT and ridge (the mean squared residual is
``2 Eg / (1 + chi)^2``), checked against simulation in ``tests/qat``.  The noise model adds the
same amount to Et and Eg, so it predicts ``gap_noise_model = gap_ridge``.

Kernels: ``fastq.gauss._pl_moments`` (Gaussian moments), ``fastq.replica._solve`` via
``fastq.solve_rs``.  Public: :func:`compare`, :func:`rounded_eg`, :func:`noise_model_excess`,
:class:`CompareResult`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as V
from ..gauss import _pl_moments
from ..quantizers import Quantizer

#: the parameters of QAT's saddle-point solve passed on by :func:`compare`
_SOLVE_DEFAULTS = dict(tol=1e-12, max_iter=10_000)


@dataclass(frozen=True)
class CompareResult:
    """QAT, PTQ, ridge and the additive-noise model at one setting (see module docstring).

    Errors follow ``Eg = (||w0 - w||^2 / N + sigma^2) / 2`` and ``Et = ||y - X w||^2 / (2M)``.
    Fields depending on ridge are ``None`` when ridge has no finite solution (``lam = 0`` and
    ``alpha <= 1``); ``ridge_status`` then says ``"no_finite_solution"``.

    Attributes
    ----------
    eg_qat, et_qat, gap_qat : QAT (RS saddle point) generalization/training error and their gap
    eg_qat_rounded : Eg of the QAT weights rounded to the levels (hard quantizer)
    eg_ptq : ridge-then-round generalization error
    eg_ridge, et_ridge, gap_ridge : the full-precision reference
    eg_noise_model : QGen's additive-noise prediction; ``noise_rounding`` and ``noise_clipping``
        are its two terms (``eg_noise_model = eg_ridge + noise_rounding + noise_clipping``)
    gap_noise_model : equals gap_ridge (additive independent noise raises Et and Eg alike)
    rel_err_noise_ptq, rel_err_noise_qat : ``|eg_noise_model - eg_X| / eg_X``
    qat_gain : ``eg_ptq - eg_qat`` (> 0: QAT better); ``qat_gain_rel = qat_gain / eg_ptq``
    chi_qat, at, kappa, rs : QAT susceptibility, AT quantity, jump coefficient, and whether the
        RS solution is locally stable (``at < 1``) -- where the QAT numbers are exact
    converged, status : of QAT's saddle-point solve
    ridge_status : "closed_form" or "no_finite_solution"
    edge_width, min_step, ramps_overlap : eps of QAT's smoothed quantizer, the smallest level
        spacing, and whether eps exceeds it (then phi_eps has no flat plateaus left)
    """

    eg_qat: float
    et_qat: float
    gap_qat: float
    eg_qat_rounded: float
    eg_ptq: float | None
    eg_ridge: float | None
    et_ridge: float | None
    gap_ridge: float | None
    eg_noise_model: float | None
    noise_rounding: float | None
    noise_clipping: float | None
    gap_noise_model: float | None
    rel_err_noise_ptq: float | None
    rel_err_noise_qat: float | None
    qat_gain: float | None
    qat_gain_rel: float | None
    chi_qat: float
    at: float
    kappa: float
    rs: bool
    converged: bool
    status: str
    ridge_status: str
    edge_width: float
    min_step: float
    ramps_overlap: bool
    params: dict

    def to_dict(self) -> dict:
        """Plain dict; non-finite floats become ``None`` (JSON null)."""
        d = asdict(self)
        for k, v in d.items():
            if isinstance(v, float) and not math.isfinite(v):
                d[k] = None
        return d


# ----------------------------------------------------------------------------- exact pieces
def _scaled_moments(quantizer: Quantizer, h: float, theta: float):
    """Moments ``(int g, int g^2, int z g, int g'^2)`` of ``g(z) = phi_eps(h z / Theta)``
    under Dz, exactly (kernel ``fastq.gauss._pl_moments`` on the pieces of phi_eps).
    """
    breaks, value, slope, centre = quantizer.pieces
    sc = h / theta
    return _pl_moments(breaks / sc, value, slope * sc, centre / sc)


def rounded_eg(quantizer: Quantizer, mhat: float, chihat: float, theta: float, sigma: float,
               rho: float = 1.0) -> float:
    """Eg of the weights ``phi(x / Theta)`` with ``x = mhat w0 + sqrt(chihat) z`` (exact).

    ``phi`` is ``quantizer`` as given (pass ``quantizer.hard()`` for rounding to the levels).
    With ridge's ``(mhat, chihat, Theta)`` this is PTQ's Eg; with QAT's it is the Eg of the QAT
    weights after rounding.  Uses ``E[w0 | x] = (mhat rho / h^2) x``, ``h^2 = mhat^2 rho + chihat``.
    """
    h = math.sqrt(mhat * mhat * rho + chihat)
    _, i2, iz, _ = _scaled_moments(quantizer, h, theta)
    return 0.5 * (i2 - 2.0 * mhat * rho * iz / h + rho + sigma * sigma)


def noise_model_excess(quantizer: Quantizer, weight_std: float) -> tuple[float, float]:
    """The two terms QGen's noise model adds to Eg for weights ``w ~ N(0, weight_std^2)``.

    Returns ``(rounding, clipping)``: ``rounding = 1/2 sum_k P(d_{k-1} < w < d_k) D_k^2 / 12`` and
    ``clipping = 1/2 E (w - d_np)^2 1{w > d_np} + 1/2 E (d_0 - w)^2 1{w < d_0}`` (``|w| - omega``
    beyond ``+-omega`` for the paper's symmetric grids), both exact (``fastq.gauss._pl_moments``
    on a piecewise-linear function of z = w / weight_std).
    """
    s = V.positive("weight_std", weight_std)
    lv = quantizer.levels
    npc = lv.shape[0] - 1
    inner = lv / s
    breaks = np.concatenate([[-np.inf], inner, [np.inf]])
    value = np.zeros(npc + 2)
    slope = np.zeros(npc + 2)
    centre = np.zeros(npc + 2)
    value[1:-1] = np.diff(lv) / math.sqrt(12.0)
    _, gran, _, _ = _pl_moments(breaks, value, slope, centre)
    value[1:-1] = 0.0
    # the distance beyond the end levels d_0, d_np on the tails (|w| - omega for a symmetric set;
    # any sorted level set, e.g. an asymmetric format): -s (z - d_0/s) left, s (z - d_np/s) right
    slope[0], centre[0] = -s, lv[0] / s
    slope[-1], centre[-1] = s, lv[-1] / s
    _, clip, _, _ = _pl_moments(breaks, value, slope, centre)
    return 0.5 * gran, 0.5 * clip


def _min_step(quantizer: Quantizer) -> float:
    return float(np.min(np.diff(quantizer.levels)))


# ----------------------------------------------------------------------------- public API
def compare(quantizer: Quantizer, alpha: float, sigma: float, lam: float, rho: float = 1.0, *,
            start: tuple[float, float] | None = None, tol: float = 1e-12,
            max_iter: int = 10_000) -> CompareResult:
    """QAT vs PTQ vs ridge vs QGen's additive-noise model at one setting, exactly.

    Parameters
    ----------
    quantizer : Quantizer
        Levels and edge width eps of QAT's smoothed quantizer (``phi_eps``); PTQ and the
        rounded QAT weights use the same levels with hard rounding.
    alpha : float > 0 (M / N);  sigma : float >= 0 (noise std);  lam : float >= 0 (penalty on
        the weights used by all estimators);  rho : float > 0 (teacher variance)
    start, tol, max_iter : passed to ``fastq.solve_rs`` for QAT (default uninformed start)

    Returns
    -------
    CompareResult
        Check ``converged``: QAT's numbers are the last iterate otherwise.  They are exact where
        ``rs`` is True; elsewhere they are the RS approximation.
    """
    from ..replica import NoFiniteSolution, ridge, solve_rs

    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    alpha, sigma, lam, rho = V.model(alpha, sigma, lam, rho)
    r = solve_rs(quantizer, alpha, sigma, lam, rho, start=start, tol=tol, max_iter=max_iter)
    opc = 1.0 + r.chi
    mhat = alpha / opc
    chihat = 2.0 * alpha * r.eg / (opc * opc)
    hard = quantizer.hard()
    eg_qat_rounded = rounded_eg(hard, mhat, chihat, r.theta, sigma, rho)
    et_qat = r.eg / (opc * opc)
    step = _min_step(quantizer)
    common = dict(eg_qat=r.eg, et_qat=et_qat, gap_qat=r.eg - et_qat, eg_qat_rounded=eg_qat_rounded,
                  chi_qat=r.chi, at=r.at, kappa=r.kappa, rs=r.rs, converged=r.converged,
                  status=r.status, edge_width=quantizer.edge_width, min_step=step,
                  ramps_overlap=bool(quantizer.edge_convention == "absolute"
                                     and quantizer.edge_width > step),
                  params={"quantizer": quantizer.to_dict(), "alpha": alpha, "sigma": sigma,
                          "lam": lam, "rho": rho})
    try:
        rr = ridge(alpha, sigma, lam, rho)
    except NoFiniteSolution:
        none = dict.fromkeys(("eg_ptq", "eg_ridge", "et_ridge", "gap_ridge", "eg_noise_model",
                              "noise_rounding", "noise_clipping", "gap_noise_model",
                              "rel_err_noise_ptq", "rel_err_noise_qat", "qat_gain", "qat_gain_rel"))
        return CompareResult(**common, **none, ridge_status="no_finite_solution")
    opc_r = 1.0 + rr.chi
    mhat_r = alpha / opc_r
    chihat_r = 2.0 * alpha * rr.eg / (opc_r * opc_r)
    eg_ptq = rounded_eg(hard, mhat_r, chihat_r, rr.theta, sigma, rho)
    et_ridge = rr.eg / (opc_r * opc_r)
    rounding, clipping = noise_model_excess(quantizer, rr.h / rr.theta)
    eg_noise = rr.eg + rounding + clipping
    return CompareResult(
        **common, eg_ptq=eg_ptq, eg_ridge=rr.eg, et_ridge=et_ridge, gap_ridge=rr.eg - et_ridge,
        eg_noise_model=eg_noise, noise_rounding=rounding, noise_clipping=clipping,
        gap_noise_model=rr.eg - et_ridge,
        rel_err_noise_ptq=abs(eg_noise - eg_ptq) / eg_ptq,
        rel_err_noise_qat=abs(eg_noise - r.eg) / r.eg,
        qat_gain=eg_ptq - r.eg, qat_gain_rel=(eg_ptq - r.eg) / eg_ptq,
        ridge_status="closed_form")
