"""fastq: typical-case (replica-method) analysis of weight-quantized learning.

Quick start::

    import fastq
    q = fastq.Quantizer.from_bits(3, omega=2.0, edge_width=0.05)
    r = fastq.solve_rs(q, alpha=1.5, sigma=0.01, lam=0.0)
    r.eg, r.at, r.rs
"""
from importlib.metadata import PackageNotFoundError, version as _pkg_version

try:  # the installed distribution's version; a source checkout falls back to the literal
    __version__ = _pkg_version("fastq")
except PackageNotFoundError:  # pragma: no cover
    __version__ = "0.1.0"

from ._validate import FastqInputError
from .defaults import DEFAULT_EDGE_WIDTH
from .gauss import gaussian_moments
from .quantizers import Quantizer
from .replica import NoFiniteSolution, RSResult, ridge, solve_rs
from .teacher import teacher

# Capabilities in their own modules, imported on first use so `import fastq` stays light.
_LAZY = {
    "amp": "fastq.amp",
    "amp_batched": "fastq.amp",
    "state_evolution": "fastq.state_evolution",
    "exact_erm": "fastq.exact",
    "optimal_omega": "fastq.optimize",
    "bit_budget": "fastq.optimize",
    "sweep": "fastq.sweep",
    "ste_simulate": "fastq.ste",
    "ste_mean_field": "fastq.ste",
    "ste_stationary": "fastq.ste",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'fastq' has no attribute {name!r}")


__all__ = [
    "__version__", "FastqInputError", "NoFiniteSolution", "DEFAULT_EDGE_WIDTH", "Quantizer",
    "RSResult", "gaussian_moments", "ridge", "solve_rs", "teacher",
]
