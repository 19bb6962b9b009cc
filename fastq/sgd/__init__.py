"""Quantized one-pass SGD in high-dimensional linear regression (THEORY section 10).

* :func:`sgd_risk` -- exact expected excess risk (bias, variance, deployed weights) at every step,
  from an O(d)-per-step recursion of the diagonal second moments;
* :func:`sgd_stability`, :func:`sgd_w_inf` -- largest stable step; fixed point of the mean;
* :func:`sgd_simulate` -- Monte Carlo of the same algorithm with the Gaussian noise models or with
  real INT / FP stochastic-rounding quantizers, parallel and resumable;
* :func:`quantizer_levels`, :func:`int_fp_equivalence` -- effective noise levels of the real
  quantizers and the INT / FP bit budgets of equal risk.

Settings are validated by :func:`make_setup` into an :class:`SGDSetup`; each target is a
:class:`QuantSpec` or a string ``"add:EPS"``, ``"mult:EPS"``, ``"int:BITS[:RANGE]"``,
``"fp:MANTISSA[:EXP_BITS]"``.  See docs/sgd.md.
"""
from .intfp import IntFpEquivalenceResult, QuantizerLevelsResult, int_fp_equivalence, quantizer_levels
from .recursion import SGDRiskResult, SGDStabilityResult, sgd_risk, sgd_stability, sgd_w_inf
from .simulation import SGDSimulationResult, sgd_simulate
from .spec import QuantSpec, SGDSetup, make_setup

__all__ = ["make_setup", "QuantSpec", "SGDSetup", "sgd_risk", "sgd_stability", "sgd_w_inf",
           "sgd_simulate", "SGDRiskResult", "SGDStabilityResult", "SGDSimulationResult",
           "quantizer_levels", "int_fp_equivalence", "QuantizerLevelsResult", "IntFpEquivalenceResult"]
