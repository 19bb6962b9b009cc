"""Smoke tests of the figure modules (quick mode) and of `fastq figures`."""
import json

import numpy as np
import pytest

from fastq import figures
from fastq.cli import main

MINE = ["fig01", "fig02", "fig03", "fig04", "fig05", "fig07", "fig08", "fig09", "fig10"]


def test_catalogue_lists_every_paper_figure_and_every_group():
    cat = figures.catalogue()
    assert cat["replica"] == [f"fig{k:02d}" for k in range(1, 11)]
    assert set(cat) == set(figures.GROUPS)
    for group, names in cat.items():
        for name in names:
            assert figures.find(name)[0] == group
    assert figures.find("2")[1] is figures.find("fig02")[1]


def test_help_names_every_group():
    from fastq.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    text = " ".join(sub.choices["figures"].format_help().split())
    option = text[text.index("figure groups to make:"):][:120]
    for group in figures.GROUPS:
        assert f"'{group}'" in text and group in option


@pytest.fixture(scope="module")
def quick_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("figs")
    made = {name: figures.make(name, out, quick=True) for name in MINE}
    return out, made


@pytest.mark.parametrize("name", MINE)
def test_quick_figure_writes_png_data_and_metadata(quick_dir, name):
    out, made = quick_dir
    files = made[name]
    assert all(f.exists() and f.stat().st_size > 0 for f in files)
    png = out / f"{name}.png"
    assert png in files and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    meta = json.loads((out / f"{name}.json").read_text())
    assert meta["fastq_version"] and meta["kind"] == f"figure-{name}"
    assert any(f.suffix in (".csv", ".npz", ".nc") for f in files)  # data next to the figure


def test_fig03_masses_are_normal_probabilities(quick_dir):
    from scipy.stats import norm

    out, _ = quick_dir
    rows = np.genfromtxt(out / "fig03.csv", delimiter=",", names=True)
    for n_p in (2, 3):
        sel = rows[rows["n_p"] == n_p]
        assert sel["mass"].sum() == pytest.approx(1.0, abs=1e-12)
    r2 = rows[(rows["n_p"] == 2) & (rows["level"] == 0)]
    assert r2["mass"][0] == pytest.approx(norm.cdf(5) - norm.cdf(-5), rel=1e-12)


def test_fig02_summary_matches_the_phase_data(quick_dir):
    out, _ = quick_dir
    meta = json.loads((out / "fig02.json").read_text())
    import xarray as xr

    with xr.open_dataset(out / "fig02b.nc") as z:  # readable without fastq
        assert meta["summary"]["b"]["rs_fraction"] == pytest.approx(float(z["rs"].mean()))
    assert meta["summary"]["b"]["rs_fraction"] > meta["summary"]["a"]["rs_fraction"]


def test_figures_command_only(tmp_path, capsys):
    rc = main(["figures", "--out", str(tmp_path), "--quick", "--only", "1,fig03", "--json"])
    rep = json.loads(capsys.readouterr().out)
    assert rc == 0 and sorted(rep["figures"]) == ["fig01", "fig03"]


def test_figures_command_bad_only(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--only", "11"]) == 2
    assert "figure must be one of" in capsys.readouterr().err
    assert main(["figures", "--out", str(tmp_path), "--group", "nope"]) == 2
    assert "group must be one of" in capsys.readouterr().err


def test_interrupted_figures_run_keeps_finished_figures(tmp_path, monkeypatch, capsys):
    """Ctrl-C during the second figure: the rerun reuses the first (made once) and says so."""
    import json

    import fastq.figures as figs
    from fastq.cli import main

    calls = []

    def fake_make(name, out, **kw):
        calls.append(name)
        if name == "fig03" and calls.count("fig03") == 1:
            raise KeyboardInterrupt
        p = out / f"{name}.png"
        p.write_bytes(b"png")
        return [p]

    monkeypatch.setattr(figs, "make", fake_make)
    monkeypatch.setattr(figs, "find", lambda name: (name, None))
    argv = ["figures", "--only", "2,3", "--out", str(tmp_path), "--json"]
    assert main(argv) == 130
    assert "1 finished figure(s) kept" in capsys.readouterr().err
    assert main(argv) == 0
    rep = json.loads(capsys.readouterr().out)
    assert calls == ["fig02", "fig03", "fig03"] and rep["figures_reused"] == 1
    assert not (tmp_path / ".fastq-checkpoints").exists()  # complete: the marks are gone


def test_panels_name_coinciding_curves_and_legend_every_mark():
    import numpy as np

    from fastq.plotting._canvas import new_figure
    from fastq.plotting.eg_curves import curve_panel, finish_panel

    fig, ax = new_figure(1, 1)
    a = ax[0, 0]
    x = np.linspace(0, 1, 20)
    rs = x < 0.5
    conv = x < 0.9
    curve_panel(a, x, 1 + x, rs, converged=conv, label="b=4")
    curve_panel(a, x, (1 + x) * 1.004, rs, label="b=6")      # 0.4% apart: hidden behind b=4
    curve_panel(a, x, 2 + x, np.ones_like(rs), label="b=8")  # clearly apart
    finish_panel(a, "title")
    texts = [t.get_text() for t in a.get_legend().get_texts()]
    assert "RSB point (at ≥ 1)" in texts and "not converged" in texts
    assert a.get_title() == "title\n(b=4 and b=6 coincide)"


def test_long_titles_are_wrapped_to_their_panel(tmp_path):
    from fastq.plotting._canvas import new_figure, save_figure

    fig, ax = new_figure(1, 2)
    ax[0, 0].set_title("a very long panel title, " * 8, fontsize=9)
    save_figure(fig, tmp_path / "t.png")
    r = fig.canvas.get_renderer()
    assert "\n" in ax[0, 0].get_title()
    assert ax[0, 0].title.get_window_extent(r).width <= ax[0, 0].get_window_extent(r).width * 1.05
