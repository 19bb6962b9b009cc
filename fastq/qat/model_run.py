"""Train and measure one network of the study: one row of the results table.

:func:`run_model` trains a network with :func:`fastq.qat.mlp.train` and measures it with
:mod:`fastq.qat.measures`; :data:`COLUMNS` documents every column of the row (units, meaning).
The randomness of model ``(bits, width, lr, seed_index)`` comes from the ``seed_index``-th
child of the study seed, split into training / Hessian probes / perturbations / corruption
draws, so models that differ only in bits, width or learning rate share their draws (paired
comparisons) and nothing depends on which worker runs them.  A noise twin (``task["noise"]``,
:mod:`fastq.qat.noise_twin`) uses the same children as its QAT network (same initialization
and batches) and is measured at its clean latent weights.
"""
from __future__ import annotations

import math
import time

import numpy as np

#: name -> description of every column of the study table
COLUMNS = {
    "model": "index of the model in the grid (bits x width x lr x seed, row-major)",
    "bits": "weight bits (0 = full precision)",
    "noise": "1 = noise twin of this bits setting (Gaussian weight noise of variance Delta^2/12, no rounding)",
    "width": "hidden width (every hidden layer)",
    "depth": "hidden layers",
    "lr": "learning rate",
    "seed_index": "index of the model seed (child of the study seed)",
    "act_bits": "activation bits (0 = not quantized)",
    "n_params": "number of parameters",
    "status": "training status: converged (all epochs, finite) or diverged",
    "train_loss": "mean cross-entropy on the training set (deployed weights)",
    "test_loss": "mean cross-entropy on the test set (deployed weights)",
    "train_acc": "accuracy on the training set",
    "test_acc": "accuracy on the test set",
    "gap_loss": "test_loss - train_loss",
    "gap_acc": "train_acc - test_acc",
    "train_loss_latent": "training cross-entropy of the latent (unquantized) weights",
    "param_norm": "||theta_q|| (deployed parameters)",
    "dist_init": "||theta_q - theta_init||",
    "hessian_trace": "Hutchinson estimate of tr H of the training loss on the measure set",
    "hessian_trace_se": "standard error of hessian_trace over probes",
    "noise_reg_term": "QGen's regularizer sum_l Delta_l^2/24 tr(H_l) (0 for full precision)",
    "qnoise_sigma": "rms quantization noise sqrt(mean Delta_l^2/12) over weights (NaN for fp)",
    "sigma": "Jiang et al. sigma' (plain Gaussian perturbation, accuracy drop 0.1)",
    "sigma_status": "status of the sigma' search",
    "sigma_mag": "magnitude-aware sigma' (accuracy drop 0.1)",
    "sigma_mag_status": "status of the magnitude-aware search",
    "pb_flatness": "1 / sigma'^2",
    "pb_bound_init": "||w - w0||^2/(4 sigma'^2) + log(m/sigma') + 10",
    "pb_mag_flatness": "1 / sigma_mag'^2",
    "pb_mag_bound_init": "Jiang et al.'s magnitude-aware PAC-Bayes bound term (docs/qgen.md)",
    "pb_bound_qnoise": "pb_bound_init with sigma' replaced by qnoise_sigma (NaN for fp)",
    "final_epoch_loss": "mean minibatch loss of the last epoch (latent training objective)",
    "noise_var_ratio": "noise twin: injected variance / nominal Delta^2/12 over all draws (NaN otherwise)",
    "noise_var_ratio_se": "standard error of noise_var_ratio, sqrt(2 sum v^2) / sum v (NaN otherwise)",
    "seconds": "wall time of training and measuring this model",
}


def corruption_columns(levels) -> list[str]:
    """Table column names of the accuracy under each input-noise level."""
    return [f"acc_noise_{s:g}" for s in levels]


def run_model(task: dict, cfg: dict) -> dict:
    """One model: ``task`` has model, bits, width, lr, seed_index; ``cfg`` the study settings
    (see :func:`fastq.qat.study.qat_study`).  Returns the row (dict keyed by column).
    """
    from ..synthetic import spawn_seeds
    from .datasets import load_dataset
    from .measures import (
        corruption_accuracy,
        hessian_trace,
        pacbayes_measures,
        perturbation_sigma,
        quantization_noise_sigma,
    )
    from .mlp import MLPSpec, evaluate, train
    from .noise_twin import train_noise_twin

    t0 = time.perf_counter()
    data = load_dataset(cfg["dataset"], **cfg["data"])
    bits = task["bits"] or None
    twin = bool(task.get("noise", 0))
    dims = (data.n_features,) + (task["width"],) * cfg["depth"] + (data.classes,)
    spec = MLPSpec(dims, bits=bits, act_bits=cfg["act_bits"] or None, act_clip=cfg["act_clip"])
    root = spawn_seeds(cfg["seed"], task["seed_index"] + 1)[task["seed_index"]]
    s_train, s_hess, s_sig, s_cor = spawn_seeds(root, 4)
    kw = dict(epochs=cfg["epochs"], batch=cfg["batch"], lr=task["lr"], momentum=cfg["momentum"],
              weight_decay=cfg["weight_decay"], seed=s_train)
    if twin:
        tr = train_noise_twin(spec, data.X_train, data.y_train, **kw)
        w_deployed, var_ratio, var_se = tr.theta, tr.var_ratio, tr.var_ratio_se
    else:
        tr = train(spec, data.X_train, data.y_train, **kw)
        w_deployed, var_ratio, var_se = tr.theta_q, math.nan, math.nan
    row = {k: task[k] for k in ("model", "bits", "width", "lr", "seed_index")}
    row.update(noise=int(twin), depth=cfg["depth"], act_bits=cfg["act_bits"], n_params=spec.n_params,
               status=tr.status, final_epoch_loss=float(tr.epoch_loss[-1]), noise_var_ratio=var_ratio,
               noise_var_ratio_se=var_se)
    nan_cols = [c for c in COLUMNS if c not in row and c not in ("seconds", "sigma_status", "sigma_mag_status")]
    levels = cfg["corruption"]
    if not tr.converged:
        row.update({c: math.nan for c in nan_cols + corruption_columns(levels)})
        row.update(sigma_status="diverged", sigma_mag_status="diverged",
                   seconds=time.perf_counter() - t0)
        return row
    w = w_deployed
    trl, tra = evaluate(spec, w, data.X_train, data.y_train)
    tel, tea = evaluate(spec, w, data.X_test, data.y_test)
    row.update(train_loss=trl, test_loss=tel, train_acc=tra, test_acc=tea, gap_loss=tel - trl,
               gap_acc=tra - tea, train_loss_latent=evaluate(spec, tr.theta, data.X_train, data.y_train)[0],
               param_norm=float(np.linalg.norm(w)), dist_init=float(np.linalg.norm(w - tr.theta_init)))
    nm = min(cfg["n_measure"], data.X_train.shape[0])
    Xm, ym = data.X_train[:nm], data.y_train[:nm]
    h = hessian_trace(spec, w, Xm, ym, probes=cfg["probes"], seed=s_hess)
    steps = tr.steps
    qsig = quantization_noise_sigma(spec, steps)
    s_plain, s_mag = spawn_seeds(s_sig, 2)
    sg = perturbation_sigma(spec, w, Xm, ym, mc=cfg["mc"], seed=s_plain)
    sm = perturbation_sigma(spec, w, Xm, ym, magnitude=True, mc=cfg["mc"], seed=s_mag)
    m = data.X_train.shape[0]
    row.update(hessian_trace=h.trace, hessian_trace_se=h.se,
               noise_reg_term=float(np.sum(steps**2 / 24.0 * h.layer_traces)),
               qnoise_sigma=qsig, sigma=sg.sigma, sigma_status=sg.status, sigma_mag=sm.sigma,
               sigma_mag_status=sm.status)
    row.update(pacbayes_measures(w, tr.theta_init, sg.sigma, sm.sigma, m, sigma_q=qsig))
    acc = corruption_accuracy(spec, w, data.X_test, data.y_test, levels, seed=s_cor)
    row.update(dict(zip(corruption_columns(levels), (float(a) for a in acc))))
    row["seconds"] = time.perf_counter() - t0
    return row
