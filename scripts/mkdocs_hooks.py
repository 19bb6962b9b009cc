"""MkDocs hooks of the documentation site (listed under ``hooks:`` in ``mkdocs.yml``).

* ``on_page_markdown`` -- the pages under ``docs/`` are also read on GitHub, where a link to
  ``../README.md`` or to a source file (``../fastq/replica/rsb.py``) works; the site has neither,
  so such links become the home page (README) or the plain path in code font (anything else
  outside ``docs/``).  Links inside ``docs/`` are left for MkDocs to check (strict build).
* ``on_post_build`` -- fails the build unless every name of ``fastq.__all__`` is rendered as
  ``fastq.NAME`` on its API page, every subcommand has its CLI page, every tutorial was executed
  (its page holds output cells, and the figures of one that draws) and every gallery picture
  exists.
"""
from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.exceptions import PluginError

REPO = Path(__file__).resolve().parents[1]
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(([^)\s]+)((?:\s+\"[^\"]*\")?)\)")
_FENCE = re.compile(r"^(```|~~~)", re.M)


def _outside_link(match, page_dir: Path, docs_dir: Path, page_src: str) -> str:
    bang, text, target, title = match.groups()
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
        return match.group(0)
    path, _, anchor = target.partition("#")
    resolved = (page_dir / path).resolve()
    try:
        resolved.relative_to(docs_dir)
        return match.group(0)  # inside docs/: MkDocs validates it
    except ValueError:
        pass
    try:
        rel = resolved.relative_to(REPO).as_posix()
    except ValueError:
        return match.group(0)  # not in this repository: leave it, MkDocs reports it
    if rel == "README.md":
        home = posixpath.relpath("index.md", posixpath.dirname(page_src) or ".")
        return f"{bang}[{text}]({home}{'#' + anchor if anchor else ''}{title})"
    shown = f"`{rel}`"
    return text if rel in text or not text else f"{text} ({shown})"


def on_page_markdown(markdown, page, config, files):
    """Rewrite links that point outside ``docs/`` (README -> home, source files -> their path)."""
    docs_dir = Path(config["docs_dir"]).resolve()
    src = page.file.src_uri
    page_dir = (docs_dir / src).parent
    parts = _FENCE.split(markdown)
    # split() keeps the fence markers: text, marker, code, marker, text, ...; rewrite text only
    out, inside = [], False
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
            inside = not inside
            continue
        if inside:
            out.append(part)
        else:
            out.append(_LINK.sub(lambda m: _outside_link(m, page_dir, docs_dir, src), part))
    return "".join(out)


def _read(site: Path, page: str) -> str:
    path = site / page / "index.html"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def on_post_build(config):
    """Stop the build if a public name, subcommand, tutorial output or gallery picture is missing."""
    import sys

    sys.path.insert(0, str(REPO / "scripts"))
    import docs_pages

    import fastq
    from fastq.cli import build_parser

    site = Path(config["site_dir"])
    problems = []
    for name in fastq.__all__:
        if f'id="fastq.{name}"' not in _read(site, f"reference/api/{name}"):
            problems.append(f"API page of fastq.{name} is missing or does not render fastq.{name}")
    for name, *_ in docs_pages._subcommands(build_parser()):
        if f"fastq {name}" not in _read(site, f"reference/cli/{name}"):
            problems.append(f"CLI page of `fastq {name}` is missing")
    for tut in sorted((Path(config["docs_dir"]) / "tutorials").glob("*.py")):
        html = _read(site, f"tutorials/{tut.stem}")
        if "jp-OutputArea" not in html:
            problems.append(f"tutorial {tut.name} has no executed output")
        if "plt." in tut.read_text() and 'src="data:image/png;base64' not in html:
            problems.append(f"tutorial {tut.name} draws a figure but its page shows none")
        if "Traceback (most recent call last)" in html:
            problems.append(f"tutorial {tut.name} shows an error")
    gallery = _read(site, "gallery")
    for src in re.findall(r'<img[^>]+src="([^"]+)"', gallery):
        if not (site / "gallery" / src).resolve().exists():
            problems.append(f"gallery picture {src} is missing from the site")
    if not gallery or len(re.findall(r"<img", gallery)) < sum(len(v) for v in _catalogue().values()):
        problems.append("the gallery has fewer pictures than `fastq figures` has figures")
    if problems:
        raise PluginError("the site is incomplete:\n  " + "\n  ".join(problems))


def _catalogue():
    from fastq import figures

    return figures.catalogue()

