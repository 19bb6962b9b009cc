r"""Uniform and logarithmic weight quantizers, hard and edge-smoothed.

A quantizer maps a real weight to the nearest of ``n_p + 1`` levels
``d_0 < d_1 < ... < d_{n_p}`` spanning ``[-omega, omega]``; the thresholds between levels are
the midpoints ``t_k = (d_{k-1} + d_k) / 2``.  The *edge-smoothed* quantizer of width
``edge_width`` (eps) replaces each jump by a linear ramp of width eps centred on its threshold:

.. math::

    \phi_\varepsilon(w) = d_0 + \sum_{k=1}^{n_p} D_k\, r\!\left(\frac{w - t_k}{\varepsilon}\right),
    \qquad r(u) = \min(1, \max(0, u + 1/2)),

which equals the hard quantizer averaged over a uniform dither of width eps.  eps = 0 is the
hard quantizer.  See ``docs/theory.md`` for why fastq needs it.  With
``edge_convention="jump"`` the edge width is instead a ratio r and ramp k has width ``r D_k``
(:mod:`fastq._jump`, ``docs/resolution.md``).

The numerical work is done by the private ``@njit`` kernels ``_phi``, ``_dphi`` (scalars) and
``_phi_array``/``_dphi_array`` (arrays), which locate a weight by binary search over the
thresholds (O(log n_p) per element) instead of scanning all levels.
"""
from __future__ import annotations

import math

import numpy as np

from . import _validate as V
from ._jit import njit
from ._jump import EDGE_CONVENTIONS, _dphi_array_jump, _phi_array_jump, _piece_table_jump
from ._pieces import _count_le, _count_lt, _piece_table  # noqa: F401  (searches re-exported)

#: Largest number of sub-intervals accepted (16 bits for uniform).
MAX_N_P_UNIFORM = 2**16 - 2
#: Largest n_p for the log scheme: its innermost width omega * 2**(-n_p/2) must stay a normal float.
MAX_N_P_LOG = 1000
SCHEMES = ("uniform", "log")


# ----------------------------------------------------------------------------- level sets
@njit
def _levels(log_scheme, n_p, omega):
    """The ``n_p + 1`` sorted levels of the uniform (``log_scheme=False``) or log quantizer.

    The one implementation of both level sets, used by :class:`Quantizer` and by the sweep
    kernels (so a grid point and a ``Quantizer`` with the same parameters share their levels
    bit for bit by construction).

    * uniform: ``d_k = -omega + 2 omega k / n_p``, with the end levels exactly ``+-omega`` and,
      for even ``n_p``, the middle level exactly 0;
    * log, even n_p: 0 is a level, widths ``D0 2^j`` (j = 0..n_p/2-1) per side,
      ``D0 = 2 omega / (2^((n_p+2)/2) - 2)``;
    * log, odd n_p: a central interval ``(-D0/2, D0/2)``, then widths ``D0 2^j``
      (j = 1..(n_p-1)/2), ``D0 = 2 omega / (2^((n_p+3)/2) - 3)``;

    the outermost log levels are set to ``+-omega`` exactly (the paper's eq. (1) with span
    ``2 omega``; see ``docs/theory.md``).
    """
    lv = np.empty(n_p + 1)
    if not log_scheme:
        for k in range(n_p + 1):
            lv[k] = -omega + 2.0 * omega * k / n_p
        lv[0] = -omega
        lv[n_p] = omega
        if n_p % 2 == 0:
            lv[n_p // 2] = 0.0
        return lv
    if n_p % 2 == 0:
        half = n_p // 2
        d0 = 2.0 * omega / (2.0 ** ((n_p + 2) / 2) - 2.0)
        for j in range(half + 1):
            v = d0 * (2.0 ** j - 1.0)
            if j == half:
                v = omega
            lv[half + j] = v
            lv[half - j] = -v
        lv[half] = 0.0
        return lv
    half = (n_p - 1) // 2
    d0 = 2.0 * omega / (2.0 ** ((n_p + 3) / 2) - 3.0)
    for j in range(half + 1):
        v = d0 / 2.0 + d0 * (2.0 ** (j + 1.0) - 2.0)
        if j == half:
            v = omega
        lv[half + 1 + j] = v
        lv[half - j] = -v
    return lv


def uniform_levels(n_p: int, omega: float) -> np.ndarray:
    """Levels of the uniform quantizer, ``d_k = -omega + 2 omega k / n_p`` (kernel ``_levels``)."""
    return _levels(False, int(n_p), float(omega))


def log_levels(n_p: int, omega: float) -> np.ndarray:
    """Levels of the logarithmic (uniform-in-log-domain) quantizer (kernel ``_levels``).

    The sub-interval(s) next to zero have width ``D0`` and each further one is twice its inner
    neighbour; the outermost levels sit at ``+-omega`` (the paper's eq. (1) with span 2 omega).
    """
    return _levels(True, int(n_p), float(omega))


# ----------------------------------------------------------------------------- kernels
@njit
def _shift_bin(k, w, thresholds):
    """Bin index of ``w`` (number of thresholds <= w) found by walking from a nearby index ``k``:
    O(distance) instead of a binary search, for weights that move by a few bins per step.
    """
    n_th = thresholds.shape[0]
    while k > 0 and w < thresholds[k - 1]:
        k -= 1
    while k < n_th and w >= thresholds[k]:
        k += 1
    return k


@njit
def _phi_dphi(w, levels, thresholds, eps):
    """(phi_eps(w), phi_eps'(w)) for one weight from one binary search.

    eps = 0: nearest level (ties at a threshold go up) and derivative 0.  Otherwise the ramps
    with ``t_k <= w - eps/2`` are fully on, those with ``t_k >= w + eps/2`` off, and the few in
    between contribute ``D_k * clip((w - t_k)/eps + 1/2, 0, 1)`` and ``D_k / eps``.
    """
    if eps == 0.0:
        return levels[_count_le(thresholds, w)], 0.0
    half = 0.5 * eps
    lo = _count_le(thresholds, w - half)  # ramps fully switched on
    hi = _count_lt(thresholds, w + half)  # ramps at least partly on
    # the ramp sum of _pieces._ramp_sum, written out: the call (inlined or not) measured 10-14%
    # slower on this per-weight kernel, which AMP and the STE solvers call millions of times
    val = levels[lo]
    s = 0.0
    for k in range(lo, hi):
        u = (w - thresholds[k]) / eps + 0.5
        if u > 1.0:
            u = 1.0
        elif u < 0.0:
            u = 0.0
        dk = levels[k + 1] - levels[k]
        val += dk * u
        s += dk
    return val, s / eps


@njit
def _phi(w, levels, thresholds, eps):
    """phi_eps(w) for one weight (see ``_phi_dphi``)."""
    return _phi_dphi(w, levels, thresholds, eps)[0]


@njit
def _dphi(w, levels, thresholds, eps):
    """D phi_eps / dw for one weight (0 for the hard quantizer away from thresholds)."""
    return _phi_dphi(w, levels, thresholds, eps)[1]


@njit
def _phi_array(w, levels, thresholds, eps, out):
    for i in range(w.shape[0]):
        out[i] = _phi(w[i], levels, thresholds, eps)
    return out


@njit
def _dphi_array(w, levels, thresholds, eps, out):
    for i in range(w.shape[0]):
        out[i] = _dphi(w[i], levels, thresholds, eps)
    return out


# ----------------------------------------------------------------------------- public class
def n_p_from_bits(bits) -> int:
    """The number of sub-intervals for ``bits``: ``n_p = 2**bits - 2``, which must be an integer >= 1."""
    b = V.positive("bits", bits)
    if b > 16.0:
        raise V.FastqInputError(f"bits must be <= 16 (got {b!r})")
    x = 2.0**b - 2.0
    r = round(x)
    if abs(x - r) > 1e-9 * max(1.0, abs(x)) or r < 1:
        raise V.FastqInputError(
            f"bits must give an integer n_p = 2**bits - 2 >= 1, i.e. bits = log2(n_p + 2) "
            f"(e.g. 2, 3, 4 or log2(5)); got bits={b!r}, n_p={x:.6g}"
        )
    return int(r)


def check_edge(edge_width, edge_convention="absolute") -> float:
    """A validated edge width for ``edge_convention`` ("absolute": eps >= 0 in weight units;
    "jump": the ratio ``0 <= r <= 1``, so ramps never overlap; see :mod:`fastq._jump`).
    """
    if edge_convention not in EDGE_CONVENTIONS:
        raise V.FastqInputError(f"edge_convention must be one of {', '.join(EDGE_CONVENTIONS)} "
                                f"(got {edge_convention!r})")
    if edge_convention == "jump":
        return V.in_range("edge_width (per-jump ratio r)", edge_width, 0.0, 1.0)
    return V.nonnegative("edge_width", edge_width)


class Quantizer:
    """A b-bit quantizer with range omega, hard (``edge_width=0``) or edge-smoothed.

    Build one with :meth:`uniform`, :meth:`log` or :meth:`from_bits`.  Calling it applies
    ``phi_eps`` elementwise (kernel ``_phi_array``); :meth:`derivative` gives ``phi_eps'``.

    Attributes
    ----------
    scheme : {"uniform", "log"}
    n_p : int
        Number of sub-intervals of ``[-omega, omega]`` (``n_p + 1`` levels).
    omega : float
        Clipping range; the outermost levels are ``+-omega``.
    edge_width : float
        Width eps of the linear ramps replacing each jump (0 = hard quantizer); under the
        per-jump convention the ratio r (ramp k has width ``r * D_k``, ``0 <= r <= 1``).
    edge_convention : {"absolute", "jump"}
        How ``edge_width`` is read: in weight units (default; every ramp has width eps) or per
        jump (THEORY section 14; :mod:`fastq._jump`).  Part of equality, hash and ``to_dict``.
    levels, thresholds : ndarray
        ``n_p + 1`` sorted levels and the ``n_p`` midpoints between them.
    bits : float
        ``log2(n_p + 2)`` (an integer for ``n_p = 2**b - 2``).
    """

    __slots__ = ("scheme", "n_p", "omega", "edge_width", "edge_convention", "levels", "thresholds",
                 "_pieces")

    def __init__(self, scheme: str, n_p: int, omega: float, edge_width: float = 0.0,
                 edge_convention: str = "absolute"):
        if scheme not in SCHEMES:
            raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)} (got {scheme!r})")
        max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG
        n_p = V.integer("n_p", n_p, 1, max_np)
        omega = V.positive("omega", omega)
        edge_width = check_edge(edge_width, edge_convention)
        lv = _levels(scheme == "log", n_p, omega)
        lv.setflags(write=False)
        th = 0.5 * (lv[1:] + lv[:-1])
        th.setflags(write=False)
        for name, value in (("scheme", scheme), ("n_p", n_p), ("omega", omega),
                            ("edge_width", edge_width), ("edge_convention", edge_convention),
                            ("levels", lv), ("thresholds", th),
                            ("_pieces", None)):
            object.__setattr__(self, name, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"Quantizer is immutable; build a new one (e.g. with_edge_width) "
                             f"instead of setting {name!r}")

    def __delattr__(self, name):
        raise AttributeError("Quantizer is immutable")

    # -- constructors ---------------------------------------------------------------------
    @classmethod
    def uniform(cls, n_p: int, omega: float, edge_width: float = 0.0,
                edge_convention: str = "absolute") -> Quantizer:
        """Uniform quantizer with ``n_p`` equal sub-intervals of ``[-omega, omega]``."""
        return cls("uniform", n_p, omega, edge_width, edge_convention)

    @classmethod
    def log(cls, n_p: int, omega: float, edge_width: float = 0.0,
            edge_convention: str = "absolute") -> Quantizer:
        """Logarithmic quantizer (widths doubling away from zero) with ``n_p`` sub-intervals."""
        return cls("log", n_p, omega, edge_width, edge_convention)

    @classmethod
    def from_bits(cls, bits, omega: float, scheme: str = "uniform", edge_width: float = 0.0,
                  edge_convention: str = "absolute") -> Quantizer:
        """Quantizer with ``b = log2(n_p + 2)`` bits; ``bits`` must make ``n_p`` an integer."""
        return cls(scheme, n_p_from_bits(bits), omega, edge_width, edge_convention)

    def with_edge_width(self, edge_width: float, edge_convention: str | None = None) -> Quantizer:
        """The same level set with another edge width (and the same convention unless given)."""
        conv = self.edge_convention if edge_convention is None else edge_convention
        return Quantizer(self.scheme, self.n_p, self.omega, edge_width, conv)

    def hard(self) -> Quantizer:
        """The same level set with ``edge_width = 0``."""
        return self.with_edge_width(0.0)

    # -- properties -----------------------------------------------------------------------
    @property
    def bits(self) -> float:
        """``log2(n_p + 2)``, the number of bits (an integer for ``n_p = 2**b - 2``)."""
        return math.log2(self.n_p + 2)

    @property
    def jumps(self) -> np.ndarray:
        """``D_k = d_k - d_{k-1}``, k = 1..n_p."""
        return np.diff(self.levels)

    @property
    def ramp_widths(self) -> np.ndarray:
        """Width of the ramp at each threshold: ``eps`` (absolute) or ``r * D_k`` (per jump)."""
        if self.edge_convention == "jump":
            return self.edge_width * self.jumps
        return np.full(self.n_p, self.edge_width)

    @property
    def pieces(self):
        """``(breaks, value, slope, centre)`` of phi_eps as a piecewise-linear function (cached)."""
        if self._pieces is None:
            table = _piece_table_jump if self.edge_convention == "jump" else _piece_table
            pieces = table(self.levels, self.thresholds, self.edge_width)
            for arr in pieces:
                arr.setflags(write=False)
            object.__setattr__(self, "_pieces", pieces)
        return self._pieces

    # -- evaluation -----------------------------------------------------------------------
    def __call__(self, w):
        """phi_eps(w), elementwise on scalars or arrays of any shape (kernel ``_phi_array``)."""
        return self._apply(_phi_array_jump if self.edge_convention == "jump" else _phi_array, w)

    def derivative(self, w):
        """D phi_eps / dw elementwise (kernel ``_dphi_array``); 0 a.e. for the hard quantizer."""
        return self._apply(_dphi_array_jump if self.edge_convention == "jump" else _dphi_array, w)

    def _apply(self, kernel, w):
        arr = np.asarray(w, dtype=np.float64)
        flat = np.ascontiguousarray(arr.ravel())
        out = np.empty_like(flat)
        kernel(flat, self.levels, self.thresholds, self.edge_width, out)
        if arr.ndim == 0:
            return float(out[0])
        return out.reshape(arr.shape)

    def to_dict(self) -> dict:
        """The quantizer's parameters as a dict (what result files record)."""
        return {"scheme": self.scheme, "n_p": self.n_p, "bits": self.bits, "omega": self.omega,
                "edge_width": self.edge_width, "edge_convention": self.edge_convention}

    def __repr__(self) -> str:
        conv = "" if self.edge_convention == "absolute" else f", edge_convention={self.edge_convention!r}"
        return (f"Quantizer(scheme={self.scheme!r}, n_p={self.n_p}, omega={self.omega!r}, "
                f"edge_width={self.edge_width!r}{conv})")

    def __eq__(self, other) -> bool:
        return isinstance(other, Quantizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.scheme, self.n_p, self.omega, self.edge_width, self.edge_convention))

    def __reduce__(self):
        return (Quantizer, (self.scheme, self.n_p, self.omega, self.edge_width, self.edge_convention))
