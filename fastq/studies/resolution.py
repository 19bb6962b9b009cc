"""Resolution conventions for the stability test (THEORY section 14).

The edge width of phi_eps can be fixed in three ways:

* **absolute** -- every ramp has width eps in weight units (``Quantizer(..., eps)``);
* **per jump** -- the ramp at threshold k has width ``r D_k`` (``edge_convention="jump"``); every
  ramp then has slope 1/r, so ``chi = P(ramps) / (r Theta)`` and, exactly at every r,
  ``at = alpha chi / ((1 + chi)^2 Theta r)``;
* **field** -- ``eps = dz h / Theta``: each ramp covers a step dz of the standard Gaussian
  variable z of the scalar problem (what a numerical derivative on a z-grid of step dz does).
  The edge width then depends on the solution, so it is found by an outer iteration around
  :func:`fastq.solve_rs` (:func:`solve_field`).

As eps -> 0 each convention reads the hard quantizer's solution differently
(:func:`leading_at`): ``kappa / eps``, ``alpha chi / ((1 + chi)^2 Theta r)``,
``kappa Theta / (h dz)``.  :func:`claims` turns four Fig. 2 panels (uniform/log x lam 0/1) into
the numbers behind the paper's claims (I)-(IV) and a verdict for each.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer
from ..replica import solve_rs

CONVENTIONS = ("absolute", "jump", "field")


def field_terms(chi, eg, alpha, lam, rho=1.0):
    """``(h, Theta)`` of the RS scalar problem at ``(chi, Eg)`` (THEORY section 3), elementwise."""
    chi = np.asarray(chi, dtype=float)
    mhat = alpha / (1.0 + chi)
    h = np.sqrt(mhat * mhat * rho + 2.0 * alpha * np.asarray(eg, dtype=float) / (1.0 + chi) ** 2)
    return h, mhat + lam


def leading_at(convention: str, value, *, chi, eg, kappa, alpha, lam, rho=1.0):
    """The small-width reading of the AT quantity from the *hard* quantizer's RS solution.

    ``value`` is eps (absolute), r (jump) or dz (field); ``chi, eg, kappa`` come from the
    eps = 0 solution (e.g. a sweep at ``edge_width=0``).  Exact to leading order as the width
    goes to 0 (for "jump" the identity ``at = alpha chi / ((1 + chi)^2 Theta r)`` holds at every
    r, but with the chi of the smoothed solution).
    """
    if convention not in CONVENTIONS:
        raise V.FastqInputError(f"convention must be one of {', '.join(CONVENTIONS)} (got {convention!r})")
    value = V.positive("value", value)
    h, theta = field_terms(chi, eg, alpha, lam, rho)
    kappa = np.asarray(kappa, dtype=float)
    if convention == "absolute":
        return kappa / value
    if convention == "jump":
        chi = np.asarray(chi, dtype=float)
        return alpha * chi / ((1.0 + chi) ** 2 * theta * value)
    return kappa * theta / (h * value)


def solve_field(scheme: str, n_p: int, omega: float, alpha: float, sigma: float, lam: float,
                rho: float = 1.0, *, dz: float, tol: float = 1e-10, max_outer: int = 200, start=None):
    """RS solution under the field convention: the fixed point of ``eps = dz h(eps) / Theta(eps)``.

    Starts from the hard quantizer's solution (``eps_0 = dz h_0 / Theta_0``); each outer step is a
    warm-started :func:`fastq.solve_rs` at the current absolute eps.  Returns the
    :class:`fastq.replica.RSResult` at the last eps (its ``edge_width`` is that eps), with
    ``converged=False``/status "max_iter" unless ``|eps_new - eps| <= tol eps`` was reached.
    """
    dz = V.positive("dz", dz)
    max_outer = V.integer("max_outer", max_outer, 1)
    r = solve_rs(Quantizer(scheme, n_p, omega), alpha, sigma, lam, rho, start=start)
    if not r.converged:
        return r
    eps = dz * r.h / r.theta
    for _ in range(max_outer):
        r = solve_rs(Quantizer(scheme, n_p, omega, eps), alpha, sigma, lam, rho, start=(r.chi, r.eg))
        if not r.converged:
            return r
        new = dz * r.h / r.theta
        if abs(new - eps) <= tol * eps:
            return r
        eps = new
    return dataclasses.replace(r, converged=False, status="max_iter")


# ----------------------------------------------------------------------------- claims (I)-(IV)
def _row_fraction(rs, omega, lo=None):
    sel = np.ones(len(omega), bool) if lo is None else np.asarray(omega) >= lo
    return rs[:, sel].mean(axis=1)


def claims(panels: dict, *, small_np: int = 8, large_omega: float = 5.0) -> dict:
    """Numbers and verdicts for the paper's claims on four Fig. 2 panels.

    ``panels[(scheme, lam)] = (n_p, omega, rs)`` for scheme in uniform/log and lam in 0/1 (rs a
    boolean n_p x omega array).  Operational readings:

    * (I) the smallest-omega column is RS at every n_p, and the RS share of a row grows with b
      (mean over the top quarter of n_p above the bottom quarter), in every panel;
    * (II) the RS fraction at lam = 1 exceeds the one at lam = 0, for each scheme;
    * (III) among n_p = 2, 4, ..., ``small_np`` the even rows that are RS "peaks" on
      ``omega >= large_omega`` (RS share at least 0.25 above both odd neighbours); holds in a
      panel with at least 3 peaks of 4, partly with 1-2;
    * (IV) the log RS fraction exceeds the uniform one, for each lam.

    Returns ``{"fractions": {...}, "I": {...}, ..., "IV": {...}}``, each claim with its numbers
    and ``verdict`` in {"holds", "does not hold", "depends"}.
    """
    ok = isinstance(panels, dict) and panels and all(
        isinstance(k, tuple) and len(k) == 2 and isinstance(v, (tuple, list)) and len(v) == 3
        for k, v in panels.items())
    if not ok:
        raise TypeError("panels must be a non-empty dict {(scheme, lam): (n_p, omega, rs)} "
                        f"(got {panels!r:.80})")
    frac = {f"{s} lam={lam:g}": float(np.mean(p[2])) for (s, lam), p in panels.items()}
    out = {"fractions": frac}
    first, grow = {}, {}
    for (s, lam), (n_p, omega, rs) in panels.items():
        row = _row_fraction(rs, omega)
        q = max(1, len(n_p) // 4)
        first[f"{s} lam={lam:g}"] = float(rs[:, 0].mean())
        grow[f"{s} lam={lam:g}"] = [float(row[:q].mean()), float(row[-q:].mean())]
    ok = [first[k] == 1.0 and grow[k][1] > grow[k][0] for k in first]
    out["I"] = {"smallest_omega_rs_share": first, "row_share_bottom_top": grow,
                "verdict": _verdict(ok)}
    ii = {s: [frac[f"{s} lam=0"], frac[f"{s} lam=1"]] for s in ("uniform", "log")}
    out["II"] = {"lam0_lam1": ii, "verdict": _verdict([v[1] > v[0] for v in ii.values()])}
    peaks, level = {}, []
    for (s, lam), (n_p, omega, rs) in panels.items():
        row = dict(zip((int(n) for n in n_p), _row_fraction(rs, omega, large_omega)))
        pk = [n for n in range(2, small_np + 1, 2)
              if n in row and n + 1 in row and row[n] >= max(row[n - 1], row[n + 1]) + 0.25]
        peaks[f"{s} lam={lam:g}"] = pk
        level.append(2 if len(pk) >= 3 else (1 if pk else 0))
    out["III"] = {"even_peaks": peaks, "verdict": "holds" if min(level) == 2 else
                  ("does not hold" if max(level) == 0 else "depends")}
    iv = {f"lam={lam:g}": [frac[f"uniform lam={lam:g}"], frac[f"log lam={lam:g}"]] for lam in (0, 1)}
    out["IV"] = {"uniform_log": iv, "verdict": _verdict([v[1] > v[0] for v in iv.values()])}
    return out


def _verdict(oks) -> str:
    return "holds" if all(oks) else ("does not hold" if not any(oks) else "depends")
