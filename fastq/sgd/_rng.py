"""``@njit`` random numbers for the simulation: xoshiro256++ and a 256-layer ziggurat normal.

Why not ``numpy.random.Generator`` inside Numba: each draw there is a call through the bit
generator's function pointer that LLVM cannot inline (about 9 ns per normal on the reference
machine, the dominant cost of a simulation step); here both draws inline into the kernels
(about 3 ns per element of a simulation step instead of 11; see bench/test_sgd.py).

The state is a tuple of four uint64 threaded through the calls (``x, st = _normal(st)``), which
keeps it in registers; arrays hold it between calls (:func:`_load`, :func:`_store`).

* :func:`_next` -- xoshiro256++ (Blackman and Vigna 2019; period 2^256 - 1);
* :func:`_uniform` -- the top 53 bits as a double in [0, 1);
* :func:`_normal` -- Marsaglia and Tsang's ziggurat (256 layers, r = 3.6541528853610088,
  v = 0.00492867323399), with the exact tail (Marsaglia 1964) and wedge rejection;
  the sign is applied without a branch (a random branch costs a misprediction half the time).

States come from :func:`seed_state` (``SeedSequence.generate_state(4, uint64)``), so a run's
stream is fixed by its SeedSequence child and independent of the number of workers.
"""
from __future__ import annotations

import math

import numpy as np
from numba import uint64

from .._jit import njit

ZIG_R = 3.6541528853610088
ZIG_V = 0.00492867323399
_INV_R = 1.0 / ZIG_R
_M52 = 2.0 ** 52


def _tables():
    """Ziggurat tables: ``KI`` (uint64 acceptance bounds on the 52-bit magnitude), ``WI`` (layer
    widths / 2^52), ``FI`` (density at the layer edges).
    """
    ki = np.zeros(256, dtype=np.uint64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    dn = tn = ZIG_R
    q = ZIG_V / math.exp(-0.5 * dn * dn)
    ki[0] = np.uint64(int(dn / q * _M52))
    wi[0] = q / _M52
    wi[255] = dn / _M52
    fi[0] = 1.0
    fi[255] = math.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = math.sqrt(-2.0 * math.log(ZIG_V / dn + math.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64(int(dn / tn * _M52))
        tn = dn
        fi[i] = math.exp(-0.5 * dn * dn)
        wi[i] = dn / _M52
    return ki, wi, fi


KI, WI, FI = _tables()


def seed_state(seed_seq: np.random.SeedSequence) -> np.ndarray:
    """A xoshiro256++ state (uint64[4], never all zero) from a SeedSequence."""
    s = seed_seq.generate_state(4, np.uint64)
    if not s.any():
        s[0] = np.uint64(1)
    return s


@njit(inline="always")
def _rotl(x, k):
    return (x << uint64(k)) | (x >> uint64(64 - k))


@njit(inline="always")
def _next(st):
    """xoshiro256++: ``(64 random bits, new state)``; the state is a tuple of four uint64 so that
    it lives in registers (an array state is reloaded around every store to other arrays: 3x slower).
    """
    s0, s1, s2, s3 = st
    result = _rotl(s0 + s3, 23) + s0
    t = s1 << uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, (s0, s1, s2, s3)


@njit(inline="always")
def _uniform(st):
    """``(u in [0, 1) from the top 53 bits, new state)``."""
    r, st = _next(st)
    return float(np.int64(r >> uint64(11))) * (1.0 / 9007199254740992.0), st


@njit
def _normal_slow(st, idx, x, rabs):
    """The 1% path of the ziggurat: tail (layer 0) or wedge test; on rejection draw again."""
    while True:
        if idx == 0:
            while True:
                u1, st = _uniform(st)
                u2, st = _uniform(st)
                xx = -_INV_R * math.log1p(-u1)
                yy = -math.log1p(-u2)
                if yy + yy > xx * xx:
                    break
            return (-(ZIG_R + xx) if ((rabs >> uint64(8)) & uint64(1)) else ZIG_R + xx), st
        u, st = _uniform(st)
        if (FI[idx - 1] - FI[idx]) * u + FI[idx] < math.exp(-0.5 * x * x):
            return x, st
        r, st = _next(st)
        idx = int(r & uint64(0xFF))
        r = r >> uint64(8)
        rabs = (r >> uint64(1)) & uint64(0x000FFFFFFFFFFFFF)
        x = float(np.int64(rabs)) * WI[idx] * (1.0 - 2.0 * float(np.int64(r & uint64(1))))
        if rabs < KI[idx]:
            return x, st


@njit(inline="always")
def _normal(st):
    """``(standard normal, new state)`` (ziggurat; one 64-bit draw 99% of the time)."""
    r, st = _next(st)
    idx = int(r & uint64(0xFF))
    r = r >> uint64(8)
    rabs = (r >> uint64(1)) & uint64(0x000FFFFFFFFFFFFF)
    x = float(np.int64(rabs)) * WI[idx] * (1.0 - 2.0 * float(np.int64(r & uint64(1))))
    if rabs >= KI[idx]:
        x, st = _normal_slow(st, idx, x, rabs)
    return x, st


@njit(inline="always")
def _load(s):
    """State tuple from a uint64[4] array."""
    return (s[0], s[1], s[2], s[3])


@njit(inline="always")
def _store(s, st):
    s[0], s[1], s[2], s[3] = st


@njit
def _fill_normal(s, out):
    """``out[:] =`` standard normals from the array state ``s`` (updated); for tests."""
    st = _load(s)
    for i in range(out.shape[0]):
        out[i], st = _normal(st)
    _store(s, st)


@njit
def _fill_uniform(s, out):
    st = _load(s)
    for i in range(out.shape[0]):
        out[i], st = _uniform(st)
    _store(s, st)
