"""The Dask backend against a real cluster: ``dask scheduler`` and two ``dask worker`` processes
started from the command line on this machine (not an in-process LocalCluster), then the fastq
CLI and Python API pointed at its address.  Marked slow (about a minute: process start-up).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed")

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask_cmd():
    exe = shutil.which("dask", path=str(Path(sys.executable).parent)) or shutil.which("dask")
    if exe is None:
        pytest.skip("the dask command line (dask[distributed]) is not installed")
    return [exe]


def _log(files, path):
    f = open(path, "w")  # closed when the cluster is torn down
    files.append(f)
    return f


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from dask.distributed import Client

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    procs, files = [], []
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    try:
        procs.append(subprocess.Popen([*_dask_cmd(), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--dashboard-address", ":0", "--no-show"],
                                      stdout=_log(files, logs / "scheduler.log"), stderr=subprocess.STDOUT,
                                      env=env, start_new_session=True))
        for i in range(2):
            procs.append(subprocess.Popen([*_dask_cmd(), "worker", address, "--nthreads", "1",
                                           "--nworkers", "1", "--no-dashboard", "--name", f"w{i}",
                                           "--local-directory", str(logs / f"w{i}")],
                                          stdout=_log(files, logs / f"worker{i}.log"), stderr=subprocess.STDOUT,
                                          env=env, start_new_session=True))
        deadline = time.monotonic() + 120
        with Client(address, timeout="60s") as c:
            while len(c.scheduler_info()["workers"]) < 2:
                if time.monotonic() > deadline:
                    raise RuntimeError("dask workers did not connect: " + (logs / "worker0.log").read_text())
                time.sleep(0.5)
        yield address
    finally:
        for p in procs[::-1]:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        for f in files:
            f.close()


def test_sweep_on_real_cluster_identical_to_serial(cluster):
    from fastq.studies import sweep

    kw = dict(n_p=list(range(1, 9)), omega=np.linspace(0.2, 6.0, 24), alpha=1.5, sigma=0.01, lam=0.0,
              edge_width=0.1, lines_per_chunk=2)
    ref = sweep("uniform", n_jobs=1, **kw)
    d = sweep("uniform", n_jobs=2, backend="dask", scheduler=cluster, **kw)
    for name in ref.data:
        np.testing.assert_array_equal(ref.data[name], d.data[name], err_msg=name)


def test_cli_phase_on_real_cluster_identical_to_serial(cluster, tmp_path):
    base = [sys.executable, "-m", "fastq", "phase", "--n-p", "1:6", "--omega", "0.2:6:30", "--no-plot",
            "--json"]
    runs = {}
    for name, extra in {"serial": ["--jobs", "1"],
                        "dask": ["--jobs", "2", "--backend", "dask", "--scheduler", cluster]}.items():
        p = subprocess.run([*base, *extra, "--out", str(tmp_path / name)], capture_output=True, text=True,
                           timeout=300)
        assert p.returncode == 0, p.stderr
        runs[name] = json.loads(p.stdout)
    xr = pytest.importorskip("xarray")
    nc = {k: next((tmp_path / k).glob("*.nc")) for k in runs}
    with xr.open_dataset(nc["serial"]) as a, xr.open_dataset(nc["dask"]) as b:
        assert set(a.data_vars) == set(b.data_vars)
        for v in a.data_vars:
            np.testing.assert_array_equal(a[v].values, b[v].values, err_msg=v)
    assert runs["serial"]["rs_fraction"] == runs["dask"]["rs_fraction"]
