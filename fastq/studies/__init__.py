"""Studies of the replica theory: many RS solves organised as grids, diagrams, curves, optima.

* :func:`sweep` -- RS saddle points on any grid (module ``sweeps``; kernels in
  ``_sweep_kernels``; the labelled :class:`SweepResult` in ``sweep_result``);
* :func:`phase_diagram`, :func:`rs_boundary` -- RS/RSB diagrams over (b, omega) (``phase``);
* :func:`curves` -- Eg against omega, alpha or bits with ridge (``eg_curves``);
* :func:`optimal_omega` -- the best clipping range (``optimum``, machinery in ``omega_search``);
* :func:`format_study` -- weight formats side by side: Eg/AT/kappa against the scale, best
  scale and ranking at equal bits per weight (``format_compare``);
* :func:`optimal_levels` -- the level set of a given size minimizing the RS Eg (``levels_opt``);
* :func:`bit_budget` -- the frontier over bits (``budget``);
* :func:`estimate_sweep` -- time and memory of a grid from a short calibration (``cost``);
* :func:`solve_field`, :func:`leading_at`, :func:`resolution_claims` -- the resolution
  conventions of the stability test (``resolution``).
"""
from .budget import BitBudgetResult, bit_budget, save_budget
from .cost import CostEstimate, estimate_sweep
from .eg_curves import CurvesResult, curves
from .format_compare import FormatStudyResult, format_study
from .levels_opt import OptimalLevelsResult, optimal_levels
from .optimum import OmegaOptimumResult, optimal_omega
from .phase import PhaseDiagramResult, phase_diagram, rs_boundary
from .resolution import claims as resolution_claims
from .resolution import leading_at, solve_field
from .sweep_result import SweepResult
from .sweeps import sweep

__all__ = ["OptimalLevelsResult", "optimal_levels", "FormatStudyResult", "format_study",
           "BitBudgetResult", "CostEstimate", "CurvesResult", "OmegaOptimumResult", "PhaseDiagramResult",
           "SweepResult", "bit_budget", "curves", "estimate_sweep", "optimal_omega", "phase_diagram", "rs_boundary",
           "save_budget", "sweep", "solve_field", "leading_at", "resolution_claims"]
