"""The report's "cases like this one": the kept backtest scored on the target's classes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analogcast.data import SPACES, load_events, load_panel
from analogcast.data.provenance import data_sha256
from analogcast.reporting import class_skill as cs

KEPT = Path(__file__).resolve().parents[1] / "reports" / "backtest" / "strict"


@pytest.fixture(scope="module")
def shipped() -> tuple:
    return load_panel(), load_events()


def _labelled(d: Path) -> pd.DataFrame:
    from analogcast.reporting.plot_skill import backtest_forecasts

    return backtest_forecasts(d)[0]


@pytest.fixture(scope="module")
def kept_rows(shipped) -> pd.DataFrame:
    panel, _ = shipped
    return cs.class_rows(_labelled(KEPT), panel)


def _backtest(tmp: Path, forecasts: pd.DataFrame, data_hash: str | None,
              protocol: str = "strict") -> Path:
    tmp.mkdir(parents=True, exist_ok=True)
    forecasts.to_csv(tmp / "forecasts.csv", index=False)
    info = json.loads((KEPT / "run.json").read_text(encoding="utf-8"))
    info["config"]["protocol"] = protocol
    info.pop("data_sha256", None)
    if data_hash is not None:
        info["data_sha256"] = data_hash
    (tmp / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return tmp


def test_class_rows_agree_with_the_backtests_own_subgroup_scores(kept_rows) -> None:
    """Two code paths: the backtest scored its subgroups from the engine's rows and labels
    (``scores_subgroups.csv``); the report re-reads ``forecasts.csv`` with the shipped labels. Rows
    and event shares must match."""
    kept = pd.read_csv(KEPT / "scores_subgroups.csv")
    kept = kept[kept["model"] == "event_logit"]
    for _, r in kept.iterrows():
        d = {"up": "opening", "down": "closing"}[r["direction"]]
        got = kept_rows[(kept_rows["class"] == r["subgroup"]) & (kept_rows["direction"] == d)].iloc[0]
        assert got["n"] == r["n"], (r["subgroup"], d)
        assert got["events"] == r["n_events"], (r["subgroup"], d)
        assert got["observed"] == pytest.approx(r["pos_rate"], abs=1e-6)
    both = kept_rows[kept_rows["class"] == "both"].set_index("direction")
    nf = kept_rows[kept_rows["class"] == "near_floor"].set_index("direction")
    assert 0 < both.loc["opening", "n"] < nf.loc["opening", "n"]  # the intersection is smaller


def test_jeffreys_interval_covers_at_its_level() -> None:
    """Coverage of the observed share's 90% interval by simulation (n = 60, p = 0.18): within
    0.86-0.95 (Jeffreys is close to nominal); the ends are 0 and 1 for k = 0 and k = n."""
    rng = np.random.default_rng(0)
    n, p = 60, 0.18
    ks = rng.binomial(n, p, 4000)
    cover = np.mean([lo <= p <= hi for lo, hi in (cs._jeffreys(int(k), n) for k in ks)])
    assert 0.86 <= cover <= 0.95
    assert cs._jeffreys(0, 10)[0] == 0.0 and cs._jeffreys(10, 10)[1] == 1.0
    from scipy.stats import beta  # the interval's ends are the Jeffreys posterior's quantiles

    assert cs._jeffreys(11, 60) == pytest.approx(beta(11.5, 49.5).ppf([0.05, 0.95]), rel=1e-9)


def test_afghanistan_2023_classes(shipped) -> None:
    """On the shipped data Afghanistan's associational, individual and women's indices are below
    their cutpoints in 2023, two years after the 2021 takeover's closings."""
    panel, _ = shipped
    got = cs.target_classes(panel, "AFG", 2023, list(SPACES))
    for s in ("associational", "individual", "women"):
        assert s in got["both"] and s in got["near_floor"] and s in got["after_closing"]
    assert set(got["both"]) == set(got["near_floor"]) & set(got["after_closing"])


def test_section_reads_the_direction_of_the_error(tmp_path, shipped) -> None:
    """The same rows with opening forecasts set to the class's observed share read as in line; 30
    points higher, as "too high", with an executive-summary caution."""
    panel, _ = shipped
    fc = pd.read_csv(KEPT / "forecasts.csv")
    h = data_sha256()
    rows = cs.class_rows(_labelled(_backtest(tmp_path / "kept", fc, h)), panel)
    obs = rows[(rows["class"] == "both") & (rows["direction"] == "opening")]["observed"].iloc[0]
    fair = fc.assign(p_up=obs, p_down=fc["p_down"])
    rows_fair = cs.class_rows(_labelled(_backtest(tmp_path / "fair0", fair, h)), panel)
    fair_down = rows_fair[(rows_fair["class"] == "both") & (rows_fair["direction"] == "closing")]
    # closings of that class: also set to their observed share, so nothing is flagged
    fair = fair.assign(p_down=float(fair_down["observed"].iloc[0]))
    sec = cs.class_skill_section(_backtest(tmp_path / "fair", fair, h), panel, "AFG",
                                 "Afghanistan", 2023, ["women"], h)
    assert sec.table is not None
    assert "too high" not in sec.sentences[0] and "within the observed shares" in sec.sentences[0]
    assert cs.CLASS_LABELS["both"] not in sec.caution  # (a wider class may still be flagged)
    high = fc.assign(p_up=np.clip(fc["p_up"] + 0.3, 0, 1))
    sec = cs.class_skill_section(_backtest(tmp_path / "high", high, h), panel, "AFG",
                                 "Afghanistan", 2023, ["women"], h)
    assert "opening forecasts were too high" in sec.sentences[0]
    assert "too high" in sec.caution and "Afghanistan" in sec.caution
    assert sec.table.rows[0][0] == cs.CLASS_LABELS["both"]


def test_section_refuses_other_or_unrecorded_data(tmp_path, shipped) -> None:
    panel, _ = shipped
    fc = pd.read_csv(KEPT / "forecasts.csv").head(50)
    h = data_sha256()
    sec = cs.class_skill_section(_backtest(tmp_path / "other", fc, "0" * 64), panel, "AFG",
                                 "Afghanistan", 2023, ["women"], h)
    assert sec.table is None and "other data" in sec.note
    sec = cs.class_skill_section(_backtest(tmp_path / "none", fc, None), panel, "AFG",
                                 "Afghanistan", 2023, ["women"], h)
    assert sec.table is None and "does not record" in sec.note
    sec = cs.class_skill_section(_backtest(tmp_path / "baro", fc, h, "barometer"), panel,
                                 "AFG", "Afghanistan", 2023, ["women"], h)
    assert sec.table is None and "Barometer's training window" in sec.note
    assert "No backtest" in cs.class_skill_section(None, panel, "AFG", "Afghanistan", 2023,
                                                   ["women"], h).note


def test_backtest_dir_finds_the_forecasts(tmp_path) -> None:
    d = tmp_path / "bt"
    d.mkdir()
    assert cs.backtest_dir(None, d) is None  # no forecasts.csv
    shutil.copy(KEPT / "forecasts.csv", d / "forecasts.csv")
    assert cs.backtest_dir(None, d) == d
    assert cs.backtest_dir(None, d / "scores.csv") == d  # a file in it


@pytest.mark.parametrize("content", ["not,a\nbacktest,file\n", "outcome,from_year\n1,2\n",
                                     "\x00\x01garbage"])
def test_a_damaged_forecasts_file_is_named_not_a_traceback(tmp_path, shipped, content) -> None:
    panel, _ = shipped
    d = _backtest(tmp_path / "bad", pd.DataFrame({"x": [1]}), data_sha256())
    (d / "forecasts.csv").write_text(content, encoding="utf-8")
    sec = cs.class_skill_section(d, panel, "AFG", "Afghanistan", 2023, ["women"],
                                 data_sha256())
    assert sec.table is None and "could not be read" in sec.note
