"""How the event model did in the backtest on country-years like the target's at its origin.

A pooled log-loss can hide a model that misses the cases a forecast is about. This section reads
the kept backtest's forecasts of its primary model (``forecasts.csv``) and scores them on the
classes of :mod:`analogcast.evaluation.subgroups` that the target is in at the report's origin,
space by space:

* ``near_floor``: the space's index within two cutpoints of 0;
* ``after_closing``: a closing coded in ``t-2 .. t`` on the series cut at the origin ``t``;
* both at once (the new closed regime after a collapse).

For each class the target is in (in at least one space), the backtest rows of that class (the six
Barometer spaces pooled, as the subgroup scores in ``scores_subgroups.csv``) give the mean two-year
forecast and the share that saw the event, with a Jeffreys 90% interval for the share
(``Beta(k + 1/2, n - k + 1/2)``). When that interval excludes the mean forecast, the section says in
which direction the model erred for such cases. Forecasts and labels are read as the reliability
plot reads them (:func:`analogcast.reporting.plot_skill.backtest_forecasts`: ``truth.csv``, else the
shipped two-year labels); the numbers are only computed when the
backtest's ``run.json`` records the same data hash as the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analogcast._display import TableBlock, fmt_pct, space_label
from analogcast.errors import AnalogcastError

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.runs.run import Run

__all__ = ["ClassSkill", "CLASS_LABELS", "target_classes", "class_rows", "class_skill_section",
           "backtest_dir"]

#: class key -> words for the report
CLASS_LABELS: Mapping[str, str] = {
    "both": "near the floor and within 3 years of a closing",
    "near_floor": "near the floor",
    "after_closing": "within 3 years of a closing",
}
_LEVEL = 0.90  # the observed share's interval
_DIRECTIONS = (("opening", "openings"), ("closing", "closings"))


@dataclass(frozen=True)
class ClassSkill:
    """The report's "cases like this one" subsection.

    Attributes
    ----------
    table
        One row per class the target is in: its spaces, rows, and per direction the mean forecast
        against the observed share and its interval; ``None`` when nothing could be compared.
    sentences
        Plain-language reading of the table (the most specific class first).
    caution
        One executive-summary sentence when the backtest shows the model erred in one direction
        for the target's most specific class, else ``""``.
    note
        Why the section is empty (no backtest, other data, no forecasts), else ``""``.
    """

    table: TableBlock | None
    sentences: list[str] = field(default_factory=list)
    caution: str = ""
    note: str = ""


def backtest_dir(run: Run, backtest: Any = None) -> Path | None:
    """The backtest's output directory: ``backtest`` (a directory or a file in it), else the
    run's ``<run dir>/backtest``; ``None`` when neither holds a ``forecasts.csv``."""
    cands: list[Path] = []
    if isinstance(backtest, str | Path):
        p = Path(backtest)
        cands.append(p if p.is_dir() else p.parent)
    elif backtest is None and run.path is not None:
        cands.append(Path(run.path) / "backtest")
    for c in cands:
        if (c / "forecasts.csv").is_file():
            return c
    return None


def target_classes(panel: Any, target: str, origin: int, spaces: Sequence[str]) -> dict[str, list[str]]:
    """The target's spaces in each class at ``origin``: ``{"both": [...], "near_floor": [...],
    "after_closing": [...]}`` (``both`` = in the two at once), by the backtest's own rule."""
    from analogcast.evaluation.subgroups import subgroup_flags

    rows = pd.DataFrame({"space": list(spaces), "origin": int(origin), "country": target})
    sp = np.asarray(list(spaces), dtype=object)
    return {cls: list(sp[m]) for cls, m in _class_masks(subgroup_flags(panel, rows)).items()}


def _class_masks(flags: pd.DataFrame) -> dict[str, np.ndarray]:
    """Class -> row mask, from :func:`analogcast.evaluation.subgroups.subgroup_flags`' columns."""
    nf = flags["near_floor"].to_numpy()
    ac = flags["after_closing"].to_numpy()
    return {"both": nf & ac, "near_floor": nf, "after_closing": ac}


def _jeffreys(k: int, n: int, level: float = _LEVEL) -> tuple[float, float]:
    from scipy.special import betaincinv  # the Beta quantile (scipy.stats is slow to import)

    a = (1.0 - level) / 2.0
    lo = 0.0 if k == 0 else float(betaincinv(k + 0.5, n - k + 0.5, a))
    hi = 1.0 if k == n else float(betaincinv(k + 0.5, n - k + 0.5, 1.0 - a))
    return lo, hi


def class_rows(forecasts: pd.DataFrame, panel: Any) -> pd.DataFrame:
    """Mean forecast and observed share per class and direction over a backtest's rows of the six
    Barometer spaces.

    ``forecasts``: a backtest's forecasts with their labels, as
    :func:`analogcast.reporting.plot_skill.backtest_forecasts` returns them. Returns columns
    ``class``, ``direction``, ``n``, ``events``, ``mean_forecast``, ``observed``, ``observed_lo``,
    ``observed_hi`` (Jeffreys 90%).
    """
    from analogcast.data import BAROMETER_SPACES, gwcode_to_text_id
    from analogcast.evaluation.subgroups import subgroup_flags

    fc = forecasts[forecasts["space"].isin(BAROMETER_SPACES)].reset_index(drop=True)
    fc = fc.assign(country=fc["gwcode"].map(
        {g: gwcode_to_text_id(int(g)) for g in fc["gwcode"].unique()}))
    masks = _class_masks(subgroup_flags(panel, fc))
    out = []
    for cls, m in masks.items():
        for d, _ in _DIRECTIONS:
            sub = fc[m & fc[f"y_{d}"].notna().to_numpy() & fc[f"p_{d}"].notna().to_numpy()]
            n = len(sub)
            k = int(sub[f"y_{d}"].sum()) if n else 0
            lo, hi = _jeffreys(k, n) if n else (np.nan, np.nan)
            out.append({"class": cls, "direction": d, "n": n, "events": k,
                        "mean_forecast": float(sub[f"p_{d}"].mean()) if n else np.nan,
                        "observed": k / n if n else np.nan, "observed_lo": lo, "observed_hi": hi})
    return pd.DataFrame(out)


def _spaces_text(spaces: Sequence[str]) -> str:
    names = [space_label(s).lower() for s in spaces]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _reading(r: Mapping[str, Any]) -> str:
    """"too high" / "too low" / "" for one class-direction row."""
    if not r["n"]:
        return ""
    if r["mean_forecast"] > r["observed_hi"]:
        return "too high"
    if r["mean_forecast"] < r["observed_lo"]:
        return "too low"
    return ""


def class_skill_section(backtest: Path | None, panel: Any, target: str,
                        target_name: str, origin: int, spaces: Sequence[str],
                        data_sha256: str | None) -> ClassSkill:
    """The subsection for a run's target, from the backtest in ``backtest`` (see module doc)."""
    if backtest is None:
        return ClassSkill(None, note="No backtest forecasts are attached to this run.")
    try:
        info = json.loads((backtest / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = {}
    bt_hash = info.get("data_sha256")
    if not bt_hash or not data_sha256 or bt_hash != data_sha256:
        why = ("does not record the data it was run on" if not bt_hash else
               f"was run on other data (sha256 {str(bt_hash)[:12]}, this run's "
               f"{str(data_sha256)[:12]})")
        return ClassSkill(None, note=f"Not compared: the attached backtest {why}.")
    config = info.get("config") if isinstance(info.get("config"), dict) else {}
    if config.get("protocol", "strict") != "strict":
        return ClassSkill(None, note=(
            "Not compared: the attached backtest uses the Barometer's training window, which sees "
            "past each origin; only a strict backtest measures forecast skill."))
    classes = target_classes(panel, target, origin, spaces)
    if not any(classes.values()):
        return ClassSkill(None, note=(
            f"In {origin}, none of {target_name}'s spaces is near its floor or within 3 years of a "
            "closing, so no class of hard cases applies."))
    from analogcast.reporting.plot_skill import backtest_forecasts

    try:
        fc, model, _ = backtest_forecasts(backtest)
        rows = class_rows(fc, panel)
        origins = sorted({int(y) for y in fc["origin"]})
    except (OSError, ValueError, KeyError, TypeError, AnalogcastError) as exc:
        # a damaged file: say so in the section rather than stop the whole report
        why = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        return ClassSkill(None, note=(
            f"Not compared: the attached backtest's forecasts.csv could not be read ({why}); "
            "regenerate it with 'analogcast backtest'."))
    span = f"{origins[0]}-{origins[-1]}" if origins else ""
    body: list[list[Any]] = []
    sentences: list[str] = []
    caution = ""
    for cls in ("both", "near_floor", "after_closing"):
        if not classes[cls]:
            continue
        rs = {r["direction"]: r for r in rows[rows["class"] == cls].to_dict("records")}
        cells = [CLASS_LABELS[cls], _spaces_text(classes[cls]), f"{rs['opening']['n']:,}"]
        parts = []
        for d, word in _DIRECTIONS:
            r = rs[d]
            cells += [fmt_pct(r["mean_forecast"]),
                      f"{fmt_pct(r['observed'])} ({fmt_pct(r['observed_lo'])}-{fmt_pct(r['observed_hi'])})"]
            how = _reading(r)
            if how:
                parts.append((word, how, r))
        body.append(cells)
        if not sentences or parts:
            many = len(classes[cls]) > 1
            o, c = rs["opening"], rs["closing"]
            lead = (f"In the strict backtest (origins {span}), {o['n']:,} country-space-years were "
                    f"{CLASS_LABELS[cls]}, as {target_name}'s {_spaces_text(classes[cls])} "
                    f"space{'s are' if many else ' is'} in {origin}. For them, {model}'s two-year "
                    f"forecasts averaged {fmt_pct(o['mean_forecast'])} for an opening and "
                    f"{fmt_pct(c['mean_forecast'])} for a closing; {fmt_pct(o['observed'])} and "
                    f"{fmt_pct(c['observed'])} saw one.")
            if parts:
                lead += " " + " ".join(
                    f"Its {w[:-1]} forecasts were {h} for such cases (outside the observed share's "
                    f"90% interval, {fmt_pct(r['observed_lo'])}-{fmt_pct(r['observed_hi'])})."
                    for w, h, r in parts)
                if not caution:
                    w, h, r = parts[0]
                    caution = (
                        f"In the backtest, {model}'s {w[:-1]} forecasts for cases like "
                        f"{target_name}'s ({CLASS_LABELS[cls]}) were {h}: "
                        f"{fmt_pct(r['mean_forecast'])} on average against "
                        f"{fmt_pct(r['observed'])} observed over {r['n']:,} country-space-years; "
                        f"read its {w[:-1]} probabilities with that in mind (section 8; the "
                        f"backtest has no target, so {target_name}'s own intercept and its analogy "
                        "prior are not part of that record).")
            else:
                lead += " Both are within the observed shares' 90% intervals."
            sentences.append(lead)
    table = TableBlock(
        id="class-skill-table",
        caption=f"Backtest forecasts for cases like {target_name}'s in {origin} (two-year horizon)",
        header=["Class", f"{target_name}'s spaces in it", "Backtest rows", "Openings: forecast",
                "Openings: observed (90%)", "Closings: forecast", "Closings: observed (90%)"],
        rows=body,
        note=("Rows: country-space-years of the six Barometer spaces at origins "
              f"{span} in the class at their origin (near the floor: index within two cutpoints "
              "of 0; a closing: coded in the origin year or the two before, on the series cut at "
              f"the origin); forecast = mean two-year probability of "
              f"{model}; observed = share with the event (Jeffreys 90% interval)."),
    )
    return ClassSkill(table, sentences, caution)
