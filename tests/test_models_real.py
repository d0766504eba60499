"""Posterior predictive check of ``event_logit`` on the REAL shipped panel (slow tier).

The predicted share of country-years with an opening (and a closing), per space, must lie within
1 percentage point of the observed share on the training rows (all rows, without the case-control
offset). Measured with the default model (nutpie, 2 x (400 tune + 400 draws), control_fraction
0.25, no analogy prior): largest gap +0.49 pp for openings (women) and +0.73 pp for closings
(economic).
"""

from __future__ import annotations

import numpy as np
import pytest

from analogcast.models import get_model, sample_model

pytestmark = pytest.mark.slow


def test_event_logit_ppc_opening_share_real_panel():
    from analogcast.data import load_events, load_panel

    panel, events = load_panel(), load_events()
    m = get_model("event_logit")
    d = m.prepare(panel, events, target="AFG", origin=int(panel["year"].max()))
    tree = sample_model(m.build(d, None), draws=300, tune=300, chains=2, seed=3)
    pp = m.posterior_predictive(tree["posterior"].to_dataset(), d, np.random.default_rng(0),
                                max_draws=200)
    gap = (pp["share"].mean("sample") - pp["observed_share"]) * 100
    assert float(np.abs(gap.sel(direction="opening")).max()) < 1.0, gap.to_pandas()
    assert float(np.abs(gap.sel(direction="closing")).max()) < 1.0, gap.to_pandas()
