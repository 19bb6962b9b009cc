"""Slow, independent references for quantized SGD (written from the equations, not from fastq's kernels).

* :func:`matrix_recursion` -- the full d x d second-moment recursion ``S = E[w w^T]``,
  ``K = E[w w*^T]`` with the fourth-moment tensors of ``(x~, x)`` built entry by entry from the
  per-coordinate joint moments ``E[x~^p x^q]`` (binomial expansion of the noise model).  It does
  not assume that the off-diagonal moments vanish, and it never uses the collapsed per-coordinate
  constants of :mod:`fastq.sgd.moments`.  O(d^4) per step: d <= 8.
* :func:`plain_sgd_risk` -- textbook exact risk of unquantized minibatch SGD on Gaussian data, in
  the error variable ``e = w - w*``.
* :func:`mc_numpy` -- the algorithm itself, vectorised over runs with NumPy (Gaussian noise models).

Targets are given as a dict ``{target: (kind, eps)}``, kind "add" or "mult".
"""
from __future__ import annotations

from math import comb

import numpy as np


def _gauss_moment(n: int, var: float) -> float:
    if n % 2:
        return 0.0
    m = 1.0
    for k in range(n - 1, 0, -2):
        m *= k
    return m * var ** (n // 2)


def joint_moment(p: int, q: int, lam: float, kind, eps: float) -> float:
    """``E[x~^p x^q]`` for ``x ~ N(0, lam)`` and ``x~ = Q_d(x)``."""
    if kind is None:
        return _gauss_moment(p + q, lam)
    if kind == "add":   # x~ = x + n
        return sum(comb(p, j) * _gauss_moment(j + q, lam) * _gauss_moment(p - j, eps) for j in range(p + 1))
    if kind == "mult":  # x~ = x (1 + u)
        return _gauss_moment(p + q, lam) * sum(comb(p, j) * _gauss_moment(j, eps) for j in range(p + 1))
    raise ValueError(kind)


def tensor4(lam, kind, eps, types: str) -> np.ndarray:
    """``T[i,j,k,l] = E[a_i b_j c_k d_l]``, slot ``s`` being ``x~`` ('t') or ``x`` ('x')."""
    d = len(lam)
    T = np.zeros((d, d, d, d))
    cnt = lambda s: (s.count("t"), s.count("x"))  # noqa: E731
    for i in range(d):
        for j in range(d):
            for k in range(d):
                for m in range(d):
                    idx = (i, j, k, m)
                    coords = {}
                    for slot, c in enumerate(idx):
                        coords.setdefault(c, "")
                        coords[c] += types[slot]
                    val = 1.0
                    for c, s in coords.items():
                        p, q = cnt(s)
                        val *= joint_moment(p, q, lam[c], kind, eps)
                    T[idx] = val
    return T


def matrix_recursion(lam, pi, batch, gamma, steps, sigma, targets: dict):
    """(risk, bias, risk_deployed) arrays over steps 0..T from the full matrix recursion."""
    lam = np.asarray(lam, float)
    pi = np.asarray(pi, float)
    d = lam.size
    H, P, I = np.diag(lam), np.diag(pi), np.eye(d)
    dk, de = targets.get("data", (None, 0.0))
    Ab = np.diag([joint_moment(2, 0, l, dk, de) for l in lam])
    C = np.diag([joint_moment(1, 1, l, dk, de) for l in lam])
    T4, T31, T22 = (tensor4(lam, dk, de, s) for s in ("tttt", "tttx", "ttxx"))
    S = np.zeros((d, d))
    K = np.zeros((d, d))
    D = np.zeros((d, d))
    B = float(batch)
    risk, bias, dep = [], [], []

    def lev(t, kind):
        k, e = targets.get(t, (None, 0.0))
        return e if k == kind else 0.0

    for t in range(steps + 1):
        Sv = S + lev("param", "add") * I + lev("param", "mult") * np.diag(np.diag(S))
        risk.append(0.5 * np.trace(H @ (S - K - K.T + P)))
        dep.append(0.5 * np.trace(H @ (Sv - K - K.T + P)))
        bias.append(0.5 * np.trace(H @ (D - I) @ P @ (D - I).T))
        if t == steps:
            break
        zz = np.einsum("ijkl,kl->ij", T4, Sv)
        zy = np.einsum("ijkl,kl->ij", T31, K)
        yy = np.einsum("ijkl,kl->ij", T22, P) + sigma ** 2 * Ab
        M = zz - zy - zy.T + yy
        M = M + lev("activation", "add") * Ab + lev("activation", "mult") * zz
        M = M + lev("label", "add") * Ab + lev("label", "mult") * yy
        Egg = M + lev("gradient", "add") * I + lev("gradient", "mult") * np.diag(np.diag(M))
        mean_part = Ab @ Sv @ Ab - Ab @ K @ C - C @ K.T @ Ab + C @ P @ C
        Ggbar = Egg / B + (1.0 - 1.0 / B) * mean_part
        Wg = S @ Ab - K @ C
        S = S - gamma * (Wg + Wg.T) + gamma ** 2 * Ggbar
        K = K - gamma * (Ab @ K - C @ P)
        D = D - gamma * (Ab @ D - C)
    return np.array(risk), np.array(bias), np.array(dep)


def plain_sgd_risk(lam, pi, batch, gamma, steps, sigma):
    """Exact risk of unquantized SGD: ``u_i = E[e_i^2]``,
    ``u_i' = (1 - 2 g lam_i + g^2 lam_i^2 (1 + 1/B)) u_i + g^2/B lam_i (sum_k lam_k u_k + sigma^2)``."""
    lam = np.asarray(lam, float)
    u = np.asarray(pi, float).copy()
    out = [0.5 * lam @ u]
    for _ in range(steps):
        tot = lam @ u + sigma ** 2
        u = (1 - 2 * gamma * lam + gamma ** 2 * lam ** 2 * (1 + 1.0 / batch)) * u + gamma ** 2 / batch * lam * tot
        out.append(0.5 * lam @ u)
    return np.array(out)


def _q(rng, v, spec):
    if spec is None:
        return v
    kind, eps = spec
    n = rng.standard_normal(v.shape) * np.sqrt(eps)
    return v + n if kind == "add" else v * (1.0 + n)


def mc_numpy(lam, pi, batch, gamma, steps, sigma, targets: dict, runs: int, rng, record=None):
    """The quantized SGD algorithm for ``runs`` independent runs at once (NumPy, float64).

    Returns ``(records, risk)`` with ``risk[r, j] = 1/2 (w - w*)^T H (w - w*)`` of run r at step
    ``records[j]``.
    """
    lam = np.asarray(lam, float)
    d = lam.size
    record = np.arange(steps + 1) if record is None else np.asarray(record)
    ws = rng.standard_normal((runs, d)) * np.sqrt(pi)
    w = np.zeros((runs, d))
    sl = np.sqrt(lam)
    out = np.empty((runs, record.size))
    j = 0
    for t in range(steps + 1):
        if j < record.size and record[j] == t:
            e = w - ws
            out[:, j] = 0.5 * (e * e) @ lam
            j += 1
        if t == steps:
            break
        wq = _q(rng, w, targets.get("param"))
        x = rng.standard_normal((runs, batch, d)) * sl
        xt = _q(rng, x, targets.get("data"))
        y = np.einsum("rbd,rd->rb", x, ws) + sigma * rng.standard_normal((runs, batch))
        yt = _q(rng, y, targets.get("label"))
        a = _q(rng, np.einsum("rbd,rd->rb", xt, wq), targets.get("activation"))
        g = _q(rng, xt * (a - yt)[:, :, None], targets.get("gradient"))
        w = w - gamma * g.mean(axis=1)
    return record, out


def _gh(n=5):
    """Probabilists' Gauss-Hermite nodes/weights for N(0, 1) (exact for polynomials of degree <= 2n-1)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / w.sum()


def d1_closed_form(lam, pi, batch, gamma, steps, sigma, targets: dict):
    """Risk of quantized SGD at d = 1 in closed form.

    The conditional moments ``E[g | w, w*]`` and ``E[g^2 | w, w*]`` are computed by Gauss-Hermite
    quadrature over every Gaussian variable of one step (x, the five noises, the label noise);
    the integrands are polynomials, so the quadrature is exact.  ``E[g^2 | w, w*]`` is a quadratic
    form in (w, w*, 1), read off from its values at six points.  Then ``c_t = E[w_t w*]`` and
    ``s_t = E[w_t^2]`` solve a 2 x 2 affine recursion whose solution is a sum of two geometric
    sequences: ``c_t = c_inf (1 - q^t)``, ``s_t = F0 (1 - m^t)/(1 - m) - F1 (m^t - q^t)/(m - q)``.
    Returns ``R_t = lam (s_t - 2 c_t + pi) / 2`` for t = 0..steps.
    """
    x, wx = _gh(5)

    def quant(v, n, spec):
        if spec is None:
            return v
        kind, eps = spec
        return v + np.sqrt(eps) * n if kind == "add" else v * (1 + np.sqrt(eps) * n)

    def moments(w, ws, noise_p):
        """E[g], E[g^2] given w^ = Q_p(w) with the parameter noise fixed at noise_p."""
        grids = np.meshgrid(*([x] * 6), indexing="ij")
        wts = np.ones_like(grids[0])
        for a in np.meshgrid(*([wx] * 6), indexing="ij"):
            wts = wts * a
        gx, gd, gxi, gl, ga, go = grids
        xv = np.sqrt(lam) * gx
        wq = quant(w, noise_p, targets.get("param"))
        xt = quant(xv, gd, targets.get("data"))
        y = xv * ws + sigma * gxi
        r = quant(xt * wq, ga, targets.get("activation")) - quant(y, gl, targets.get("label"))
        g = quant(xt * r, go, targets.get("gradient"))
        return float(np.sum(wts * g)), float(np.sum(wts * g * g))

    pts = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (2.0, -1.0), (-1.0, 3.0)]
    rows, e2 = [], []
    for w, ws in pts:
        m2 = sum(wp * moments(w, ws, xp)[1] for xp, wp in zip(x, wx))
        mean_sq = sum(wp * moments(w, ws, xp)[0] ** 2 for xp, wp in zip(x, wx))
        rows.append([w * w, w * ws, ws * ws, 1.0])
        e2.append(m2 / batch + (1 - 1.0 / batch) * mean_sq)
    a, b, c2, e = np.linalg.lstsq(np.array(rows), np.array(e2), rcond=None)[0]
    A = moments(1.0, 0.0, 0.0)[0]          # E[g | w = 1, w* = 0] = E[x~^2]
    Cc = -moments(0.0, 1.0, 0.0)[0]        # E[g | w = 0, w* = 1] = -E[x~ x] = -lam
    q = 1 - gamma * A
    m = 1 - 2 * gamma * A + gamma ** 2 * a
    c_inf = Cc / A * pi
    F1 = (2 * gamma * Cc + gamma ** 2 * b) * c_inf
    F0 = F1 + gamma ** 2 * (c2 * pi + e)
    t = np.arange(steps + 1, dtype=float)
    c = c_inf * (1 - q ** t)
    s = F0 * (1 - m ** t) / (1 - m) - F1 * (m ** t - q ** t) / (m - q)
    return 0.5 * lam * (s - 2 * c + pi)
