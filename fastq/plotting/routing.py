"""Figures of permutation routing across copies, drawn from the files the figure makers write."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._canvas import new_figure, save_figure

_BASELINES = (("routed", "routed copies (best M, p, kernel)", "C3"), ("independent", "independent copies", "C0"),
              ("elastic", "elastic coupling", "C2"), ("single_total", "one model, M alpha N samples", "k"),
              ("vote_routed", "vote of routed copies", "C1"))


def plot_claims(json_path, png_path):
    """Per setting: the copies' error of the best routed configuration against the baselines
    (means and standard errors over the reported seeds), from ``routing_claims.json``.
    """
    rows = json.loads(Path(json_path).read_text())["rows"]
    fig, axes = new_figure(1, 1, size=(9.0, 4.5))
    ax = axes[0, 0]
    x = np.arange(len(rows))
    width = 0.16
    for k, (key, label, color) in enumerate(_BASELINES):
        ax.errorbar(x + (k - 2) * width, [r[key] for r in rows], yerr=[r[f"{key}_se"] for r in rows], fmt="o",
                    color=color, ms=4, capsize=2, label=label)
    ax.set_xticks(x, [r["setting"].replace(" / ", "\n") for r in rows], fontsize=7)
    ax.set_ylabel("generalization / test error at the last alpha")
    ax.set_title("Does routing help? best routed configuration vs baselines (same seeds)", fontsize=9)
    ax.legend(fontsize=7)
    return save_figure(fig, png_path)


def plot_hebb(npz_path, png_path):
    """Hebb's rule with routing (points, p = 0 and p = 1) against the closed forms (lines)."""
    with np.load(npz_path) as z:
        d = {k: z[k] for k in z.files}
    fig, axes = new_figure(1, 1, size=(5.5, 4.2))
    ax = axes[0, 0]
    for b, bits in enumerate(d["bits"]):
        color = f"C{b}"
        ax.plot(d["alpha_fine"], d["theory"][b], color=color, lw=1.4, label=f"closed form, bits={bits}")
        for j, p in enumerate(d["p"]):
            ax.errorbar(d["alpha"] * (1 + 0.03 * j), d["mean"][b, j], yerr=d["se"][b, j], fmt="os"[j % 2],
                        color=color, ms=3.5, mfc="none" if j else color,
                        label=f"simulation p={p:g}" if b == 0 else None)
    ax.set_xlabel("alpha = steps / N per copy")
    ax.set_ylabel("eg = arccos(R) / pi")
    ax.set_title("online Hebb with routing vs closed forms", fontsize=9)
    ax.legend(fontsize=7)
    return save_figure(fig, png_path)


#: binary teacher-student perceptron: Gibbs learning generalizes perfectly, Bayes-optimal AMP
#: generalizes perfectly, storage capacity of random patterns (alpha values)
THEORY_MARKS = (("capacity 0.833", 0.833), ("Gibbs 1.245", 1.245), ("AMP 1.493", 1.493))
_CURVES = (("independent", "independent copies", "C0", "o"), ("routed", "routed copies (chosen kernel, p)", "C3", "s"),
           ("replicated", "robust ensemble (replicated)", "C2", "^"), ("elastic", "elastic", "C4", "v"),
           ("one_model", "one model, M E epochs", "k", "x"), ("vote_routed", "vote of routed copies", "C1", "D"),
           ("vote_independent", "vote of independent copies", "C5", "d"))


def plot_finite(json_path, png_path, copies=4, marks=True, diffs=False):
    """Test error against alpha on a finite training set, one panel per setting (M = ``copies``),
    routed copies against every baseline; ``marks``: the theory marks of the binary perceptron as
    lines; ``diffs``: a second row with the paired differences routed - independent (copies and
    votes) for every M (means and standard errors over the reported seeds).
    """
    every = json.loads(Path(json_path).read_text())["rows"]
    rows = [r for r in every if r["copies"] == copies] or every
    labels = list(dict.fromkeys(r["setting"] for r in rows))
    if diffs:
        fig, axes = new_figure(2, len(labels), size=(5.2, 3.6))
        _plot_diffs(axes[1], every, labels)
    else:
        fig, axes = new_figure(1, len(labels), size=(5.2 * len(labels), 4.2))
    for ax, label in zip(axes[0], labels):
        rs = [r for r in rows if r["setting"] == label]
        a = np.array([r["alpha"] for r in rs])
        for key, name, color, mk in _CURVES:
            ax.errorbar(a, [r[key] for r in rs], yerr=[r[f"{key}_se"] for r in rs], color=color, marker=mk, ms=3.5,
                        lw=1.0, capsize=2, label=name)
        for text, x in THEORY_MARKS if marks else ():
            ax.axvline(x, color="0.6", lw=0.8, ls=":")
            ax.text(x, 0.98, text, rotation=90, va="top", ha="right", fontsize=6, transform=ax.get_xaxis_transform())
        ax.set_xlabel("alpha = P / N (training set shared by the copies)")
        ax.set_ylabel("test error")
        ax.set_title(f"{label}, M = {rs[0]['copies']}", fontsize=8)
    axes[0, 0].legend(fontsize=6)
    return save_figure(fig, png_path)


def _plot_diffs(axes, rows, labels):
    """Paired differences routed - independent (copies: solid, vote: dashed) per M, one panel per setting."""
    for ax, label in zip(axes, labels):
        rs = [r for r in rows if r["setting"] == label]
        for i, m in enumerate(sorted({r["copies"] for r in rs})):
            sub = [r for r in rs if r["copies"] == m]
            a = np.array([r["alpha"] for r in sub]) * (1 + 0.015 * i)
            for key, ls, mk in (("routed_minus_independent", "-", "o"),
                                ("vote_routed_minus_vote_independent", "--", "s")):
                ax.errorbar(a, [r[key] for r in sub], yerr=[r[f"{key}_se"] for r in sub], color=f"C{i}", ls=ls,
                            marker=mk, ms=3, lw=1.0, capsize=2,
                            label=f"M = {m}, {'copies' if key.startswith('routed') else 'vote'}")
        ax.axhline(0.0, color="0.5", lw=0.8)
        ax.set_xlabel("alpha = P / N")
        ax.set_ylabel("routed - independent (paired)")
        ax.set_title(f"{label}: routed - independent, held-out seeds", fontsize=8)
    axes[0].legend(fontsize=6, ncol=2)
