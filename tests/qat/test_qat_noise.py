"""The noise twin of the QAT study (fastq.qat.noise_twin) and its place in the study.

Tolerances and why:
* injected variance: the ratio of the measured sum of e^2 to the nominal sum of Delta^2/12 has
  standard error sqrt(2 sum v^2) / sum v for Gaussian draws; asserted within 4 of them (a 6e-5
  false-alarm rate), and the mean of e within 4 standard errors of 0.
* the training loop against the NumPy loop written from the definition (same seeds, same draw
  order): 1e-10 on every parameter, as for the STE loop (rounding of 1e-16 per step).
* the steps Delta_l equal those of the quantizer bit for bit (same formula, same operations).
"""
import json
import math

import numpy as np
import pytest

import fastq
from fastq.cli import main
from fastq.qat.mlp import MLPSpec, init_params, quantize_params, train
from fastq.qat.noise_twin import inject_weight_noise, train_noise_twin
from fastq.qat.study import qat_study
from tests.qat import naive_qat as N


def _data(din, classes, n=40, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, din)), rng.integers(0, classes, n)


@pytest.mark.parametrize("bits", [2, 3, 8])
def test_injected_noise_has_the_bin_variance(bits):
    spec = MLPSpec((40, 150, 10), bits=bits)
    th = init_params(spec, 3)
    _, _, q_steps = quantize_params(spec, th)
    sums = np.zeros((2, 2))  # layer x (sum e^2, sum e)
    counts = np.zeros(2)
    for k in range(10):
        noisy, steps = inject_weight_noise(spec, th, seed=k)
        np.testing.assert_array_equal(steps, q_steps)  # the bin width of this setting, right now
        for l, (ws, bs) in enumerate(spec.layer_slices()):
            np.testing.assert_array_equal(noisy[bs], th[bs])  # biases stay clean
            e = noisy[ws] - th[ws]
            sums[l] += (np.sum(e * e), np.sum(e))
            counts[l] += e.size
    for l in range(2):
        var = q_steps[l] ** 2 / 12.0
        ratio = sums[l, 0] / (counts[l] * var)
        assert abs(ratio - 1.0) < 4.0 * math.sqrt(2.0 / counts[l]), (l, ratio)
        assert abs(sums[l, 1] / counts[l]) < 4.0 * math.sqrt(var / counts[l])


@pytest.mark.parametrize("dims,bits,act_bits,wd", [((5, 7, 3), 2, None, 1e-3), ((5, 6, 4, 3), 3, None, 0.0),
                                                   ((5, 7, 3), 4, 3, 0.0)])
def test_noise_twin_training_matches_numpy_reference(dims, bits, act_bits, wd):
    spec = MLPSpec(dims, bits=bits, act_bits=act_bits, act_clip=2.0)
    X, y = _data(dims[0], dims[-1], n=50, seed=7)
    r = train_noise_twin(spec, X, y, epochs=5, batch=8, lr=0.05, momentum=0.9, weight_decay=wd, seed=11)
    t_ref, draws = N.train_noise(dims, X, y, epochs=5, batch=8, lr=0.05, momentum=0.9, weight_decay=wd,
                                 n_half=spec.n_half, clip_mult=spec.clip, seed=11, a_levels=spec.a_levels,
                                 a_clip=2.0)
    assert r.converged and r.status == "converged"
    assert np.abs(r.theta - t_ref).max() < 1e-10
    # the twin starts where its QAT network starts (same seed children)
    q = train(spec, X, y, epochs=1, batch=8, lr=0.05, seed=11)
    np.testing.assert_array_equal(r.theta_init, q.theta_init)
    # the injected variance measured over the run, against the reference's own draws
    e2 = sum(float(np.sum(e * e)) for e, _ in draws)
    nominal = sum(v * e.size for e, v in draws)
    v2 = sum(v * v * e.size for e, v in draws)
    assert r.draws == sum(e.size for e, _ in draws)
    assert r.var_ratio == pytest.approx(e2 / nominal, rel=1e-9)
    assert r.var_ratio_se == pytest.approx(math.sqrt(2 * v2) / nominal, rel=1e-9)
    assert abs(r.var_ratio - 1.0) < 4.0 * r.var_ratio_se


def test_noise_twin_refuses_full_precision():
    spec = MLPSpec((5, 7, 3))
    X, y = _data(5, 3)
    with pytest.raises(fastq.FastqInputError, match="noise twin"):
        train_noise_twin(spec, X, y, epochs=1, batch=8, lr=0.1, seed=0)
    with pytest.raises(fastq.FastqInputError, match="noise twin"):
        inject_weight_noise(spec, init_params(spec, 0), seed=0)


TINY = dict(bits=(2, 0), widths=(6,), lrs=(0.1,), seeds=3, epochs=2, n_measure=50, probes=2, mc=1,
            corruption=(0.0, 1.0), n_train=120, n_test=200)


def test_study_with_noise_control():
    plain = qat_study("teacher", **TINY)
    r = qat_study("teacher", noise_control=True, **TINY)
    t = r.table
    assert r.n_models == 9 and r.summary["n_trained"] == 9
    twin = t["noise"] == 1
    assert twin.sum() == 3 and np.all(t["bits"][twin] == 2)
    assert np.all(np.isnan(t["noise_var_ratio"][~twin]))
    # the injected variance of each twin over its whole run: within 4 standard errors of Delta^2/12
    se = t["noise_var_ratio_se"][twin]
    assert np.all(se > 0) and np.all(np.abs(t["noise_var_ratio"][twin] - 1.0) < 4 * se)
    # the QAT and fp rows are those of the study without twins (same seeds, same order)
    for c in ("test_acc", "gap_loss", "hessian_trace"):
        np.testing.assert_array_equal(t[c][~twin], plain.table[c])
    nc = r.summary["noise_control"]["2"]
    assert nc["twins"] == 3 and nc["qat_minus_twin"]["pairs"] == 3 and nc["twin_minus_fp"]["pairs"] == 3
    d = t["gap_acc"][:3] - t["gap_acc"][twin]
    assert nc["qat_minus_twin"]["gap_acc"]["mean_diff"] == pytest.approx(d.mean(), abs=1e-15)
    # robustness reported in absolute accuracy beside the accuracy lost
    p = r.summary["paired"]["2"]
    assert p["acc_noise_1"]["mean_diff"] == pytest.approx(np.mean(t["acc_noise_1"][:3] - t["acc_noise_1"][3:6]))
    assert "drop_1" in p and "acc_noise_1" in r.summary["by_bits"]["2"]
    for b in ("2", "0"):
        for c in ("test_acc", "gap_acc", "acc_noise_1"):
            assert plain.summary["by_bits"][b][c] == r.summary["by_bits"][b][c]


def test_cli_noise_control_and_hidden_aliases(tmp_path, capsys):
    argv = ["qat", "--dataset", "teacher", "--bits", "2,0", "--widths", "6", "--lr", "0.1", "--runs", "2",
            "--epochs", "2", "--n-train", "100", "--n-measure", "40", "--probes", "2", "--mc", "1",
            "--noise-control", "--out", str(tmp_path), "--json"]
    assert main(argv) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["n_models"] == 6 and d["trained"] == 6 and d["diverged"] == 0
    nc = d["noise_control"]["2"]
    assert nc["twins"] == 2 and set(nc["qat_minus_twin"]) >= {"gap_acc", "test_acc", "hessian_trace", "sigma"}
    # old spellings: hidden aliases with the same meaning
    old = ["qat", "--dataset", "teacher", "--bits", "2,0", "--widths", "6", "--lrs", "0.1", "--seeds", "2",
           "--epochs", "2", "--n-train", "100", "--n-measure", "40", "--probes", "2", "--mc", "1",
           "--n-features", "20", "--noise-control", "--out", str(tmp_path), "--json"]
    assert main(old) == 0
    d2 = json.loads(capsys.readouterr().out)
    assert d2["key"] == d["key"]
