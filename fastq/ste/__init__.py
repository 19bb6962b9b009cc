"""Learning dynamics of online STE training of the quantized student (THEORY section 9).

* :func:`ste_simulate` -- finite-N simulation, many runs (``simulation``; kernel ``_sim_kernel``);
* :func:`ste_mean_field` -- the N -> infinity Fokker-Planck limit (``mean_field``; kernels in
  ``_fp_kernels``, grid in ``fp_grid``);
* :func:`ste_stationary` -- the stationary state (``stationary``; kernels in
  ``_stationary_kernels``);
* :func:`ste_ode` -- the small-learning-rate limit eta -> 0 at fixed ``s = eta tau``: each weight
  follows a deterministic ODE (``ode``; kernel ``_ode_kernel``);
* :func:`plateau_length`, :func:`eg_drop` -- the plateau and drop of Eg(tau) (``analysis``);
* :func:`input_moments` -- ``c1, c2`` of an input quantizer (``model``, THEORY 9b).
"""
from .analysis import eg_drop, plateau_length
from .mean_field import ste_mean_field
from .model import input_moments
from .ode import ste_ode
from .records import STEStationaryResult, STETrajectoryResult
from .simulation import ste_simulate
from .stationary import ste_stationary

__all__ = ["STEStationaryResult", "STETrajectoryResult", "eg_drop", "input_moments", "plateau_length",
           "ste_mean_field", "ste_ode", "ste_simulate", "ste_stationary"]
