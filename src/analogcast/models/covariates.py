"""The scenario covariate catalogue: one entry per covariate a scenario may set.

Every entry says what the value means (label, unit), how the design transforms it, and the bounds
its meaning allows (a share of GNI cannot be negative, a count of sanction cases is a whole number
no larger than the number of cases the GSDB records). The scenario type
(:class:`analogcast.models.scenario_type.Scenario`: a spec's ``[[scenarios]]`` tables and the scenario
engine's input alike) checks every value with :func:`validate_value`; the design
(:data:`analogcast.models.design.COMMON_COVARIATES`, checked against this catalogue at import) and the
report read the same entry. Values inside the bounds but outside the range seen in the training
data are accepted with a warning (:func:`range_notes`).

``alt_patrons`` is not a variable. It is a switch (0/1) that a scenario maps to reference values of
two measured covariates (:func:`alt_patrons_levels`):

- ``alt_patrons = 1``: ``patron_align`` and ``cn_finance`` at the median of Iran and Myanmar in
  2015-2019 (two regimes under Western pressure with Chinese and Russian support);
- ``alt_patrons = 0``: their median for Afghanistan in 2002-2019 (the Western-backed Islamic Republic).

A scenario that also names ``patron_align`` or ``cn_finance`` directly keeps its own value for that
covariate.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from analogcast.errors import UserInputError

__all__ = [
    "ScenarioCovariate",
    "CATALOGUE",
    "ALT_PATRONS_ANCHORS",
    "by_key",
    "by_variable",
    "validate_value",
    "alt_patrons_levels",
    "range_notes",
    "scenario_mapping",
    "scenario_name",
]


@dataclass(frozen=True)
class ScenarioCovariate:
    """One covariate a scenario may set.

    Parameters
    ----------
    key
        Name in a spec's ``[[scenarios]]`` table (e.g. ``oda_gni``).
    variable
        The panel (or derived) variable it sets; ``alt_patrons`` has none (``""``).
    label, unit
        For reports: ``"Net ODA received"``, ``"% of GNI"``.
    transform
        How the design uses the value (plain words).
    lower, upper
        Bounds by meaning (inclusive); values outside are refused.
    integer
        Whole numbers only (counts, categories, switches).
    """

    key: str
    variable: str
    label: str
    unit: str
    transform: str
    lower: float
    upper: float
    integer: bool = False

    def bounds_text(self) -> str:
        """``"0 to 1,547 (whole numbers)"``."""
        kind = " (whole numbers)" if self.integer else ""
        return f"{self.lower:g} to {self.upper:g}{kind}"


#: GSDB V4 has 1,547 cases in all: no country can have more active cases.
_GSDB_CASES = 1547

CATALOGUE: tuple[ScenarioCovariate, ...] = (
    ScenarioCovariate("oda_gni", "DT.ODA.ODAT.GN.ZS", "Net ODA received", "% of GNI",
                      "log1p, scaled (0 = no aid)", 0.0, 1000.0),
    ScenarioCovariate("sanctions", "n_active_cases", "Active sanction cases (GSDB)", "cases",
                      "log1p, scaled; enters the hazard two years later", 0.0, _GSDB_CASES, True),
    ScenarioCovariate("alt_patrons", "", "Alternative patrons available", "0/1",
                      "sets patron_align and cn_finance to reference levels (see alt_patrons_levels)",
                      0.0, 1.0, True),
    ScenarioCovariate("patron_align", "patron_align",
                      "UNGA alignment with China/Russia relative to the US",
                      "agreement share difference", "centred and scaled; also modifies aid", -1.0, 1.0),
    ScenarioCovariate("cn_finance", "cn_fin_gdp", "Chinese official finance commitments", "% of GDP",
                      "log1p, centred and scaled", 0.0, 1000.0),
    ScenarioCovariate("regime", "v2x_regime", "Regimes of the World", "category 0-3", "as is",
                      0.0, 3.0, True),
    ScenarioCovariate("gdp_pc", "NY.GDP.PCAP.KD", "GDP per capita", "constant US$", "log",
                      1.0, 1e6),
    ScenarioCovariate("gdp_growth", "NY.GDP.PCAP.KD.ZG", "GDP per capita growth", "%",
                      "clipped to +-25", -100.0, 1000.0),
    ScenarioCovariate("infant_mortality", "infmort_yearadj", "Infant mortality, year-adjusted",
                      "relative to the year's level", "as is", -1e3, 1e3),
    ScenarioCovariate("coups", "pt_coup_num5yrs", "Coups in the last 5 years", "count", "log1p",
                      0.0, 50.0, True),
    ScenarioCovariate("state_age", "state_age", "State age", "years", "log1p", 0.0, 1000.0, True),
    ScenarioCovariate("population", "pop", "Population", "thousands", "log", 1.0, 1e7),
    ScenarioCovariate("oil_rents", "NY.GDP.PETR.RT.ZS", "Oil rents", "% of GDP", "log1p",
                      0.0, 100.0),
    ScenarioCovariate("internet", "IT.NET.USER.ZS", "Internet users", "% of population", "as is",
                      0.0, 100.0),
    ScenarioCovariate("wbl", "wbl_index", "Women, Business and the Law index", "score 0-100",
                      "as is", 0.0, 100.0),
)

#: Reference countries and years of the two ``alt_patrons`` levels (medians of country-years).
ALT_PATRONS_ANCHORS: dict[int, tuple[tuple[str, ...], tuple[int, int], str]] = {
    1: (("IRN", "MMR"), (2015, 2019), "the median of Iran and Myanmar in 2015-2019"),
    0: (("AFG",), (2002, 2019), "Afghanistan's median in 2002-2019"),
}

_BY_KEY = {c.key: c for c in CATALOGUE}
_BY_VAR = {c.variable: c for c in CATALOGUE if c.variable}


#: The one rule for scenario names (:class:`analogcast.models.scenario_type.Scenario` applies it): they
#: become table keys, CSV values and parts of file names, and a dot would clash with
#: ``analogcast grid``'s dotted ``--set`` keys.
SCENARIO_NAME_RULE = "1-64 letters, digits, '_' or '-', starting with a letter or digit"
_SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def scenario_name(name: Any) -> str:
    """``name`` stripped, if it is a valid scenario name; else :class:`UserInputError` naming it."""
    text = str(name).strip() if isinstance(name, str) else ""
    if not _SCENARIO_NAME.match(text):
        raise UserInputError(f"scenario name {name!r} must be {SCENARIO_NAME_RULE}.")
    return text


def by_key(key: str) -> ScenarioCovariate | None:
    """The entry of a scenario key (``None`` if unknown)."""
    return _BY_KEY.get(key)


def by_variable(variable: str) -> ScenarioCovariate | None:
    """The entry of a panel variable (``None`` if no scenario may set it)."""
    return _BY_VAR.get(variable)


def validate_value(key: str, value: Any, where: str = "") -> float:
    """Check one scenario value against its catalogue entry; return it as a float.

    Parameters
    ----------
    key
        Scenario key or panel variable name.
    value
        The value as written (booleans are refused: ``oda_gni = true`` is a typo, not 1%).
    where
        Prefix naming the field in the error (e.g. ``"scenario 'isolation', covariate 'sanctions'"``).

    Raises
    ------
    UserInputError
        One line naming the field, the value and the accepted range.
    """
    entry = by_key(key) or by_variable(key)
    pre = f"{where}: " if where else ""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        what = f" ({entry.unit}, {entry.bounds_text()})" if entry else ""
        raise UserInputError(
            f"{pre}{key} = {value!r} is not a number; give a number{what}, a list of numbers or \"hold\"."
        )
    v = float(value)
    if not math.isfinite(v):
        raise UserInputError(f"{pre}{key} must be finite, got {value!r}.")
    if entry is None:
        return v
    if entry.key == "alt_patrons":
        if v not in (0.0, 1.0):
            raise UserInputError(
                f"{pre}{key} must be 0 or 1 (0: no alternative patrons, 1: patrons available), got {value!r}."
            )
        return v
    what = f"({entry.label}, {entry.unit})"
    if v < entry.lower:
        raise UserInputError(f"{pre}{key} must be >= {entry.lower:g} {what}, got {value!r}.")
    if v > entry.upper:
        raise UserInputError(f"{pre}{key} must be <= {entry.upper:g} {what}, got {value!r}.")
    if entry.integer and not v.is_integer():
        raise UserInputError(f"{pre}{key} must be a whole number {what}, got {value!r}.")
    return v


def _patron_align(panel: Any) -> np.ndarray:
    from analogcast.models.design import derived_variable

    return np.asarray(derived_variable(panel, "patron_align").values, dtype=np.float64)


@lru_cache(maxsize=1)
def _levels_cached() -> dict[int, dict[str, float]]:
    from analogcast.data import load_panel

    return alt_patrons_levels(load_panel())


def alt_patrons_levels(panel: Any = None) -> dict[int, dict[str, float]]:
    """Raw values that ``alt_patrons = 0 / 1`` stand for: panel variable -> value per level.

    Medians over the country-years of :data:`ALT_PATRONS_ANCHORS` (``patron_align`` from UNGA
    voting, ``cn_fin_gdp`` from AidData), from ``panel`` (default: the shipped panel, cached).
    """
    if panel is None:
        return {k: dict(v) for k, v in _levels_cached().items()}
    out: dict[int, dict[str, float]] = {}
    for level, (countries, (y0, y1), _) in ALT_PATRONS_ANCHORS.items():
        sub = panel.sel(country=list(countries), year=slice(y0, y1))
        pa = _patron_align(sub)
        cf = np.asarray(sub["cn_fin_gdp"].values, dtype=np.float64) if "cn_fin_gdp" in sub else np.full(1, np.nan)
        out[level] = {
            "patron_align": float(np.nanmedian(pa)) if np.isfinite(pa).any() else float("nan"),
            "cn_fin_gdp": float(np.nanmedian(cf)) if np.isfinite(cf).any() else float("nan"),
        }
    return out


def range_notes(paths: Mapping[str, Any], scaling: Mapping[str, Mapping[str, float]],
                scenario: str) -> list[str]:
    """Warnings for scenario values outside the range seen in the training data.

    Parameters
    ----------
    paths
        Panel variable -> a value or tuple of values (a :class:`~analogcast.scenarios.Scenario`'s
        ``variables`` after ``alt_patrons`` was mapped).
    scaling
        The model's common scaling (``ModelData.scaling["common"]``) with ``train_min`` /
        ``train_max`` of each covariate's raw source.
    scenario
        Scenario name, for the message.
    """
    from analogcast.models.design import COMMON_COVARIATES

    notes: list[str] = []
    for spec in COMMON_COVARIATES:
        if spec.source is None or spec.source not in paths:
            continue
        sc = scaling.get(spec.name, {})
        lo, hi = sc.get("train_min"), sc.get("train_max")
        vals = paths[spec.source]
        if lo is None or hi is None or isinstance(vals, str):
            continue
        arr = np.atleast_1d(np.asarray(vals, dtype=np.float64))
        out = arr[(arr < lo) | (arr > hi)]
        if out.size:
            entry = by_variable(spec.source)
            name = entry.key if entry else spec.source
            unit = f" {entry.unit}" if entry else ""
            notes.append(
                f"scenario '{scenario}': {name} = {out[0]:g}{unit} lies outside the range seen in the "
                f"training data ({lo:g} to {hi:g}); the forecast extrapolates the model there."
            )
    return notes


def scenario_mapping(scenarios: Any) -> list[dict[str, Any]]:
    """The scenario-to-covariate mapping, JSON-ready (for a run's ``metadata.json``).

    Parameters
    ----------
    scenarios
        :class:`analogcast.scenarios.Scenario` objects (after validation).

    Returns
    -------
    list of dict
        Per scenario: ``name``, ``label`` (as reports show it), ``given`` (catalogue keys),
        ``covariates`` (panel variable -> value(s) the design uses, with ``alt_patrons`` resolved)
        and ``notes`` (what each key sets, with units and the ``alt_patrons`` anchors).
    """
    levels = alt_patrons_levels()
    out = []
    for s in scenarios:
        given = dict(s.to_dict()["paths"])
        cov: dict[str, Any] = {k: (list(v) if isinstance(v, tuple) else v)
                               for k, v in s.variables.items() if k != "alt_patrons"}
        notes = []
        for k, v in given.items():
            e = by_key(k) or by_variable(k)
            if e is None:
                continue
            if e.key == "alt_patrons":
                seq = v if isinstance(v, list) else [v]
                if "hold" in seq:
                    continue
                for var in ("patron_align", "cn_fin_gdp"):
                    if var not in cov:
                        vals = [levels[int(x)][var] for x in seq]
                        cov[var] = vals if isinstance(v, list) else vals[0]
                notes.append(f"alt_patrons = {v}: patron_align and cn_finance at "
                             + "; ".join(f"{lv} -> {ALT_PATRONS_ANCHORS[lv][2]}" for lv in sorted({int(x) for x in seq}))
                             + " (unless set directly)")
            else:
                notes.append(f"{e.key} = {v} sets {e.label} ({e.unit}); design: {e.transform}")
        out.append({"name": s.name, "label": s.display_label, "given": given, "covariates": cov, "notes": notes})
    return out


def _check_catalogue() -> None:
    """The catalogue and the design agree: every settable design source has one entry, same name."""
    from analogcast.models.design import COMMON_COVARIATES

    design = {s.source: s.alias for s in COMMON_COVARIATES if s.alias and s.source}
    mine = {c.variable: c.key for c in CATALOGUE if c.variable}
    if design != mine:
        raise RuntimeError(f"covariate catalogue and design disagree: {sorted(set(design.items()) ^ set(mine.items()))}")


_check_catalogue()
