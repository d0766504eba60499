"""The report's table of fitted aid / sanctions / patron slopes (issue 13: show an implausible sign
and explain it, neither hide nor force it): numbers recomputed from the draws, rows only for
policy terms, the sanctions sentence only when the fitted sign is the counter-intuitive one, and
the table in a real run's report equal to that run's posterior."""

from __future__ import annotations

import contextlib
import html as html_lib
import io
import re
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from analogcast.reporting.associations import POLICY_TERMS, policy_associations

COVS = ["regime", "aid", "sanctions"]
DIRS = ["opening", "closing"]


def _tree(means: dict[tuple[str, str], float], sd: float = 0.05, seed: int = 3) -> xr.DataTree:
    rng = np.random.default_rng(seed)
    draws = np.empty((2, 500, len(COVS), len(DIRS)))
    for i, c in enumerate(COVS):
        for j, d in enumerate(DIRS):
            draws[:, :, i, j] = rng.normal(means.get((c, d), 0.0), sd, size=(2, 500))
    post = xr.Dataset({"beta0": (("chain", "draw", "covariate", "direction"), draws)},
                      coords={"covariate": COVS, "direction": DIRS})
    # a second model whose slopes have another shape (no direction): it must be skipped
    other = xr.Dataset({"beta0": (("chain", "draw", "drift_covariate"), rng.normal(size=(2, 500, 2)))},
                       coords={"drift_covariate": ["aid", "sanctions"]})
    return xr.DataTree.from_dict({"/m/posterior": post, "/other/posterior": other})


def _expected(tree: xr.DataTree, cov: str, d: str, level: float) -> tuple[float, float, float, float]:
    x = tree["m/posterior"]["beta0"].sel(covariate=cov, direction=d).values.ravel()
    a = 100 * (1 - level) / 2
    return x.mean(), np.percentile(x, a), np.percentile(x, 100 - a), (x > 0).mean()


def _parse(cell: str) -> tuple[float, float, float, str]:
    m = re.fullmatch(r"([+-]\d\.\d\d) \(([+-]\d\.\d\d) to ([+-]\d\.\d\d)\); P\(>0\) (\S+)", cell)
    assert m, cell
    return float(m[1]), float(m[2]), float(m[3]), m[4]


def test_cells_are_the_posterior_mean_interval_and_sign_probability() -> None:
    tree = _tree({("sanctions", "opening"): 0.3, ("sanctions", "closing"): -0.2,
                  ("aid", "opening"): 0.02})
    out = policy_associations(tree, 0.89)
    assert out is not None and len(out.tables) == 1  # the other model's slopes have no direction
    t = out.tables[0]
    assert t.header == ["Term", "Openings", "Closings"]
    # only policy terms, in catalogue order; regime is not a scenario lever
    assert [r[0] for r in t.rows] == [POLICY_TERMS["aid"], POLICY_TERMS["sanctions"]]
    for row, cov in zip(t.rows, ["aid", "sanctions"], strict=True):
        for cell, d in zip(row[1:], DIRS, strict=True):
            m, lo, hi, p = _parse(cell)
            em, elo, ehi, ep = _expected(tree, cov, d, 0.89)
            assert m == pytest.approx(em, abs=0.005)
            assert lo == pytest.approx(elo, abs=0.005) and hi == pytest.approx(ehi, abs=0.005)
            # a 95% interval would be wider than the printed one by more than rounding
            _, wlo, whi, _ = _expected(tree, cov, d, 0.95)
            assert whi - wlo > hi - lo + 0.01
            assert p == ("<0.01" if ep < 0.005 else ">0.99" if ep > 0.995 else f"{ep:.2f}")


def test_sanctions_sentence_only_for_the_counter_intuitive_sign() -> None:
    up = policy_associations(_tree({("sanctions", "opening"): 0.3, ("sanctions", "closing"): -0.3}), 0.89)
    assert up is not None and len(up.sentences) == 1
    s = up.sentences[0]
    assert "more openings" in s and "fewer closings" in s and "not evidence that sanctions open" in s
    assert "raises" not in s and "increases" not in s
    only_open = policy_associations(_tree({("sanctions", "opening"): 0.3, ("sanctions", "closing"): 0.3}), 0.89)
    assert only_open is not None and "more openings" in only_open.sentences[0]
    assert "fewer closings" not in only_open.sentences[0]
    plausible = policy_associations(_tree({("sanctions", "opening"): -0.3, ("sanctions", "closing"): 0.3}), 0.89)
    assert plausible is not None and plausible.sentences == ()
    # an unclear sign (centred on 0) is not called either way
    unclear = policy_associations(_tree({}, sd=0.5), 0.89)
    assert unclear is not None and unclear.sentences == ()


def test_no_table_without_a_common_slope() -> None:
    assert policy_associations(None, 0.89) is None
    rng = np.random.default_rng(0)
    post = xr.Dataset({"theta": (("chain", "draw"), rng.normal(size=(2, 10)))})
    assert policy_associations(xr.DataTree.from_dict({"/m/posterior": post}), 0.89) is None


def test_a_real_runs_report_shows_its_own_slopes(tiny_run_dir: Path, tmp_path: Path) -> None:
    from analogcast.cli.main import main
    from analogcast.runs import load_run

    run = load_run(tiny_run_dir)
    tree = run.result.tree
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        code = main(["report", str(tiny_run_dir), "--format", "html", "--out", str(tmp_path), "--name", "t"])
    assert code == 0, err.getvalue()
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    named = [n for n, node in tree.children.items() if "posterior" in node.children
             and "beta0" in node["posterior"] and "direction" in node["posterior"]["beta0"].dims]
    assert named, "the tiny run has an event model with common slopes"
    block = html[html.index(f'id="table-associations-{named[0]}"'):]
    block = block[: block.index("</table>")]
    row = block[block.index(POLICY_TERMS["sanctions"]):]
    cells = [html_lib.unescape(c) for c in re.findall(r"<td>([^<]*)</td>", row)[:2]]
    level = float(run.metadata.get("level", 0.89)) if isinstance(run.metadata, dict) else 0.89
    b = tree[named[0]]["posterior"]["beta0"]
    for cell, d in zip(cells, DIRS, strict=True):
        m, lo, hi, _ = _parse(cell)
        x = b.sel(covariate="sanctions", direction=d).values.ravel()
        a = 100 * (1 - level) / 2
        assert m == pytest.approx(x.mean(), abs=0.005)
        assert (lo, hi) == pytest.approx((np.percentile(x, a), np.percentile(x, 100 - a)), abs=0.005)
