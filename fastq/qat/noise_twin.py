"""The noise-injection control of the QAT study: the "noise twin" of a quantized network.

QGen explains the effect of quantization by modelling it as additive weight noise of the bin
width's variance.  The control that tests this trains the *same* network (same initialization,
same minibatch order, same learning rate) with rounding replaced by injected Gaussian noise:
at every step each weight of layer l gets ``e ~ N(0, Delta_l^2 / 12)``, with ``Delta_l`` the
step the quantized setting would use at that moment (``clip_mult * rms(W_l) / n_half``, from
the latent weights, exactly as :func:`fastq.qat.quantize_params`).  If quantization acts as
this noise, the QAT network's gap, test error and sharpness follow its twin's.

* :func:`inject_weight_noise` -- one perturbation (kernel ``_inject_noise``);
* :func:`train_noise_twin` -- training (kernel ``_noise_train``); the twin is deployed at its
  clean latent weights (the noise is a training device, as QGen's regularizer is).

Random draws: ``train_noise_twin(..., seed)`` uses children 0 and 1 of ``seed`` exactly as
:func:`fastq.qat.train` does (initialization, epoch order), so a twin and its QAT network start
from the same weights and see the same batches; child 2 drives the noise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from . import _noise_kernels as NK
from .mlp import MLPSpec, Workspace, _check_theta, _check_training, init_params, training_order


def _need_bits(spec: MLPSpec):
    if spec.bits is None:
        raise V.FastqInputError("the noise twin needs a quantized setting (bits in [2, 16]) to take "
                                "its bin width from (got full precision)")


def inject_weight_noise(spec: MLPSpec, theta, seed):
    """``(theta + e, steps)`` with ``e_k ~ N(0, Delta_l^2 / 12)`` on the weights of layer l and
    the biases unchanged; ``steps[l] = Delta_l`` equals the step of :func:`quantize_params`.
    Drawn from ``numpy.random.default_rng(seed)`` (kernel ``_inject_noise``).
    """
    from ..synthetic import as_seed_sequence

    _need_bits(spec)
    t = _check_theta(spec, theta)
    rng = np.random.default_rng(as_seed_sequence(seed))
    out = np.empty_like(t)
    steps = np.empty(len(spec.dims) - 1)
    NK._inject_noise(t, spec.dims_array, spec.n_half, spec.clip, rng, out, steps, np.zeros(4))
    return out, steps


@dataclass(frozen=True)
class NoiseTwinResult:
    """Outcome of :func:`train_noise_twin`.

    Attributes
    ----------
    theta : latent parameters after training (the deployed twin)
    theta_init : initial parameters
    steps : Delta_l of the last injection
    epoch_loss : mean (noisy) minibatch loss of each epoch
    injected_var, nominal_var : mean over all injected draws of e^2 and of Delta^2/12
    var_ratio, var_ratio_se : their ratio and its standard error ``sqrt(2 sum v^2) / sum v``
    draws : number of injected draws
    converged, status : "converged" or "diverged"
    """

    theta: np.ndarray
    theta_init: np.ndarray
    steps: np.ndarray
    epoch_loss: np.ndarray
    injected_var: float
    nominal_var: float
    var_ratio: float
    var_ratio_se: float
    draws: int
    converged: bool
    status: str


def train_noise_twin(spec: MLPSpec, X, y, *, epochs: int, batch: int, lr: float, momentum: float = 0.9,
                     weight_decay: float = 0.0, seed) -> NoiseTwinResult:
    """Train the noise twin of the quantized setting ``spec`` (kernel ``_noise_train``).

    Parameters are those of :func:`fastq.qat.train` (same ranges); ``spec.bits`` sets the bin
    widths of the noise and activation quantization, if any, is kept as in QAT.
    """
    from ..synthetic import spawn_seeds

    _need_bits(spec)
    X, y, epochs, batch, lr, momentum, weight_decay = _check_training(spec, X, y, epochs, batch, lr, momentum,
                                                                      weight_decay)
    s_init, s_order, s_noise = spawn_seeds(seed, 3)
    theta = init_params(spec, s_init)
    init = theta.copy()
    order = training_order(X.shape[0], epochs, s_order)
    rng = np.random.default_rng(s_noise)
    ws = Workspace(spec, batch)
    vel = np.zeros_like(theta)
    tn = np.empty_like(theta)
    steps = np.empty(len(spec.dims) - 1)
    acc = np.zeros(4)
    grad = np.empty_like(theta)
    eloss = np.full(epochs, np.nan)
    code = NK._noise_train(theta, vel, spec.dims_array, X, y, order, batch, lr, momentum, weight_decay,
                           spec.n_half, spec.clip, spec.a_levels, spec.act_clip, rng, tn, steps, acc,
                           ws.zbuf, ws.abuf, ws.d1, ws.d2, grad, eloss)
    draws = int(acc[3])
    ratio = acc[0] / acc[1] if acc[1] > 0 else float("nan")
    se = float(np.sqrt(2.0 * acc[2]) / acc[1]) if acc[1] > 0 else float("nan")
    return NoiseTwinResult(theta=theta, theta_init=init, steps=steps, epoch_loss=eloss,
                           injected_var=float(acc[0] / max(draws, 1)), nominal_var=float(acc[1] / max(draws, 1)),
                           var_ratio=float(ratio), var_ratio_se=se, draws=draws, converged=code == 0,
                           status="converged" if code == 0 else "diverged")
