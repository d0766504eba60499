"""The report's sections on the outcomes of the model of index paths (the registered model that
declares ``paths``): incremental rises of the indices (P(rise >= delta)) and women's legal rights
(the World Bank WBL index). The model is named by its declared label."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd
import xarray as xr

from analogcast.reporting.narrative import SPACE_LABELS, Sentence, rise_cells, rise_sentence
from analogcast.reporting.run_inputs import path_model_label
from analogcast.reporting.tables import (
    Cell,
    TableBlock,
    cell_key,
    fmt_delta,
    fmt_score,
    main_horizons,
    space_label,
    wbl_rise_rows,
    wbl_rows,
)

__all__ = ["paths_not_fitted", "origin_levels", "rise_section", "wbl_section"]


def paths_not_fitted() -> str:
    """The note shown when the run has no index paths (the path model was not fitted)."""
    label = path_model_label()
    return (
        f"{label[:1].upper()}{label[1:]} was not fitted for this run, so the report shows neither the probability "
        "of incremental rises of the indices nor the women's legal rights (WBL) outcome."
    )


def origin_levels(fc: xr.Dataset, spaces: Sequence[str]) -> dict[str, float]:
    """The target's index at the origin (``index_origin``) of each of ``spaces`` where it is
    finite; empty when the run has none."""
    if "index_origin" not in fc or "space" not in fc["index_origin"].dims:
        return {}
    io = fc["index_origin"]
    return {str(k): float(v) for k, v in zip(io["space"].values, io.values, strict=True)
            if str(k) in spaces and math.isfinite(float(v))}


def rise_section(
    rise: pd.DataFrame,
    fc: xr.Dataset,
    scen: list[dict[str, str]],
    spaces: list[str],
    horizons: list[int],
    level_pct: str,
    origin: int | None,
    target_name: str,
) -> tuple[list[TableBlock], Sentence | None, str]:
    """Tables of P(index rises by >= delta) per main horizon and delta, the sentence, what delta means."""
    avail = sorted(set(rise["horizon"]))
    hz = [h for h in horizons if h in avail] or main_horizons(avail)
    deltas = sorted(set(rise["delta"]))
    labels = {s["name"]: s["label"] for s in scen}
    tables = []
    for d in deltas:
        for h in hz:
            cs = rise_cells(rise, h, d)
            when = f"in {origin + h} ({h} years after the origin) than in {origin}" if origin is not None else f"{h} years after the origin than at the origin"
            tables.append(
                TableBlock(
                    id=f"table-rise-{h}-{fmt_delta(d).replace('.', 'p')}",
                    caption=f"Probability that the index is at least {fmt_delta(d)} higher {when} (posterior mean, {level_pct} interval)",
                    header=["Scenario", *[space_label(sp) for sp in spaces]],
                    rows=[[s["label"], *[cs[(s["name"], sp)] for sp in spaces]] for s in scen],
                )
            )
    sentence = rise_sentence(rise, labels=labels, horizon=max(hz), delta=min(deltas), origin=origin) if hz and deltas else None
    dl = " and ".join(fmt_delta(d) for d in deltas)
    at = f" in {origin}" if origin is not None else " at the origin"
    shares = " and ".join(f"{100 * d:g}%" for d in deltas)
    span = ""
    io = origin_levels(fc, spaces)
    if len(io) > 1:
        lo_sp, hi_sp = min(io, key=io.get), max(io, key=io.get)
        span = (
            f", against {target_name}'s levels{at} of {io[lo_sp]:.2f} ({SPACE_LABELS.get(lo_sp, lo_sp)} space) "
            f"to {io[hi_sp]:.2f} ({SPACE_LABELS.get(hi_sp, hi_sp)} space)"
        )
    text = (
        f"A rise of at least {dl} means that the space's V-Dem index, which runs from 0 to 1, is at least "
        f"that much higher in the year a table names than{at}: {shares} of the whole scale{span}. "
        f"The probabilities come from {path_model_label()}'s simulated paths, the same paths as the fan charts."
    )
    return tables, sentence, text


def wbl_section(
    fc: xr.Dataset,
    scen: list[dict[str, str]],
    horizons: list[int],
    level: float,
    origin: int | None,
    last_year: int | None,
) -> tuple[TableBlock | None, str]:
    """The women's legal rights table (WBL at origin, expected WBL and P(rise) per horizon) and its caveat."""
    if "wbl" not in fc:
        return None, (
            f"This run's {path_model_label().removeprefix('the ')} did not include the World Bank WBL index (model option wbl = false), "
            "so there is no women's legal rights forecast."
        )
    level_pct = f"{round(100 * level):d}%"
    wr = wbl_rows(fc, level, horizons)
    pr = wbl_rise_rows(fc, level)
    hz = sorted(set(wr["horizon"])) if wr is not None else []
    deltas = sorted(set(pr["delta"])) if pr is not None else []
    w0 = float(fc["wbl_origin"]) if "wbl_origin" in fc else float("nan")
    year = (lambda h: str(origin + h)) if origin is not None else (lambda h: f"origin + {h}")
    header = ["Scenario", f"WBL {origin if origin is not None else 'at origin'}"]
    header += [f"Expected WBL {year(h)}" for h in hz]
    header += [f"P(+{100 * d:g} points by {year(h)})" for d in deltas for h in hz]
    body = []
    for s in scen:
        n = s["name"]
        row: list[Any] = [s["label"], fmt_score(w0)]
        for h in hz:
            r = wr[(wr["scenario"] == n) & (wr["horizon"] == h)].iloc[0]
            row.append(Cell(cell_key("wbl", n, "wbl", h), r["wbl"], r["wbl_low"], r["wbl_high"], kind="score"))
        for d in deltas:
            for h in hz:
                got = pr[(pr["scenario"] == n) & (pr["horizon"] == h) & ((pr["delta"] - d).abs() < 1e-9)]
                if got.empty:
                    row.append("n/a")
                    continue
                r = got.iloc[0]
                row.append(Cell(cell_key(f"p_wbl_rise_{fmt_delta(d)}", n, "wbl", h), r["p"], r["p_low"], r["p_high"]))
        body.append(row)
    table = TableBlock(
        id="table-wbl",
        caption=f"Women's legal rights: World Bank WBL index (0-100) at the origin, expected in later years, and probability of a rise of at least the stated points (posterior mean, {level_pct} interval)",
        header=header,
        rows=body,
    )
    if last_year is not None:
        ends = f"in this run's data the WBL series ends in {last_year}"
        if origin is not None and last_year < origin:
            ends += f", before the forecast origin ({origin})"
        ends += f", and every later value is simulated by {path_model_label()}"
    else:
        ends = "this run does not record the last year of its WBL series"
    text = (
        "The WBL index scores the laws on the books (mobility, workplace, pay, marriage, parenthood, "
        f"entrepreneurship, assets and pensions), not how they are applied or enforced; {ends}."
    )
    return table, text
