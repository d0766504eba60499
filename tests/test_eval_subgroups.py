"""Subgroup flags of backtest rows: computed from data up to the origin only, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analogcast.data import CUTPOINTS, SPACES, load_panel
from analogcast.evaluation.subgroups import subgroup_flags, subgroup_scores


def test_flags_match_a_hand_check_on_real_rows() -> None:
    panel = load_panel()
    fc = pd.DataFrame({"space": ["women", "women", "associational"], "origin": [2023, 2010, 2023],
                       "country": ["AFG", "SWE", "AFG"]})
    f = subgroup_flags(panel, fc)
    x_afg = float(panel[SPACES["women"]].sel(country="AFG", year=2023))
    assert x_afg <= 2 * CUTPOINTS["women"]
    assert f["near_floor"].tolist() == [True, False, True]
    # Afghanistan's associational index collapsed in 2021: a closing within three years of 2023
    assert bool(f.loc[2, "after_closing"]) and not bool(f.loc[1, "after_closing"])


def test_flags_do_not_look_past_the_origin() -> None:
    panel = load_panel()
    fc = pd.DataFrame({"space": ["associational"] * 2, "origin": [2019, 2019],
                       "country": ["AFG", "MMR"]})
    before = subgroup_flags(panel, fc)
    p2 = panel.copy(deep=True)
    p2[SPACES["associational"]].loc[{"year": slice(2020, None)}] = 0.0  # a collapse after t
    after = subgroup_flags(p2, fc)
    pd.testing.assert_frame_equal(before, after)


def test_scores_per_subgroup_and_model() -> None:
    panel = load_panel()
    rng = np.random.default_rng(0)
    fc = pd.DataFrame({"space": "associational", "origin": 2015,
                       "country": panel["country"].values.astype(str)})
    fc = pd.concat([fc.assign(model="a"), fc.assign(model="b")], ignore_index=True)
    fc["y_opening"] = rng.integers(0, 2, len(fc)).astype(float)
    fc["y_closing"] = rng.integers(0, 2, len(fc)).astype(float)
    fc["p_opening"] = np.where(fc["model"] == "a", fc["y_opening"] * 0.8 + 0.1, 0.5)
    fc["p_closing"] = 0.5
    sc = subgroup_scores(panel, fc)
    assert set(sc["subgroup"]) == {"near_floor", "after_closing"}
    up = sc[(sc.subgroup == "near_floor") & (sc.direction == "up")].set_index("model")
    assert up.loc["a", "log_loss"] < up.loc["b", "log_loss"]
    assert up.loc["a", "n"] == up.loc["b", "n"] > 0
