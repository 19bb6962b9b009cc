"""Every matplotlib figure of fastq, drawn object-oriented on an Agg canvas (never pyplot).

One module per family of figures; each draws from data (arrays, result objects or the files the
figure makers wrote), so a figure can be redrawn without recomputing.  :func:`new_figure` and
:func:`save_figure` (atomic write) are the shared canvas.
"""
from ._canvas import FAIL_COLOR, RS_COLOR, RSB_COLOR, new_figure, save_figure

__all__ = ["FAIL_COLOR", "RS_COLOR", "RSB_COLOR", "new_figure", "save_figure"]
