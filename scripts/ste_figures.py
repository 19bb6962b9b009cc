#!/usr/bin/env python
"""Figures for online STE training (THEORY section 9); see docs/ste.md.

    python scripts/ste_figures.py --out figures/ste [--quick] [--jobs 2]

Writes ste_trajectories.{npz,json,png} and ste_stationary.{npz,json,png}: the data next to each
figure, stamped with the parameters and the fastq version.
"""
from __future__ import annotations

import argparse
import sys

from fastq.parallel import show_progress
from fastq.ste_plots import make_stationary, make_trajectories


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="figures/ste", help="output directory (default: figures/ste)")
    p.add_argument("--quick", action="store_true", help="small N, few runs, coarse grids (a smoke run)")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers for the simulations (default: 1)")
    p.add_argument("--only", choices=("trajectories", "stationary"), help="make one figure only")
    args = p.parse_args(argv)
    paths = []
    if args.only in (None, "stationary"):
        paths += make_stationary(args.out, quick=args.quick, jobs=args.jobs)
    if args.only in (None, "trajectories"):
        paths += make_trajectories(args.out, quick=args.quick, jobs=args.jobs,
                                   progress=show_progress())
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
