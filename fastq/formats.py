"""Named weight formats as level sets: INT (symmetric and with a zero point), NF4, FP4 E2M1, FP8
E4M3/E5M2, Gaussian Lloyd-Max, and the paper's uniform/log grids by bits (THEORY section 15).

Every table is built here from its definition, never typed in:

* ``intB`` (B = 2..8): ``k / K`` for ``|k| <= K = 2^(B-1) - 1`` (2^B - 1 levels, symmetric);
* ``intB-asym``: ``k / 2^(B-1)`` for ``k = -2^(B-1) .. 2^(B-1) - 1`` (2^B levels, one more below 0);
* ``nf4``: QLoRA's normal float: 8 positive levels at the standard-normal quantiles
  ``Phi^-1(p)``, ``p`` from ``OFFSET`` down to 1/2 in 8 equal steps (1/2 left out), 7 negative
  ones the same way with 7 steps, and 0; divided by the largest (16 levels);
* ``fp4-e2m1``, ``fp8-e4m3`` (OCP: no infinities, only S.1111.111 is NaN), ``fp8-e5m2`` (IEEE-like:
  exponent 31 is inf/NaN): every finite value of every code, subnormals included, +0 and -0 merged;
* ``lloyd-maxB`` (B = 2..4): the 2^B-level minimum-mean-squared-error quantizer of a standard
  Gaussian, computed by Lloyd's iteration (centroid and midpoint conditions) to machine precision;
* ``uniformB``, ``logB`` (B = 2..8): the paper's grids with ``n_p = 2^B - 2``.

All tables are returned divided by their largest ``|level|`` (fastq's absmax scale convention:
``Quantizer.format(name, omega)`` multiplies by omega).  Block-scaled variants (MXFP4: one 8-bit
power-of-two scale per 32 values; NVFP4: one E4M3 scale per 16) share the E2M1 level set and
differ only in the bits per weight they cost, recorded as metadata; the scalar theory has one
global scale omega, so the block scale itself is not modelled.
"""
from __future__ import annotations

import functools
import math

import numpy as np
from scipy import special

from . import _validate as V

#: QLoRA's quantile offset: the middle of 1 - 1/(2*15) and 1 - 1/(2*16)
NF4_OFFSET = 0.9677083
#: bits per weight of the shared block scale: (scale bits) / (block size)
BLOCK_OVERHEAD = {"mxfp4": 8 / 32, "nvfp4": 8 / 16}

_INT_BITS = range(2, 9)
_LM_BITS = range(2, 5)


def _int_table(bits: int, asym: bool) -> np.ndarray:
    h = 2 ** (bits - 1)
    k = np.arange(-h, h, dtype=np.float64) if asym else np.arange(-(h - 1), h, dtype=np.float64)
    return k / (h if asym else h - 1)


def _nf4_table() -> np.ndarray:
    pos = special.ndtri(np.linspace(NF4_OFFSET, 0.5, 9)[:-1])
    neg = -special.ndtri(np.linspace(NF4_OFFSET, 0.5, 8)[:-1])
    v = np.sort(np.concatenate([pos, [0.0], neg]))
    return v / v.max()


def minifloat_values(exp_bits: int, man_bits: int, bias: int, *, specials: str) -> np.ndarray:
    """Every finite value of a sign/exponent/mantissa format, sorted, +-0 merged.

    Code ``(s, e, m)`` is ``(-1)^s 2^(e - bias) (1 + m / 2^man_bits)`` for ``e >= 1`` and the
    subnormal ``(-1)^s 2^(1 - bias) m / 2^man_bits`` for ``e = 0``.  ``specials``: "ieee" (the
    top exponent holds inf and NaN: E5M2), "ocp" (only the all-ones exponent and mantissa is NaN:
    OCP E4M3) or "none" (every code is a number: E2M1).
    """
    vals = []
    top = 2**exp_bits - 1
    for e in range(2**exp_bits):
        for m in range(2**man_bits):
            if specials == "ieee" and e == top:
                continue
            if specials == "ocp" and e == top and m == 2**man_bits - 1:
                continue
            if e == 0:
                v = math.ldexp(m / 2**man_bits, 1 - bias)
            else:
                v = math.ldexp(1.0 + m / 2**man_bits, e - bias)
            vals.extend((v, -v))
    return np.unique(np.array(vals))


def lloyd_max_gaussian(n_levels: int, *, tol: float = 1e-15, max_iter: int = 100_000) -> np.ndarray:
    """The ``n_levels``-level Lloyd-Max (minimum MSE) quantizer of a standard Gaussian, unscaled.

    Lloyd's iteration from a uniform start: thresholds at midpoints, then each level at the
    conditional mean ``(N(a) - N(b)) / (Phi(b) - Phi(a))`` of its cell; stops when no level
    moves by more than ``tol``.  For a log-concave density the fixed point is unique, so this
    is the global optimum.
    """
    n = V.integer("n_levels", n_levels, 2, 4096)
    lv = np.linspace(-2.0, 2.0, n)
    for _ in range(max_iter):
        t = np.concatenate([[-np.inf], 0.5 * (lv[1:] + lv[:-1]), [np.inf]])
        pdf = np.exp(-0.5 * np.where(np.isfinite(t), t, 0.0) ** 2) / math.sqrt(2 * math.pi)
        pdf[~np.isfinite(t)] = 0.0
        mass = special.ndtr(t[1:]) - special.ndtr(t[:-1])
        new = (pdf[:-1] - pdf[1:]) / mass
        new = 0.5 * (new - new[::-1])  # the Gaussian is symmetric: keep the iterate exactly so
        if np.max(np.abs(new - lv)) <= tol:
            return new
        lv = new
    raise RuntimeError(f"Lloyd-Max iteration for {n} levels did not converge")  # pragma: no cover


def _build_registry() -> dict:
    reg = {}
    for b in _INT_BITS:
        reg[f"int{b}"] = dict(bits=b, family="int", make=functools.partial(_int_table, b, False))
        reg[f"int{b}-asym"] = dict(bits=b, family="int-asym", make=functools.partial(_int_table, b, True))
    reg["nf4"] = dict(bits=4, family="normal-float", make=_nf4_table)
    e2m1 = functools.partial(minifloat_values, 2, 1, 1, specials="none")
    reg["fp4-e2m1"] = dict(bits=4, family="float", make=e2m1)
    for name, overhead in BLOCK_OVERHEAD.items():
        reg[name] = dict(bits=4, family="float", make=e2m1, block_overhead=overhead, element="fp4-e2m1")
    reg["fp8-e4m3"] = dict(bits=8, family="float",
                           make=functools.partial(minifloat_values, 4, 3, 7, specials="ocp"))
    reg["fp8-e5m2"] = dict(bits=8, family="float",
                           make=functools.partial(minifloat_values, 5, 2, 15, specials="ieee"))
    for b in _LM_BITS:
        reg[f"lloyd-max{b}"] = dict(bits=b, family="lloyd-max",
                                    make=functools.partial(lloyd_max_gaussian, 2**b))
    for b in _INT_BITS:
        reg[f"uniform{b}"] = dict(bits=b, family="uniform", scheme="uniform")
        reg[f"log{b}"] = dict(bits=b, family="log", scheme="log")
    return reg


_REGISTRY = _build_registry()
#: every registered format name
FORMATS = tuple(_REGISTRY)


def check_format(name) -> str:
    """``name`` if it is a registered format, else a one-line :class:`FastqInputError`."""
    if not isinstance(name, str) or name not in _REGISTRY:
        raise V.FastqInputError(f"format must be one of {', '.join(FORMATS)} (got {name!r})")
    return name


@functools.cache
def _table(name: str) -> np.ndarray:
    spec = _REGISTRY[name]
    if "scheme" in spec:
        from .quantizers import _levels  # the paper's grids come from the one level kernel

        v = _levels(spec["scheme"] == "log", 2 ** spec["bits"] - 2, 1.0)
    else:
        v = spec["make"]()
    v = np.ascontiguousarray(v / np.max(np.abs(v)), dtype=np.float64)
    v.setflags(write=False)
    return v


def format_levels(name: str) -> np.ndarray:
    """The sorted levels of format ``name`` divided by their largest ``|level|`` (read-only)."""
    return _table(check_format(name))


def format_info(name: str) -> dict:
    """Metadata of format ``name``: element ``bits``, ``block_overhead`` (bits per weight of a
    shared block scale, 0 for per-tensor formats), ``bits_per_weight`` (their sum), ``n_levels``,
    ``family`` and, for Lloyd-Max, ``gaussian_scale`` (the largest level for a unit Gaussian,
    i.e. the omega at which the table is the MSE-optimal quantizer of N(0, 1)).
    """
    spec = _REGISTRY[check_format(name)]
    over = float(spec.get("block_overhead", 0.0))
    info = {"format": name, "family": spec["family"], "bits": spec["bits"], "block_overhead": over,
            "bits_per_weight": spec["bits"] + over, "n_levels": int(_table(name).shape[0])}
    if "element" in spec:
        info["element"] = spec["element"]
    if spec["family"] == "lloyd-max":
        info["gaussian_scale"] = float(np.max(np.abs(spec["make"]())))
    return info
