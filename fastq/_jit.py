"""The one place where fastq's Numba options are set.

Every kernel in fastq is compiled with :func:`njit` from this module:

* ``cache=True`` -- compiled machine code is written to disk so that a second Python process
  does not pay the compile time again (see "Cache freshness" below);
* ``error_model="numpy"`` -- division by zero gives inf/nan like NumPy instead of raising,
  which lets kernels test for non-finite values themselves and report a status;
* ``nogil=True`` -- kernels release the GIL, so joblib's threading backend can run them
  side by side;
* no ``fastmath`` by default: the saddle-point solver works to 1e-12 and needs IEEE semantics
  (``inf`` and ``nan`` must survive, and reassociation would change the far-tail sums).  The few
  kernels that opt in say why.

Cache freshness
---------------
Numba invalidates a cached kernel only when *its own* source file changes.  A kernel that calls
kernels of other modules (``solve_rs`` calls the Gaussian moments of :mod:`fastq.gauss`) or reads
their constants would keep running stale machine code after those modules are edited.  fastq
therefore stamps every cache entry with a hash of *all* of its package sources: the cache
locators below are Numba's own (in the source tree's ``__pycache__``, or the user-wide cache
directory when that is not writable, or ``NUMBA_CACHE_DIR`` when set) with
``get_source_stamp`` extended by :data:`SOURCE_HASH`.  Any edit anywhere in the package makes
every entry stale, and Numba recompiles and overwrites it on first use.  The locators are
installed only while fastq's own kernels are decorated, so other Numba users in the same
process are not affected.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numba
from numba.core import caching as _caching

JIT_OPTIONS = dict(cache=True, error_model="numpy", nogil=True)


def _package_source_hash() -> str:
    """SHA-256 of every ``.py`` file of the fastq package (relative path and bytes), sorted."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


#: hash of the package sources, part of every cache entry's source stamp
SOURCE_HASH = _package_source_hash()


class _PackageStamp:
    """Mixin: a cache entry is fresh only if its own file *and* the whole package are unchanged."""

    def get_source_stamp(self):
        return (super().get_source_stamp(), SOURCE_HASH)


class _UserProvidedLocator(_PackageStamp, _caching.UserProvidedCacheLocator):
    pass


class _InTreeLocator(_PackageStamp, _caching.InTreeCacheLocator):
    pass


class _UserWideLocator(_PackageStamp, _caching.UserWideCacheLocator):
    pass


_LOCATORS = [_UserProvidedLocator, _InTreeLocator, _UserWideLocator]


def _decorate(decorator, fn):
    """Apply a caching ``numba.njit`` decorator with fastq's locators in place (see module doc)."""
    impl = _caching.CompileResultCacheImpl
    had_own = "_locator_classes" in impl.__dict__
    saved = impl.__dict__.get("_locator_classes")
    impl._locator_classes = _LOCATORS
    try:
        return decorator(fn)
    finally:
        if had_own:
            impl._locator_classes = saved
        else:
            del impl._locator_classes


def njit(*args, **kwargs):
    """``numba.njit`` with fastq's options (see module docstring); keyword overrides allowed."""
    opts = dict(JIT_OPTIONS)
    opts.update(kwargs)
    if args and callable(args[0]):
        return _decorate(numba.njit(**opts), args[0])
    decorator = numba.njit(*args, **opts)
    if not opts.get("cache"):
        return decorator
    return lambda fn: _decorate(decorator, fn)
