"""The exact-minimizer study: Eg against 1/N with the a + b/N extrapolation, AMP, rounded ridge, RS."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ._canvas import new_figure, save_figure


def plot_study(result, path, *, title: str | None = None) -> Path:
    """Eg against 1/N: exact (with the a + b/N fit extrapolated to 1/N = 0), AMP, rounded ridge, RS."""
    s = result.summary
    x = np.array([1.0 / r["n"] for r in s])
    fig, axes = new_figure(1, 1, size=(5.6, 4.8))
    ax = axes[0, 0]

    def series(key, label, fmt, **kw):
        y = np.array([r[key] for r in s], dtype=float)
        e = np.array([r[key + "_se"] for r in s], dtype=float)
        if np.all(np.isnan(y)):
            return
        ax.errorbar(x, y, yerr=e, fmt=fmt, capsize=2, label=label, **kw)

    series("eg_exact", "exact minimizer", "o", color="C0")
    if result.amp_available:
        series("eg_amp_requantized", f"AMP, phi(mbar) (eps={result.rs['edge_width']:g})", "s", color="C2", ms=4)
    series("eg_rounded_ridge", "rounded ridge", "^", color="C1", ms=4)
    f = result.fit
    xx = np.linspace(0.0, x.max() * 1.05, 50)
    ax.plot(xx, f["a"] + f["b"] * xx, "-", color="C0", lw=1,
            label=f"fit a + b/N: a = {f['a']:.4f} ± {f['a_err']:.4f}")
    ax.errorbar([0.0], [f["a"]], yerr=[f["a_err"]], fmt="o", mfc="white", color="C0", capsize=3)
    if result.rs["converged"]:
        ax.axhline(result.rs["eg"], color="k", ls="--", lw=1, label=f"RS, eps=0: {result.rs['eg']:.4f}")
    ax.set_xlabel("1 / N")
    ax.set_ylabel("Eg")
    p = result.params
    q = p["quantizer"]
    phase = "RS" if result.rs["rs_phase_edge"] else "RSB"
    ax.set_title(title or (f"{q['scheme']} n_p={q['n_p']} omega={q['omega']:g}, alpha={p['alpha']:g} "
                           f"sigma={p['sigma']:g} lam={p['lam']:g}\n({phase} at eps={result.rs['edge_width']:g}, "
                           f"AT={result.rs['at_edge']:.2f}; {p['instances']} instances per N)"), fontsize=8)
    ax.set_xlim(left=-0.002)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    return save_figure(fig, path, dpi=120)
