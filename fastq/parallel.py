"""One place for fastq's parallelism: joblib over processes, threads or a Dask cluster.

``parallel_map(fn, items, n_jobs=..., backend=...)`` returns ``[fn(x) for x in items]`` in order.

* ``backend="loky"`` (default): worker processes.  joblib limits BLAS/OpenMP threads inside loky
  workers to ``cpu_count // n_jobs``; the few fastq kernels that split a large pass over
  Numba's threads (AMP's products) run with one Numba thread inside every task, so workers do
  not oversubscribe the cores.
* ``backend="threading"``: threads in this process; useful because fastq's kernels are compiled
  with ``nogil=True``.
* ``backend="dask"``: joblib's Dask backend on the ``dask.distributed`` cluster at
  ``scheduler`` (an address such as ``tcp://host:8786``), or on an existing default Client.

Items are grouped into chunks (``chunk_size``) so that per-task scheduling overhead stays small.
Results never depend on ``n_jobs`` or the backend, provided ``fn`` is deterministic in its item
(derive any seed from the item, never from worker state).  To make that true to the last bit,
every task runs with BLAS limited to one thread, in the serial path as in the workers: a
multi-threaded BLAS splits sums differently from a single-threaded one (a solve of a 100 x 100
system then differs in the 16th digit between ``n_jobs=1`` and ``n_jobs=2``).
"""
from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence

from . import _validate as V

BACKENDS = ("loky", "threading", "dask")

#: messages about how the work is run (e.g. ``--jobs`` capped); the CLI prints them as one line
log = logging.getLogger("fastq")

#: memory one loky worker process holds once fastq and its kernels are loaded (measured ~250 MB;
#: rounded up so that the cap leaves room for the work itself)
WORKER_PROCESS_BYTES = 400 * 2**20
#: at most this many workers per core (more only queue for the same cores)
WORKERS_PER_CORE = 4


def _available_bytes() -> int | None:
    """Memory available to new processes (Linux /proc/meminfo), or None where unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def worker_cap(backend: str) -> tuple[int, str]:
    """The most workers this machine can hold for ``backend``, and the reason for that number."""
    cores = os.cpu_count() or 1
    cap, why = WORKERS_PER_CORE * cores, f"{WORKERS_PER_CORE} per core on {cores} core(s)"
    if backend == "loky":
        avail = _available_bytes()
        if avail is not None and avail // WORKER_PROCESS_BYTES < cap:
            cap = max(1, int(avail // WORKER_PROCESS_BYTES))
            why = f"{avail / 2**30:.1f} GiB available at {WORKER_PROCESS_BYTES // 2**20} MB per worker process"
    return cap, why


def plan_workers(n_jobs: int, n_tasks: int, backend: str) -> int:
    """``n_jobs`` capped by the number of tasks and, off a Dask cluster, by :func:`worker_cap`.

    A cap is announced as one line on the ``fastq`` logger (the CLI prints it on stderr).
    """
    workers, why = n_jobs, []
    if workers > n_tasks:
        workers = max(1, n_tasks)
        why.append(f"{n_tasks} task(s)")
    if backend != "dask":
        cap, reason = worker_cap(backend)
        if workers > cap:
            workers = cap
            why.append(reason)
    if workers < n_jobs and n_jobs > 1:
        log.info("%d workers requested, using %d (%s)", n_jobs, workers, "; ".join(why))
    return workers


def effective_n_jobs(n_jobs: int | None, name: str = "n_jobs") -> int:
    """``None`` -> 1; -1 -> all cores; otherwise the number given, which must be >= 1.

    ``name`` is the parameter named in the error message (the CLI passes ``"jobs"``).
    """
    if n_jobs is None:
        return 1
    n = V.integer(name, n_jobs)
    if n == -1:
        return os.cpu_count() or 1
    if n < 1:
        raise V.FastqInputError(f"{name} must be an integer >= 1, or -1 for all cores (got {n_jobs!r})")
    return n


def validate_backend(backend: str, scheduler: str | None = None) -> str:
    """The backend name, checked (and ``scheduler`` only with ``dask``)."""
    if backend not in BACKENDS:
        raise V.FastqInputError(f"backend must be one of {', '.join(BACKENDS)} (got {backend!r})")
    if scheduler is not None and backend != "dask":
        raise V.FastqInputError("scheduler is only used with backend 'dask'")
    return backend


def show_progress(quiet: bool = False) -> bool:
    """Progress bars only on an interactive terminal and when not asked to be quiet."""
    return (not quiet) and sys.stderr.isatty()


@contextlib.contextmanager
def _one_blas_thread():
    """A context in which BLAS/OpenMP pools and Numba use one thread in the calling thread.

    BLAS: identical sums for any ``n_jobs``.  Numba (a per-thread setting): the parallelism is
    the workers'; and Numba's fallback threading layer (workqueue) aborts when two Python
    threads launch parallel kernels at once, as the threading backend would.
    """
    import numba
    from threadpoolctl import threadpool_limits

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        numba.set_num_threads(before)


def _run_chunk(fn, chunk, parent_pid=None):
    if parent_pid is not None and os.getpid() != parent_pid:
        # a worker process: Ctrl-C in the terminal reaches the whole process group; only the
        # parent should hear it (it stops the pool and reports what was kept), not every worker
        with contextlib.suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    with _one_blas_thread():
        return [fn(x) for x in chunk]


@contextlib.contextmanager
def _dask_client(scheduler):
    from dask.distributed import Client  # optional dependency: pip install fastq[dask]

    if scheduler is None:
        # use the current default client (e.g. one the caller made)
        from dask.distributed import get_client

        yield get_client()
        return
    client = Client(scheduler)
    try:
        yield client
    finally:
        client.close()


def parallel_map(fn: Callable, items: Sequence, *, n_jobs: int | None = 1, backend: str = "loky",
                 scheduler: str | None = None, chunk_size: int | None = None,
                 progress: bool = False, desc: str = "fastq", on_result: Callable | None = None) -> list:
    """``[fn(x) for x in items]`` computed in parallel, in order.

    Parameters
    ----------
    fn : picklable callable of one item
    items : sequence
    n_jobs : workers (1 = run here, serially; -1 = all cores)
    backend : "loky", "threading" or "dask"
    scheduler : Dask scheduler address (backend "dask" only)
    chunk_size : items per task; default splits the work into about 4 chunks per worker
    progress : show a tqdm bar (pass :func:`show_progress` to respect terminals/--json)
    on_result : called as ``on_result(index, result)`` as results arrive (in order), e.g. to
        checkpoint finished work
    """
    from tqdm import tqdm  # the text bar on stderr (tqdm.auto would want ipywidgets in Jupyter)

    validate_backend(backend, scheduler)
    items = list(items)
    n = len(items)
    workers = effective_n_jobs(n_jobs)
    if n == 0:  # nothing to do (e.g. every chunk reused): joblib would warn about an empty list
        return []
    if chunk_size is not None:
        chunk_size = V.integer("chunk_size", chunk_size, 1)
    workers = plan_workers(workers, n if chunk_size is None else -(-n // chunk_size), backend)
    bar = tqdm(total=n, desc=desc, disable=not progress, leave=False, file=sys.stderr)
    results: list = [None] * n
    try:
        if workers == 1 and backend != "dask":
            with _one_blas_thread():
                for i, x in enumerate(items):
                    results[i] = fn(x)
                    if on_result is not None:
                        on_result(i, results[i])
                    bar.update(1)
            return results
        if chunk_size is None:
            chunk_size = max(1, -(-n // (4 * workers)))
        starts = list(range(0, n, chunk_size))
        from joblib import Parallel, delayed, parallel_config

        parent = os.getpid() if backend == "loky" else None
        tasks = (delayed(_run_chunk)(fn, items[s:s + chunk_size], parent) for s in starts)
        ctx = _dask_client(scheduler) if backend == "dask" else contextlib.nullcontext()
        # threads share this process's BLAS: limit it here too, so the limit set and restored
        # inside each threaded task is 1 -> 1 and never races back to many threads
        with ctx, _one_blas_thread():
            with parallel_config(backend=backend, n_jobs=workers):
                gen = Parallel(return_as="generator")(tasks)
                try:
                    for s, chunk_res in zip(starts, gen):
                        for j, r in enumerate(chunk_res):
                            results[s + j] = r
                            if on_result is not None:
                                on_result(s + j, r)
                        bar.update(len(chunk_res))
                finally:
                    with warnings.catch_warnings():  # joblib counts the cancelled tasks: not news
                        warnings.simplefilter("ignore")
                        gen.close()  # on Ctrl-C or an error: stop the pool now, not at exit
        return results
    finally:
        bar.close()
