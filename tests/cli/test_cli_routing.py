"""``fastq routing`` on a finite training set reports every baseline, with training errors."""
from __future__ import annotations

import contextlib
import io
import json

from fastq.cli import main


def _json(argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        rc = main(argv)
    return rc, json.loads(out.getvalue())


def test_finite_routing_reports_every_key():
    rc, d = _json(["routing", "--model", "perceptron", "--rule", "clipped", "--bits", "1", "--n", "201", "--alpha",
                   "1.2", "--epochs", "40", "--copies", "4", "--p", "0.5", "--runs", "4", "--json"])
    assert rc == 0 and d["status"] == "converged" and d["n_train"] == 241 and d["epochs"] == 40
    for k in ("eg_copies", "eg_independent", "eg_replicated", "eg_elastic", "eg_vote", "eg_one_model", "eg_centre"):
        assert 0.0 < d[k] < 0.5 and d[f"{k}_se"] > 0, k
        if k != "eg_centre":  # training errors beside every test error but the centre's
            assert 0.0 <= d["et_" + k[3:]] < 0.5 and d["et_" + k[3:] + "_se"] >= 0, k
    assert abs(d["diff"] - (d["eg_copies"] - d["eg_independent"])) < 1e-12


def test_hidden_aliases_keep_working():
    """--gamma and --eta are the old names of --coupling and --lr (hidden from --help)."""
    base = ["routing", "--n", "20", "--alpha", "1", "--copies", "2", "--runs", "2", "--n-test", "20", "--json"]
    _, a = _json(base + ["--gamma", "0.2", "--eta", "0.5"])
    _, b = _json(base + ["--coupling", "0.2", "--lr", "0.5"])
    assert a == b and a["coupling"] == 0.2 and a["lr"] == 0.5
    from fastq.cli import build_parser

    sub = next(x for x in build_parser()._actions if x.dest == "command")
    text = sub.choices["routing"].format_help()
    assert "--coupling" in text and "--lr" in text and "--gamma" not in text and "--eta" not in text
