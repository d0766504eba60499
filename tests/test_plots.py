"""``analogcast.plots`` on a REAL tiny run (``tiny_run`` in conftest.py) and the shipped backtest.

Every plot returns a new ``Figure`` (never pyplot's) with the expected axes, titles and labels, and
draws the run's numbers: checked against values recomputed here from the draws, the stored
contrasts, the prior's own table, the panel and the backtest's ``scores.csv``. Errors for what a
run lacks name it. The report draws its figures through these same functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

import analogcast.plots as P
from analogcast.errors import UserInputError

ROOT = Path(__file__).resolve().parents[1]
XSS = "<script>alert(1)</script>"
STRICT = ROOT / "reports" / "backtest" / "strict"


def _visible(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_visible()]


def _legend_texts(fig: Figure) -> list[str]:
    return [t.get_text() for lg in fig.legends for t in lg.get_texts()]


def test_public_module_is_lazy_and_the_same_functions() -> None:
    import subprocess
    import sys

    code = "import sys, analogcast.plots; print('matplotlib' in sys.modules, 'xarray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    import analogcast as ac
    from analogcast.reporting import plot_forecasts, plot_priors, plot_skill

    assert ac.plots is P
    assert P.fan is plot_forecasts.fan and P.scenarios is plot_forecasts.scenarios
    assert P.contrast is plot_forecasts.contrast and P.prior_posterior is plot_priors.prior_posterior
    assert P.analogs is plot_priors.analogs and P.reliability is plot_skill.reliability
    assert sorted(dir(P)) == sorted(P.__all__)


def test_scenarios_plot(tiny_run) -> None:
    fig = P.scenarios(tiny_run, 5)
    assert isinstance(fig, Figure)
    (ax,) = _visible(fig)
    assert ax.get_xlabel() == "probability of at least one opening within 5 years (%)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Women's"]
    assert _legend_texts(fig) == [f"Status quo {XSS}", "Isolation"]
    assert "89% interval" in ax.get_title(loc="left")
    dots = [c.get_offsets()[0, 0] for c in ax.collections if isinstance(c, PathCollection)]
    fc = tiny_run.forecasts["p_opening"].sel(space="women", horizon=5)
    want = [100 * float(fc.sel(scenario=s).mean()) for s in ("status_quo", "isolation")]
    np.testing.assert_allclose(dots, want, atol=0.01)  # forecasts.csv keeps 4 decimals
    closing = P.scenarios(tiny_run, 2, "closing")
    assert _visible(closing)[0].get_xlabel() == "probability of at least one closing within 2 years (%)"


def test_contrast_plot(tiny_run) -> None:
    fig = P.contrast(tiny_run, "status_quo", "isolation")
    (ax,) = _visible(fig)
    assert ax.get_xlabel() == "difference in P(opening) (percentage points), 89% interval"
    assert ax.get_title(loc="left") == f"A = Status quo {XSS}  minus  B = Isolation"
    assert _legend_texts(fig) == ["within 2 years", "within 5 years"]
    dots = [c.get_offsets()[0, 0] for c in ax.collections if isinstance(c, PathCollection)]
    p = tiny_run.forecasts["p_opening"].sel(space="women")
    want = [100 * float((p.sel(scenario="status_quo", horizon=h) - p.sel(scenario="isolation", horizon=h)).mean()) for h in (2, 5)]
    np.testing.assert_allclose(dots, want, atol=0.01)
    notes = [t.get_text() for t in ax.texts]
    gt = [float((p.sel(scenario="status_quo", horizon=h) > p.sel(scenario="isolation", horizon=h)).mean()) for h in (2, 5)]
    assert notes == [f"P(A>B) {100 * g:.0f}%" for g in gt]
    with pytest.raises(UserInputError, match="'isolaton' is not in run 'tiny'. Did you mean 'isolation'"):
        P.contrast(tiny_run, "status_quo", "isolaton")
    with pytest.raises(UserInputError, match="same scenario"):
        P.contrast(tiny_run, "isolation", "isolation")


def test_horizons_plot(tiny_run) -> None:
    fig = P.horizons(tiny_run)
    (ax,) = _visible(fig)
    assert ax.get_title(loc="left") == "Women's" and ax.get_xlabel() == "years ahead"
    lines = ax.get_lines()
    assert len(lines) == 2
    p = tiny_run.forecasts["p_opening"].sel(space="women", scenario="isolation")
    np.testing.assert_allclose(lines[1].get_xdata(), [2, 5])
    np.testing.assert_allclose(lines[1].get_ydata(), [100 * float(p.sel(horizon=h).mean()) for h in (2, 5)], atol=0.01)


def test_prior_posterior_plot(tiny_run) -> None:
    fig = P.prior_posterior(tiny_run, "women", "opening")
    (ax,) = _visible(fig)
    assert ax.get_title(loc="left") == "Women's"
    assert ax.get_xlabel() == "yearly probability of an opening (%, logit scale)"
    assert _legend_texts(fig) == ["analogy prior", "posterior"]
    prior_line, post_line = ax.get_lines()
    assert prior_line.get_linestyle() == "--"
    x = prior_line.get_xdata()
    # the dashed curve is the prior's own mixture density (closed form, priors stage)
    np.testing.assert_allclose(prior_line.get_ydata(), tiny_run.prior.mixture("women", "opening").pdf(x), rtol=1e-9)
    # the solid curve is a density of the posterior draws of theta: its mode lies inside their bulk
    theta = tiny_run.tree["event_logit"]["posterior"]["theta"].sel(space="women", direction="opening").values.ravel()
    mode = x[np.argmax(post_line.get_ydata())]
    assert np.quantile(theta, 0.1) < mode < np.quantile(theta, 0.9)
    area = np.trapezoid(post_line.get_ydata(), x)
    assert 0.95 < area < 1.01
    with pytest.raises(UserInputError, match="direction = 'up' is not one of opening, closing"):
        P.prior_posterior(tiny_run, "women", "up")
    with pytest.raises(UserInputError, match="Did you mean 'women'"):
        P.prior_posterior(tiny_run, "womn", "opening")


def test_analogs_plot(tiny_run) -> None:
    prior = tiny_run.prior
    fig = P.analogs(prior)
    (ax,) = _visible(fig)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(prior.meta.analogs)
    assert ax.get_xlabel() == "%" and ax.get_title(loc="left") == "Analogs of AFG"
    assert _legend_texts(fig) == ["analog weight (as used)", "share of prior ESS"]
    widths = [b.get_width() for b in ax.patches]
    n = len(prior.meta.analogs)
    w = np.asarray(prior.meta.weights, float)
    np.testing.assert_allclose(widths[:n], 100 * w / w.sum())
    table = prior.table()
    np.testing.assert_allclose(widths[n:], [100 * table[f"share_{a}"].mean() for a in prior.meta.analogs])
    assert isinstance(P.analogs(tiny_run), Figure)  # a run: its prior


def test_fan_needs_the_trajectory_model_and_history_reads_the_panel(tiny_run) -> None:
    with pytest.raises(UserInputError, match="need the 'trajectory' model"):
        P.fan(tiny_run, "women")
    fig = P.fan(tiny_run, "women", paths=False)
    (ax,) = _visible(fig)
    assert ax.get_title(loc="left") == "Women's" and ax.get_ylabel() == "index (0-1)" and ax.get_xlabel() == "year"
    (line,) = ax.get_lines()
    from analogcast.data import load_panel

    gencl = load_panel()["v2x_gencl"].sel(country="AFG").to_series().dropna()
    years = line.get_xdata().astype(int)
    assert years[-1] == 2023 and years[0] == 2023 - 30
    np.testing.assert_allclose(line.get_ydata(), gencl.loc[years].to_numpy(), atol=1e-12)


def test_plot_input_errors(tiny_run) -> None:
    with pytest.raises(UserInputError, match="horizon = 3 was not forecast; run 'tiny' has horizons 2, 5"):
        P.scenarios(tiny_run, 3)
    with pytest.raises(UserInputError, match="has no forecasts: the plots take a Run"):
        P.scenarios(tiny_run.result, 5)
    with pytest.raises(UserInputError, match="scenario 'aid' is not in run"):
        P.horizons(tiny_run, scenarios=["aid"])


def test_reliability_of_the_shipped_strict_backtest() -> None:
    fig = P.reliability(STRICT)
    axes = _visible(fig)
    assert len(axes) == 2
    scores = pd.read_csv(STRICT / "scores.csv")
    n = scores[(scores.model == "event_logit") & (scores.space == "barometer6")].set_index("direction")["n"]
    assert [ax.get_title() for ax in axes] == [f"openings (n = {int(n['up'])})", f"closings (n = {int(n['down'])})"]
    assert axes[0].get_xlabel() == "mean forecast probability (10 equal-count bins)"
    assert axes[0].get_ylabel() == "observed frequency"
    # binned observed frequencies average to the pooled event rate of scores.csv (equal-count bins)
    rate = scores[(scores.model == "event_logit") & (scores.space == "barometer6")].set_index("direction")["pos_rate"]
    curve = [ln for ln in axes[0].get_lines() if ln.get_marker() == "o"][0]
    assert abs(np.mean(curve.get_ydata()) - rate["up"]) < 0.002
    with pytest.raises(UserInputError, match="is not a directory"):
        P.reliability(STRICT / "nope")
    with pytest.raises(UserInputError, match="forecasts_gbm.csv does not exist"):
        P.reliability(STRICT, model="gbm")


def test_no_pyplot_figure_is_left_open(tiny_run) -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    P.scenarios(tiny_run, 2)
    P.analogs(tiny_run.prior)
    assert plt.get_fignums() == before


def test_the_report_draws_through_the_public_plots(tiny_run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every report figure is made by an analogcast.plots function called on the run itself."""
    from analogcast.reporting import build_report_context, plot_forecasts, plot_priors

    calls: list[str] = []

    def spy(mod, name):
        real = getattr(mod, name)

        def wrapped(first, *args, **kwargs):
            calls.append(name)
            assert first is tiny_run or first is tiny_run.prior
            return real(first, *args, **kwargs)

        monkeypatch.setattr(mod, name, wrapped)

    for mod, name in ((plot_forecasts, "fan"), (plot_forecasts, "scenarios"), (plot_forecasts, "horizons"), (plot_priors, "prior_posterior"), (plot_priors, "analogs")):
        spy(mod, name)
    ctx = build_report_context(tiny_run)
    assert {"horizons", "comparison", "history", "prior-posterior", "analogs"} <= set(ctx.figures)
    assert sorted(calls) == sorted(["horizons", "scenarios", "fan", "prior_posterior", "analogs"])


def test_no_second_plotting_path() -> None:
    """Only the plot modules draw: the report's figure list and context make no matplotlib calls."""
    drawing = {"plot", "fill_between", "scatter", "barh", "hlines", "subplots", "Figure", "savefig"}
    for rel in ("reporting/figures.py", "reporting/context.py"):
        tree = ast.parse((ROOT / "src" / "analogcast" / rel).read_text(encoding="utf-8"))
        used = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
        used |= {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not (used & drawing), f"{rel} draws itself: {sorted(used & drawing)}"


@pytest.mark.slow
def test_fan_on_a_real_trajectory_fit(tmp_path: Path) -> None:
    """A small real trajectory fit (the target plus 5 countries from 2000, 2 x 60 draws): the fan
    chart shows the observed history, then one median line and band per scenario starting from the
    last observed value; the median is the draws' median path."""
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec
    from conftest import TINY_SPEC

    spec_path = tmp_path / "traj.toml"
    spec_path.write_text(
        TINY_SPEC.replace('names = ["event_logit"]', 'names = ["trajectory"]\n\n[model.options.trajectory]\nstart = 2000\ncountries = 6\nsample_seed = 1\nwbl = false'),
        encoding="utf-8",
    )
    run = run_spec(load_spec(spec_path), progress=False)
    fig = P.fan(run, "women")
    (ax,) = _visible(fig)
    assert ax.get_title(loc="left") == "Women's" and ax.get_ylabel() == "index (0-1)"
    assert _legend_texts(fig) == [f"Status quo {XSS}", "Isolation"]
    hist, *medians = ax.get_lines()
    assert len(medians) == 2
    idx = run.forecasts["index"].sel(space="women")
    for line, s in zip(medians, ("status_quo", "isolation"), strict=True):
        x, y = line.get_xdata(), line.get_ydata()
        assert x[0] == hist.get_xdata()[-1] and y[0] == hist.get_ydata()[-1]
        want = idx.sel(scenario=s).quantile(0.5, dim=("chain", "draw")).values
        np.testing.assert_allclose(y[1:], want, rtol=1e-12)
    with pytest.raises(UserInputError, match="needs the 'event_logit' model"):
        P.prior_posterior(run, "women", "opening")


@pytest.mark.parametrize("figsize", [(6.8, 8.2), (6.8, 6.24), (4.76, 1.94)])
def test_data_uri_holds_the_pixels_savefig_writes(tiny_run, figsize: tuple[float, float]) -> None:
    """The report's embedded PNG is pixel for pixel matplotlib's own, as RGB when the figure is
    opaque (sizes whose pixel count is a float a hair below a whole number included); a
    see-through figure keeps its alpha channel."""
    import base64
    import io

    from PIL import Image

    from analogcast.reporting.plot_base import to_data_uri

    def decoded(uri: str) -> Image.Image:
        return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))

    def figure(transparent: bool) -> Figure:
        fig = P.horizons(tiny_run)
        fig.set_size_inches(*figsize)
        if transparent:
            fig.patch.set_alpha(0.0)
        return fig

    for transparent in (False, True):
        got = decoded(to_data_uri(figure(transparent)))
        ref = io.BytesIO()
        figure(transparent).savefig(ref, format="png", dpi=200, metadata={"Software": None})
        want = Image.open(ref)
        assert got.mode == ("RGBA" if transparent else "RGB")
        assert got.size == want.size
        assert np.array_equal(np.asarray(got.convert("RGBA")), np.asarray(want))
