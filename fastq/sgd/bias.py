"""Mean iterate of SGD with a biased label quantizer (round-to-nearest, or clipping): closed form.

A label quantizer ``Q`` leaves an error ``e(y) = Q(y) - y`` that is a function of ``y``.  Given the
teacher, ``(x, y)`` is Gaussian with ``y ~ N(0, s^2)``, ``s^2 = sum_k lam_k w*_k^2 + sigma^2`` and
``E[x_i | y] = (lam_i w*_i / s^2) y``, so

    E[x_i e(y) | w*] = lam_i w*_i c(s),     c(s) = E[y Q(y)] / s^2 - 1,

one number per teacher (``c = 0`` for an unbiased quantizer inside its range).  With the data
unquantized or under a noise model (``A = E[x~^2]``, ``C = E[x~ x]``, both per coordinate) and the
other targets unbiased noise models, the mean error ``E[w_t - w* | w*] = delta_t w*`` obeys

    delta_{t+1} = (1 - gamma A) delta_t - gamma (A - C - lam c),       delta_0 = -1,

so ``w_inf = (C + lam c) / A w*``: with clean data ``(1 + c) w*``, a uniform rescaling of the
teacher that depends on its own label scale ``s``.  ``c(s)`` is an exact sum of Gaussian integrals
over the grid's pieces (the kernel of :mod:`fastq.sgd._quant_moments` with ``sigma = s``).  The
average over teachers (``c`` depends on all of ``w*``) is taken by Monte Carlo over ``teachers``
draws and reported with its standard error.  Reported per recorded step: the linear statistic
``E[(w_t - w*)^T H w*]`` (the simulation's ``cross_mean`` estimates the same number) and the bias
``E[1/2 (m_t - w*)^T H (m_t - w*)]`` of the mean iterate ``m_t``; and the ``T -> inf`` bias floor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from .spec import SGDSetup, record_steps

__all__ = ["label_bias_factor", "label_mean_iterate", "LabelMeanResult"]


def label_bias_factor(spec, scale, *, range_=None) -> np.ndarray:
    """``c(s) = E[y Q(y)] / s^2 - 1`` for ``y ~ N(0, s^2)``, each ``s`` in ``scale`` (exact).

    spec : a real quantizer (``int[-rtn]:BITS[:RANGE]``, ``fp[-rtn]:MANTISSA[:EXP_BITS]``);
    range_ : the INT range when the spec has none.
    """
    from ._quant_moments import CUT, _all_coords
    from .moments import _grid_points
    from .spec import parse_quant

    q = parse_quant("spec", spec)
    if q is None or q.is_noise_model:
        raise V.FastqInputError(f"spec must be a real quantizer (got {spec!r})")
    s = np.atleast_1d(np.asarray(scale, dtype=np.float64))
    if not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise V.FastqInputError("scale must be finite and > 0")
    R = None
    if q.family == "int":
        R = q.range if q.range is not None else V.positive("range_", range_)
    pts, starts = _grid_points(q, R, s, CUT)
    raw = np.empty((s.size, 5))
    _all_coords(s, pts, starts, 1 if q.nearest else 0, raw)
    return raw[:, 1] / (s * s) - 1.0


@dataclass(frozen=True)
class LabelMeanResult:
    """Mean iterate of SGD with a quantized label, averaged over teachers.

    steps : (n,) recorded steps; cross, cross_se : (n,) ``E[(w_t - w*)^T H w*]`` and its Monte
    Carlo (teacher) standard error; bias, bias_se : (n,) risk of the mean iterate;
    bias_inf, bias_inf_se : its ``T -> inf`` limit; c_mean, c_sd : mean and spread of ``c(s)``
    over teachers; c_typical : ``c`` at the typical label scale ``sqrt(E y^2)``;
    teachers : number of teacher draws; params : the setting.
    """

    steps: np.ndarray
    cross: np.ndarray
    cross_se: np.ndarray
    bias: np.ndarray
    bias_se: np.ndarray
    bias_inf: float
    bias_inf_se: float
    c_mean: float
    c_sd: float
    c_typical: float
    teachers: int
    params: dict = field(default_factory=dict)


def label_mean_iterate(setup: SGDSetup, *, checkpoints=20, teachers=200_000, seed=0) -> LabelMeanResult:
    """Closed-form mean iterate of SGD whose label quantizer is biased (see the module docstring).

    setup : an :class:`~fastq.sgd.spec.SGDSetup` whose label target is a real quantizer, the data
    unquantized or a noise model, the other targets noise models; checkpoints : as in
    :func:`~fastq.sgd.sgd_risk`; teachers : teacher draws for the average (>= 100); seed : int >= 0.
    """
    from .moments import setup_data_moments

    q = setup.quant.get("label")
    if q is None or q.is_noise_model:
        raise V.FastqInputError("label must be a real quantizer (int[-rtn]:..., fp[-rtn]:...) for label_mean_iterate")
    bad = [t for t, v in setup.quant.items() if t != "label" and not v.is_noise_model]
    if bad:
        raise V.FastqInputError(f"{bad[0]} must be unquantized or a noise model (add:/mult:) for label_mean_iterate")
    teachers = V.integer("teachers", teachers, 100, 100_000_000)
    seed = V.integer("seed", seed, 0)
    rec = record_steps(setup.steps, checkpoints)
    dm = setup_data_moments(setup)
    lam, A, C = setup.lam, dm.A, dm.C
    R = (q.range if q.range is not None else setup.default_range("label")) if q.family == "int" else None
    g = setup.gamma
    qt = np.power.outer(1.0 - g * A, rec.astype(float)).T          # (n, d): (1 - gamma A)^t
    alpha = -qt - (1.0 - qt) * (A - C) / A                          # delta = alpha + beta c
    beta = (1.0 - qt) * lam / A
    out = _teacher_average(setup, q, R, alpha, beta, teachers, seed)
    ms = {k: (v.mean(axis=0), v.std(axis=0, ddof=1) / math.sqrt(teachers)) for k, v in out.items()}
    c_typ = float(label_bias_factor(q, math.sqrt(setup.label_second_moment()), range_=R)[0])
    params = {**setup.to_dict(), "teachers": teachers, "teacher_seed": seed}
    return LabelMeanResult(rec, ms["cross"][0], ms["cross"][1], ms["bias"][0], ms["bias"][1],
                           float(ms["binf"][0]), float(ms["binf"][1]), float(ms["c"][0]),
                           float(out["c"].std(ddof=1)), c_typ, teachers, params)


def _teacher_average(setup, q, R, alpha, beta, teachers, seed):
    """Per teacher draw: the linear statistic and bias at each record and the bias floor, with
    ``delta = alpha + beta c(s)`` (rows of alpha, beta: the records); returns arrays per draw.
    """
    lam, pi = setup.lam, setup.pi
    a_inf, b_inf = _inf_parts(setup)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    chunk = max(1, min(teachers, int(2e7 // lam.size)))
    acc = {k: [] for k in ("cross", "bias", "binf", "c")}
    done = 0
    while done < teachers:
        n = min(chunk, teachers - done)
        w2 = rng.standard_normal((n, lam.size)) ** 2 * pi             # w*_i^2 per draw
        s = np.sqrt(w2 @ lam + setup.sigma ** 2)
        c = label_bias_factor(q, s, range_=R)
        lw = w2 * lam
        cross = lw @ alpha.T + c[:, None] * (lw @ beta.T)
        bias = 0.5 * (lw @ (alpha * alpha).T + 2 * c[:, None] * (lw @ (alpha * beta).T)
                      + (c * c)[:, None] * (lw @ (beta * beta).T))
        binf = 0.5 * (lw @ (a_inf * a_inf) + 2 * c * (lw @ (a_inf * b_inf)) + c * c * (lw @ (b_inf * b_inf)))
        for k, v in (("cross", cross), ("bias", bias), ("binf", binf), ("c", c)):
            acc[k].append(v)
        done += n
    return {k: np.concatenate(v) for k, v in acc.items()}


def _inf_parts(setup):
    """``(alpha, beta)`` of ``delta_inf = alpha + beta c``: ``-(A - C)/A`` and ``lam / A``."""
    from .moments import setup_data_moments

    dm = setup_data_moments(setup)
    return -(dm.A - dm.C) / dm.A, setup.lam / dm.A
