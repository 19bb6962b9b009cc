#!/usr/bin/env python
"""Make Fig. 5 of the paper: data (CSV/NPZ + JSON) and PNG in --out (default: figures/)."""
import argparse
import sys

from fastq import figures


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="figures", help="output directory (default: figures)")
    p.add_argument("--quick", action="store_true", help="coarse version (smoke test)")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers (default: 1)")
    a = p.parse_args(argv)
    if "fig05" not in figures.available():
        print("fig05: module fastq.figures.fig05 is not available in this installation", file=sys.stderr)
        return 4
    for f in figures.make("fig05", a.out, quick=a.quick, jobs=a.jobs, progress=sys.stderr.isatty()):
        print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
