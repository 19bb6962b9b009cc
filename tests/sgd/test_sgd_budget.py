"""The batch claim at a fixed sample budget: schedule, exact recursion against simulation.

The fixed-budget settings (``B T`` fixed, ``gamma = min(B gamma_1, cap gamma_max(B))``) are
simulated and must agree with the exact recursion within 3 standard errors at every checkpoint
(two stages, as in test_sgd_simulation).
"""
import numpy as np
import pytest

from fastq.sgd import sgd_risk, sgd_simulate, sgd_stability
from fastq.sgd.experiments import budget_schedule


def test_schedule_keeps_budget_and_caps_gamma():
    base = dict(dim=20, decay=2.0, teacher_decay=0.0, batch=1, gamma=0.3, steps=64, sigma=0.1)
    sch = budget_schedule(base, (1, 2, 4, 8, 16), budget=64, cap=0.5, quant={"gradient": "add:0.01"})
    assert [k["batch"] * k["steps"] for k in sch] == [64] * 5
    for k in sch:
        gmax = sgd_stability(**{**k, "gamma": 1.0}, gradient="add:0.01").gamma_max
        assert k["gamma"] == pytest.approx(min(k["batch"] * 0.3, 0.5 * gmax), rel=1e-15)
    assert sch[0]["gamma"] == 0.3 and sch[-1]["gamma"] < 16 * 0.3
    with pytest.raises(ValueError):
        budget_schedule(base, (3,), budget=64)


@pytest.mark.parametrize("target", ["activation", "gradient"])
def test_fixed_budget_simulation_matches_recursion(target):
    base = dict(dim=10, decay=1.5, teacher_decay=0.5, batch=1, gamma=0.15, steps=64, sigma=0.3)
    q = {target: "add:0.05"}
    for n, kw in enumerate(budget_schedule(base, (1, 4, 16), budget=64, cap=0.5, quant=q)):
        ex = sgd_risk(checkpoints=4, **kw, **q)
        for runs, seed in ((400, 50 + n), (3200, 100_050 + n)):
            sim = sgd_simulate(runs=runs, seed=seed, checkpoints=4, **kw, **q)
            z = (sim.mean - ex.risk) / sim.se
            if np.max(np.abs(z)) <= 3.0:
                break
        assert ex.status == "converged" and np.all(np.abs(z) <= 3.0), (kw, z)
