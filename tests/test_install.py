"""The README's two commands, run one after the other in one fresh virtual environment.

A plain install followed by an editable install used to leave compiled-kernel cache files in
``site-packages/fastq`` that pip did not remove; the left-over folder then shadowed the editable
install and every ``fastq`` call failed.  This test runs the README's first command (install and
the main job), then the install part of the second (editable, with the test extras), and then
runs ``fastq`` and ``import fastq`` from an unrelated directory.  It needs the package registry,
so it is a slow check (CI runs it).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [b.strip() for b in blocks[:2]]


def _tracked_copy(dest: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    for rel in files.stdout.splitlines():
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def test_readme_commands_have_the_expected_shape():
    first, second = _readme_commands()
    assert first.startswith("pip install . && fastq ")
    assert second.startswith('pip install -e ".[test]" && python -m pytest')


@pytest.mark.slow
def test_readme_commands_in_sequence_in_a_fresh_venv(tmp_path):
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to copy the tracked files")
    src, venv, elsewhere = tmp_path / "src", tmp_path / "venv", tmp_path / "elsewhere"
    src.mkdir()
    elsewhere.mkdir()
    _tracked_copy(src)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("NUMBA_CACHE_DIR", "PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    env["XDG_CACHE_HOME"] = str(tmp_path / "user-cache")  # the per-user kernel cache of this test

    def sh(cmd: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=1500)

    first, second = _readme_commands()
    r = sh(first, src)
    assert r.returncode == 0, r.stderr[-3000:]
    site = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import fastq, pathlib; print(pathlib.Path(fastq.__file__).parent)"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.strip()
    # the plain install wrote its compiled kernels to the per-user cache, not into site-packages
    assert not [p for p in Path(site).rglob("*") if p.suffix in (".nbi", ".nbc")]
    assert list((tmp_path / "user-cache" / "fastq").glob("fastq-*"))
    install_part = second.split("&&")[0].strip()
    r = sh(install_part, src)
    assert r.returncode == 0, r.stderr[-3000:]
    # from another directory: the command and the import both resolve to the editable checkout
    r = sh("fastq --version && fastq rs --bits 3 --omega 1.5 --alpha 1.5 --sigma 0.01 --lam 1 --json",
           elsewhere)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '"eg"' in r.stdout
    where = sh("python -c 'import fastq; print(fastq.__file__)'", elsewhere).stdout.strip()
    assert Path(where).resolve().is_relative_to(src.resolve())
