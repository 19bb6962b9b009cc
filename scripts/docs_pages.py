"""The generated pages of the documentation site, built from the code (never copied by hand).

Each function returns ``{path inside the site: Markdown text}``; ``scripts/gen_site.py`` writes
them into the MkDocs build (through mkdocs-gen-files) and the tests under ``tests/docs/`` call
them directly, so the generators are checked without MkDocs installed.

* :func:`api_pages` -- one page per name of ``fastq.__all__`` (rendered by mkdocstrings from the
  docstrings) and an index grouped by the name's home; a name added to ``__all__`` gets its page
  with nothing to edit;
* :func:`cli_pages` -- one page per ``fastq`` subcommand, walked from the argparse parser that
  ``fastq.cli.build_parser`` assembles (usage, description and every option with its default);
* :func:`gallery_page` -- every figure of every ``fastq figures`` group, with the command that
  makes it and its PNG (committed small PNGs in ``docs/gallery/``, made by
  ``scripts/make_gallery.py``);
* :func:`home_page` -- the README with its links made relative to the site;
* :func:`summary` -- the navigation (literate-nav ``SUMMARY.md``), user-guide pages included
  whether or not they are listed in :data:`GUIDE`.
"""
from __future__ import annotations

import argparse
import inspect
import os
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
GALLERY = DOCS / "gallery"

#: the user guide, in reading order; any other ``docs/*.md`` is appended after these
GUIDE = [
    ("Theory", "theory.md"), ("Phase diagrams and grids", "phase_diagrams.md"),
    ("The default edge width", "default_edge_width.md"), ("Resolution conventions", "resolution.md"),
    ("AMP and state evolution", "amp.md"), ("The exact minimizer", "exact.md"), ("1RSB", "rsb.md"),
    ("Optimal omega and bit budget", "optimize.md"), ("Quantization as noise (QGen, QAT)", "qgen.md"),
    ("Quantized SGD", "sgd.md"), ("STE dynamics", "ste.md"), ("Routing across copies", "routing.md"),
    ("Bad inputs", "bad_inputs.md"), ("Architecture", "architecture.md"),
]
#: hand-written pages that have their own place in the navigation
SPECIAL = {"index.md", "conventions.md", "changelog.md"}
#: tutorials (jupytext percent notebooks, executed at build) in reading order; others appended
TUTORIALS = ["first_phase_diagram.py", "stability_and_omega.py", "theory_vs_instance.py",
             "sgd_risk_curves.py", "ste_dynamics.py", "dask_cluster.py"]

#: home of a name (first part of its module below fastq) -> section title of the API index
HOMES = {
    "": "Shared blocks", "replica": "Replica theory (RS, 1RSB, state evolution)",
    "message_passing": "AMP", "exact": "The exact minimizer", "studies": "Studies: grids, phase diagrams, optimum",
    "ste": "STE dynamics", "sgd": "Quantized SGD", "qat": "Quantization as noise and QAT",
    "routing": "Routing across copies",
}


class MissingPage(RuntimeError):
    """A public name, subcommand or figure that the site would leave out."""


# ----------------------------------------------------------------------------------------- API
def _home_of(obj) -> str:
    mod = getattr(obj, "__module__", None) if not isinstance(obj, (str, int, float)) else None
    if not mod or not mod.startswith("fastq"):
        return ""
    parts = mod.split(".")
    return parts[1] if len(parts) > 2 and not parts[1].startswith("_") else ""


def _summary_line(obj) -> str:
    if isinstance(obj, (str, int, float)):
        return f"constant, `{obj!r}`"
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n")[0].replace("\n", " ")
    return first.replace("|", "\\|")


def api_pages(names=None, module=None) -> dict[str, str]:
    """One page per public name (``reference/api/NAME.md``) plus ``reference/api/index.md``.

    ``names`` defaults to ``fastq.__all__``; a name that ``fastq`` does not have raises
    :class:`MissingPage` (the build stops rather than publish a hole).
    """
    import fastq

    module = fastq if module is None else module
    names = list(module.__all__ if names is None else names)
    missing = [n for n in names if not hasattr(module, n)]
    if missing:
        raise MissingPage(f"fastq.__all__ lists names fastq does not have: {', '.join(missing)}")
    pages = {f"reference/api/{name}.md": _api_page(name, getattr(module, name)) for name in names}
    groups = api_groups(names, module)
    lines = ["# API reference", "",
             f"Every public name of fastq ({len(names)} in `fastq.__all__`, fastq {module.__version__}), "
             "importable after a plain `import fastq`, grouped by the subpackage that defines it. "
             "Each page is rendered from the docstrings (numpy convention): signature, parameters, "
             "returns, raises and examples.", ""]
    for title, members in groups.items():
        lines += [f"## {title}", "", "| name | what it is |", "|---|---|"]
        for name in members:
            lines.append(f"| [`fastq.{name}`]({name}.md) | {_summary_line(getattr(module, name))} |")
        lines.append("")
    pages["reference/api/index.md"] = "\n".join(lines)
    return pages


def api_groups(names=None, module=None) -> dict[str, list[str]]:
    """``{section title: [names]}``: the public names by the subpackage that defines them."""
    import fastq

    module = fastq if module is None else module
    names = list(module.__all__ if names is None else names)
    by_home = {}
    for name in sorted(names, key=str.lower):
        by_home.setdefault(_home_of(getattr(module, name)), []).append(name)
    order = sorted(by_home, key=lambda h: list(HOMES).index(h) if h in HOMES else len(HOMES))
    return {HOMES.get(h, h): by_home[h] for h in order}


def _api_page(name: str, obj) -> str:
    head = f"---\ntitle: fastq.{name}\n---\n\n"
    if isinstance(obj, (str, int, float)):
        # a constant: mkdocstrings would show only the assignment; say what it is and its value
        what = {"__version__": "The installed fastq version (from the package metadata).",
                "DEFAULT_EDGE_WIDTH": "The edge width used by the CLI and the sweeps when none is given "
                                      "(see [the default edge width](../../default_edge_width.md))."}
        return (head + f'<h1 id="fastq.{name}"><code>fastq.{name}</code></h1>\n\n'
                f"{what.get(name, 'A public constant.')}\n\nValue when this site was built: `{obj!r}` "
                f"({type(obj).__name__}).\n")
    return head + f"::: fastq.{name}\n    options:\n      heading_level: 1\n"


# ----------------------------------------------------------------------------------------- CLI
def _subcommands(parser):
    """``[(name, aliases, subparser, one-line help)]`` of the parser's subcommands, in order."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help or "" for c in action._choices_actions}
    seen, out = {}, []
    for name, sub in action.choices.items():
        if id(sub) in seen:
            seen[id(sub)][1].append(name)
            continue
        entry = (name, [], sub, helps.get(name, ""))
        seen[id(sub)] = entry
        out.append(entry)
    return out


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _option_rows(sub) -> list[str]:
    fmt = sub._get_formatter()
    rows = []
    for a in sub._actions:
        if a.help == argparse.SUPPRESS:
            continue
        flags = ", ".join(f"`{s}`" for s in a.option_strings) or f"`{a.metavar or a.dest}`"
        if a.option_strings and a.nargs != 0:
            flags += f" `{fmt._metavar_formatter(a, a.dest.upper())(1)[0]}`"
        help_text = fmt._expand_help(a) if a.help else ""
        default = "" if a.default in (None, argparse.SUPPRESS) or a.nargs == 0 else f"`{a.default}`"
        if a.required:
            default = "required"
        rows.append(f"| {flags} | {_cell(default)} | {_cell(help_text)} |")
    return rows


def cli_pages(parser=None) -> dict[str, str]:
    """One page per subcommand (``reference/cli/COMMAND.md``) plus an index, from the parser."""
    if parser is None:
        from fastq.cli import build_parser

        parser = build_parser()
    # argparse wraps --help to the terminal's width: fix it, so the page is the same everywhere
    old_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return _cli_pages(parser)
    finally:
        if old_columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old_columns


def _cli_pages(parser) -> dict[str, str]:
    subs = _subcommands(parser)
    if not subs:
        raise MissingPage("the fastq parser has no subcommands")
    pages = {}
    index = ["# CLI reference", "",
             "Every `fastq` subcommand, generated from the argparse parsers of `fastq.cli` when the "
             "site is built. Bad input stops before any work with one line naming the parameter and "
             "exit code 2 (see [conventions](../../conventions.md)).", "",
             "```text", parser.format_usage().strip(), "```", "", "| command | what it does |", "|---|---|"]
    for name, aliases, sub, help_text in subs:
        alias = f" (alias {', '.join(f'`fastq {a}`' for a in aliases)})" if aliases else ""
        index.append(f"| [`fastq {name}`]({name}.md){alias} | {_cell(help_text)} |")
        text = [f"---\ntitle: fastq {name}\n---\n", f"# `fastq {name}`", ""]
        if aliases:
            text += [f"Also spelled {', '.join(f'`fastq {a}`' for a in aliases)}.", ""]
        text += [sub.description or help_text, "", "## Usage", "", "```text",
                 sub.format_usage().replace("usage: ", "").strip(), "```", "",
                 "## Options", "", "| option | default | meaning |", "|---|---|---|", *_option_rows(sub), "",
                 "## `--help` as printed", "", "```text", sub.format_help().rstrip(), "```", ""]
        pages[f"reference/cli/{name}.md"] = "\n".join(text)
    pages["reference/cli/index.md"] = "\n".join(index) + "\n"
    return pages


# ------------------------------------------------------------------------------------- gallery
def gallery_pngs(name: str, folder: Path = GALLERY) -> list[Path]:
    """The PNGs of one figure in a gallery folder: ``NAME.png`` and ``NAME_*.png``."""
    return sorted(p for p in folder.glob(f"{name}*.png") if p.stem == name or p.stem.startswith(name + "_"))


def gallery_page(catalogue=None, folders=(GALLERY,)) -> tuple[str, list[str]]:
    """The gallery page and the names of the figures that have no PNG in any of ``folders``.

    ``catalogue`` defaults to ``fastq.figures.catalogue()`` (every group of ``fastq figures``).
    """
    from fastq import figures

    catalogue = figures.catalogue() if catalogue is None else catalogue
    lines = ["# Figure gallery", "",
             "Every figure that `fastq figures` makes, group by group, with the command that makes it. "
             "The pictures here are the `--quick` versions (coarse grids, small simulations), shrunk "
             "for the web by `python scripts/make_gallery.py`; the full-scale figures come from the "
             "same command without `--quick`. Each figure also writes its data (netCDF/NPZ/CSV) and a "
             "JSON file with every setting next to the PNG.", ""]
    lines += ["| group | figures | all of them |", "|---|---|---|"]
    for group, names in catalogue.items():
        lines.append(f"| [{group}](#{group}) | {len(names)} | `fastq figures --group {group}` |")
    lines.append("")
    missing = []
    for group, names in catalogue.items():
        lines += [f"## {group}", "", f"```bash\nfastq figures --group {group} --out fastq-figures\n```", ""]
        for name in names:
            _, maker = figures.find(name)
            doc = (inspect.getdoc(maker) or "").strip().split("\n\n")[0].replace("\n", " ")
            lines += [f"### {name}", "", doc, "",
                      f"```bash\nfastq figures --only {name} --out fastq-figures          # full scale\n"
                      f"fastq figures --only {name} --out fastq-figures --quick  # as shown here\n```", ""]
            pngs = [p for folder in folders for p in gallery_pngs(name, Path(folder))]
            if not pngs:
                missing.append(name)
                lines += ["*(no picture committed yet: run `python scripts/make_gallery.py`)*", ""]
            for p in pngs:
                lines += [f"![{p.stem}](gallery/{p.name})", ""]
    return "\n".join(lines), missing


# ---------------------------------------------------------------------------------- home, nav
def home_page(readme: Path = REPO / "README.md") -> str:
    """The README as the site's home page, links into ``docs/`` made relative to the site."""
    text = readme.read_text()
    text = re.sub(r"\]\(docs/", "](", text)
    intro = ("!!! tip \"This site\"\n    The [user guide](theory.md) has one page per system, the "
             "[tutorials](tutorials/first_phase_diagram.py) run fastq at quick settings, the "
             "[API](reference/api/index.md) and [CLI](reference/cli/index.md) references are "
             "generated from the code, the [gallery](gallery.md) shows every figure `fastq figures` "
             "makes, and the [conventions](conventions.md) page collects statuses, exit codes and "
             "file formats.\n\n"
             "![The RS/RSB phase diagrams of Fig. 2 (fastq figures --only fig02 --quick)](gallery/fig02.png)\n\n")
    head, _, rest = text.partition("\n\n")
    return f"{head}\n\n{intro}{rest}"


def summary(pages: dict, docs: Path = DOCS, groups: dict | None = None) -> str:
    """The literate-nav ``SUMMARY.md``: home, conventions, guide, tutorials, gallery, references.

    ``pages`` are the generated pages (their ``reference/...`` entries make the reference
    sections, the API one in the sections of ``groups``, default :func:`api_groups`); every
    ``docs/*.md`` and tutorial is listed, known ones in their reading order.
    """
    listed = {f for _, f in GUIDE}
    extra = sorted(p.name for p in docs.glob("*.md") if p.name not in listed | SPECIAL)
    tut_dir = docs / "tutorials"
    tutorials = [t for t in TUTORIALS if (tut_dir / t).exists()]
    tutorials += sorted(p.name for p in tut_dir.glob("*.py") if p.name not in TUTORIALS)
    lines = ["* [Home](index.md)", "* [Conventions](conventions.md)", "* User guide"]
    lines += [f"    * [{title}]({f})" for title, f in GUIDE if (docs / f).exists()]
    lines += [f"    * [{f[:-3].replace('_', ' ').capitalize()}]({f})" for f in extra]
    lines.append("* Tutorials")
    lines += [f"    * [{_tutorial_title(tut_dir / t)}](tutorials/{t})" for t in tutorials]
    lines.append("* [Figure gallery](gallery.md)")
    cli = sorted(p[14:-3] for p in pages if p.startswith("reference/cli/") and not p.endswith("/index.md"))
    lines += ["* CLI reference", "    * [Overview](reference/cli/index.md)"]
    lines += [f"    * [fastq {n}](reference/cli/{n}.md)" for n in cli]
    api = {p[14:-3] for p in pages if p.startswith("reference/api/") and not p.endswith("/index.md")}
    groups = api_groups(sorted(api)) if groups is None else groups
    lines += ["* API reference", "    * [Overview](reference/api/index.md)"]
    for title, names in groups.items():
        lines.append(f"    * {title}")
        lines += [f"        * [{n.replace('_', chr(92) + '_')}](reference/api/{n}.md)" for n in names if n in api]
    lines.append("* [Changelog](changelog.md)")
    return "\n".join(lines) + "\n"


def _tutorial_title(path: Path) -> str:
    for line in path.read_text().splitlines():
        m = re.match(r"#\s+#\s+(.+)", line)
        if m:
            return m.group(1).strip()
    return path.stem.replace("_", " ")
