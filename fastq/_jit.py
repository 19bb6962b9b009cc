"""The one place where fastq's Numba options are set.

Every kernel in fastq is compiled with :func:`njit` from this module:

* ``cache=True`` -- compiled machine code is written next to the module
  (``__pycache__``) so a second Python process does not pay the compile time again;
* ``error_model="numpy"`` -- division by zero gives inf/nan like NumPy instead of raising,
  which lets kernels test for non-finite values themselves and report a status;
* ``nogil=True`` -- kernels release the GIL, so joblib's threading backend can run them
  side by side;
* no ``fastmath``: the saddle-point solver works to 1e-12 and needs IEEE semantics
  (``inf`` and ``nan`` must survive, and reassociation would change the far-tail sums).
"""
from __future__ import annotations

import numba

JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)


def njit(*args, **kwargs):
    """``numba.njit`` with fastq's options (see module docstring); keyword overrides allowed."""
    opts = dict(JIT_OPTIONS)
    opts.update(kwargs)
    if args and callable(args[0]):
        return numba.njit(**opts)(args[0])
    return numba.njit(*args, **opts)
