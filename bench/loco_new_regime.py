"""Do analogy priors help in new regimes? Leave-one-country-out, every country-year within 5 years
of a regime change (``analogcast.evaluation.loco.new_regime_loco``); writes
``bench/results/loco_new_regime.json`` (summary, by years since the change) and the per-outcome rows
to ``--rows`` (CSV, optional). About 10 minutes on a shared 2-core machine.

Run: PYTHONPATH=src python bench/loco_new_regime.py [--rows /tmp/loco_rows.csv]
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

from analogcast._io import atomic_write_json
from analogcast.evaluation.kept import write_kept
from analogcast.evaluation.loco import NEW_REGIME_SETTINGS, new_regime_loco, new_regime_summary

OUT = Path(__file__).resolve().parent / "results" / "loco_new_regime.json"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    t0 = time.time()
    rows = new_regime_loco()
    if args.rows:
        rows.to_csv(args.rows, index=False)
    overall = new_regime_summary(rows)
    by_year = {
        int(k): new_regime_summary(g, n_boot=1000).to_dict("records")
        for k, g in rows.groupby("years_since")
    }
    with_own = new_regime_summary(rows[rows["n_own_spells"] > 0], n_boot=1000)
    result = {
        "rule": "regime change = v2x_regime (RoW) of year t differs from t-1; cases = origins "
        "t = change .. change + 4 within the new spell; outcome = event in t + 1 (every space and "
        "direction); own record = coded events of the new spell in change .. t - 1",
        "settings": NEW_REGIME_SETTINGS,
        "n_changes": int(rows[["country", "change_year"]].drop_duplicates().shape[0]),
        "overall": overall.to_dict("records"),
        "cases_with_own_spells": with_own.to_dict("records"),
        "by_years_since_change": by_year,
        "seconds": round(time.time() - t0, 1),
    }
    atomic_write_json(OUT, result)
    # the report quotes the kept copy (package data, with the data hash it was computed on)
    write_kept("loco_new_regime", {"producer": "bench/loco_new_regime.py", **result})
    print(json.dumps(result["overall"], indent=1))


if __name__ == "__main__":
    main()
