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
``_phi_array``/``_dphi_array`` (arrays) of :mod:`fastq._pieces`, which locate a weight by binary
search over the thresholds (O(log n_p) per element) instead of scanning all levels.

Besides the paper's grids, a Quantizer holds any sorted finite level set: a named format
(:meth:`Quantizer.format`, registry in :mod:`fastq.formats`) or a custom one
(:meth:`Quantizer.from_levels`, with thresholds at the midpoints or given).
"""
from __future__ import annotations

import math

import numpy as np

from . import _levelset as _LS
from . import _validate as V
from . import formats as F
from ._jit import njit
from ._jump import EDGE_CONVENTIONS, _dphi_array_jump, _phi_array_jump, _piece_table_jump
from ._pieces import _count_le, _count_lt, _dphi, _dphi_array, _phi, _phi_array, _phi_dphi, _piece_table, _shift_bin  # noqa: F401  (searches and pointwise kernels re-exported)

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
    """A quantizer with range omega, hard (``edge_width=0``) or edge-smoothed.

    Build one with :meth:`uniform`, :meth:`log` or :meth:`from_bits` (the paper's grids),
    :meth:`format` (a named format of :mod:`fastq.formats`, scaled so the largest ``|level|``
    is omega) or :meth:`from_levels` (any sorted finite level set, thresholds at the midpoints
    or given).  Calling it applies ``phi_eps`` elementwise (kernel ``_phi_array``);
    :meth:`derivative` gives ``phi_eps'``.

    Attributes
    ----------
    scheme : str
        "uniform", "log", a format name of :data:`fastq.formats.FORMATS`, or "custom".
    n_p : int
        Number of sub-intervals (``n_p + 1`` levels, ``n_p`` thresholds).
    omega : float
        Scale: the largest ``|level|`` (for the paper's grids the outermost levels are ``+-omega``).
    edge_width : float
        Width eps of the linear ramps replacing each jump (0 = hard quantizer); under the
        per-jump convention the ratio r (ramp k has width ``r * D_k``, ``0 <= r <= 1``).
    edge_convention : {"absolute", "jump"}
        How ``edge_width`` is read: in weight units (default; every ramp has width eps) or per
        jump (THEORY section 14; :mod:`fastq._jump`).  Part of equality, hash and ``to_dict``.
    levels, thresholds : ndarray
        ``n_p + 1`` sorted levels and the ``n_p`` thresholds between them (midpoints unless a
        custom set was given its own).
    base, base_thresholds : ndarray or None
        For formats and custom sets: the shape, i.e. levels (and given thresholds) divided by omega.
    bits : float
        ``log2(n_p + 2)`` for the paper's grids; a format's element bits; ``ceil(log2(n_p + 1))``
        (the bits that index the levels) for a custom set.
    """

    __slots__ = ("scheme", "n_p", "omega", "edge_width", "edge_convention", "levels", "thresholds",
                 "base", "base_thresholds", "_pieces")

    def __init__(self, scheme: str, n_p: int, omega: float, edge_width: float = 0.0,
                 edge_convention: str = "absolute", *, base=None, base_thresholds=None):
        omega = V.positive("omega", omega)
        edge_width = check_edge(edge_width, edge_convention)
        th = None
        if scheme in SCHEMES:
            max_np = MAX_N_P_UNIFORM if scheme == "uniform" else MAX_N_P_LOG
            n_p = V.integer("n_p", n_p, 1, max_np)
            base = base_thresholds = None
            lv = _levels(scheme == "log", n_p, omega)
        else:
            if scheme == "custom":
                if base is None:
                    raise V.FastqInputError("a custom Quantizer needs base levels (use Quantizer.from_levels)")
                base = _LS.check_levels(base)
                if base_thresholds is not None:
                    base_thresholds = _LS.check_thresholds(base, base_thresholds)
            else:
                base, base_thresholds = F.format_levels(_format_name(scheme)), None
            n_p = V.integer("n_p", n_p, base.shape[0] - 1, base.shape[0] - 1)
            lv = omega * base
            if base_thresholds is not None:
                th = omega * base_thresholds
                if edge_convention == "jump":
                    _LS.check_ramps(lv, th, edge_width)
        if th is None:
            th = 0.5 * (lv[1:] + lv[:-1])
        self._set(scheme, n_p, omega, edge_width, edge_convention, lv, th, base, base_thresholds)

    def _set(self, scheme, n_p, omega, edge_width, edge_convention, lv, th, base, base_th):
        for arr in (lv, th, base, base_th):
            if arr is not None:
                arr.setflags(write=False)
        for name, value in (("scheme", scheme), ("n_p", n_p), ("omega", omega),
                            ("edge_width", edge_width), ("edge_convention", edge_convention),
                            ("levels", lv), ("thresholds", th), ("base", base),
                            ("base_thresholds", base_th), ("_pieces", None)):
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

    @classmethod
    def format(cls, name: str, omega: float, *, edge_width: float = 0.0,
               edge_convention: str = "absolute") -> Quantizer:
        """The named format ``name`` (:data:`fastq.formats.FORMATS`) scaled so that its largest
        ``|level|`` is ``omega`` (absmax).  ``uniformB``/``logB`` give the paper's grids.
        """
        spec = F.format_info(name)
        if spec["family"] in SCHEMES:
            return cls(spec["family"], 2 ** spec["bits"] - 2, omega, edge_width, edge_convention)
        return cls(name, spec["n_levels"] - 1, omega, edge_width, edge_convention)

    @classmethod
    def from_levels(cls, levels, *, thresholds=None, edge_width: float = 0.0,
                    edge_convention: str = "absolute") -> Quantizer:
        """Any strictly increasing finite level set, kept exactly as given (omega = its largest
        ``|level|``), with thresholds at the midpoints unless ``thresholds`` are given (each
        strictly between its neighbours; under the per-jump convention their ramps may not
        overlap).  Errors are one-line :class:`FastqInputError`.
        """
        lv = _LS.check_levels(levels)
        th = None if thresholds is None else _LS.check_thresholds(lv, thresholds)
        omega = float(np.max(np.abs(lv)))
        q = cls("custom", lv.shape[0] - 1, omega, edge_width, edge_convention, base=lv / omega,
                base_thresholds=None if th is None else th / omega)
        th = 0.5 * (lv[1:] + lv[:-1]) if th is None else th
        if q.edge_convention == "jump":
            _LS.check_ramps(lv, th, q.edge_width)
        q._set("custom", q.n_p, omega, q.edge_width, q.edge_convention, lv, th, q.base, q.base_thresholds)
        return q

    def _replace(self, omega=None, edge_width=None, edge_convention=None) -> Quantizer:
        om = self.omega if omega is None else omega
        eps = self.edge_width if edge_width is None else edge_width
        conv = self.edge_convention if edge_convention is None else edge_convention
        q = Quantizer(self.scheme, self.n_p, om, eps, conv, base=self.base, base_thresholds=self.base_thresholds)
        if self.scheme == "custom" and q.omega == self.omega:  # keep the given levels bit for bit
            if conv == "jump":
                _LS.check_ramps(self.levels, self.thresholds, q.edge_width)
            q._set("custom", q.n_p, q.omega, q.edge_width, conv, self.levels, self.thresholds, self.base,
                   self.base_thresholds)
        return q

    def with_omega(self, omega: float) -> Quantizer:
        """The same level set (shape, edge width and convention) at scale ``omega``."""
        return self._replace(omega=omega)

    def with_edge_width(self, edge_width: float, edge_convention: str | None = None) -> Quantizer:
        """The same level set with another edge width (and the same convention unless given)."""
        return self._replace(edge_width=edge_width, edge_convention=edge_convention)

    def hard(self) -> Quantizer:
        """The same level set with ``edge_width = 0``."""
        return self.with_edge_width(0.0)

    # -- properties -----------------------------------------------------------------------
    @property
    def bits(self) -> float:
        """``log2(n_p + 2)`` (paper's grids), the element bits (formats), ``ceil(log2(n_p + 1))`` (custom)."""
        if self.scheme in SCHEMES:
            return math.log2(self.n_p + 2)
        if self.scheme == "custom":
            return float(math.ceil(math.log2(self.n_p + 1)))
        return float(F.format_info(self.scheme)["bits"])

    @property
    def bits_per_weight(self) -> float:
        """:attr:`bits` plus the per-weight cost of a shared block scale (MXFP4: 0.25, NVFP4: 0.5)."""
        over = F.format_info(self.scheme)["block_overhead"] if self.scheme in F.FORMATS else 0.0
        return self.bits + over

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
        """The quantizer's parameters as a dict (what result files record); a custom set adds
        its ``levels`` and ``thresholds``, a format its ``bits_per_weight``.
        """
        d = {"scheme": self.scheme, "n_p": self.n_p, "bits": self.bits, "omega": self.omega,
             "edge_width": self.edge_width, "edge_convention": self.edge_convention}
        if self.scheme in F.FORMATS:
            d["bits_per_weight"] = self.bits_per_weight
        if self.scheme == "custom":
            d["levels"] = self.levels.tolist()
            d["thresholds"] = self.thresholds.tolist()
        return d

    def __repr__(self) -> str:
        conv = "" if self.edge_convention == "absolute" else f", edge_convention={self.edge_convention!r}"
        if self.scheme == "custom":
            return f"Quantizer.from_levels({self.levels.tolist()!r}, edge_width={self.edge_width!r}{conv})"
        return (f"Quantizer(scheme={self.scheme!r}, n_p={self.n_p}, omega={self.omega!r}, "
                f"edge_width={self.edge_width!r}{conv})")

    def __eq__(self, other) -> bool:
        return isinstance(other, Quantizer) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.scheme, self.n_p, self.omega, self.edge_width, self.edge_convention,
                     self.levels.tobytes(), self.thresholds.tobytes()))

    def __reduce__(self):
        if self.scheme != "custom":
            return (Quantizer, (self.scheme, self.n_p, self.omega, self.edge_width, self.edge_convention))
        th = None if self.base_thresholds is None else self.thresholds
        return (_custom, (self.levels, th, self.edge_width, self.edge_convention))


def _format_name(scheme) -> str:
    """``scheme`` as a registered format name (for the message: schemes and formats together)."""
    if not isinstance(scheme, str) or scheme not in F.FORMATS:
        raise V.FastqInputError(f"scheme must be one of {', '.join(SCHEMES)}, custom, or a format "
                                f"({', '.join(F.FORMATS)}) (got {scheme!r})")
    return scheme


def _custom(levels, thresholds, edge_width, edge_convention) -> Quantizer:
    """Unpickle a custom Quantizer with its exact levels and thresholds."""
    return Quantizer.from_levels(levels, thresholds=thresholds, edge_width=edge_width,
                                 edge_convention=edge_convention)
