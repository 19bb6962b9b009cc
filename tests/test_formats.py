"""Named formats against their bit-level definitions; custom level sets and their checks."""
from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from scipy import integrate, stats

from fastq import Quantizer
from fastq._validate import FastqInputError
from fastq.formats import FORMATS, format_info, format_levels

# QLoRA's published NF4 table (7 decimals), as listed in THEORY section 15
NF4_PUBLISHED = [-1.0, -0.6961928, -0.5250731, -0.3949175, -0.2844414, -0.1847734, -0.0910500, 0.0,
                 0.0795803, 0.1609302, 0.2461123, 0.3379152, 0.4407098, 0.5626170, 0.7229568, 1.0]


def _decode_e4m3(code: int) -> float:
    """OCP FP8 E4M3 by its bit fields: bias 7, no infinities, S.1111.111 = NaN."""
    sign = -1.0 if code & 0x80 else 1.0
    e, m = (code >> 3) & 0xF, code & 0x7
    if e == 0xF and m == 0x7:
        return math.nan
    if e == 0:
        return sign * (m / 8.0) * 2.0**-6
    return sign * (1.0 + m / 8.0) * 2.0 ** (e - 7)


def _decode_e2m1(code: int) -> float:
    sign = -1.0 if code & 0x8 else 1.0
    e, m = (code >> 1) & 0x3, code & 0x1
    return sign * (0.5 * m if e == 0 else (1.0 + 0.5 * m) * 2.0 ** (e - 1))


def _normalized(values) -> np.ndarray:
    v = np.unique(np.asarray([x for x in values if np.isfinite(x)], dtype=float))
    return v / np.max(np.abs(v))


def test_fp8_e4m3_every_code():
    vals = [_decode_e4m3(c) for c in range(256)]
    finite = np.unique([v for v in vals if np.isfinite(v)])
    assert finite.size == 253 and finite.max() == 448.0 and finite[finite > 0].min() == 2.0**-9
    np.testing.assert_array_equal(format_levels("fp8-e4m3"), _normalized(vals))


def test_fp8_e5m2_every_code_is_the_top_byte_of_float16():
    # E5M2 is IEEE binary16 with the low 8 mantissa bits dropped: decode with NumPy's float16
    vals = (np.arange(256, dtype=np.uint16) << 8).view(np.float16).astype(float)
    finite = np.unique(vals[np.isfinite(vals)])
    assert finite.size == 247 and finite.max() == 57344.0 and finite[finite > 0].min() == 2.0**-16
    np.testing.assert_array_equal(format_levels("fp8-e5m2"), _normalized(vals))


def test_fp4_e2m1_every_code():
    vals = [_decode_e2m1(c) for c in range(16)]
    assert sorted(set(abs(v) for v in vals)) == [0, 0.5, 1, 1.5, 2, 3, 4, 6]
    for name in ("fp4-e2m1", "mxfp4", "nvfp4"):
        np.testing.assert_array_equal(format_levels(name), _normalized(vals))
    assert format_info("fp4-e2m1")["bits_per_weight"] == 4.0
    assert format_info("mxfp4")["bits_per_weight"] == 4.0 + 8 / 32
    assert format_info("nvfp4")["bits_per_weight"] == 4.0 + 8 / 16


@pytest.mark.parametrize("bits", range(2, 9))
def test_int_tables(bits):
    k = 2 ** (bits - 1)
    sym = [i / (k - 1) for i in range(-(k - 1), k)]
    asym = [i / k for i in range(-k, k)]
    np.testing.assert_allclose(format_levels(f"int{bits}"), sym, rtol=0, atol=1e-15)
    np.testing.assert_allclose(format_levels(f"int{bits}-asym"), asym, rtol=0, atol=0)
    assert format_levels(f"int{bits}").size == 2**bits - 1 and format_levels(f"int{bits}-asym").size == 2**bits
    q = Quantizer.format(f"int{bits}", 1.0)
    np.testing.assert_allclose(q.levels, Quantizer.from_bits(bits, 1.0).levels, rtol=0, atol=1e-15)


def test_nf4_published_table_and_quantile_construction():
    lv = format_levels("nf4")
    # the published table was built in float32 (ulp 6e-8 near 0.7) and rounded to 7 decimals
    np.testing.assert_allclose(lv, NF4_PUBLISHED, rtol=0, atol=2e-7)
    # the construction: positive levels are normal quantiles of 8 equally spaced probabilities
    pos = lv[lv > 0] * stats.norm.ppf(0.9677083)
    np.testing.assert_allclose(np.sort(pos), np.sort(stats.norm.ppf(np.linspace(0.9677083, 0.5, 9)[:-1])),
                               rtol=1e-12)


MAX_1960 = {4: [0.4528, 1.510], 8: [0.2451, 0.7560, 1.344, 2.152],
            16: [0.1284, 0.3881, 0.6568, 0.9424, 1.256, 1.618, 2.069, 2.733]}


@pytest.mark.parametrize("bits", [2, 3, 4])
def test_lloyd_max_conditions_and_table(bits):
    n = 2**bits
    info = format_info(f"lloyd-max{bits}")
    lv = format_levels(f"lloyd-max{bits}") * info["gaussian_scale"]
    np.testing.assert_allclose(lv[n // 2:], MAX_1960[n], rtol=6e-4)
    t = np.concatenate([[-np.inf], 0.5 * (lv[1:] + lv[:-1]), [np.inf]])
    for k in range(n):  # centroid condition, integrals by quad
        mass = integrate.quad(stats.norm.pdf, t[k], t[k + 1], epsabs=1e-14)[0]
        first = integrate.quad(lambda z: z * stats.norm.pdf(z), t[k], t[k + 1], epsabs=1e-14)[0]
        assert first / mass == pytest.approx(lv[k], rel=1e-9, abs=1e-12)
    # optimality in MSE against nearby level sets (perturbing one level raises the distortion)
    def mse(levels):
        tt = np.concatenate([[-np.inf], 0.5 * (levels[1:] + levels[:-1]), [np.inf]])
        return sum(integrate.quad(lambda z, d=d: (z - d) ** 2 * stats.norm.pdf(z), a, b, epsabs=1e-14)[0]
                   for a, b, d in zip(tt[:-1], tt[1:], levels))
    base = mse(lv)
    for k in range(n):
        for s in (-1e-3, 1e-3):
            p = lv.copy()
            p[k] += s
            assert mse(p) > base


def test_every_format_is_absmax_scaled_and_sorted():
    for name in FORMATS:
        lv = format_levels(name)
        assert np.max(np.abs(lv)) == 1.0 and np.all(np.diff(lv) > 0), name
        q = Quantizer.format(name, 2.5)
        assert np.max(np.abs(q.levels)) == pytest.approx(2.5, rel=1e-15) and q.omega == 2.5
        assert q.bits == format_info(name)["bits"]
    assert Quantizer.format("uniform4", 1.3) == Quantizer.from_bits(4, 1.3)
    assert Quantizer.format("log3", 1.3) == Quantizer.log(6, 1.3)


def test_bad_format_name():
    with pytest.raises(FastqInputError, match="format must be one of"):
        Quantizer.format("nf5", 1.0)
    with pytest.raises(FastqInputError, match="n_p"):
        Quantizer("nf4", 14, 1.0)


# ----------------------------------------------------------------------------- custom sets
def test_from_levels_keeps_the_levels_exactly():
    lv = [-0.7, 0.1, 0.3, 1.9]
    q = Quantizer.from_levels(lv, edge_width=0.05)
    assert q.levels.tolist() == lv and q.omega == 1.9 and q.n_p == 3 and q.scheme == "custom"
    np.testing.assert_array_equal(q.thresholds, 0.5 * (np.array(lv[1:]) + np.array(lv[:-1])))
    assert q.bits == 2.0
    assert pickle.loads(pickle.dumps(q)) == q
    assert q.with_edge_width(0.0).levels.tolist() == lv
    np.testing.assert_allclose(q.with_omega(3.8).levels, 2 * np.array(lv), rtol=1e-15)
    assert q.with_omega(3.8) != q and hash(q) == hash(Quantizer.from_levels(lv, edge_width=0.05))


def test_from_levels_given_thresholds_phi():
    from tests.replica import naive_rs as naive

    lv, th = np.array([-1.0, -0.2, 0.5, 2.0]), np.array([-0.9, 0.4, 0.6])
    w = np.linspace(-3, 3, 601)
    for eps in (0.0, 0.3, 2.0):  # 2.0: absolute ramps overlap (exact by the dither formula)
        q = Quantizer.from_levels(lv, thresholds=th, edge_width=eps)
        ref = [naive.phi_eps(x, lv, eps, th) for x in w]
        np.testing.assert_allclose(q(w), ref, rtol=0, atol=1e-14)
        if eps > 0:
            d = [naive.dphi_eps(x, lv, eps, th) for x in w]
            np.testing.assert_allclose(q.derivative(w), d, rtol=0, atol=1e-12)


@pytest.mark.parametrize("kwargs, needle", [
    (dict(levels=[0.0, -1.0, 1.0]), "unsorted"),
    (dict(levels=[-1.0, 0.0, 0.0, 1.0]), "duplicate"),
    (dict(levels=[-1.0, np.nan]), "finite"),
    (dict(levels=[1.0]), "at least 2"),
    (dict(levels=[[0.0, 1.0]]), "1-D"),
    (dict(levels=["a", "b"]), "numbers"),
    (dict(levels=[-1.0, 0.0, 1.0], thresholds=[-0.5]), "len(levels) - 1"),
    (dict(levels=[-1.0, 0.0, 1.0], thresholds=[-0.5, 1.0]), "strictly between"),
    (dict(levels=[-1.0, 0.0, 1.0], thresholds=[0.1, 0.5]), "strictly between"),
    (dict(levels=[-1.0, 0.0, 1.0], thresholds=[-0.1, 0.1], edge_width=0.5, edge_convention="jump"),
     "overlap"),
    (dict(levels=[-1.0, 0.0, 1.0], edge_width=1.5, edge_convention="jump"), "edge_width"),
    (dict(levels=[-1.0, 0.0, 1.0], edge_width=-0.1), "edge_width"),
])
def test_from_levels_bad_input(kwargs, needle):
    with pytest.raises(FastqInputError) as e:
        Quantizer.from_levels(**kwargs)
    msg = str(e.value)
    assert needle in msg and "\n" not in msg


def test_jump_ramps_touching_are_allowed_and_with_edge_width_rechecks():
    q = Quantizer.from_levels([-1.0, 0.0, 1.0], thresholds=[-0.1, 0.1], edge_convention="jump")
    ok = q.with_edge_width(0.2)  # ramps [-0.2, 0] and [0, 0.2] touch
    assert ok.edge_width == 0.2
    with pytest.raises(FastqInputError, match="overlap"):
        q.with_edge_width(0.25)


def test_fast_for_hundreds_of_unequal_levels():
    q = Quantizer.format("fp8-e4m3", 2.0, edge_width=1e-3)
    assert q.n_p == 252
    gaps = np.diff(q.levels)
    assert gaps.max() / gaps.min() > 1e4  # subnormals next to 448
    w = np.random.default_rng(0).standard_normal(10_000) * 2
    ref = np.array([q.levels[0] + np.sum(gaps * np.clip((x - q.thresholds) / 1e-3 + 0.5, 0, 1)) for x in w])
    np.testing.assert_allclose(q(w), ref, rtol=0, atol=1e-12)
