"""The documentation site's generated pages, checked without building the site.

``scripts/docs_pages.py`` turns ``fastq.__all__``, the argparse parsers and the figure groups
into pages; these tests call it directly (MkDocs is not needed) and check that nothing public is
left out, that a new name/option/figure appears by itself, and that the committed gallery holds a
picture of every figure.  The build itself (``mkdocs build --strict``) and the browser check run
in CI (``.ci/run``).
"""
from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest

import fastq
from fastq import _status
from fastq.cli import build_parser

REPO = Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return mod


pages_mod = _load("docs_pages")


def test_every_public_name_has_an_api_page_rendering_fastq_name():
    pages = pages_mod.api_pages()
    index = pages["reference/api/index.md"]
    for name in fastq.__all__:
        text = pages[f"reference/api/{name}.md"]
        assert f"title: fastq.{name}" in text
        assert f"::: fastq.{name}\n" in text or f'id="fastq.{name}"' in text
        assert f"[`fastq.{name}`]({name}.md)" in index
    assert len([p for p in pages if p != "reference/api/index.md"]) == len(set(fastq.__all__))


def test_a_name_in_all_that_fastq_lacks_stops_the_build():
    with pytest.raises(pages_mod.MissingPage, match="no_such_name"):
        pages_mod.api_pages(names=[*fastq.__all__, "no_such_name"])


def test_a_new_public_name_gets_its_page_with_nothing_to_edit():
    def brand_new(x):
        """A function added by someone else today."""
        return x

    fake = types.SimpleNamespace(__all__=["brand_new", "LIMIT"], __version__="9.9", brand_new=brand_new, LIMIT=3.5)
    pages = pages_mod.api_pages(module=fake)
    assert "::: fastq.brand_new" in pages["reference/api/brand_new.md"]
    assert "`3.5`" in pages["reference/api/LIMIT.md"]
    assert "A function added by someone else today." in pages["reference/api/index.md"]


def _subparsers(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_subcommand_and_option_is_on_its_cli_page():
    parser = build_parser()
    pages = pages_mod.cli_pages(parser)
    sub = _subparsers(parser)
    primary = {}
    for name, p in sub.choices.items():
        primary.setdefault(id(p), (name, p))
    assert len(primary) >= 10
    for name, p in primary.values():
        text = pages[f"reference/cli/{name}.md"]
        assert f"# `fastq {name}`" in text
        for action in p._actions:
            if action.help == argparse.SUPPRESS:  # a former spelling kept as a hidden alias
                continue
            for opt in action.option_strings:
                assert f"`{opt}`" in text, (name, opt)
        assert f"[`fastq {name}`]({name}.md)" in pages["reference/cli/index.md"]
    aliases = [n for n, p in sub.choices.items() if primary[id(p)][0] != n]
    for alias in aliases:
        assert f"reference/cli/{alias}.md" not in pages
        assert f"`fastq {alias}`" in pages["reference/cli/index.md"]


def test_a_new_subcommand_or_option_appears_by_itself():
    parser = build_parser()
    new = _subparsers(parser).add_parser("zzznew", help="a command added today", description="Does new things.")
    new.add_argument("--widgets", type=int, default=7, help="how many widgets (default: %(default)s)")
    pages = pages_mod.cli_pages(parser)
    text = pages["reference/cli/zzznew.md"]
    assert "`--widgets` `WIDGETS`" in text and "| `7` |" in text and "how many widgets (default: 7)" in text
    assert "Does new things." in text


def test_every_figure_of_every_group_has_a_small_committed_png():
    from PIL import Image

    from fastq import figures

    catalogue = figures.catalogue()
    assert set(catalogue) == set(figures.GROUPS)
    for group, names in catalogue.items():
        assert names, group
        for name in names:
            pngs = pages_mod.gallery_pngs(name)
            assert pngs, f"no gallery picture of {name}: run python scripts/make_gallery.py {name}"
            for p in pngs:
                assert p.stat().st_size < 200_000, p
                with Image.open(p) as im:
                    assert im.format == "PNG" and 300 <= im.width <= 900


def test_gallery_page_shows_every_figure_with_its_command():
    from fastq import figures

    text, missing = pages_mod.gallery_page()
    assert missing == []
    for group, names in figures.catalogue().items():
        assert f"## {group}" in text and f"fastq figures --group {group}" in text
        for name in names:
            assert f"### {name}" in text and f"fastq figures --only {name} --out fastq-figures --quick" in text
            for p in pages_mod.gallery_pngs(name):
                assert f"(gallery/{p.name})" in text


def test_gallery_reports_a_figure_without_a_picture(tmp_path):
    text, missing = pages_mod.gallery_page({"replica": ["fig01"]}, folders=(tmp_path,))
    assert missing == ["fig01"] and "no picture committed yet" in text


def test_navigation_lists_every_page_tutorial_and_reference_page():
    pages = {**pages_mod.api_pages(), **pages_mod.cli_pages()}
    nav = pages_mod.summary(pages)
    for p in sorted((REPO / "docs").glob("*.md")):
        assert f"]({p.name})" in nav, p.name
    for t in sorted((REPO / "docs" / "tutorials").glob("*.py")):
        assert f"](tutorials/{t.name})" in nav, t.name
    for p in pages:
        assert f"]({p})" in nav, p
    assert len(list((REPO / "docs" / "tutorials").glob("*.py"))) >= 6


def test_home_page_links_point_inside_the_site():
    home = pages_mod.home_page()
    generated = {**pages_mod.api_pages(), **pages_mod.cli_pages()}
    for target in re.findall(r"\]\(([^)#\s]+)", home):
        if target.startswith("http"):
            continue
        assert (REPO / "docs" / target).exists() or target in generated or target == "gallery.md", target


def test_conventions_page_names_every_status_and_exit_code():
    text = (REPO / "docs" / "conventions.md").read_text()
    for name in [*_status.STATUS_NAMES.values(), *_status.OTHER_STATUSES]:
        assert f"`{name}`" in text, name
    for code in ("0", "1", "2", "3", "130"):
        assert f"\n| {code} |" in text
    for word in ("FastqInputError", "netCDF", "CSV", "JSON", "Resume", "edge width"):
        assert word in text


def test_links_out_of_docs_become_home_or_plain_paths():
    pytest.importorskip("mkdocs")
    hooks = _load("mkdocs_hooks")
    page = types.SimpleNamespace(file=types.SimpleNamespace(src_uri="amp.md"))
    config = {"docs_dir": str(REPO / "docs")}
    md = ("See [the README](../README.md#quick-tour), [rsb](rsb.md), [the solver](../fastq/replica/rsb.py), "
          "[web](https://example.org).\n```\n[kept](../README.md)\n```\n")
    out = hooks.on_page_markdown(md, page, config, None)
    assert "[the README](index.md#quick-tour)" in out
    assert "[rsb](rsb.md)" in out and "[web](https://example.org)" in out
    assert "the solver (`fastq/replica/rsb.py`)" in out
    assert "[kept](../README.md)" in out  # code blocks are left alone


def test_prose_in_the_type_slot_moves_to_the_description():
    pytest.importorskip("griffe")  # the docs extra; CI runs tests/docs again after installing it
    prose = _load("griffe_prose_types")
    doc = ("Record.\n\nAttributes\n----------\neg : generalization error ``(Q - 2m) / 2``\n"
           "at : de Almeida-Thouless quantity; ``inf`` for a hard\n    quantizer\n"
           "alpha : float > 0\n    Sample ratio.\nX : (N, K) array, optional\n    Starts.\n"
           "status : \"converged\" or \"max_iter\"\n\nReturns\n-------\nthing : a sentence left alone\n")
    out = prose.fix(doc)
    assert "eg\n    generalization error ``(Q - 2m) / 2``\n" in out
    assert "at\n    de Almeida-Thouless quantity; ``inf`` for a hard\n    quantizer\n" in out
    assert "alpha : float > 0\n    Sample ratio." in out and "X : (N, K) array, optional\n" in out
    assert 'status\n    "converged" or "max_iter"' in out
    assert "thing : a sentence left alone" in out  # only parameter/attribute sections are touched
    assert prose.fix(out) == out
