"""The exact minimizer of the quantized ridge loss at small N (sphere decoding), and its study.

* :func:`exact_erm` -- one instance (module ``solver``; kernels in ``_search``, column order in
  ``ordering``);
* :func:`exact_study` -- many instances per N in parallel, extrapolated to N -> infinity
  (module ``study``); files in ``files``.
"""
from .files import load_study, save_study
from .solver import DEFAULT_NODE_LIMIT, ExactResult, exact_erm, objective, ridge_solution, round_to_levels
from .study import ExactStudyResult, exact_study, fit_inverse_n

__all__ = ["DEFAULT_NODE_LIMIT", "ExactResult", "ExactStudyResult", "exact_erm", "exact_study",
           "fit_inverse_n", "load_study", "objective", "ridge_solution", "round_to_levels",
           "save_study"]
