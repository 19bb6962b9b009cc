"""Records and input checks shared by the three views of STE training (simulation, mean field,
stationary state).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V
from ..quantizers import Quantizer


def _check_quantizer(quantizer) -> Quantizer:
    if not isinstance(quantizer, Quantizer):
        raise V.FastqInputError(f"quantizer must be a fastq.Quantizer (got {type(quantizer).__name__})")
    if quantizer.edge_width != 0.0:
        raise V.FastqInputError(
            f"quantizer.edge_width must be 0: STE training uses the hard quantizer "
            f"(got {quantizer.edge_width!r}; pass quantizer.hard())")
    return quantizer


#: largest noise level and teacher scale, in units of the weights: beyond them the stationary
#: law spreads over so many bin widths that the solvers grind for minutes on a meaningless Eg
#: (the quantized model is then pure noise); measured: sigma 1e3 takes ~5 s, 1e5 did not finish
MAX_SIGMA, MAX_TEACHER = 1e3, 1e3


def _check_common(quantizer, eta, sigma, rho):
    q = _check_quantizer(quantizer)
    eta = V.in_range("eta", eta, 0.0, 2.0, lo_open=True, hi_open=True)
    sigma = V.in_range("sigma", sigma, 0.0, MAX_SIGMA)
    rho = V.in_range("rho", rho, 0.0, MAX_TEACHER ** 2, lo_open=True)
    return q, eta, sigma, rho


def _check_times(tau_max, dtau):
    tau_max = V.positive("tau_max", tau_max)
    dtau = V.positive("dtau", dtau)
    if dtau > tau_max:
        raise V.FastqInputError(f"dtau must be in (0, tau_max={tau_max:g}] (got {dtau!r})")
    n_rec = int(round(tau_max / dtau)) + 1
    if n_rec > 1_000_001:
        raise V.FastqInputError(f"dtau must give at most 1e6 records (tau_max/dtau = {tau_max / dtau:.3g})")
    return tau_max, dtau, n_rec


def _params(q, eta, sigma, rho, model=None):
    d = q.to_dict()
    d.update(eta=eta, sigma=sigma, rho=rho)
    if model is not None:
        d.update(model.to_dict())
    return d


def _check_snapshots(snapshots, tau_max, dtau):
    """Sorted snapshot times, each a whole number of records ``dtau`` in ``[0, tau_max]``."""
    if snapshots is None:
        return np.empty(0), np.empty(0, dtype=np.int64)
    try:
        t = np.atleast_1d(np.asarray(snapshots, dtype=float))
    except (TypeError, ValueError):
        raise V.FastqInputError(f"snapshots must be a sequence of times in [0, tau_max] (got {snapshots!r})") from None
    idx = np.rint(t / dtau).astype(np.int64) if t.size else np.empty(0, dtype=np.int64)
    if t.ndim != 1 or not np.all(np.isfinite(t)) or np.any(t < 0) or np.any(t > tau_max * (1 + 1e-12)) \
            or np.any(np.abs(idx * dtau - t) > 1e-9 * max(1.0, tau_max)):
        raise V.FastqInputError(f"snapshots must be multiples of dtau={dtau:g} in [0, tau_max={tau_max:g}] "
                                f"(got {snapshots!r})")
    order = np.argsort(idx, kind="stable")
    return t[order], idx[order]


@dataclass(frozen=True)
class STETrajectoryResult:
    """Eg(tau) and friends from a simulation or a mean-field solver.

    Attributes
    ----------
    method : "simulation", "pde" or "particles"
    tau : (T,) times
    eg : (T,) generalization error (mean over runs for a simulation)
    m : (T,) overlap ``phi(w) . w0 / N``;  q : (T,) ``||phi(w)||^2 / N``
    bin_fraction : (T, n_p + 1) fraction of weights quantized to each level
    eg_se, m_se, bin_fraction_se : standard errors over runs (simulation only, else None)
    eg_runs : (runs, T) every run's Eg (simulation only)
    info : solver details (grid size, mass error, ...) and the parameters
    snapshot_tau : (S,) times of the snapshots (empty if none were asked for)
    snapshots : latent weights at those times -- simulation: (runs, S, N) weights (teachers in
        ``info["teacher"]`` when constant); PDE: (S, nodes, cells) cell masses of ``p(w | w0)``
        (faces in ``info["faces"]``, teacher nodes in ``info["teacher_nodes"]``); None for the
        particle solver
    """

    method: str
    tau: np.ndarray
    eg: np.ndarray
    m: np.ndarray
    q: np.ndarray
    bin_fraction: np.ndarray
    eg_se: np.ndarray | None = None
    m_se: np.ndarray | None = None
    bin_fraction_se: np.ndarray | None = None
    eg_runs: np.ndarray | None = None
    info: dict = field(default_factory=dict)
    snapshot_tau: np.ndarray = field(default_factory=lambda: np.empty(0))
    snapshots: np.ndarray | None = None

    def to_dict(self, *, runs: bool = False) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        d = {"method": self.method, "tau": self.tau, "eg": self.eg, "m": self.m, "q": self.q,
             "bin_fraction": self.bin_fraction}
        if self.eg_se is not None:
            d.update(eg_se=self.eg_se, m_se=self.m_se, bin_fraction_se=self.bin_fraction_se)
        if runs and self.eg_runs is not None:
            d["eg_runs"] = self.eg_runs
        d["info"] = self.info
        return d


@dataclass(frozen=True)
class STEStationaryResult:
    """Self-consistent stationary state of STE training.

    Attributes
    ----------
    eg : stationary generalization error (the smallest root; see ``roots``)
    eg_unquantized : ``sigma^2 / (2 - eta)``
    deviation : ``eg - eg_unquantized``
    bin_fraction : (n_p + 1,) fraction of weights on each level at stationarity
    escaped_fraction : mass of teachers with ``|w0| >= omega`` (their weights drift off)
    roots : every root of ``Eg = RHS(Eg)`` found on a scan of the bracket
    converged, iterations, residual : root-finder report
    c1, c2 : input moments ``E[x psi(x)]``, ``E[psi(x)^2]`` (1 for unquantized inputs)
    eg_float_weights : stationary Eg with the same inputs and *unquantized* weights,
        ``(sigma^2 + E[w*^2](1 - c1^2/c2)) / (2 - eta c2)`` (inf when ``eta c2 >= 2``)
    """

    eg: float
    eg_unquantized: float
    deviation: float
    bin_fraction: np.ndarray
    escaped_fraction: float
    roots: list
    converged: bool
    iterations: int
    residual: float
    params: dict = field(default_factory=dict)
    c1: float = 1.0
    c2: float = 1.0
    eg_float_weights: float = float("nan")

    def to_dict(self) -> dict:
        """The record as a plain dict (JSON-ready through :func:`fastq.store.to_json`)."""
        return {"eg": self.eg, "eg_unquantized": self.eg_unquantized, "deviation": self.deviation,
                "relative_deviation": self.deviation / self.eg_unquantized if self.eg_unquantized > 0 else None,
                "bin_fraction": self.bin_fraction, "escaped_fraction": self.escaped_fraction,
                "roots": self.roots, "converged": self.converged, "iterations": self.iterations,
                "residual": self.residual, "c1": self.c1, "c2": self.c2,
                "eg_float_weights": self.eg_float_weights, "params": self.params}
