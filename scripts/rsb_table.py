"""Regenerate docs/rsb/table.{csv,json} and docs/rsb/energy_vs_omega.png from the exact studies.

Reads every exact study under docs/exact/ and docs/rsb/exact/ (JSON + NPZ written by
``fastq exact``), fits the training objective per weight as a + b/N (``fit_inverse_n``), and puts
the RS energy ``alpha Eg / (1 + chi)^2 + lam Q / 2`` and the 1RSB energy (``solve_rsb``) beside it,
with Eg likewise.  Usage: ``python scripts/rsb_table.py`` (about a minute per setting under load).
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import fastq
from fastq.exact import fit_inverse_n
from fastq.plotting._canvas import new_figure, save_figure
from fastq.store import atomic_write_bytes, metadata, read_json, write_csv, write_json

ROOT = Path(__file__).resolve().parents[1] / "docs"
OUT = ROOT / "rsb"


def studies():
    for js in sorted(list((ROOT / "exact").glob("*/exact*.json")) + list((OUT / "exact").glob("*/exact*.json"))):
        yield js, js.with_suffix(".npz")


def row_of(js, npz):
    doc = read_json(js)
    p = doc["params"]
    qd = p["quantizer"]
    with np.load(npz) as z:
        sizes, obj, eg = z["sizes"], z["objective"], z["eg_exact"]
    e = obj / sizes[:, None]
    k = e.shape[1]
    fe = fit_inverse_n(sizes, e.mean(1), e.std(1, ddof=1) / math.sqrt(k))
    fg = fit_inverse_n(sizes, eg.mean(1), eg.std(1, ddof=1) / math.sqrt(k))
    q = fastq.Quantizer(qd["scheme"], qd["n_p"], qd["omega"])
    r = fastq.solve_rsb(q, p["alpha"], p["sigma"], p["lam"], p["rho"])
    return {"study": str(js.relative_to(ROOT)), "scheme": qd["scheme"], "n_p": qd["n_p"],
            "omega": qd["omega"], "alpha": p["alpha"], "sigma": p["sigma"], "lam": p["lam"],
            "sizes": f"{int(sizes[0])}-{int(sizes[-1])}", "instances": k,
            "not_optimal": int(np.sum(~z_opt(npz))),
            "energy_exact": fe["a"], "energy_exact_err": fe["a_err"], "energy_chi2_dof": fe["chi2_dof"],
            "energy_rs": r.energy_rs, "energy_1rsb": r.energy,
            "energy_rs_sigmas": (r.energy_rs - fe["a"]) / fe["a_err"],
            "energy_1rsb_sigmas": (r.energy - fe["a"]) / fe["a_err"],
            "eg_exact": fg["a"], "eg_exact_err": fg["a_err"], "eg_rs": r.eg_rs, "eg_1rsb": r.eg,
            "eg_rs_sigmas": (r.eg_rs - fg["a"]) / fg["a_err"], "eg_1rsb_sigmas": (r.eg - fg["a"]) / fg["a_err"],
            "mu": r.mu, "delta": r.delta, "chi_1rsb": r.chi, "kappa1": r.kappa1, "kappa_rs": r.kappa_rs,
            "d2e_dmu2": r.d2e_dmu2, "quad_error": r.quad_error, "rsb_converged": r.converged,
            "rsb_status": r.status}


def z_opt(npz):
    with np.load(npz) as z:
        return z["optimal"]


def figure(rows, path):
    """Three panels at uniform b = 2: energy, energy minus RS, Eg (RS, 1RSB, exact with errors)."""
    fig, axes = new_figure(1, 3, size=(5.0, 4.0))
    axes = axes[0]
    sel = sorted([r for r in rows if r["scheme"] == "uniform" and r["n_p"] == 2 and r["lam"] == 0.01],
                 key=lambda r: r["omega"])
    om = np.linspace(0.3, 1.6, 14)
    theory = [fastq.solve_rsb(fastq.Quantizer.uniform(2, w), 1.4, 0.01, 0.01) for w in om]
    e_rs = np.array([t.energy_rs for t in theory])
    panels = ((axes[0], "energy", "training objective per weight", 0.0),
              (axes[1], "energy", "objective minus RS objective", None),
              (axes[2], "eg", "Eg", 0.0))
    for ax, key, label, shift in panels:
        base = e_rs if shift is None else 0.0
        ax.plot(om, np.array([getattr(t, f"{key}_rs") for t in theory]) - base, "k-", label="RS")
        ax.plot(om, np.array([getattr(t, key) if t.converged else np.nan for t in theory]) - base, "r--",
                marker=".", label="1RSB (max over mu)")
        xs = [r["omega"] for r in sel]
        b = [r["energy_rs"] for r in sel] if shift is None else 0.0
        ax.errorbar(xs, np.array([r[f"{key}_exact"] for r in sel]) - b, yerr=[r[f"{key}_exact_err"] for r in sel],
                    fmt="o", color="C0", label="exact minimizer, N -> inf")
        ax.set_xlabel("omega")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    fig.suptitle("uniform b = 2, alpha = 1.4, sigma = lam = 0.01 (hard quantizer)")
    return save_figure(fig, path)


def markdown(rows):
    """The table as Markdown (pasted into docs/rsb.md)."""
    head = ("| setting | N, instances | E exact | E RS (sigmas) | E 1RSB (sigmas) | Eg exact | Eg RS (sigmas) "
            "| Eg 1RSB (sigmas) | mu | Delta | kappa RS / 1RSB | quad_error |")
    out = [head, "|" + "---|" * 12]
    for r in rows:
        out.append(f"| {r['scheme']} n_p={r['n_p']} omega={r['omega']:g} lam={r['lam']:g} | {r['sizes']}, "
                   f"{r['instances']} | {r['energy_exact']:.4f} ± {r['energy_exact_err']:.4f} | "
                   f"{r['energy_rs']:.4f} ({r['energy_rs_sigmas']:+.1f}) | {r['energy_1rsb']:.4f} "
                   f"({r['energy_1rsb_sigmas']:+.1f}) | {r['eg_exact']:.4f} ± {r['eg_exact_err']:.4f} | "
                   f"{r['eg_rs']:.4f} ({r['eg_rs_sigmas']:+.1f}) | {r['eg_1rsb']:.4f} ({r['eg_1rsb_sigmas']:+.1f}) | "
                   f"{r['mu']:.3g} | {r['delta']:.3g} | {r['kappa_rs']:.3f} / {r['kappa1']:.3f} | "
                   f"{r['quad_error']:.1e} |")
    return "\n".join(out) + "\n"


def main():
    rows = [row_of(js, npz) for js, npz in studies()]
    header = list(rows[0].keys())
    write_csv(OUT / "table.csv", header, [[r[h] for h in header] for r in rows])
    doc = metadata("rsb_table", {"source": "scripts/rsb_table.py", "fit": "a + b/N, weighted, error "
                                 "inflated by sqrt(chi2/dof) when > 1"})
    doc["rows"] = rows
    write_json(OUT / "table.json", doc)
    atomic_write_bytes(OUT / "table.md", markdown(rows).encode())
    figure(rows, OUT / "energy_vs_omega.png")
    for r in rows:
        print(f"{r['scheme']:8s} np={r['n_p']} w={r['omega']:<4g} lam={r['lam']:<5g} N {r['sizes']:>6s} "
              f"E exact {r['energy_exact']:.4f}±{r['energy_exact_err']:.4f} RS {r['energy_rs']:.4f} "
              f"({r['energy_rs_sigmas']:+.1f}) 1RSB {r['energy_1rsb']:.4f} ({r['energy_1rsb_sigmas']:+.1f}) | "
              f"Eg exact {r['eg_exact']:.4f}±{r['eg_exact_err']:.4f} RS {r['eg_rs']:.4f} "
              f"1RSB {r['eg_1rsb']:.4f} mu={r['mu']:.3g} {r['rsb_status']}")


if __name__ == "__main__":
    main()
