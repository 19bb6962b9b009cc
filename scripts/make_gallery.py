"""Make the small PNGs of the documentation's figure gallery (``docs/gallery/``).

Runs every figure of every ``fastq figures`` group at ``--quick`` settings into a temporary
folder and keeps its PNGs, shrunk to 900 px wide and reduced to 256 colours (about 20-60 KB each)
as ``docs/gallery/NAME.png`` (further PNGs of the same figure as ``NAME_<suffix>.png``).  The
whole run takes about two minutes on two cores, which is why the site commits these files rather
than making them at build time; ``tests/docs/test_site_sources.py`` checks that every figure has one.

    python scripts/make_gallery.py                 # every figure of every group
    python scripts/make_gallery.py fig02 ste_maps  # only these (e.g. a figure that was added)
    python scripts/make_gallery.py --missing       # only figures without a picture yet
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import docs_pages  # noqa: E402  (the sibling module that builds the gallery page)

WIDTH = 900


def gallery_names(name: str, pngs: list[Path]) -> list[tuple[Path, str]]:
    """``[(source PNG, gallery file name)]``: a stem that starts with the figure's name is kept
    (``fig02_kappa``), any other (``sgd-batch-<hash>``) becomes ``NAME`` or ``NAME_<k>``.
    """
    out, k = [], 0
    for p in sorted(pngs):
        if p.stem == name or p.stem.startswith(name + "_"):
            out.append((p, p.name))
        else:
            out.append((p, f"{name}.png" if k == 0 else f"{name}_{k}.png"))
            k += 1
    return out


def shrink(src: Path, dst: Path, width: int = WIDTH) -> int:
    """Write ``src`` to ``dst`` at most ``width`` pixels wide with a 256-colour palette; returns bytes."""
    im = Image.open(src).convert("RGB")
    if im.width > width:
        im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im.quantize(256, method=Image.Quantize.MEDIANCUT).save(dst, optimize=True)
    return dst.stat().st_size


def make(names: list[str], folder: Path = docs_pages.GALLERY, n_jobs: int = 1) -> dict[str, list[str]]:
    """Make the quick figures ``names`` and put their shrunk PNGs in ``folder``."""
    from fastq import figures

    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    with tempfile.TemporaryDirectory(prefix="fastq-gallery-") as tmp:
        for name in names:
            t0 = time.perf_counter()
            for old in docs_pages.gallery_pngs(name, folder):
                old.unlink()
            out = Path(tmp) / name
            files = figures.make(name, out, quick=True, n_jobs=n_jobs)
            pngs = [Path(f) for f in files if str(f).endswith(".png")]
            if not pngs:
                raise RuntimeError(f"figure {name} wrote no PNG")
            written[name] = []
            for src, target in gallery_names(name, pngs):
                size = shrink(src, folder / target)
                written[name].append(target)
                print(f"{name}: {target} {size / 1024:.0f} KB", file=sys.stderr)
            print(f"{name}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return written


def main(argv=None) -> int:
    """Command line of this script."""
    from fastq import figures

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="figure names (default: every figure of every group)")
    ap.add_argument("--missing", action="store_true", help="only figures with no picture in docs/gallery")
    ap.add_argument("--jobs", type=int, default=1, help="workers per figure (default 1)")
    args = ap.parse_args(argv)
    every = [n for names in figures.catalogue().values() for n in names]
    names = args.names or every
    if args.missing:
        names = [n for n in names if not docs_pages.gallery_pngs(n)]
    unknown = sorted(set(names) - set(every))
    if unknown:
        ap.error(f"unknown figure(s): {', '.join(unknown)}; known: {', '.join(every)}")
    make(names, n_jobs=args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
