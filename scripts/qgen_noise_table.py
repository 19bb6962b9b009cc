"""Tables of a QAT study run with noise twins (``fastq qat --noise-control``): QAT vs its noise twin
vs full precision, per bit width, from the study's ``.json``/``.npz``.

    python scripts/qgen_noise_table.py docs/qgen/noise_digits/qat-digits-KEY.json [--by width|lr]

Prints markdown: means (+- s.e.) of the accuracy gap, the loss gap, test accuracy, the median
Hessian trace and sigma', the paired differences QAT - twin and twin - fp (same width, lr, seed),
and robustness as absolute accuracy under input noise beside the accuracy lost.
"""
from __future__ import annotations

import argparse
import math

import numpy as np

from fastq.qat import load_study


def _ms(v):
    v = np.asarray(v, float)
    v = v[np.isfinite(v)]
    return float(np.mean(v)), float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else math.nan


def _pairs(t, sel_a, sel_b):
    key = list(zip(t["width"], t["lr"], t["seed_index"]))
    other = {key[j]: j for j in np.flatnonzero(sel_b)}
    pr = [(i, other[key[i]]) for i in np.flatnonzero(sel_a) if key[i] in other]
    return np.array([p[0] for p in pr], int), np.array([p[1] for p in pr], int)


def _fmt(m, s, d=4):
    return f"{m:+.{d}f} +- {s:.{d}f}"


def table(t, sel, noise_cols):
    """Markdown rows for the models selected by ``sel`` (bool mask over the table)."""
    ok = sel & (t["status"] == "converged")
    bits = t["bits"]
    twin = t["noise"] == 1
    fp = ok & (bits == 0) & ~twin
    out = ["| bits | model | gap_acc | gap_loss | test acc | tr H (median) | sigma' (median) | "
           + " | ".join(f"acc @ {c[10:]} std (lost)" for c in noise_cols[1:]) + " |",
           "|---|---|---|---|---|---|---|" + "---|" * (len(noise_cols) - 1)]

    def row(b, name, m):
        cells = [str(b), name]
        for c in ("gap_acc", "gap_loss", "test_acc"):
            mu, se = _ms(t[c][m])
            cells.append(f"{mu:.4f} +- {se:.4f}")
        cells.append(f"{np.nanmedian(t['hessian_trace'][m]):.3g}")
        cells.append(f"{np.nanmedian(t['sigma'][m]):.3g}")
        for c in noise_cols[1:]:
            a = _ms(t[c][m])[0]
            lost = _ms(t[noise_cols[0]][m] - t[c][m])[0]
            cells.append(f"{a:.3f} ({lost:.3f})")
        return "| " + " | ".join(cells) + " |"

    for b in sorted(set(bits[ok].tolist()) - {0}):
        q = ok & (bits == b) & ~twin
        tw = ok & (bits == b) & twin
        out.append(row(b, "QAT", q))
        if tw.any():
            out.append(row(b, "noise twin", tw))
    out.append(row("full", "fp", fp))
    out.append("")
    out.append("| bits | pair | d gap_acc | d gap_loss | d test acc | d tr H | d sigma' | d sigma'_mag | "
               + " | ".join(f"d acc @ {c[10:]}" for c in noise_cols[1:]) + " |")
    out.append("|---|---|---|---|---|---|---|---|" + "---|" * (len(noise_cols) - 1))
    for b in sorted(set(bits[ok].tolist()) - {0}):
        q = ok & (bits == b) & ~twin
        tw = ok & (bits == b) & twin
        for name, a, c in (("QAT - fp", q, fp), ("QAT - twin", q, tw), ("twin - fp", tw, fp)):
            i, j = _pairs(t, a, c)
            if not i.size:
                continue
            cells = [str(b), name]
            for col, d in (("gap_acc", 4), ("gap_loss", 3), ("test_acc", 4), ("hessian_trace", 2), ("sigma", 3),
                           ("sigma_mag", 3)):
                cells.append(_fmt(*_ms(t[col][i] - t[col][j]), d))
            for col in noise_cols[1:]:
                cells.append(_fmt(*_ms(t[col][i] - t[col][j]), 3))
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main():
    """Print the tables of the study named on the command line."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--by", choices=("width", "lr"), default=None, help="one table per width or learning rate")
    a = ap.parse_args()
    st = load_study(a.json)
    t = {k: (np.asarray(v) if v.dtype != object else np.asarray(v, dtype=object)) for k, v in st.table.items()}
    if "noise" not in t:
        t["noise"] = np.zeros(len(t["bits"]))
    noise_cols = [c for c in t if c.startswith("acc_noise_")]
    print(f"{st.config['dataset']}: {len(t['bits'])} models, key {st.key}\n")
    if a.by is None:
        print(table(t, np.ones(len(t["bits"]), bool), noise_cols))
    else:
        for v in sorted(set(t[a.by].tolist())):
            print(f"\n### {a.by} = {v:g}\n")
            print(table(t, t[a.by] == v, noise_cols))


if __name__ == "__main__":
    main()
