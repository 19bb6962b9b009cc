r"""The generalized STE model of THEORY section 9b: input quantizer, start law, teacher law.

Inputs ``x_i ~ N(0, 1)`` enter the student through an input quantizer ``psi`` (the identity when
inputs are not quantized) and every dot product carries ``1/sqrt(d)``::

    y = (1/sqrt d) sum_i w*_i x_i + e,      y_hat = (1/sqrt d) sum_i phi(w_i) psi(x_i),
    w_i <- w_i + (eta / sqrt d) (y - y_hat) psi(x_i).

With ``psi`` the identity this is the model of section 9 (``x_i / sqrt(d)`` there is ``x_i`` here).
In the mean field the input quantizer enters only through two numbers (x ~ N(0, 1))::

    c1 = E[x psi(x)],      c2 = E[psi(x)^2],

computed here exactly as sums of Gaussian interval moments over the bins of ``psi``
(:func:`fastq.gauss._interval`; no quadrature).  The teacher is ``w*_i ~ N(0, rho)`` or the
constant ``w*_i = c``; the latent weights start at 0 or at ``w_i ~ N(0, s0^2)``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ..gauss import _interval
from ..quantizers import Quantizer


def input_moments(input_quantizer=None) -> tuple[float, float]:
    """``(c1, c2) = (E[x psi(x)], E[psi(x)^2])`` for ``x ~ N(0, 1)``; ``(1.0, 1.0)`` for ``None``
    (unquantized inputs).  Exact: ``sum_k d_k int_bin_k x Dx`` and ``sum_k d_k^2 int_bin_k Dx``.
    """
    if input_quantizer is None:
        return 1.0, 1.0
    q = _check_input_quantizer(input_quantizer)
    edges = np.concatenate([[-np.inf], q.thresholds, [np.inf]])
    c1 = 0.0
    c2 = 0.0
    for k, lv in enumerate(q.levels):
        p, d, _ = _interval(float(edges[k]), float(edges[k + 1]))
        c1 += float(lv) * d
        c2 += float(lv) * float(lv) * p
    return c1, c2


def _check_input_quantizer(q) -> Quantizer:
    if not isinstance(q, Quantizer):
        raise V.FastqInputError(f"input_quantizer must be a fastq.Quantizer or None (got {type(q).__name__})")
    if q.edge_width != 0.0:
        raise V.FastqInputError(f"input_quantizer.edge_width must be 0 (got {q.edge_width!r}; pass .hard())")
    return q


@dataclass(frozen=True)
class STEModel:
    """Validated description of the data and the start (internal; built by :func:`_model`).

    c1, c2 : input moments;  psi : the input quantizer or None;  init_std : s0 (0 = start at 0);
    teacher_value : None (Gaussian teacher N(0, rho)) or the constant c;  rho : teacher variance.
    """

    c1: float
    c2: float
    psi: Quantizer | None
    init_std: float
    teacher_value: float | None
    rho: float

    @property
    def identity(self) -> bool:
        """True when inputs are not quantized (section 9's model)."""
        return self.psi is None

    @property
    def ratio(self) -> float:
        """``c1 / c2``: the factor that shrinks the effective target."""
        return self.c1 / self.c2

    @property
    def teacher_m2(self) -> float:
        """``E[w*^2]``."""
        return self.rho if self.teacher_value is None else self.teacher_value ** 2

    def to_dict(self) -> dict:
        """Parameters of the model, for result metadata."""
        return {"input_quantizer": None if self.psi is None else self.psi.to_dict(), "c1": self.c1,
                "c2": self.c2, "init_std": self.init_std,
                "teacher": "gaussian" if self.teacher_value is None else "constant",
                "teacher_value": self.teacher_value}

    def eg_float_weights(self, eta: float, sigma: float) -> float:
        """Stationary Eg of the same data with *unquantized* weights (same inputs psi):
        ``(sigma^2 + E[w*^2] (1 - c1^2/c2)) / (2 - eta c2)``; ``inf`` when ``eta c2 >= 2``
        (the linear dynamics diverge).
        """
        if eta * self.c2 >= 2.0:
            return math.inf
        return (sigma * sigma + self.teacher_m2 * (1.0 - self.c1 * self.c1 / self.c2)) / (2.0 - eta * self.c2)


def _model(input_quantizer, init_std, teacher_value, rho) -> STEModel:
    """Validate the model options and compute ``c1, c2``."""
    psi = None if input_quantizer is None else _check_input_quantizer(input_quantizer)
    c1, c2 = input_moments(psi)
    s0 = V.nonnegative("init_std", init_std)
    if teacher_value is not None:
        teacher_value = V.in_range("teacher_value", teacher_value, -1e3, 1e3)
    return STEModel(c1, c2, psi, s0, teacher_value, rho)
