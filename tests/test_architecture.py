"""The house rules of docs/architecture.md, checked on the source tree.

* layering: a module imports only from its own home or from homes below it (never upward);
* no package attribute is both a module and a function (``fastq.sweep`` is always the function);
* one job per module: no source file above 400 lines; no function above 80 lines unless its
  docstring says why it stays in one function;
* every matplotlib figure is drawn in ``fastq/plotting`` on the object-oriented API;
* every setting lives in exactly one of ``pyproject.toml`` and ``setup.cfg``;
* Numba's on-disk cache never serves machine code compiled from older sources of another module.
"""
from __future__ import annotations

import ast
import configparser
import importlib
import os
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomllib

import fastq

ROOT = Path(fastq.__file__).resolve().parent
REPO = ROOT.parent

#: the homes and their floors: a module may import from homes on its own floor or below; homes
#: sharing a floor may not import each other (separate systems).  Root modules are floor 0.
FLOORS = {
    "": 0,  # shared blocks at the package root
    "replica": 1,
    "message_passing": 2,
    "exact": 3,
    "studies": 4, "ste": 4, "sgd": 4, "qat": 4, "routing": 4,
    "plotting": 5,
    "figures": 6,
    "cli": 7,
}


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        yield path, rel.parts


def _home(parts) -> str:
    return parts[0] if len(parts) > 1 else ""


def _imports(path: Path, parts) -> set[str]:
    """Homes of the fastq modules that ``path`` imports (absolute or relative)."""
    tree = ast.parse(path.read_text())
    pkg = list(parts[:-1])
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                target = base + (node.module.split(".") if node.module else [])
            elif node.module and node.module.split(".")[0] == "fastq":
                target = node.module.split(".")[1:]
            else:
                continue
            names = [a.name for a in node.names]
            if not target:  # "from .. import x": x may be a home or a root module
                for n in names:
                    out.add(n if n in FLOORS else "")
            else:
                out.add(target[0] if target[0] in FLOORS else "")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "fastq":
                    sub = a.name.split(".")[1:]
                    out.add(sub[0] if sub and sub[0] in FLOORS else "")
    return out


def test_nothing_imports_upward_or_sideways():
    bad = []
    for path, parts in _modules():
        if parts in (("__init__.py",), ("__main__.py",)):
            continue  # the package faces: re-exports and ``python -m fastq``
        home = _home(parts)
        for target in _imports(path, parts):
            if target == home:
                continue
            if FLOORS[target] > FLOORS[home] or (FLOORS[target] == FLOORS[home] and target != home):
                bad.append(f"{'/'.join(parts)} imports from {target or 'the root'}")
    assert not bad, "\n".join(bad)


def _walk_packages():
    yield fastq
    for info in pkgutil.walk_packages(fastq.__path__, "fastq."):
        if info.ispkg:
            yield importlib.import_module(info.name)


def test_no_package_attribute_is_both_module_and_function():
    clashes = []
    for pkg in _walk_packages():
        subs = {m.name for m in pkgutil.iter_modules(pkg.__path__) if not m.name.startswith("__")}
        for name in subs:
            importlib.import_module(f"{pkg.__name__}.{name}")
            attr = getattr(pkg, name)
            if callable(attr) and not isinstance(attr, type(sys)):
                clashes.append(f"{pkg.__name__}.{name}")
    assert not clashes


def test_public_functions_do_not_share_a_name_with_any_module():
    # the CLI's modules are named after their subcommands (``fastq amp`` lives in cli/amp.py)
    lib = [p for p in ROOT.rglob("*") if "cli" not in p.relative_to(ROOT).parts]
    module_names = {p.stem for p in lib if p.suffix == ".py"} | {p.name for p in lib if p.is_dir()}
    funcs = {n for n in fastq.__all__ if callable(getattr(fastq, n)) and not isinstance(getattr(fastq, n), type)}
    assert not funcs & module_names


def test_module_and_function_sizes():
    big_files = [f"{'/'.join(parts)} ({len(path.read_text().splitlines())} lines)"
                 for path, parts in _modules() if len(path.read_text().splitlines()) > 400]
    assert not big_files
    long_funcs = []
    for path, parts in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = node.end_lineno - node.lineno + 1
                doc = ast.get_docstring(node) or ""
                if n > 80 and "one function" not in doc:
                    long_funcs.append(f"{'/'.join(parts)}:{node.name} ({n} lines)")
    assert not long_funcs


def test_no_pyplot_and_matplotlib_only_in_plotting():
    offenders = []
    for path, parts in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            mods = []
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                  and node.func.attr == "use" and getattr(node.func.value, "id", "") == "matplotlib"):
                offenders.append(f"{'/'.join(parts)}: matplotlib.use")
            for m in mods:
                if m.startswith("matplotlib.pyplot"):
                    offenders.append(f"{'/'.join(parts)}: pyplot")
                elif m.startswith("matplotlib") and parts[0] != "plotting":
                    offenders.append(f"{'/'.join(parts)}: matplotlib outside plotting/")
    assert not offenders


def _flatten_toml(d, prefix=""):
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, dict):
            yield from _flatten_toml(v, key)
        else:
            yield key


def test_every_setting_lives_in_exactly_one_file():
    toml = tomllib.loads((REPO / "pyproject.toml").read_text())
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "setup.cfg")
    assert "tool:pytest" in cfg and "pytest" not in toml.get("tool", {})
    toml_tools = set(toml.get("tool", {}))
    cfg_tools = {s.split(":", 1)[1] if s.startswith("tool:") else s for s in cfg.sections()}
    assert not toml_tools & cfg_tools, "a tool is configured in both files"
    assert not {"metadata", "options"} & set(cfg.sections()), "package metadata belongs to pyproject.toml"
    assert "project" in toml and "ruff" in toml["tool"]


# ----------------------------------------------------------------------------- Numba cache
_SNIPPET = textwrap.dedent("""
    import json, fastq
    from fastq.replica._solver import _solve
    r = fastq.solve_rs(fastq.Quantizer.uniform(6, 1.5, 0.1), 1.5, 0.01, 1.0)
    print(json.dumps({"eg": r.eg, "hits": sum(_solve.stats.cache_hits.values())}))
""")


def _run(pkg_root: Path, cache_root: Path | None = None) -> dict:
    import json

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(pkg_root)
    env["NUMBA_CACHE_DIR"] = str(cache_root if cache_root is not None else pkg_root / "numba-cache")
    out = subprocess.run([sys.executable, "-c", _SNIPPET], env=env, cwd=pkg_root, capture_output=True,
                         text=True, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_numba_cache_is_invalidated_by_edits_to_other_modules(tmp_path):
    """Edit gauss.py (called by the RS solver, which lives in another file): the cached solver
    must not run the old moments.  Unedited sources must hit the cache."""
    import shutil

    copy = tmp_path / "fastq"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns("__pycache__"))
    first = _run(tmp_path)
    again = _run(tmp_path)
    assert again["eg"] == first["eg"] and again["hits"] > 0  # second process: served from cache
    gauss = copy / "gauss.py"
    src = gauss.read_text()
    assert "_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)" in src
    gauss.write_text(src.replace("_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)",
                                 "_INV_SQRT_2PI = 1.01 / math.sqrt(2.0 * math.pi)"))
    edited = _run(tmp_path)
    assert edited["eg"] != first["eg"] and edited["hits"] == 0
    gauss.write_text(src)  # back to the original sources: the stale entries were overwritten
    restored = _run(tmp_path)
    assert restored["eg"] == first["eg"] and restored["hits"] > 0  # the original sources' cache
    # the package folder itself is never written (an installed package must leave nothing behind
    # that pip does not know about); every entry sits under fastq-<version>-<hash>/ of the root
    assert not [p for p in copy.rglob("*") if p.suffix in (".nbi", ".nbc")]
    keyed = sorted(d.name for d in (tmp_path / "numba-cache").iterdir())
    assert len(keyed) == 2 and all(k.startswith("fastq-") for k in keyed)


def test_cache_dir_follows_numba_cache_dir_and_xdg(tmp_path, monkeypatch):
    from fastq import _jit

    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "n"))
    assert _jit.cache_dir().parent == tmp_path / "n"
    assert _jit.SOURCE_HASH[:16] in _jit.cache_dir().name
    monkeypatch.delenv("NUMBA_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    if sys.platform.startswith("linux"):
        assert _jit.cache_dir().parent == tmp_path / "x" / "fastq"


@pytest.mark.parametrize("name", ["_jit", "_status", "_validate", "checkpoints", "defaults", "gauss",
                                  "parallel", "quantizers", "store", "synthetic"])
def test_shared_blocks_sit_at_the_root(name):
    assert (ROOT / f"{name}.py").exists()
