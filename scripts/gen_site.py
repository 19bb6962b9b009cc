"""Write the generated pages into the MkDocs build (run by the mkdocs-gen-files plugin).

The pages themselves come from ``scripts/docs_pages.py`` (API reference from ``fastq.__all__``,
CLI reference from the argparse parsers, gallery from the ``fastq figures`` groups, home from the
README, navigation).  A figure without a committed gallery PNG is made here at ``--quick``
settings so the gallery is never incomplete; ``tests/docs`` flags the missing file.
"""
from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

import mkdocs_gen_files

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import docs_pages  # noqa: E402
import make_gallery  # noqa: E402

log = logging.getLogger("mkdocs.plugins.fastq")


def _write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as fh:
        fh.write(text)


def main() -> None:
    """Generate every page (called once per build)."""
    pages = {**docs_pages.api_pages(), **docs_pages.cli_pages()}
    pages["index.md"] = docs_pages.home_page()
    pages["SUMMARY.md"] = docs_pages.summary(pages)
    gallery, missing = docs_pages.gallery_page()
    if missing:
        log.info("gallery: no committed PNG for %s; making them at --quick settings "
                 "(commit them with: python scripts/make_gallery.py --missing)", ", ".join(missing))
        with tempfile.TemporaryDirectory(prefix="fastq-gallery-") as tmp:
            made = make_gallery.make(missing, Path(tmp))
            for files in made.values():
                for f in files:
                    with mkdocs_gen_files.open(f"gallery/{f}", "wb") as fh:
                        fh.write((Path(tmp) / f).read_bytes())
            gallery, _ = docs_pages.gallery_page(folders=(docs_pages.GALLERY, Path(tmp)))
    pages["gallery.md"] = gallery
    for path, text in pages.items():
        _write(path, text)


main()
