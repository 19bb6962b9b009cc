#!/usr/bin/env python
"""Make all ten figures of the paper (same as ``fastq figures``): data + PNG per figure in --out."""
import sys

from fastq.cli import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not any(a == "--out" or a.startswith("--out=") for a in args):
        args = ["--out", "figures"] + args
    sys.exit(main(["figures"] + args))
