"""Checkpointed parallel work: finished chunks are kept on disk and reused by a rerun.

:func:`run_chunks` is the one mechanism behind every resumable computation in fastq (sweeps,
curves, studies over instances or models).  Work is cut into chunks that never depend on the
number of workers; each finished chunk -- a dict of NumPy arrays or scalars -- is written
atomically to ``<checkpoint_dir>/<kind>-<hash>/chunk_NNNNN.npz``, where ``hash`` covers every
input that affects the values (and the chunking).  A rerun with the same inputs loads the
finished chunks and computes only the rest; a run with other inputs uses another folder, so
runs never overwrite each other's work.  An unreadable chunk file (a crash between write and
rename cannot produce one, but a full disk can) is recomputed, and so is a file that holds
another chunk than the one at its position (each file records which chunk it holds), so that a
run over more chunks of the same kind can reuse the ones it shares with an earlier run.

Once the caller has written its final result it calls :func:`remove_checkpoints` so that
checkpoints do not accumulate.

Commands that run several computations (a figure made of sweeps, a study made of runs) open a
:func:`checkpointing` context: every :func:`run_chunks` inside it that is not given a folder of
its own keeps its chunks under the context's folder, and the context removes the folders it saw
when it ends normally.  On an exception or Ctrl-C they stay, and :func:`kept_chunks` says how
many finished chunks a rerun will reuse.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import store
from .parallel import parallel_map

#: the folder of the innermost :func:`checkpointing` context and the chunk folders used in it
_AMBIENT: contextvars.ContextVar = contextvars.ContextVar("fastq_checkpoints", default=None)


@dataclass
class _Scope:
    """A :func:`checkpointing` block: its folder, the chunk folders used in it, and how many
    chunks it reused from an earlier run or computed.
    """

    folder: Path
    used: list
    reused: int = 0
    computed: int = 0


@contextlib.contextmanager
def checkpointing(folder, *, enabled: bool = True):
    """Keep the chunks of every :func:`run_chunks` inside this block under ``folder``.

    On normal exit the chunk folders used in the block are removed (the results are saved by
    then); on an exception they are kept for a rerun.  ``enabled=False`` (e.g. ``--no-resume``)
    makes it a no-op context.
    """
    if not enabled:
        yield None
        return
    scope = _Scope(Path(folder), [])
    token = _AMBIENT.set(scope)
    try:
        yield scope
    finally:
        _AMBIENT.reset(token)
    for f in scope.used:  # reached only when the block did not raise
        remove_checkpoints(f)


def kept_chunks(scope) -> int:
    """Finished chunk files kept in the folders of a :func:`checkpointing` scope."""
    if scope is None:
        return 0
    return sum(len(list(Path(f).glob("chunk_*.npz"))) for f in scope.used if Path(f).exists())


def input_key(kind: str, inputs: dict) -> str:
    """``<kind>-<20 hex digits>``: a hash of ``inputs`` (floats by ``repr``, so exact)."""
    blob = json.dumps({"kind": kind, "inputs": _canonical(inputs), "format": 2}, sort_keys=True)
    return f"{kind}-{hashlib.sha256(blob.encode()).hexdigest()[:20]}"


def _canonical(x):
    if isinstance(x, dict):
        return {str(k): _canonical(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_canonical(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_canonical(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return repr(float(x))
    if hasattr(x, "to_dict"):
        return _canonical(x.to_dict())
    return x if x is None or isinstance(x, str) else repr(x)


@dataclass(frozen=True)
class ChunkRun:
    """What :func:`run_chunks` did: the results in chunk order and where they came from."""

    results: list
    computed: tuple
    folder: Path | None

    @property
    def n_computed(self) -> int:
        """Chunks computed in this call."""
        return len(self.computed)

    @property
    def n_reused(self) -> int:
        """Chunks loaded from checkpoints."""
        return len(self.results) - len(self.computed)


def _chunk_file(folder: Path, index: int) -> Path:
    return folder / f"chunk_{index:05d}.npz"


#: name of the entry that records which chunk a file holds
_CHUNK_TAG = "_fastq_chunk"


def _chunk_tag(chunk) -> str:
    return hashlib.sha256(json.dumps(_canonical(chunk), sort_keys=True).encode()).hexdigest()[:20]


def _load(path: Path, tag: str):
    """A finished chunk from ``path`` if it holds the chunk with this tag (else None: recompute)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if _CHUNK_TAG not in z.files or str(z[_CHUNK_TAG]) != tag:
                return None
            return {k: (z[k].item() if z[k].ndim == 0 else z[k]) for k in z.files if k != _CHUNK_TAG}
    except (OSError, ValueError, EOFError, KeyError):
        return None


def run_chunks(fn: Callable, chunks: Sequence, *, kind: str, inputs: dict, checkpoint_dir=None,
               n_jobs=1, backend: str = "loky", scheduler=None, progress: bool = False,
               desc: str = "fastq") -> ChunkRun:
    """``[fn(c) for c in chunks]`` in parallel, with finished chunks checkpointed and reused.

    Parameters
    ----------
    fn : picklable callable of one chunk returning a dict of arrays/scalars (deterministic in its
        chunk: derive every seed from the chunk, never from worker state)
    chunks : sequence of picklable chunk descriptions
    kind, inputs : name of the computation and every input that affects the values; together they
        name the checkpoint folder (:func:`input_key`)
    checkpoint_dir : folder for checkpoints; None uses the folder of the enclosing
        :func:`checkpointing` block, if any, else no checkpointing
    n_jobs, backend, scheduler, progress, desc : see :func:`fastq.parallel.parallel_map`
    """
    chunks = list(chunks)
    done: dict[int, dict] = {}
    folder = None
    scope = _AMBIENT.get()
    if checkpoint_dir is None and scope is not None:
        checkpoint_dir = scope.folder
    if checkpoint_dir is not None:
        folder = Path(checkpoint_dir) / input_key(kind, inputs)
        if scope is not None and folder not in scope.used:
            scope.used.append(folder)
        for ci in range(len(chunks)):
            f = _chunk_file(folder, ci)
            if f.exists():
                res = _load(f, _chunk_tag(chunks[ci]))
                if res is not None:
                    done[ci] = res
        if not (folder / "inputs.json").exists():
            store.write_json(folder / "inputs.json", store.metadata(kind, inputs))
    todo = [ci for ci in range(len(chunks)) if ci not in done]

    def on_result(i, res):
        ci = todo[i]
        done[ci] = res
        if folder is not None:
            store.write_npz(_chunk_file(folder, ci), **res, **{_CHUNK_TAG: _chunk_tag(chunks[ci])})
        if scope is not None:
            scope.computed += 1

    if scope is not None:
        scope.reused += len(chunks) - len(todo)
    parallel_map(functools.partial(_call, fn), [chunks[ci] for ci in todo], n_jobs=n_jobs,
                 backend=backend, scheduler=scheduler, chunk_size=1, progress=progress, desc=desc,
                 on_result=on_result)
    return ChunkRun(results=[done[ci] for ci in range(len(chunks))], computed=tuple(todo),
                    folder=folder)


def _call(fn, chunk):
    out = fn(chunk)
    if not isinstance(out, dict):
        raise TypeError(f"a checkpointed chunk must return a dict of arrays (got {type(out).__name__})")
    return out


def remove_checkpoints(folder) -> None:
    """Delete a finished run's checkpoint folder (``ChunkRun.folder``; None is a no-op) and its
    parent if that is left empty.
    """
    if folder is None or not Path(folder).exists():
        return
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    parent = folder.parent
    try:
        parent.rmdir()  # only succeeds when empty
    except OSError:
        pass
