"""The setting of one routed-training run, validated once: :class:`RoutingSetup`.

Models and rules (fastq's reading of THEORY section 12; see docs/routing.md):

* ``perceptron`` with rules ``hebb`` (real or quantized weights), ``perceptron`` (real weights)
  and ``clipped`` (the perceptron rule on hidden real states of quantized weights, ``bits >= 1``);
  teacher ``w0`` in {-1, +1}^N, label ``sign(w0 . x)``;
* ``committee`` (K hidden tanh units, second layer fixed at 1) and ``mlp`` (second layer trained
  too) with rule ``ste`` (online SGD on the squared loss; the straight-through estimator when
  quantized); teacher a committee of K sign units (``committee``: weights 1 on the hidden units,
  K odd; ``mlp``: Gaussian second-layer weights).

``bits``: 0 = real weights; 1 = binary weights {-omega, +omega} (the house quantizer with
``n_p = 1``); b >= 2 = the uniform quantizer :meth:`fastq.Quantizer.from_bits` with
``n_p = 2^b - 2`` levels intervals (fastq's convention ``b = log2(n_p + 2)``).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer

MODELS = ("perceptron", "committee", "mlp")
RULES = {"perceptron": ("hebb", "perceptron", "clipped", "sbpi"), "committee": ("ste",), "mlp": ("ste",)}
KERNELS = ("uniform", "ring", "gaussian")
INIT_MODES = ("shared", "independent")
DATASETS = ("teacher", "digits", "mnist1d")
#: digits: 8x8 images, the first DIGITS_TRAIN of a seeded shuffle train, the rest test
DIGITS_N = 64
DIGITS_TRAIN = 1297
#: mnist1d: 40-sample signals, the first MNIST1D_TRAIN of a seeded shuffle of the 5000 train
MNIST1D_N = 40
MNIST1D_TRAIN = 4000
#: input dimension and training rows of each real data set
REAL_DATA = {"digits": (DIGITS_N, DIGITS_TRAIN), "mnist1d": (MNIST1D_N, MNIST1D_TRAIN)}
MAX_COPIES = 64
MAX_N = 100_000
MAX_HIDDEN = 64
#: largest run: copies * steps * parameters (about 2 minutes at ~20 ns per element)
MAX_WORK = 5e9
#: largest training set, samples * N (finite mode; 8 bytes each, so 2 GiB)
MAX_TRAIN_ELEMENTS = 2.7e8
#: default learning rates per rule (eta per unit of alpha; the perceptron rules are scale-free on
#: real weights, the quantized ones are not)
DEFAULT_ETA = {"hebb": 1.0, "perceptron": 1.0, "clipped": 1.0, "sbpi": 1.0, "ste": 0.5}


@dataclass(frozen=True)
class RoutingSetup:
    """One routed-training setting (validated by :func:`make_routing_setup`).

    model, rule : see the module docstring; n : input dimension N; alphas : the recorded
    alpha = steps / N (increasing; steps = round(alpha N) per copy); copies : M; p : routing
    probability; kernel : "uniform" or "ring"; bits : 0 real, 1 binary, >= 2 b-bit uniform;
    omega : outermost level; eta : learning rate; gamma : elastic coupling (0 = none); init :
    standard deviation of the initial hidden states; hidden : K (committee / mlp); n_test : test
    samples for the vote (perceptron) and the test errors (committee / mlp); dataset : "teacher"
    (fresh Gaussian samples) or "digits" (networks only: scikit-learn's 8x8 digits, label +1 for
    digits 5-9 and -1 for 0-4, N = 64; each step draws a training image uniformly with replacement
    from 1297, the test error is on the other 500) or "mnist1d" (MNIST-1D made locally, N = 40, the
    same labels, 4000 training signals and 1000 test); epochs : None = online (fresh samples every
    step), else E passes over a finite training set of P = round(alpha N) samples shared by the
    copies (each alpha of ``alphas`` is then its own run, on the first P samples of one draw);
    width : of the circular-Gaussian kernel (in copies); init_mode : "shared" (every copy starts
    from copy 0's initial state) or "independent"; gamma_end : 0 = constant coupling ``gamma``,
    else the coupling rises geometrically from ``gamma`` to ``gamma_end`` along training (the
    robust-ensemble schedule); warmup : epochs of one common model before the copies split
    (finite mode, shared start); margin : the perceptron rules update when the stability
    ``y w . x / sqrt(N)`` is <= margin (0: on errors only); clip : > 0 bounds the hidden states
    to [-clip, clip] (0: unbounded); ps : SBPI's probability of a reinforcement step when
    ``0 < stability <= margin`` (rule ``sbpi``, finite training sets, quantized weights).
    """

    model: str
    rule: str
    n: int
    alphas: tuple
    copies: int
    p: float
    kernel: str
    bits: int
    omega: float
    eta: float
    gamma: float
    init: float
    hidden: int
    n_test: int
    dataset: str = "teacher"
    epochs: int | None = None
    width: float = 1.0
    init_mode: str = "shared"
    gamma_end: float = 0.0
    warmup: int = 0
    margin: float = 0.0
    clip: float = 0.0
    ps: float = 0.3

    @property
    def quantizer(self) -> Quantizer | None:
        """The hard quantizer of the weights (None for real weights)."""
        return routing_quantizer(self.bits, self.omega)

    @property
    def record_steps(self) -> np.ndarray:
        """Steps per copy at which errors are recorded."""
        return np.array([int(round(a * self.n)) for a in self.alphas], dtype=np.int64)

    @property
    def finite(self) -> bool:
        """True for a finite training set (``epochs`` given)."""
        return self.epochs is not None

    def n_train(self, alpha=None) -> int:
        """Training-set size P = round(alpha N) (the last alpha by default)."""
        return int(round((self.alphas[-1] if alpha is None else alpha) * self.n))

    @property
    def n_params(self) -> int:
        """Routed parameters per copy."""
        if self.model == "perceptron":
            return self.n
        return self.hidden * self.n + (self.hidden if self.model == "mlp" else 0)

    def to_dict(self) -> dict:
        """Plain dict of the setting."""
        d = asdict(self)
        d["alphas"] = list(self.alphas)
        return d

    def replace(self, **kw) -> RoutingSetup:
        """A validated copy with some fields changed."""
        d = self.to_dict()
        d.update(kw)
        return make_routing_setup(**d)


def routing_quantizer(bits, omega) -> Quantizer | None:
    """None (bits 0), binary {-omega, omega} (bits 1) or ``Quantizer.from_bits(bits, omega)``."""
    if bits == 0:
        return None
    if bits == 1:
        return Quantizer.uniform(1, omega)
    return Quantizer.from_bits(bits, omega)


def _require_sklearn():
    import importlib.util

    if importlib.util.find_spec("sklearn") is None:
        raise V.FastqInputError("dataset digits needs scikit-learn: pip install fastq[data] "
                                "(read from the installed package, never downloaded)")


def _choice(name, value, allowed):
    if value not in allowed:
        raise V.FastqInputError(f"{name} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def make_routing_setup(model="perceptron", rule=None, *, n=200, alphas=None, alpha=None, copies=4,
                       p=0.5, kernel="uniform", bits=0, omega=1.0, eta=None, gamma=0.0, init=None,
                       hidden=3, n_test=2000, dataset="teacher", epochs=None, width=1.0,
                       init_mode="shared", gamma_end=0.0, warmup=0, margin=0.0, clip=0.0,
                       ps=0.3) -> RoutingSetup:
    """Validate a routed-training setting (one line naming the parameter on bad input).

    ``alpha`` (the last recorded value) or ``alphas`` (all of them) must be given; ``rule``
    defaults to ``perceptron``/``clipped`` (real/quantized) for the perceptron and ``ste``
    for the networks; ``eta`` to :data:`DEFAULT_ETA`; ``init`` to 0 (perceptron) or 1 (networks,
    whose hidden units need distinct starts); ``epochs`` None (online) or an integer >= 1.
    """
    model = _choice("model", model, MODELS)
    bits = V.integer("bits", bits, 0, 8)
    if rule is None:
        rule = "ste" if model != "perceptron" else ("clipped" if bits else "perceptron")
    rule = _choice("rule", rule, RULES[model])
    if rule in ("clipped", "sbpi") and bits == 0:
        raise V.FastqInputError(f"bits must be >= 1 for the {rule} rule (got 0)")
    if rule == "perceptron" and bits != 0:
        raise V.FastqInputError(f"bits must be 0 for the perceptron rule; use rule clipped (got {bits})")
    n = V.integer("n", n, 2, MAX_N)
    if alphas is None:
        if alpha is None:
            raise V.FastqInputError("alpha must be given")
        alphas = (V.positive("alpha", alpha),)
    alphas = tuple(V.in_range("alpha", a, 0.0, 1e4, lo_open=True) for a in np.atleast_1d(alphas))
    steps = [int(round(a * n)) for a in alphas]
    if not alphas or steps[0] < 1 or any(b <= a for a, b in zip(steps, steps[1:])):
        raise V.FastqInputError(f"alpha must be increasing with alpha * n >= 1 (got {list(alphas)})")
    copies = V.integer("copies", copies, 1, MAX_COPIES)
    p = V.in_range("p", p, 0.0, 1.0)
    kernel = _choice("kernel", kernel, KERNELS)
    omega = V.positive("omega", omega)
    eta = V.positive("eta", DEFAULT_ETA[rule] if eta is None else eta)
    gamma = V.in_range("gamma", gamma, 0.0, 1.0)
    init = V.nonnegative("init", (0.0 if model == "perceptron" else 1.0) if init is None else init)
    hidden = V.integer("hidden", hidden, 1, MAX_HIDDEN)
    if model == "committee" and hidden % 2 == 0:
        raise V.FastqInputError(f"hidden must be odd for the committee machine (got {hidden})")
    n_test = V.integer("n_test", n_test, 10, 1_000_000)
    dataset = _choice("dataset", dataset, DATASETS)
    if dataset in REAL_DATA:
        if model == "perceptron":
            raise V.FastqInputError(f"dataset must be teacher for the perceptron (got {dataset!r})")
        if n != REAL_DATA[dataset][0]:
            raise V.FastqInputError(f"n must be {REAL_DATA[dataset][0]} for the {dataset} data set (got {n})")
        if dataset == "digits":
            _require_sklearn()
        else:
            from .._mnist1d import require_mnist1d

            require_mnist1d()
    if epochs is not None:
        epochs = V.integer("epochs", epochs, 1, 1_000_000)
    width = V.positive("width", width)
    init_mode = _choice("init_mode", init_mode, INIT_MODES)
    gamma_end = V.in_range("gamma_end", gamma_end, 0.0, 1.0)
    warmup = V.integer("warmup", warmup, 0, 1_000_000)
    if warmup and (epochs is None or init_mode != "shared"):
        raise V.FastqInputError("warmup needs a finite training set (epochs) and a shared start (init shared) "
                                f"(got warmup={warmup})")
    margin = V.nonnegative("margin", margin)
    clip = V.nonnegative("clip", clip)
    ps = V.in_range("ps", ps, 0.0, 1.0)
    if rule == "sbpi" and epochs is None:
        raise V.FastqInputError("rule sbpi needs a finite training set (epochs)")
    s = RoutingSetup(model, rule, n, alphas, copies, p, kernel, bits, omega, eta, gamma, init,
                     hidden if model != "perceptron" else 1, n_test, dataset, epochs, width, init_mode,
                     gamma_end, warmup, margin, clip, ps)
    if epochs is not None:
        _check_finite(s, steps[-1])
        work = float(copies) * (epochs + warmup) * sum(steps) * s.n_params
    else:
        work = float(copies) * steps[-1] * s.n_params
    if work > MAX_WORK:
        raise V.FastqInputError(f"copies * steps * parameters = {work:.3g} exceeds {MAX_WORK:.0e} "
                                f"(about {math.ceil(MAX_WORK * 2e-8 / 60)} minutes per run)")
    return s


def _check_finite(s: RoutingSetup, p_max: int) -> None:
    """Refuse a training set that does not fit memory (or the digits images)."""
    from ..limits import check_memory

    if s.dataset in REAL_DATA and p_max > REAL_DATA[s.dataset][1]:
        raise V.FastqInputError(f"alpha * n must be <= {REAL_DATA[s.dataset][1]} training rows for {s.dataset} "
                                f"with epochs (got {p_max} samples)")
    elements = float(p_max) * s.n
    check_memory(f"the training set (P = {p_max} samples of N = {s.n})", 8.0 * elements * 2)
    if elements > MAX_TRAIN_ELEMENTS:
        raise V.FastqInputError(f"P * N = {elements:.3g} exceeds {MAX_TRAIN_ELEMENTS:.3g} (training set of "
                                f"{p_max} samples of N = {s.n} above 2 GiB)")
