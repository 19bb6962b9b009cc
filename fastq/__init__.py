"""fastq: the theory of weight-quantized learning with the tools of statistical physics.

Quick start::

    import fastq
    q = fastq.Quantizer.from_bits(3, omega=2.0, edge_width=0.05)
    r = fastq.solve_rs(q, alpha=1.5, sigma=0.01, lam=0.0)
    r.eg, r.at, r.rs

The package is a house of one home per system (``replica``, ``message_passing``, ``exact``,
``studies``, ``ste``, ...) on shared blocks (quantizers, Gaussian moments, parallel map, result
files) with the faces on top (``plotting``, ``figures``, ``cli``); ``docs/architecture.md``
walks through it.  Every public name is importable from here; no module shares its name with a
function.
"""
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _pkg_version

try:  # the installed distribution's version; a source checkout falls back to the literal
    __version__ = _pkg_version("fastq")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.2.0"

from ._validate import FastqInputError
from .defaults import DEFAULT_EDGE_WIDTH
from .exact import ExactResult, ExactStudyResult, exact_erm, exact_study
from .gauss import gaussian_moments
from .message_passing import AMPResult, AMPStudyResult, amp, amp_batched, amp_study
from .qat import (
    CompareResult,
    MLPSpec,
    QATStudyResult,
    compare,
    compare_curve,
    compare_map,
    load_dataset,
    qat_study,
    simulate_compare,
)
from .qat import train as train_mlp
from .quantizers import Quantizer
from .replica import (
    NoFiniteSolution,
    RSBResult,
    RSResult,
    SEResult,
    ridge,
    rs_map,
    solve_rs,
    solve_rsb,
    state_evolution,
)
from .routing import (
    RoutingComparisonResult,
    RoutingResult,
    RoutingSetup,
    RoutingStudyResult,
    hebb_eg,
    hebb_overlap,
    make_routing_setup,
    route,
    route_compare,
    routing_study,
)
from .sgd import (
    IntFpEquivalenceResult,
    QuantizerLevelsResult,
    QuantSpec,
    SGDRiskResult,
    SGDSetup,
    SGDSimulationResult,
    SGDStabilityResult,
    int_fp_equivalence,
    make_setup,
    quantizer_levels,
    sgd_risk,
    sgd_simulate,
    sgd_stability,
    sgd_w_inf,
)
from .ste import (
    STEStationaryResult,
    STETrajectoryResult,
    eg_drop,
    input_moments,
    ste_mean_field,
    ste_ode,
    ste_simulate,
    ste_stationary,
)
from .studies import (
    BitBudgetResult,
    CostEstimate,
    CurvesResult,
    FormatStudyResult,
    OmegaOptimumResult,
    OptimalLevelsResult,
    PhaseDiagramResult,
    SweepResult,
    bit_budget,
    curves,
    estimate_sweep,
    format_study,
    leading_at,
    optimal_levels,
    optimal_omega,
    phase_diagram,
    resolution_claims,
    rs_boundary,
    solve_field,
    sweep,
)
from .synthetic import teacher


def make_figure(name: str, out_dir, *, quick: bool = False, n_jobs: int = 1, progress: bool = False):
    """Make one figure of a paper (``"fig02"``, ``2``, ``"ste_stationary"``, ...) into ``out_dir``:
    data files and PNG; returns the written paths (see :mod:`fastq.figures`).  The figure code,
    and matplotlib, are imported on first use.
    """
    from .figures import make

    return make(name, out_dir, quick=quick, n_jobs=n_jobs, progress=progress)

__all__ = [
    "IntFpEquivalenceResult", "QuantizerLevelsResult", "QuantSpec", "SGDRiskResult", "SGDSetup",
    "SGDSimulationResult", "SGDStabilityResult", "int_fp_equivalence", "make_setup", "quantizer_levels",
    "sgd_risk", "sgd_simulate", "sgd_stability", "sgd_w_inf",
    "__version__", "DEFAULT_EDGE_WIDTH", "FastqInputError", "NoFiniteSolution", "AMPResult",
    "AMPStudyResult", "BitBudgetResult", "CompareResult", "CurvesResult", "ExactResult",
    "ExactStudyResult", "OmegaOptimumResult", "PhaseDiagramResult", "Quantizer", "RSBResult", "RSResult",
    "MLPSpec", "QATStudyResult", "SEResult", "STEStationaryResult", "STETrajectoryResult",
    "SweepResult", "amp", "amp_batched", "amp_study", "bit_budget", "compare", "compare_curve",
    "compare_map", "curves", "exact_erm", "exact_study", "gaussian_moments", "load_dataset",
    "make_figure", "optimal_omega", "phase_diagram", "ridge", "rs_boundary", "rs_map", "qat_study",
    "simulate_compare", "solve_rs", "solve_rsb", "state_evolution", "ste_mean_field", "ste_ode", "ste_simulate",
    "ste_stationary", "sweep", "teacher", "train_mlp", "input_moments", "eg_drop", "CostEstimate", "estimate_sweep",
    "RoutingComparisonResult", "RoutingResult", "RoutingSetup", "RoutingStudyResult", "hebb_eg",
    "hebb_overlap", "make_routing_setup", "route", "route_compare", "routing_study",
    "solve_field", "leading_at", "resolution_claims", "optimal_levels", "OptimalLevelsResult",
    "format_study", "FormatStudyResult",
]
