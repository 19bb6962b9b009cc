"""Learning dynamics of online STE training of the quantized student (THEORY section 9).

* :func:`ste_simulate` -- finite-N simulation, many runs (``simulation``; kernel ``_sim_kernel``);
* :func:`ste_mean_field` -- the N -> infinity Fokker-Planck limit (``mean_field``; kernels in
  ``_fp_kernels``, grid in ``fp_grid``);
* :func:`ste_stationary` -- the stationary state (``stationary``; kernels in
  ``_stationary_kernels``);
* :func:`plateau_length` -- the plateau of Eg(tau) (``analysis``).
"""
from .analysis import plateau_length
from .mean_field import ste_mean_field
from .records import STEStationaryResult, STETrajectoryResult
from .simulation import ste_simulate
from .stationary import ste_stationary

__all__ = ["STEStationaryResult", "STETrajectoryResult", "plateau_length", "ste_mean_field",
           "ste_simulate", "ste_stationary"]
