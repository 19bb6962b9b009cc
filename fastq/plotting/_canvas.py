"""The canvas every fastq figure is drawn on (Agg, object-oriented, no pyplot state).

Figures are built as :class:`matplotlib.figure.Figure` objects attached to an Agg canvas, never
through ``pyplot``: nothing is registered globally, nothing leaks between calls, and the code works
on headless machines whatever the user's ``MPLBACKEND`` is.
"""
from __future__ import annotations

from pathlib import Path

RS_COLOR = "#9ecae1"
RSB_COLOR = "#de9c62"
FAIL_COLOR = "#bdbdbd"


def new_figure(nrows: int = 1, ncols: int = 1, *, size=(5.0, 4.0), **kw):
    """A Figure on an Agg canvas and its axes array (``squeeze=False``)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def save_figure(fig, path, *, dpi: int = 150) -> Path:
    """Render ``fig`` (format from the suffix, PNG by default) and write it atomically."""
    import io

    from ..store import atomic_write_bytes

    _fit_titles(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format=Path(path).suffix.lstrip(".") or "png", dpi=dpi)
    return atomic_write_bytes(path, buf.getvalue())


def _fit_titles(fig) -> None:
    """Wrap every axes title wider than its panel onto more lines (a long title is never clipped
    at the figure's edge nor runs into its neighbour's).
    """
    import textwrap

    fig.draw_without_rendering()  # lays the figure out (no pixels), so the extents below are final
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        title = ax.title
        text = title.get_text()
        width = ax.get_window_extent(renderer).width
        if not text or width <= 0:
            continue
        have = title.get_window_extent(renderer).width
        if have <= width * 1.02:
            continue
        lines = []
        for part in text.split("\n"):
            chars = max(12, int(len(part) * width / max(have, 1.0)))
            lines += textwrap.wrap(part, chars) or [""]
        title.set_text("\n".join(lines))
