"""The one place where fastq's Numba options are set.

Every kernel in fastq is compiled with :func:`njit` from this module:

* ``cache=True`` -- compiled machine code is written to disk so that a second Python process
  does not pay the compile time again (see "Where the cache lives, and why it is fresh
------------------------------------------
Numba's default places cache files in a ``__pycache__`` folder beside the source.  For an
installed package that is inside ``site-packages``; ``pip`` does not know those files, leaves them
behind on uninstall, and the left-over ``site-packages/fastq`` folder then shadows a later
(editable) install of the same name.  fastq therefore never writes into its own package folder:
every kernel is cached under one per-user directory,

    ``<cache root>/fastq-<version>-<hash>/``

where the cache root is ``NUMBA_CACHE_DIR`` when that is set, else the platform's per-user
cache directory (``$XDG_CACHE_HOME/fastq`` or ``~/.cache/fastq`` on Linux,
``~/Library/Caches/fastq`` on macOS, ``%LOCALAPPDATA%/fastq/Cache`` on Windows), and ``<hash>``
is a SHA-256 of *all* of the package's sources (:data:`SOURCE_HASH`).  Numba itself invalidates a
cached kernel only when its own source file changes; a kernel that calls kernels of other
modules (``solve_rs`` calls the Gaussian moments of :mod:`fastq.gauss`) would keep running stale
machine code after those modules are edited.  Keying the directory by the whole package's hash
(and stamping every entry with it as well) makes any edit anywhere start a fresh cache, while
installs of the same sources (a wheel, an editable checkout, a reinstall) each find theirs.  If
that directory cannot be written, Numba's user-wide cache is used instead; the package folder
is never written.  :func:`cache_dir` tells where the cache of this process is; deleting the
folder is always safe.  The locators are installed only while fastq's own kernels are
decorated, so other Numba users in the same process are not affected.
"""
from __future__ import annotations

import hashlib
import os
import sys
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


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("fastq")
    except Exception:  # noqa: BLE001 -- running from a source tree that was never installed
        return "dev"


def _user_cache_root() -> Path:
    """The platform's per-user cache directory for fastq (``NUMBA_CACHE_DIR`` wins when set)."""
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "fastq"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "fastq" / "Cache"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache") / "fastq"


def cache_dir() -> Path:
    """The directory that holds this fastq's compiled kernels (see the module docstring)."""
    return _user_cache_root() / f"fastq-{_version()}-{SOURCE_HASH[:16]}"


class _FastqLocator(_PackageStamp, _caching.UserProvidedCacheLocator):
    """Numba's user-provided-directory locator, rooted at :func:`cache_dir` instead."""

    def __init__(self, py_func, py_file):
        super().__init__(py_func, py_file)
        self._cache_path = str(cache_dir() / self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func, py_file):
        if not os.path.exists(py_file):
            return None
        return cls(py_func, py_file)


class _UserWideLocator(_PackageStamp, _caching.UserWideCacheLocator):
    pass


_LOCATORS = [_FastqLocator, _UserWideLocator]


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
