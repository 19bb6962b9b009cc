"""The paper's replica theory of quantized ridge regression (zero temperature).

* :func:`solve_rs` -- the RS saddle point with AT stability and the jump coefficient kappa
  (kernels in ``_map``/``_solver``, named output slots in ``_layout``);
* :func:`rs_map` -- one evaluation of the RS map;
* :func:`ridge` -- the unquantized closed form (reference curve);
* :func:`solve_rsb` -- the zero-temperature 1RSB ground state (``rsb``, kernels ``_rsb_map``);
* :func:`state_evolution` -- AMP's state evolution, the undamped RS map iterated.
"""
from .closed_form import NoFiniteSolution, ridge
from .rsb import RSBResult, solve_rsb
from .saddle import RSResult, default_start, result_from_row, rs_map, solve_rs
from .se import SEResult, state_evolution

__all__ = ["NoFiniteSolution", "RSBResult", "RSResult", "SEResult", "default_start", "result_from_row", "ridge",
           "rs_map", "solve_rs", "solve_rsb", "state_evolution"]
