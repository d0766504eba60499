"""Per-draw log_likelihood / log_prior totals (``analogcast.fitting.loglik``) and the report's
power-scaling summary built on them.

* the stored totals equal the sums of PyMC's own pointwise ``compute_log_likelihood`` /
  ``compute_log_prior`` (to 1e-6), on a tiny sampled model and on both real models (prior draws
  standing in for the posterior: the densities do not care where the draws came from);
* arviz-stats' ``psense_summary`` runs on a tiny fit with only per-draw totals stored;
* the groups survive ``save_run`` / ``load_run``;
* the report shows the psense_summary table when the groups are there, and says the diagnostic
  is unavailable for an older run without them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from analogcast.fitting.loglik import LOG_GROUPS, has_log_groups, log_density_groups

ROOT = Path(__file__).resolve().parents[1]


def _summed(ds: xr.Dataset) -> xr.Dataset:
    return ds.map(lambda v: v.sum([d for d in v.dims if d not in ("chain", "draw")]))


def _assert_matches_pymc(model, posterior: xr.Dataset, groups: dict[str, xr.Dataset]) -> None:
    from pymc.stats import compute_log_likelihood, compute_log_prior

    tree = xr.DataTree.from_dict({"posterior": posterior})
    ref_ll = _summed(compute_log_likelihood(tree, model=model, extend_inferencedata=False, progressbar=False))
    ref_lp = _summed(compute_log_prior(tree, model=model, extend_inferencedata=False, progressbar=False))
    for ours, ref in ((groups["log_likelihood"], ref_ll), (groups["log_prior"], ref_lp)):
        assert set(ours.data_vars) == set(ref.data_vars)
        for name in ref.data_vars:
            assert ours[name].dims == ("chain", "draw")
            np.testing.assert_allclose(ours[name].values, ref[name].transpose("chain", "draw").values, rtol=0, atol=1e-6, err_msg=name)


@pytest.fixture(scope="module")
def tiny_fit():
    """A tiny model with a transformed scale, a zero-sum effect, a normal mixture (the shapes
    event_logit uses) and two observed RVs, sampled with nutpie."""
    import pymc as pm

    from analogcast.models import sample_model

    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    y = (rng.uniform(size=n) < 0.4).astype(int)
    z = rng.normal(1.0, 2.0, size=n)
    with pm.Model(coords={"space": ["associational", "women"], "direction": ["opening", "closing"], "g": ["a", "b", "c"]}) as model:
        s = pm.HalfNormal("s", 1.0)
        theta = pm.NormalMixture("theta", w=[0.7, 0.3], mu=[-2.0, -1.0], sigma=[0.5, 2.0], dims=("space", "direction"))
        u = pm.ZeroSumNormal("u", sigma=s, dims="g")
        b = pm.Normal("b", 0.0, 1.0)
        pm.Bernoulli("y", logit_p=b * x + theta[0, 0] + u[np.arange(n) % 3], observed=y)
        pm.Normal("z", mu=theta[1, 0], sigma=s + 1.0, observed=z)
    tree = sample_model(model, draws=1000, tune=300, chains=2, seed=3)
    return model, tree["posterior"].to_dataset()


def test_summed_loglik_equals_pymc_pointwise_sum(tiny_fit) -> None:
    model, posterior = tiny_fit
    groups = log_density_groups(model, posterior)
    assert set(groups) == set(LOG_GROUPS)
    assert list(groups["log_likelihood"].data_vars) == ["y", "z"]
    assert list(groups["log_prior"].data_vars) == ["s", "theta", "u", "b"]
    assert groups["log_likelihood"].sizes == {"chain": 2, "draw": 1000}
    # u's prior depends on s: group-level, left out of prior power-scaling
    assert {v: groups["log_prior"][v].attrs["group_level"] for v in groups["log_prior"].data_vars} == {"s": 0, "theta": 0, "u": 1, "b": 0}
    _assert_matches_pymc(model, posterior, groups)


def test_psense_summary_runs_on_a_tiny_fit(tiny_fit) -> None:
    import arviz_stats as azs

    from analogcast.reporting.sensitivity import psense_summary_rows

    model, posterior = tiny_fit
    node = xr.DataTree.from_dict({"posterior": posterior, **log_density_groups(model, posterior)})
    assert has_log_groups(node)
    df = azs.psense_summary(node, var_names=["theta", "b"])
    assert list(df.columns) == ["prior", "likelihood", "diagnosis"]
    assert len(df) == 5 and np.isfinite(df[["prior", "likelihood"]].to_numpy(float)).all()
    # what power-scaling must find in this model: the closing thetas appear in no likelihood term
    # (the prior alone shapes them), b is informed by 60 observations under a N(0, 1) prior
    for closing in ("theta[associational, closing]", "theta[women, closing]"):
        assert df.loc[closing, "likelihood"] < df.loc[closing, "prior"], df
        assert "weak likelihood" in df.loc[closing, "diagnosis"], df
    assert df.loc["b", "likelihood"] > df.loc["b", "prior"], df
    # the report's selection: theta[space, opening] of every model node
    rows, note = psense_summary_rows(xr.DataTree.from_dict({"tiny": node}))
    assert note == ""
    assert [r["parameter"] for r in rows] == ["theta[associational, opening]", "theta[women, opening]"]
    assert rows[1]["meaning"] == "Target's baseline opening hazard: Women's"
    assert rows[0]["prior_scaled"] == ("s", "theta", "b")
    # each row carries arviz-stats' own numbers for its parameter (prior and likelihood not
    # swapped, rows not shifted), scaling the top-level priors only
    ref = azs.psense_summary(node, var_names=["theta"], coords={"direction": ["opening"]},
                             prior_var_names=["s", "theta", "b"])
    for r in rows:
        assert (r["prior"], r["likelihood"], r["diagnosis"]) == tuple(ref.loc[r["parameter"]]), r


def _prior_draws_as_posterior(model, chains: int = 2, draws: int = 30) -> xr.Dataset:
    import pymc as pm

    rvs = list(model.free_RVs)
    values = pm.draw(rvs, draws=chains * draws, random_seed=7)
    dims = model.named_vars_to_dims
    return xr.Dataset(
        {
            rv.name: (("chain", "draw", *dims.get(rv.name, ())), v.reshape((chains, draws, *v.shape[1:])))
            for rv, v in zip(rvs, values, strict=True)
        },
        coords={"chain": np.arange(chains), "draw": np.arange(draws), **{k: list(c) for k, c in model.coords.items() if c is not None}},
    )


# both in the default tier: the main job fits both, and the trajectory model's log densities
# once failed to compile with JAX unnoticed while this case sat in the slow tier
@pytest.mark.parametrize("name", ["event_logit", "trajectory"])
def test_real_models_match_pymc(name: str) -> None:
    from analogcast.fitting import parse_spec
    from analogcast.fitting.fitter import prepare_data, resolve_prior
    from analogcast.models import get_model

    spec = parse_spec(
        f"""
title = "t"
target = "AFG"
origin = 2023
spaces = ["women"]
seed = 5
[model]
names = ["{name}"]
[prior]
file = "{ROOT / "priors" / "afghanistan_saudi_iran.toml"}"
[[scenarios]]
name = "status_quo"
""",
        source="t.toml",
    )
    prior, _ = resolve_prior(spec)
    model = get_model(name).build(prepare_data(spec)[name], prior)
    posterior = _prior_draws_as_posterior(model)
    groups = log_density_groups(model, posterior)
    assert list(groups["log_likelihood"].data_vars) == [rv.name for rv in model.observed_RVs]
    _assert_matches_pymc(model, posterior, groups)
    flags = {v: groups["log_prior"][v].attrs["group_level"] for v in groups["log_prior"].data_vars}
    assert all(flags[v] == 1 for v in flags if v.startswith("z_"))
    if name == "event_logit":
        assert flags["theta"] == flags["beta0"] == flags["sigma_country"] == 0
        assert flags["year_opening"] == 1  # ZeroSumNormal(sigma=sigma_year): centred, group-level


def test_groups_survive_save_and_load(tmp_path: Path) -> None:
    import dataclasses

    from analogcast.runs import load_run, save_run
    from test_runs_store import synthetic_run

    run = synthetic_run()
    post = run.tree["event_logit/posterior"].to_dataset()
    rng = np.random.default_rng(1)
    groups = {
        "log_likelihood": xr.Dataset({"events": (("chain", "draw"), rng.normal(-500, 5, (2, 20)))}, coords={"chain": post.chain, "draw": post.draw}),
        "log_prior": xr.Dataset(
            {"theta": (("chain", "draw"), rng.normal(-3, 1, (2, 20)), {"group_level": 0})}, coords={"chain": post.chain, "draw": post.draw}
        ),
    }
    nodes = {n.path: n.to_dataset(inherit=False) for n in run.tree.subtree}
    nodes.update({f"/event_logit/{g}": ds for g, ds in groups.items()})
    tree = xr.DataTree.from_dict(nodes)
    run = dataclasses.replace(run, result=dataclasses.replace(run.result, tree=tree))
    loaded = load_run(save_run(run, tmp_path / "r"))
    assert has_log_groups(loaded.tree["event_logit"])
    for g, ds in groups.items():
        xr.testing.assert_allclose(loaded.tree[f"event_logit/{g}"].to_dataset()[list(ds.data_vars)], ds)
    assert int(loaded.tree["event_logit/log_prior/theta"].attrs["group_level"]) == 0


def test_report_shows_psense_summary_when_the_groups_are_stored(tiny_run) -> None:
    """The real tiny fit stores its per-draw log prior and likelihood: the report summarises them."""
    from analogcast.reporting import build_report_context
    from analogcast.reporting.render import render_html
    from analogcast.reporting.sensitivity import PSENSE_EXPLANATION

    assert all(g in tiny_run.tree["event_logit"].children for g in LOG_GROUPS)
    ctx = build_report_context(tiny_run, with_figures=False)
    tbl = ctx.psense_summary_table
    assert tbl is not None and ctx.psense_summary_text == PSENSE_EXPLANATION
    # event_logit's declared headline: the target's opening hazard per space, the two aid terms
    assert [r[1] for r in tbl.rows] == [f"theta[{sp}, opening]" for sp in ctx.spaces] + [
        "beta0[aid, opening]", "beta0[aid_cw, opening]"]
    assert tbl.header[2:4] == ["Prior", "Likelihood"]
    assert all(r[-1] in ("no issue", "potential prior-data conflict", "potential strong prior / weak likelihood") for r in tbl.rows)
    html = render_html(ctx)
    section = html.split('id="sec-sensitivity"', 1)[1].split("</section>", 1)[0]
    assert 'id="table-psense-summary"' in section and "Power-scaling asks how much" in section
    assert "unavailable" not in section


def test_older_run_without_the_groups_renders_and_says_unavailable(tiny_run, tmp_path: Path) -> None:
    """The real tiny run with its log-density groups taken out of the tree (as runs saved before
    they were stored)."""
    import dataclasses

    from analogcast.reporting import build_report_context, render_report
    from analogcast.reporting.render import render_html
    from analogcast.reporting.sensitivity import PSENSE_UNAVAILABLE

    nodes = {n.path: n.to_dataset(inherit=False) for n in tiny_run.tree.subtree
             if n.name not in LOG_GROUPS}
    run = dataclasses.replace(tiny_run, result=dataclasses.replace(tiny_run.result, tree=xr.DataTree.from_dict(nodes)))
    assert not any(g in run.result.tree["event_logit"].children for g in LOG_GROUPS)
    ctx = build_report_context(run, with_figures=False)
    assert ctx.psense_summary_table is None and ctx.psense_summary_text == PSENSE_UNAVAILABLE
    assert ctx.psense_table is not None  # the analogy-prior psense needs no stored groups
    section = render_html(ctx).split('id="sec-sensitivity"', 1)[1].split("</section>", 1)[0]
    assert "psense_summary) is unavailable for this run" in section
    assert render_report(run, tmp_path, formats=("html",))[0].is_file()
