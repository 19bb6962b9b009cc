#!/usr/bin/env python
"""Make figures (data + PNG) by name, number or group: the one figure script.

    python scripts/make_figures.py                     # the paper's ten figures into figures/
    python scripts/make_figures.py 2 6 --quick         # Figs. 2 and 6, coarse
    python scripts/make_figures.py --group ste         # the STE figures
    python scripts/make_figures.py --group all --jobs 2

Same as ``fastq figures`` (it calls it), with positional figure names and ``figures/`` as the
default output directory.
"""
from __future__ import annotations

import argparse
import sys

from fastq.cli import main as fastq_main


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*", help="figure names or numbers (default: the whole group)")
    p.add_argument("--group", default=None, help="figure group(s), or all (default: replica)")
    p.add_argument("--out", default="figures", help="output directory (default: figures)")
    p.add_argument("--quick", action="store_true", help="coarse version (smoke test)")
    p.add_argument("--jobs", default="1", help="parallel workers (default: 1)")
    a = p.parse_args(argv)
    args = ["figures", "--out", a.out, "--jobs", a.jobs]
    if a.names:
        args += ["--only", ",".join(a.names)]
    if a.group:
        args += ["--group", a.group]
    if a.quick:
        args.append("--quick")
    return fastq_main(args)


if __name__ == "__main__":
    sys.exit(main())
