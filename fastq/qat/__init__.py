"""Quantization as noise, and generalization of quantization-aware training (issue 14).

Two halves (see ``docs/qgen.md``):

* the exact linear model -- :func:`compare` (QAT, PTQ, ridge and QGen's additive-noise model at
  one setting), :func:`compare_map` / :func:`compare_curve` (grids), :func:`simulate_compare`
  (the same on teacher instances, against theory);
* small networks -- :class:`MLPSpec`, :func:`train` (STE), the measures (:func:`hessian_trace`,
  :func:`perturbation_sigma`, :func:`pacbayes_measures`, :func:`corruption_accuracy`), the
  data sets (:func:`load_dataset`) and the many-models study (:func:`qat_study`), with the
  noise-injection control (:func:`train_noise_twin`, ``qat_study(..., noise_control=True)``).

The numba kernels behind the networks (``fastq.qat._mlp_kernels``) are a reusable block with a
documented flat-array API.
"""
from .analysis import rank_correlations, summarize
from .datasets import Dataset, load_dataset
from .linear import CompareResult, compare, noise_model_excess, rounded_eg
from .linear_maps import CompareGrid, compare_curve, compare_map
from .linear_sim import SimulationResult, simulate_compare
from .measures import (
                       SigmaResult,
                       TraceResult,
                       corruption_accuracy,
                       exact_hessian_trace,
                       hessian_trace,
                       pacbayes_measures,
                       perturbation_sigma,
                       quantization_noise_sigma,
)
from .mlp import (
                       MLPSpec,
                       TrainResult,
                       Workspace,
                       evaluate,
                       hessian_vector_product,
                       init_params,
                       loss_and_grad,
                       quantize_params,
                       train,
                       training_order,
                       weight_clip_multiplier,
)
from .noise_twin import NoiseTwinResult, inject_weight_noise, train_noise_twin
from .study import QATStudyResult, load_study, qat_study, study_config

__all__ = [
    "CompareGrid", "CompareResult", "Dataset", "MLPSpec", "NoiseTwinResult", "QATStudyResult", "SigmaResult",
    "SimulationResult", "TraceResult", "TrainResult", "Workspace", "compare", "compare_curve",
    "compare_map", "corruption_accuracy", "evaluate", "exact_hessian_trace", "hessian_trace",
    "hessian_vector_product", "init_params", "inject_weight_noise", "load_dataset", "load_study", "loss_and_grad",
    "noise_model_excess", "pacbayes_measures", "perturbation_sigma", "qat_study",
    "quantization_noise_sigma", "quantize_params", "rank_correlations", "rounded_eg",
    "simulate_compare", "study_config", "summarize", "train", "train_noise_twin", "training_order",
    "weight_clip_multiplier",
]
