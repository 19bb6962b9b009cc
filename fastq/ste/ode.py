"""The small-learning-rate limit of STE training: :func:`ste_ode` (THEORY 9, 9b; seed: Ichikawa et al.).

The mean-field SDE ``dw = eta (c1 w* - c2 phi(w)) dtau + eta sqrt(2 c2 Eg) dB`` has drift of
order eta and diffusion of order eta^2 per unit tau.  In the time ``s = eta tau`` (steps x eta / N)
the noise has variance ``2 eta c2 Eg`` per unit s and vanishes as ``eta -> 0``: each latent weight
then follows the deterministic ODE

    dw/ds = c1 w* - c2 phi(w),

a constant-speed motion through each bin towards the target ``a = (c1/c2) w*``, ending on the
threshold between the two levels that bracket ``a`` (where it splits its time between them so
that the mean level is ``a``) or, for ``|a|`` beyond the outer level, drifting off on it.  The
averages over teachers and starts are exact sums over quadrature nodes (kernel
``_ode_kernel._ode_average``); ``Eg(s) = (E[w*^2] - 2 c1 m + c2 q + sigma^2) / 2``.

The limit is the seed paper's "deterministic ODE" in fastq's model: at finite eta the mean-field
law obeys a (deterministic) Fokker-Planck equation, :func:`fastq.ste_mean_field`, and its Eg
tends to this one as eta -> 0 at fixed s (checked in tests/ste/test_ste_ode.py).
"""
from __future__ import annotations

import numpy as np

from .. import _validate as V
from ._ode_kernel import _ode_average
from .model import _model
from .records import STETrajectoryResult, _check_quantizer, _check_times

#: nodes of the composite midpoint rule over a Gaussian teacher (zero start / Gaussian start), and
#: its half-width in standard deviations
DEFAULT_NODES = 200_000
DEFAULT_NODES_WITH_START = 20_000
NODE_WIDTH = 10.0
MAX_NODE_PAIRS = 20_000_000


def _gauss_nodes(std: float, n: int):
    """Composite midpoint nodes on ``[-10 std, 10 std]`` with normalized ``N(0, std^2)`` weights."""
    h = 2.0 * NODE_WIDTH * std / n
    x = -NODE_WIDTH * std + h * (np.arange(n) + 0.5)
    w = np.exp(-0.5 * (x / std) ** 2)
    return x, w / w.sum()


def ste_ode(quantizer, sigma, rho=1.0, *, s_max=10.0, ds=0.05, input_quantizer=None, init_std=0.0,
            teacher_value=None, nodes=None, start_nodes=400, instance=None) -> STETrajectoryResult:
    """Eg(s) of STE training in the limit eta -> 0 at fixed ``s = eta tau`` (see module docstring).

    Parameters
    ----------
    quantizer : Quantizer with ``edge_width = 0`` (the weights' levels)
    sigma : label noise (>= 0);  rho : teacher variance (> 0; Gaussian teacher)
    s_max, ds : horizon and recording step in ``s = eta tau``
    input_quantizer, init_std, teacher_value : as in :func:`fastq.ste_mean_field`
    nodes : midpoint nodes over a Gaussian teacher on ``[-10 sqrt(rho), 10 sqrt(rho)]`` (default
        200000 from a zero start, 20000 with a Gaussian start); a teacher whose crossing time is
        near a record time can sit in the wrong node, an error below ``h/2 x pdf x jump`` per crossing
        boundary (h the node spacing: < 5e-5 with the defaults at omega <= 3)
    start_nodes : midpoint nodes over a Gaussian start (``init_std > 0``); the node grid is the
        product of the two
    instance : optional pair ``(w_star, w_init)`` of equal-length arrays: the limit for this one
        instance (each coordinate its own ODE, equal weights), e.g. the teachers and start of a
        finite-N run; replaces the quadrature over the teacher and the start

    Returns
    -------
    STETrajectoryResult with ``method = "ode"``; its ``tau`` holds the times ``s`` (``info["time"]``
    says so), ``eg``, ``m``, ``q``, ``bin_fraction``; ``info["eg_end"]`` is the limit s -> infinity.
    """
    q = _check_quantizer(quantizer)
    sigma = V.nonnegative("sigma", sigma)
    rho = V.positive("rho", rho)
    model = _model(input_quantizer, init_std, teacher_value, rho)
    s_max, ds, n_rec = _check_times(s_max, ds)
    if nodes is None:
        nodes = DEFAULT_NODES_WITH_START if model.init_std > 0 else DEFAULT_NODES
    nodes = V.integer("nodes", nodes, 1, MAX_NODE_PAIRS)
    start_nodes = V.integer("start_nodes", start_nodes, 1, MAX_NODE_PAIRS)
    if instance is not None:
        WS, W0 = (np.ascontiguousarray(a, dtype=np.float64).ravel() for a in instance)
        if WS.shape != W0.shape or WS.size == 0 or WS.size > MAX_NODE_PAIRS or not (
                np.all(np.isfinite(WS)) and np.all(np.isfinite(W0))):
            raise V.FastqInputError("instance must be two finite arrays of the same length "
                                    f"(1 to {MAX_NODE_PAIRS}): teachers and starts")
        ws, wt = WS, np.full(WS.size, 1.0 / WS.size)
        WT = wt
    else:
        if teacher_value is None:
            ws, wt = _gauss_nodes(np.sqrt(rho), nodes)
        else:
            ws, wt = np.array([float(teacher_value)]), np.array([1.0])
        if model.init_std > 0:
            w0, w0t = _gauss_nodes(model.init_std, start_nodes)
        else:
            w0, w0t = np.zeros(1), np.ones(1)
        if ws.size * w0.size > MAX_NODE_PAIRS:
            raise V.FastqInputError(f"nodes x start_nodes = {ws.size * w0.size} exceeds the limit of {MAX_NODE_PAIRS}")
        WS, W0 = np.meshgrid(ws, w0, indexing="ij")
        WT = np.outer(wt, w0t)
    s = np.linspace(0.0, ds * (n_rec - 1), n_rec)
    s_all = np.append(s, 0.0)
    levels = np.ascontiguousarray(q.levels, dtype=np.float64)
    thresholds = np.ascontiguousarray(q.thresholds, dtype=np.float64)
    # the records, then s -> infinity (a time beyond every node's last event)
    s_all[-1] = 1e300
    m = np.zeros(n_rec + 2)
    qq = np.zeros(n_rec + 2)
    bins = np.zeros((n_rec + 2, levels.size))
    _ode_average(WS.ravel(), W0.ravel(), WT.ravel(), model.c1, model.c2, levels, thresholds, s_all, m, qq, bins)
    m, qq, bins = (np.cumsum(a, axis=0)[:-1] for a in (m, qq, bins))
    m2 = float(np.sum(wt * ws * ws))
    eg = 0.5 * (m2 - 2.0 * model.c1 * m + model.c2 * qq + sigma * sigma)
    info = {"time": "s = eta * tau (eta -> 0)", "nodes": int(WS.size),
            "eg_end": float(eg[-1]), "bin_fraction_end": bins[-1], "params": {**q.to_dict(), "sigma": sigma,
                                                                             "rho": rho, **model.to_dict()}}
    return STETrajectoryResult(method="ode", tau=s, eg=eg[:-1], m=m[:-1], q=qq[:-1], bin_fraction=bins[:-1],
                               info=info)
