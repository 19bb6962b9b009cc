"""What a quantized-SGD problem is: the quantizer of each target and the validated setting.

Two records, both immutable and validated on construction (one-line messages naming the
parameter and its range, raised before any work):

* :class:`QuantSpec` -- how one target (data, label, param, activation, gradient) is quantized:
  a noise model (``add:EPS``, ``mult:EPS``; the exact recursion applies) or a real quantizer
  (``int:BITS[:RANGE]``, ``fp:MANTISSA[:EXPONENT_BITS]``: stochastic rounding;
  ``int-rtn:...``, ``fp-rtn:...``: deterministic round-to-nearest on the same grids).  Real
  quantizers are simulated; on the data they also have an exact risk (per-coordinate moments).
* :class:`SGDSetup` -- spectrum, teacher variances, batch, step, horizon, label noise and the five
  targets; built by :func:`make_setup` from the paper's parameters.

Conventions (docs/sgd.md): ``H = diag(lam)``, ``lam_i = i**-decay`` unless an array is given;
teacher ``w*_i`` with ``E[w*_i^2] = pi_i = i**-teacher_decay`` unless an array is given; ``w_0 = 0``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V

TARGETS = ("data", "label", "param", "activation", "gradient")
KINDS = ("add", "mult", "int", "fp", "int-rtn", "fp-rtn")
#: kernel codes of the quantizer kinds (0 = target not quantized)
KIND_CODES = {"off": 0, "add": 1, "mult": 2, "int": 3, "fp": 4, "int-rtn": 5, "fp-rtn": 6}
SPEC_FORMS = "'add:EPS', 'mult:EPS', 'int[-rtn]:BITS[:RANGE]' or 'fp[-rtn]:MANTISSA[:EXP_BITS]'"

MAX_EPS = 1e4          # noise levels above this are refused (the iterate is pure noise long before)
MAX_DIM = 10_000_000   # recursion: a handful of length-d float64 arrays (< 1 GiB)
MAX_BATCH = 1_000_000
MAX_STEPS = 1_000_000_000
#: recursion work limit d * T (about a minute and a half of one core at ~1 ns per coordinate-step)
MAX_RECURSION_WORK = 1e11
#: largest number of recorded steps (each record holds 4 float64 values per step)
MAX_RECORDS = 10_000_000
#: default INT range: this many standard deviations of the target's scale at w = 0
DEFAULT_RANGE_SDS = 4.0


@dataclass(frozen=True)
class QuantSpec:
    """How one target is quantized.

    kind : "add" | "mult" (Gaussian noise models, level ``eps``) or "int" | "fp" (real quantizers,
        stochastic rounding) or "int-rtn" | "fp-rtn" (the same grids, round-to-nearest: ties away
        from zero, deterministic and biased)
    eps : noise level: additive ``Q(v) = v + N(0, eps)``, multiplicative ``Q(v) = v (1 + N(0, eps))``
    bits : INT-b: ``2**bits - 1`` symmetric levels ``k Delta``, ``|k| <= 2**(bits-1) - 1``
    range : INT clipping range R (``Delta = R / (2**(bits-1) - 1)``); None = the target's default
        (``DEFAULT_RANGE_SDS`` standard deviations of its scale at ``w = 0``, see docs/sgd.md)
    mantissa : FP mantissa bits m (spacing ``2**(E - m)`` in the binade ``[2**E, 2**(E+1))``)
    exponent_bits : FP exponent bits e (IEEE-like: ``E`` in ``[2 - 2**(e-1), 2**(e-1) - 1]``,
        subnormals below, overflow beyond ``(2 - 2**-m) 2**Emax`` clipped and counted)
    """

    kind: str
    eps: float = 0.0
    bits: int = 0
    range: float | None = None
    mantissa: int = 0
    exponent_bits: int = 8

    def __post_init__(self):
        if self.kind not in KINDS:
            raise V.FastqInputError(f"quantizer kind must be one of {', '.join(KINDS)} (got {self.kind!r})")
        if self.kind in ("add", "mult"):
            object.__setattr__(self, "eps", V.in_range("eps", self.eps, 0.0, MAX_EPS))
        elif self.family == "int":
            object.__setattr__(self, "bits", V.integer("bits", self.bits, 2, 32))
            if self.range is not None:
                object.__setattr__(self, "range", V.positive("range", self.range))
        else:
            object.__setattr__(self, "mantissa", V.integer("mantissa", self.mantissa, 0, 52))
            object.__setattr__(self, "exponent_bits", V.integer("exponent_bits", self.exponent_bits, 2, 11))

    # constructors -------------------------------------------------------------------------
    @classmethod
    def add(cls, eps):
        """An additive noise model of level ``eps``."""
        return cls("add", eps=eps)

    @classmethod
    def mult(cls, eps):
        """A multiplicative noise model of level ``eps``."""
        return cls("mult", eps=eps)

    @classmethod
    def int_(cls, bits, range=None):  # noqa: A002 - the paper's word
        """An INT quantizer of ``bits`` bits over ``[-range, range]`` (stochastic rounding)."""
        return cls("int", bits=bits, range=range)

    @classmethod
    def fp(cls, mantissa, exponent_bits=8):
        """A floating-point quantizer with ``mantissa`` bits (stochastic rounding)."""
        return cls("fp", mantissa=mantissa, exponent_bits=exponent_bits)

    @property
    def is_noise_model(self) -> bool:
        """True for the Gaussian noise models (additive, multiplicative)."""
        return self.kind in ("add", "mult")

    @property
    def family(self) -> str:
        """"add", "mult", "int" or "fp" (the grid; rounding aside)."""
        return self.kind.split("-")[0]

    @property
    def nearest(self) -> bool:
        """True for deterministic round-to-nearest (``int-rtn``, ``fp-rtn``)."""
        return self.kind.endswith("-rtn")

    @property
    def fp_limits(self):
        """(Emin, Emax, largest finite value) of the FP format."""
        bias = 2 ** (self.exponent_bits - 1) - 1
        emin, emax = 1 - bias, bias
        return emin, emax, (2.0 - 2.0 ** -self.mantissa) * 2.0 ** emax

    def grid_step(self, range_=None) -> float:
        """INT grid step ``Delta = R / (2**(bits-1) - 1)`` (R = ``range_`` if the spec has none)."""
        r = self.range if self.range is not None else range_
        return float(r) / (2 ** (self.bits - 1) - 1)

    def __str__(self):
        if self.kind in ("add", "mult"):
            return f"{self.kind}:{self.eps:g}"
        if self.family == "int":
            return f"{self.kind}:{self.bits}" + ("" if self.range is None else f":{self.range:g}")
        return f"{self.kind}:{self.mantissa}:{self.exponent_bits}"

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = {"kind": self.kind, "spec": str(self)}
        if self.kind in ("add", "mult"):
            d["eps"] = self.eps
        elif self.family == "int":
            d.update(bits=self.bits, range=self.range)
        else:
            d.update(mantissa=self.mantissa, exponent_bits=self.exponent_bits)
        return d


def parse_quant(name: str, value) -> QuantSpec | None:
    """``None`` | QuantSpec | ``"add:EPS"`` | ``"mult:EPS"`` | ``"int[-rtn]:BITS[:RANGE]"`` |
    ``"fp[-rtn]:MANTISSA[:EXPONENT_BITS]"`` | ``(kind, level)`` -> QuantSpec (errors name ``name``).
    """
    if value is None or isinstance(value, QuantSpec):
        return value
    if isinstance(value, (tuple, list)):
        parts = [str(v) for v in value]
    elif isinstance(value, str):
        parts = value.strip().split(":")
    else:
        raise V.FastqInputError(f"{name} must be {SPEC_FORMS} (got {value!r})")
    kind = parts[0].strip().lower()
    if kind in ("add", "mult") and len(parts) == 2:
        return QuantSpec(kind, eps=V.in_range(f"{name} eps", parts[1], 0.0, MAX_EPS))
    if kind in ("int", "int-rtn") and len(parts) in (2, 3):
        rng = None if len(parts) == 2 else V.positive(f"{name} range", parts[2])
        return QuantSpec(kind, bits=V.integer(f"{name} bits", parts[1], 2, 32), range=rng)
    if kind in ("fp", "fp-rtn") and len(parts) in (2, 3):
        e = 8 if len(parts) == 2 else V.integer(f"{name} exponent bits", parts[2], 2, 11)
        return QuantSpec(kind, mantissa=V.integer(f"{name} mantissa", parts[1], 0, 52), exponent_bits=e)
    raise V.FastqInputError(f"{name} must be {SPEC_FORMS} (got {value!r})")


def _array(name, values, *, positive: bool, max_len: int) -> np.ndarray:
    try:
        a = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise V.FastqInputError(f"{name} must be a 1-D array of real numbers") from None
    if a.ndim != 1 or a.size < 1 or a.size > max_len:
        raise V.FastqInputError(f"{name} must be a 1-D array of length 1..{max_len} (got shape {a.shape})")
    if not np.all(np.isfinite(a)):
        raise V.FastqInputError(f"{name} must be finite everywhere")
    if positive and not np.all(a > 0):
        raise V.FastqInputError(f"{name} must be > 0 everywhere (min {a.min():g})")
    if not positive and not np.all(a >= 0):
        raise V.FastqInputError(f"{name} must be >= 0 everywhere (min {a.min():g})")
    return a


@dataclass(frozen=True)
class SGDSetup:
    """A validated quantized-SGD problem (build it with :func:`make_setup`).

    lam : (d,) eigenvalues of H; pi : (d,) teacher variances E[w*_i^2]; batch B; gamma; steps T;
    sigma : label noise s.d.; quant : dict target -> QuantSpec (only quantized targets present);
    source : how lam/pi were given (decay exponents or "array"), for the record.
    """

    lam: np.ndarray
    pi: np.ndarray
    batch: int
    gamma: float
    steps: int
    sigma: float
    quant: dict = field(default_factory=dict)
    source: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        """Dimension d."""
        return int(self.lam.size)

    @property
    def noise_models_only(self) -> bool:
        """True when every quantized target uses a noise model."""
        return all(q.is_noise_model for q in self.quant.values())

    @property
    def has_exact_risk(self) -> bool:
        """True when the exact recursion applies: every target but the data uses a noise model
        (the data may use any quantizer: its per-coordinate moments are exact Gaussian integrals).
        """
        return all(q.is_noise_model for t, q in self.quant.items() if t != "data")

    def label_second_moment(self) -> float:
        """``E[y^2] = sum lam_i pi_i + sigma^2``."""
        return float(self.lam @ self.pi) + self.sigma ** 2

    def default_range(self, target: str) -> float:
        """INT range used when a spec gives none: ``DEFAULT_RANGE_SDS`` standard deviations of the
        target's scale at ``w = 0`` (data: sqrt(max lam); label, activation: sqrt(E y^2);
        param: sqrt(max pi); gradient: sqrt(max E[x_i^2 y^2])).
        """
        y2 = self.label_second_moment()
        scale = {"data": float(self.lam.max()), "label": y2, "activation": y2,
                 "param": float(self.pi.max()) if self.pi.max() > 0 else 1.0,
                 "gradient": float(np.max(self.lam * y2 + 2.0 * self.lam ** 2 * self.pi))}[target]
        return DEFAULT_RANGE_SDS * math.sqrt(scale)

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = {"dim": self.dim, "batch": self.batch, "gamma": self.gamma, "steps": self.steps,
             "sigma": self.sigma}
        d.update(self.source)
        d["quant"] = {t: self.quant[t].to_dict() for t in TARGETS if t in self.quant}
        for t, q in self.quant.items():
            if q.family == "int":
                d["quant"][t]["range_used"] = q.range if q.range is not None else self.default_range(t)
        if self.source.get("spectrum") == "array":
            d["lam"] = self.lam
        if self.source.get("teacher") == "array":
            d["pi"] = self.pi
        return d


def make_setup(dim=None, *, decay=2.0, teacher_decay=0.0, spectrum=None, teacher_var=None,
               batch=1, gamma, steps, sigma=0.0, data=None, label=None, param=None,
               activation=None, gradient=None) -> SGDSetup:
    """Validate the paper's parameters into an :class:`SGDSetup` (nothing is computed here).

    dim : int in [1, 1e7] (optional when ``spectrum`` is given; must then match its length)
    decay : a >= 0, ``lam_i = i**-a`` (ignored when ``spectrum`` is given)
    teacher_decay : p in [-10, 50], ``pi_i = i**-p`` (ignored when ``teacher_var`` is given)
    spectrum : (d,) eigenvalues of H, all > 0;  teacher_var : (d,) teacher variances, all >= 0
    batch : int in [1, 1e6];  gamma : step > 0;  steps : T in [0, 1e9];  sigma : >= 0
    data, label, param, activation, gradient : None (not quantized) or a QuantSpec / string
    """
    source = {}
    if spectrum is not None:
        lam = _array("spectrum", spectrum, positive=True, max_len=MAX_DIM)
        if dim is not None and V.integer("dim", dim, 1, MAX_DIM) != lam.size:
            raise V.FastqInputError(f"dim must equal len(spectrum) = {lam.size} (got {dim})")
        source["spectrum"] = "array"
    else:
        if dim is None:
            raise V.FastqInputError("dim is required (an integer in [1, 10000000]) unless spectrum is given")
        d = V.integer("dim", dim, 1, MAX_DIM)
        a = V.in_range("decay", decay, 0.0, 50.0)
        lam = np.arange(1, d + 1, dtype=np.float64) ** -a
        if not np.all(lam > 0):
            raise V.FastqInputError(f"decay={a:g} underflows lam_d = d**-decay to 0 at dim={d}; use a smaller decay")
        source.update(spectrum="power", decay=a)
    d = lam.size
    if teacher_var is not None:
        pi = _array("teacher_var", teacher_var, positive=False, max_len=MAX_DIM)
        if pi.size != d:
            raise V.FastqInputError(f"teacher_var must have length dim = {d} (got {pi.size})")
        source["teacher"] = "array"
    else:
        p = V.in_range("teacher_decay", teacher_decay, -10.0, 50.0)
        pi = np.arange(1, d + 1, dtype=np.float64) ** -p
        if not np.all(np.isfinite(pi)):
            raise V.FastqInputError(f"teacher_decay={p:g} overflows pi_i = i**-p at dim={d}")
        source.update(teacher="power", teacher_decay=p)
    quant = {}
    for name, value in zip(TARGETS, (data, label, param, activation, gradient)):
        q = parse_quant(name, value)
        if q is not None:
            quant[name] = q
    return SGDSetup(lam=lam, pi=pi, batch=V.integer("batch", batch, 1, MAX_BATCH),
                    gamma=V.positive("gamma", gamma), steps=V.integer("steps", steps, 0, MAX_STEPS),
                    sigma=V.nonnegative("sigma", sigma), quant=quant, source=source)


def record_steps(steps: int, checkpoints) -> np.ndarray:
    """Steps at which results are recorded.

    ``None``: every step 0..T (at most ``MAX_RECORDS``); an int n >= 1: n + 1 evenly spaced steps
    from 0 to T (rounded, duplicates dropped); a sequence: those steps (integers in [0, T],
    strictly increasing).
    """
    if checkpoints is None:
        if steps + 1 > MAX_RECORDS:
            raise V.FastqInputError(f"steps + 1 = {steps + 1} records exceed the limit {MAX_RECORDS}; "
                                    "pass checkpoints (a count or a list of steps)")
        return np.arange(steps + 1, dtype=np.int64)
    if isinstance(checkpoints, (int, np.integer)) and not isinstance(checkpoints, bool):
        n = V.integer("checkpoints", checkpoints, 1, MAX_RECORDS - 1)
        return np.unique(np.round(np.linspace(0, steps, n + 1)).astype(np.int64))
    try:
        a = np.asarray(checkpoints, dtype=np.float64)
    except (TypeError, ValueError):
        raise V.FastqInputError("checkpoints must be None, a count >= 1, or a list of steps") from None
    if a.ndim != 1 or a.size < 1 or a.size > MAX_RECORDS:
        raise V.FastqInputError(f"checkpoints must be a 1-D list of 1..{MAX_RECORDS} steps")
    if not np.all(np.isfinite(a)) or np.any(a != np.round(a)) or a.min() < 0 or a.max() > steps:
        raise V.FastqInputError(f"checkpoints must be integers in [0, steps={steps}]")
    if np.any(np.diff(a) <= 0):
        raise V.FastqInputError("checkpoints must be strictly increasing")
    return a.astype(np.int64)
