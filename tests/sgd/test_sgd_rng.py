"""The simulation's generator (xoshiro256++ and a ziggurat normal) against the standard normal law.

Tolerances: with n = 2e7 draws, moments within 5 standard errors of their exact values
(mean s.e. n^-1/2, variance s.e. sqrt(2/n), fourth moment s.e. sqrt(96/n)); Kolmogorov-Smirnov
p-value above 1e-3; tail counts P(|x| > c) for c in {1, 2, 3, r, 4, 4.5} within 5 Poisson standard
deviations (r = 3.654 is the ziggurat's base-layer edge, where the tail algorithm takes over).
Uniforms: mean and variance within 5 s.e., all in [0, 1).  The first xoshiro256++ outputs match the
reference C implementation's algorithm written out in Python.
"""
import numpy as np
from scipy import stats

from fastq.sgd._rng import ZIG_R, _fill_normal, _fill_uniform, seed_state

N = 20_000_000


def test_normal_moments_ks_and_tails():
    s = seed_state(np.random.SeedSequence(20240611))
    x = np.empty(N)
    _fill_normal(s, x)
    assert abs(x.mean()) < 5 / np.sqrt(N)
    assert abs(x.var() - 1) < 5 * np.sqrt(2 / N)
    assert abs(np.mean(x ** 4) - 3) < 5 * np.sqrt(96 / N)
    assert abs(np.mean(x ** 3)) < 5 * np.sqrt(15 / N)
    assert stats.kstest(x[:2_000_000], "norm").pvalue > 1e-3
    ax = np.abs(x)
    for c in (1.0, 2.0, 3.0, ZIG_R, 4.0, 4.5):
        expect = N * 2 * stats.norm.sf(c)
        assert abs(np.sum(ax > c) - expect) < 5 * np.sqrt(expect), c
    assert np.sum(x > ZIG_R) > 0 and np.sum(x < -ZIG_R) > 0


def test_uniform():
    s = seed_state(np.random.SeedSequence(7))
    u = np.empty(4_000_000)
    _fill_uniform(s, u)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / u.size)


def test_xoshiro_reference_and_reproducibility():
    state = [0x0123456789ABCDEF, 0x0FEDCBA987654321, 0x1111111122222222, 0x3333333344444444]
    mask = (1 << 64) - 1

    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & mask

    ref = []
    s0, s1, s2, s3 = state
    for _ in range(5):   # xoshiro256++ (Blackman and Vigna), in plain Python integers
        ref.append((rotl((s0 + s3) & mask, 23) + s0) & mask)
        t = (s1 << 17) & mask
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
    u = np.empty(5)
    _fill_uniform(np.array(state, dtype=np.uint64), u)
    assert np.array_equal(u, np.array([r >> 11 for r in ref], dtype=float) / 2.0 ** 53)
    a, b = np.empty(1000), np.empty(1000)
    _fill_normal(seed_state(np.random.SeedSequence(3)), a)
    _fill_normal(seed_state(np.random.SeedSequence(3)), b)
    assert np.array_equal(a, b)
