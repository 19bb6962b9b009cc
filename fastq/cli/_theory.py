"""``--theory {rs,1rsb,auto}``: which replica theory answers Eg (fastq.studies.rsb_grid)."""
from __future__ import annotations

from ..limits import check_seconds
from ..studies.rsb_grid import THEORIES, rsb_seconds


def add_theory_arg(p):
    """Add ``--theory`` (default rs) to the parser ``p``."""
    p.add_argument("--theory", choices=THEORIES, default="rs",
                   help="theory of Eg: rs (replica symmetric, default), 1rsb (zero-temperature 1RSB "
                        "of the hard quantizer at every point), auto (1RSB where the RS point is "
                        "unstable under this run's edge convention, RS elsewhere); with 1rsb/auto "
                        "the outputs gain energy, mu, eg_rs, energy_rs")


def check_theory_cost(what, theory, points_per_n_p, *, n_p, allow_large=False):
    """Refuse (before any work) a 1RSB job whose single-core time, from the measured cost of a warm
    1RSB point (:func:`fastq.studies.rsb_grid.rsb_seconds`; ``points_per_n_p`` points at each of
    ``n_p``), exceeds the limit of :func:`fastq.limits.check_seconds`; returns that estimate.
    """
    if theory == "rs":
        return 0.0
    seconds = rsb_seconds(n_p, points_per_n_p)
    check_seconds(f"{what} with --theory {theory}", seconds, allow_large=allow_large)
    return seconds
