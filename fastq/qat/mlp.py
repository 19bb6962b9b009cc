"""Small fully connected networks trained with quantized weights (STE), single-model API.

A network is described by :class:`MLPSpec` (widths, weight bits, optional activation bits) and
lives in one flat float64 vector ``theta`` (layout in :mod:`fastq.qat._mlp_kernels`).  The
public functions validate their inputs and call the kernels named in their docstrings:

* :func:`init_params` -- He-normal weights ``N(0, 2 / d_in)``, zero biases, from a seed;
* :func:`quantize_params` -- per-layer uniform weight quantizer (kernel ``_quantize``);
* :func:`loss_and_grad`, :func:`hessian_vector_product`, :func:`evaluate` -- mean
  cross-entropy, its gradient, exact Hessian-vector products (Pearlmutter's R-operator),
  loss and accuracy (kernels ``_loss_grad``, ``_hvp``, ``_evaluate``);
* :func:`train` -- SGD with momentum and the straight-through estimator (kernel ``_train``).

**Weight quantizer.**  b bits give ``2^b - 1`` symmetric levels (``n_half = 2^(b-1) - 1`` steps
per side, zero included; fastq's convention ``n_p = 2^b - 2``).  The range of layer l is
``omega_l = c_b * rms(W_l)``, recomputed at every step from the latent weights, with ``c_b`` the
clipping multiplier that minimizes the mean squared rounding error of a standard Gaussian
(:func:`weight_clip_multiplier`, exact by ``fastq.gauss``).  The STE passes the gradient to
latent weights inside ``[-omega_l, omega_l]`` and blocks it outside (clipped STE).

Random draws: ``train(..., seed)`` splits ``seed`` into two children (initialization, then the
per-epoch permutations ``order[e] = rng.permutation(n_train)``), so a run is reproducible and
independent of where it runs.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from . import _mlp_curvature as C2
from . import _mlp_kernels as K

#: largest width / depth / parameter count accepted for one network
MAX_WIDTH = 4096
MAX_HIDDEN_LAYERS = 4
MAX_PARAMS = 5_000_000
#: supported weight/activation bit widths (None = full precision)
MAX_BITS = 16
#: chunk of samples per kernel call when evaluating a whole data set
EVAL_CHUNK = 256


@functools.cache
def weight_clip_multiplier(bits: int) -> float:
    """``c_b``: the ``omega / rms`` minimizing ``E (z - q(z))^2`` for ``z ~ N(0, 1)`` and the
    uniform quantizer with ``2^b - 1`` levels on ``[-omega, omega]`` (exact Gaussian integrals,
    bounded scalar minimization to 1e-10).
    """
    from scipy.optimize import minimize_scalar

    from ..gauss import gaussian_moments
    from ..quantizers import Quantizer

    b = V.integer("bits", bits, 2, MAX_BITS)

    def mse(omega):
        q = Quantizer.uniform(2**b - 2, omega)
        br, val, sl, ce = q.pieces
        m = gaussian_moments(br, val, sl, ce)
        return 1.0 - 2.0 * m.z_moment + m.second

    hi = 2.0 + 0.75 * b
    r = minimize_scalar(mse, bounds=(0.1, hi), method="bounded", options={"xatol": 1e-10})
    return float(r.x)


@dataclass(frozen=True)
class MLPSpec:
    """Architecture and quantization of a network.

    Attributes
    ----------
    dims : (d_0, d_1, ..., d_L) input width, hidden widths, classes (1 to 4 hidden layers)
    bits : weight bits in 2..16, or None for full precision
    act_bits : hidden-activation bits (None = no activation quantization); activations are then
        clipped to ``[0, act_clip]`` and rounded to ``2^act_bits - 1`` steps
    act_clip : activation range (> 0), used only with act_bits
    clip_mult : weight range ``omega_l / rms(W_l)``; None = :func:`weight_clip_multiplier`
    """

    dims: tuple
    bits: int | None = None
    act_bits: int | None = None
    act_clip: float = 4.0
    clip_mult: float | None = None

    def __post_init__(self):
        dims = tuple(V.integer("dims", d, 1, MAX_WIDTH) for d in self.dims)
        if not 3 <= len(dims) <= MAX_HIDDEN_LAYERS + 2:
            raise V.FastqInputError(f"dims must hold input, 1 to {MAX_HIDDEN_LAYERS} hidden widths and "
                                    f"the number of classes (got {len(dims)} entries)")
        if dims[-1] < 2:
            raise V.FastqInputError(f"the number of classes (last of dims) must be >= 2 (got {dims[-1]})")
        object.__setattr__(self, "dims", dims)
        if self.bits is not None:
            object.__setattr__(self, "bits", V.integer("bits", self.bits, 2, MAX_BITS))
        if self.act_bits is not None:
            object.__setattr__(self, "act_bits", V.integer("act_bits", self.act_bits, 1, MAX_BITS))
        object.__setattr__(self, "act_clip", V.positive("act_clip", self.act_clip))
        if self.clip_mult is not None:
            object.__setattr__(self, "clip_mult", V.positive("clip_mult", self.clip_mult))
        if self.n_params > MAX_PARAMS:
            raise V.FastqInputError(f"network has {self.n_params} parameters; the limit is {MAX_PARAMS}")

    @property
    def dims_array(self) -> np.ndarray:
        """Layer widths as an int64 array (the kernels' layout)."""
        return np.asarray(self.dims, dtype=np.int64)

    @property
    def n_params(self) -> int:
        """Number of parameters (weights and biases) in the flat vector."""
        d = self.dims
        return int(sum(d[i] * d[i + 1] + d[i + 1] for i in range(len(d) - 1)))

    @property
    def n_half(self) -> int:
        """Quantizer steps per side (0 = full precision)."""
        return 0 if self.bits is None else 2 ** (self.bits - 1) - 1

    @property
    def a_levels(self) -> int:
        """Number of activation levels (0 without activation quantization)."""
        return 0 if self.act_bits is None else 2**self.act_bits - 1

    @property
    def clip(self) -> float:
        """Weight clipping multiplier of the quantizer (0 for full precision)."""
        if self.bits is None:
            return 0.0
        return self.clip_mult if self.clip_mult is not None else weight_clip_multiplier(self.bits)

    def layer_slices(self) -> list[tuple[slice, slice]]:
        """``(weights, bias)`` slices of theta for each layer."""
        w_off, b_off, _ = K._offsets(self.dims_array)
        d = self.dims
        return [(slice(int(w_off[l]), int(b_off[l])), slice(int(b_off[l]), int(b_off[l]) + d[l + 1]))
                for l in range(len(d) - 1)]

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"dims": list(self.dims), "bits": self.bits, "act_bits": self.act_bits,
                "act_clip": self.act_clip, "clip_mult": self.clip, "n_params": self.n_params}


class Workspace:
    """Buffers of the kernels for batches of at most ``cap`` samples (see ``_mlp_kernels``)."""

    def __init__(self, spec: MLPSpec, cap: int):
        d = spec.dims
        self.cap = int(cap)
        h = self.cap * sum(d[1:])
        w = self.cap * max(d[1:])
        self.zbuf, self.abuf, self.rz, self.ra = (np.zeros(h) for _ in range(4))
        self.d1, self.d2, self.r1, self.r2 = (np.zeros(w) for _ in range(4))


# ----------------------------------------------------------------------------- validation
def _check_training(spec: MLPSpec, X, y, epochs, batch, lr, momentum, weight_decay):
    """The data and the settings of one training run, checked (shared by QAT and its noise twin):
    epochs in [1, 10000], batch in [1, n], lr in (0, 10], momentum in [0, 1), weight_decay >= 0.
    """
    X, y = _check_data(spec, X, y)
    return (X, y, V.integer("epochs", epochs, 1, 10_000), V.integer("batch", batch, 1, X.shape[0]),
            V.in_range("lr", lr, 0.0, 10.0, lo_open=True), V.in_range("momentum", momentum, 0.0, 1.0, hi_open=True),
            V.nonnegative("weight_decay", weight_decay))


def _check_data(spec: MLPSpec, X, y):
    X = np.ascontiguousarray(V.float_array("X", X, finite=False))
    yf = V.float_array("y", y)
    if not np.all(yf == np.round(yf)):
        raise V.FastqInputError("labels y must be integers")
    y = np.ascontiguousarray(yf, dtype=np.int64)
    if X.ndim != 2 or X.shape[1] != spec.dims[0]:
        raise V.FastqInputError(f"X must have shape (n, {spec.dims[0]}) (got {X.shape})")
    if y.shape != (X.shape[0],):
        raise V.FastqInputError(f"y must have shape ({X.shape[0]},) (got {y.shape})")
    if X.shape[0] < 1:
        raise V.FastqInputError("X must hold at least one sample")
    if not np.all(np.isfinite(X)):
        raise V.FastqInputError("X must be finite")
    if y.min() < 0 or y.max() >= spec.dims[-1]:
        raise V.FastqInputError(f"labels y must be integers in [0, {spec.dims[-1] - 1}]")
    return X, y


def _check_theta(spec: MLPSpec, theta, name="theta"):
    t = np.ascontiguousarray(theta, dtype=np.float64)
    if t.shape != (spec.n_params,):
        raise V.FastqInputError(f"{name} must have shape ({spec.n_params},) (got {t.shape})")
    if not np.all(np.isfinite(t)):
        raise V.FastqInputError(f"{name} must be finite")
    return t


# ----------------------------------------------------------------------------- public API
def init_params(spec: MLPSpec, seed) -> np.ndarray:
    """He-normal initialization: ``W_l ~ N(0, 2 / d_l)`` (layer by layer, in layout order), zero
    biases; drawn from ``numpy.random.default_rng(seed)``.
    """
    from ..synthetic import as_seed_sequence

    rng = np.random.default_rng(as_seed_sequence(seed))
    theta = np.zeros(spec.n_params)
    for l, (ws, _) in enumerate(spec.layer_slices()):
        din, dout = spec.dims[l], spec.dims[l + 1]
        theta[ws] = (rng.standard_normal((din, dout)) * math.sqrt(2.0 / din)).ravel()
    return theta


def quantize_params(spec: MLPSpec, theta):
    """``(theta_q, mask, steps)``: quantized weights (biases unchanged), the STE pass-through
    mask and each layer's step (kernel ``_quantize``).  Full precision returns a copy, ones, zeros.
    """
    t = _check_theta(spec, theta)
    q = np.empty_like(t)
    mask = np.empty_like(t)
    steps = np.empty(len(spec.dims) - 1)
    K._quantize(t, spec.dims_array, spec.n_half, spec.clip, q, mask, steps)
    return q, mask, steps


def loss_and_grad(spec: MLPSpec, theta, X, y):
    """Mean cross-entropy over (X, y) at ``theta`` as given (no weight quantization applied) and
    its gradient; activation rounding, if any, is passed straight through (kernel ``_loss_grad``).
    """
    t = _check_theta(spec, theta)
    X, y = _check_data(spec, X, y)
    n = X.shape[0]
    ws = Workspace(spec, n)
    g = np.empty_like(t)
    idx = np.arange(n, dtype=np.int64)
    loss = K._loss_grad(t, spec.dims_array, X, y, idx, n, spec.a_levels, spec.act_clip,
                        ws.zbuf, ws.abuf, ws.d1, ws.d2, n, g)
    return float(loss), g


def hessian_vector_product(spec: MLPSpec, theta, v, X, y, *, workspace: Workspace | None = None):
    """Exact ``H v`` of the mean cross-entropy over (X, y) at theta (kernel ``_hvp``).

    With activation quantization the Hessian is that of the STE surrogate (activations clipped,
    not rounded): the rounded network's loss is piecewise constant in the weights.
    """
    t = _check_theta(spec, theta)
    v = _check_theta(spec, v, "v")
    X, y = _check_data(spec, X, y)
    ws = workspace or Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    out = np.empty_like(t)
    C2._hvp(t, v, spec.dims_array, X, y, np.arange(X.shape[0], dtype=np.int64), spec.a_levels,
           spec.act_clip, ws.zbuf, ws.abuf, ws.rz, ws.ra, ws.d1, ws.d2, ws.r1, ws.r2, ws.cap, out)
    return out


def evaluate(spec: MLPSpec, theta, X, y) -> tuple[float, float]:
    """``(mean cross-entropy, accuracy)`` of the network with parameters theta as given
    (kernel ``_evaluate``).
    """
    t = _check_theta(spec, theta)
    X, y = _check_data(spec, X, y)
    ws = Workspace(spec, min(EVAL_CHUNK, X.shape[0]))
    loss, acc = K._evaluate(t, spec.dims_array, X, y, np.arange(X.shape[0], dtype=np.int64),
                            spec.a_levels, spec.act_clip, ws.zbuf, ws.abuf, ws.cap)
    return float(loss), float(acc)


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train`.

    Attributes
    ----------
    theta : latent (full-precision) parameters after training
    theta_q : deployed parameters (quantized weights; equal to theta for full precision)
    theta_init : initial parameters
    steps : quantizer step of each layer at the end (0 for full precision)
    epoch_loss : mean minibatch loss of each epoch
    converged, status : "converged" (all epochs ran with finite numbers) or "diverged"
    """

    theta: np.ndarray
    theta_q: np.ndarray
    theta_init: np.ndarray
    steps: np.ndarray
    epoch_loss: np.ndarray
    converged: bool
    status: str


def training_order(n_train: int, epochs: int, seed) -> np.ndarray:
    """``(epochs, n_train)`` int64: row e is ``rng.permutation(n_train)`` of ``default_rng(seed)``."""
    from ..synthetic import as_seed_sequence

    rng = np.random.default_rng(as_seed_sequence(seed))
    return np.stack([rng.permutation(n_train) for _ in range(epochs)]).astype(np.int64)


def train(spec: MLPSpec, X, y, *, epochs: int, batch: int, lr: float, momentum: float = 0.9,
          weight_decay: float = 0.0, seed, theta0=None) -> TrainResult:
    """Train with SGD + momentum and the straight-through estimator (kernel ``_train``).

    Parameters
    ----------
    spec : MLPSpec;  X : (n, d_0) inputs;  y : (n,) labels in ``[0, classes)``
    epochs : int in [1, 10000];  batch : int in [1, n]
    lr : learning rate (> 0, <= 10);  momentum : in [0, 1);  weight_decay : >= 0 (on all
        latent parameters)
    seed : int >= 0 or SeedSequence; children 0 and 1 give the initialization and the order
    theta0 : optional initial parameters (then child 0 is not used)
    """
    from ..synthetic import spawn_seeds

    X, y, epochs, batch, lr, momentum, weight_decay = _check_training(spec, X, y, epochs, batch, lr, momentum,
                                                                      weight_decay)
    s_init, s_order = spawn_seeds(seed, 2)
    theta = init_params(spec, s_init) if theta0 is None else _check_theta(spec, theta0, "theta0").copy()
    init = theta.copy()
    order = training_order(X.shape[0], epochs, s_order)
    ws = Workspace(spec, batch)
    vel = np.zeros_like(theta)
    tq = np.empty_like(theta)
    mask = np.empty_like(theta)
    steps = np.empty(len(spec.dims) - 1)
    grad = np.empty_like(theta)
    eloss = np.full(epochs, np.nan)
    code = K._train(theta, vel, spec.dims_array, X, y, order, batch, lr, momentum, weight_decay,
                    spec.n_half, spec.clip, spec.a_levels, spec.act_clip, tq, mask, steps,
                    ws.zbuf, ws.abuf, ws.d1, ws.d2, grad, eloss)
    status = "converged" if code == 0 else "diverged"
    return TrainResult(theta=theta, theta_q=tq, theta_init=init, steps=steps, epoch_loss=eloss,
                       converged=code == 0, status=status)
