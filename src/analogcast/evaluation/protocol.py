"""Which rows a backtest fit for origin ``t`` may see, and which rows it forecasts.

A row is a country-year ``(c, r)``; its label is the Barometer's two-year label: an event
(opening or closing, one model each) in year ``r + 1`` or ``r + 2``. Its features are values
observed by the end of year ``r`` (:mod:`analogcast.evaluation.features`). For origin ``t`` the
forecast rows are ``(c, t)`` for every country in the panel with an observed index in year ``t``:
P(event in ``t + 1 .. t + 2``), scored against the shipped (final) labels of row ``t``, exactly
the rows the Barometer scores.

Protocols
---------
``strict`` (the default, the skill we claim)
    Nothing observed after year ``t`` influences the fit, neither covariates nor labels. Events are
    **recoded** with :func:`analogcast.data.code_events` on every index series **cut at year t**,
    and only training rows whose two-year window is fully codable from data up to ``t`` are kept:
    the ERT-lite rule codes year ``y`` by looking at ``y + 1``, so year ``t`` itself cannot be
    coded and the last usable row is ``r = t - 3`` (window ``t - 2 .. t - 1``). Recoding on the
    cut series, rather than reading the shipped labels of rows ``r <= t - 3``, makes the
    guarantee structural: the labels are a function of the cut panel only, which
    ``tests/test_eval_protocol.py`` checks by perturbing every value after ``t``. (On the
    shipped data the two give the same labels on every row whose series is observed from
    ``r - 2`` to ``r + 3``; the test checks that too.)
``barometer``
    The Barometer's own window (its ``modelrunner/R/rf.R``): training rows ``r <= t - 1`` with the
    shipped labels. Row ``t - 1``'s label covers ``t`` and ``t + 1``, and coding year ``t + 1`` can
    look at ``t + 2``: this protocol sees up to two years past the origin. It exists only to compare
    our forecasts with the Barometer's published ones like for like; never report it as skill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from analogcast.data import DIRECTIONS
from analogcast.errors import UserInputError, did_you_mean
from analogcast.evaluation.features import SPACE_INDEX, space_index_frame

__all__ = [
    "PROTOCOLS",
    "DIRECTIONS",
    "Protocol",
    "OriginSet",
    "two_year_labels",
    "recode_cut",
    "training_labels",
    "truth_labels",
    "origin_set",
    "last_training_row",
    "PREV_COLUMNS",
]

Protocol = Literal["strict", "barometer"]
PROTOCOLS: tuple[str, ...] = ("strict", "barometer")
_EVENT_VARS = {"opening": "up_next2", "closing": "down_next2"}


def check_protocol(protocol: str) -> Protocol:
    """Return ``protocol`` if known, else raise :class:`UserInputError`."""
    if protocol not in PROTOCOLS:
        raise UserInputError(
            f"unknown protocol {protocol!r}; use 'strict' or 'barometer'."
            + did_you_mean(protocol, PROTOCOLS)
        )
    return protocol  # type: ignore[return-value]


def last_training_row(origin: int, protocol: Protocol) -> int:
    """Latest row year a fit for ``origin`` trains on: ``t - 3`` (strict) or ``t - 1`` (barometer)."""
    return origin - 3 if check_protocol(protocol) == "strict" else origin - 1


def two_year_labels(up: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-year labels from yearly events, arrays ``(country, year)``, the Barometer's way.

    ``label[:, r] = 1`` if an event happens in ``r + 1`` or ``r + 2``, else 0; an uncodable year
    (NaN) counts as no event, as in the Barometer's ``*_next2``; the last two years are NaN (not
    observable). Under ``strict`` the rows whose window touches the uncodable origin year are
    dropped afterwards (:func:`last_training_row`), so no label rests on a half-coded year.
    """

    def nxt2(e: np.ndarray) -> np.ndarray:
        hit = np.nan_to_num(np.asarray(e, float), nan=0.0) > 0
        out = np.full(hit.shape, np.nan)
        out[:, :-2] = (hit[:, 1:-1] | hit[:, 2:]).astype(float)
        return out

    return nxt2(up), nxt2(down)


def _code_rows(x: np.ndarray, space: str) -> tuple[np.ndarray, np.ndarray]:
    """ERT-lite events of every row (country series) of ``x``, by ``analogcast.data.code_events``.

    NaN years split a series, so a series padded before independence is coded like a shorter one.
    """
    from analogcast.data import CUTPOINTS, code_events

    up, down = code_events(x, CUTPOINTS[space])
    return np.asarray(up, float), np.asarray(down, float)


def recode_cut(panel: xr.Dataset, space: str, origin: int) -> pd.DataFrame:
    """Events and two-year labels recoded on every series of ``space`` cut at ``origin``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(country, year)`` for years ``<= origin``; columns ``opening``, ``closing``
        (yearly events, NaN where uncodable) and ``y_opening``, ``y_closing`` (two-year labels).
    """
    wide = space_index_frame(panel, space)
    wide = wide.loc[:, wide.columns <= origin]
    up, down = _code_rows(wide.to_numpy(), space)
    y_up, y_down = two_year_labels(up, down)
    idx = pd.MultiIndex.from_product([wide.index, wide.columns], names=["country", "year"])
    return pd.DataFrame(
        {
            "opening": up.ravel(),
            "closing": down.ravel(),
            "y_opening": y_up.ravel(),
            "y_closing": y_down.ravel(),
        },
        index=idx,
    )


def truth_labels(events: xr.Dataset, space: str) -> pd.DataFrame:
    """Shipped two-year labels of ``space`` (``up_next2``, ``down_next2`` of ``load_events()``).

    Indexed by ``(country, year)``; columns ``y_opening``, ``y_closing`` (NaN = not observable).
    """
    sub = events.sel(space=space)
    cols = {}
    for d, var in _EVENT_VARS.items():
        da = sub[var].transpose("country", "year")
        cols[f"y_{d}"] = da.values.astype(float).ravel()
    idx = pd.MultiIndex.from_product(
        [sub["country"].values, sub["year"].values.astype(int)], names=["country", "year"]
    )
    return pd.DataFrame(cols, index=idx)


def training_labels(
    panel: xr.Dataset, events: xr.Dataset, space: str, origin: int, protocol: Protocol
) -> pd.DataFrame:
    """Labels a fit for ``origin`` may train on, rows up to :func:`last_training_row`.

    ``strict``: recoded on series cut at ``origin`` (``events`` is not used). ``barometer``: the
    shipped labels. Returns columns ``y_opening``, ``y_closing`` indexed by ``(country, year)``.
    """
    last = last_training_row(origin, protocol)
    if protocol == "strict":
        lab = recode_cut(panel, space, origin)[["y_opening", "y_closing"]]
    else:
        lab = truth_labels(events, space)
    years = lab.index.get_level_values("year")
    return lab[years <= last]


PREV_COLUMNS: tuple[str, ...] = ("prev_opening", "prev_closing")


def _previous_window(
    panel: xr.Dataset, events: xr.Dataset, space: str, origin: int, protocol: Protocol
) -> pd.DataFrame:
    """Persistence features of row ``r``: the two-year label of row ``r - 3`` (events in r-2, r-1).

    Coding year ``r - 1`` may look at year ``r``, never later, so the feature is known at ``r``.
    Under ``strict`` it comes from the series cut at the origin, under ``barometer`` from the
    shipped labels. Columns ``prev_opening``, ``prev_closing``.
    """
    if protocol == "strict":
        lab = recode_cut(panel, space, origin)[["y_opening", "y_closing"]]
    else:
        lab = truth_labels(events, space)
    lab = lab.copy()
    years = lab.index.get_level_values("year")
    # row r takes the label of row r - 3; only labels of rows <= origin - 3 are ever used
    lab = lab[years <= origin - 3]
    shifted = lab.set_axis(
        pd.MultiIndex.from_arrays(
            [lab.index.get_level_values("country"), lab.index.get_level_values("year") + 3],
            names=["country", "year"],
        )
    )
    return shifted.rename(columns={"y_opening": "prev_opening", "y_closing": "prev_closing"})


@dataclass(frozen=True)
class OriginSet:
    """Training and forecast rows of one origin and space under one protocol.

    Attributes
    ----------
    origin, space, protocol
        What the rows are for.
    train
        Training rows (country, year): the feature columns then ``y_opening``, ``y_closing``
        (NaN where a direction's label is not usable; drop per direction).
    test
        Forecast rows (country, year = origin): the feature columns then ``gwcode`` and the shipped
        truth ``y_opening``, ``y_closing`` (NaN where not observable: unscored, still forecast).
    features
        Feature column names, in order.
    """

    origin: int
    space: str
    protocol: Protocol
    train: pd.DataFrame
    test: pd.DataFrame
    features: tuple[str, ...]
    meta: dict[str, object] = field(default_factory=dict)


def origin_set(
    panel: xr.Dataset,
    events: xr.Dataset,
    features: pd.DataFrame,
    *,
    origin: int,
    space: str,
    protocol: Protocol = "strict",
) -> OriginSet:
    """Build the training and forecast rows of one origin, space and protocol.

    Parameters
    ----------
    panel, events
        ``load_panel()`` and ``load_events()`` (events are used for the barometer protocol's
        labels and, under both, only for the truth of the forecast rows).
    features
        :func:`analogcast.evaluation.features.make_features` of ``panel``.
    origin
        Forecast origin ``t``: forecasts are for ``t + 1 .. t + 2``.
    space
        Space name (``analogcast.data.SPACES``).
    protocol
        ``"strict"`` or ``"barometer"``.
    """
    check_protocol(protocol)
    if space not in SPACE_INDEX:
        raise UserInputError(f"unknown space {space!r}." + did_you_mean(space, SPACE_INDEX))
    years = panel["year"].values.astype(int)
    if origin not in years or origin - 3 < years.min():
        raise UserInputError(
            f"origin {origin} is outside the panel's years {years.min() + 3}-{years.max()}"
        )
    feat_cols = (*features.columns, *PREV_COLUMNS)
    own = space_index_frame(panel, space).stack(future_stack=True).rename("x")
    # training rows: features <= their own year, labels per protocol, index observed at r
    lab = training_labels(panel, events, space, origin, protocol)
    prev = _previous_window(panel, events, space, origin, protocol)
    features = features.join(prev, how="left")
    train = features.join(lab, how="inner").join(own, how="inner")
    train = train[train["x"].notna() & (train["y_opening"].notna() | train["y_closing"].notna())]
    train = train.drop(columns="x")
    # forecast rows: every country with an observed index at the origin
    fidx = features.index
    test = features[fidx.get_level_values("year") == origin].join(own, how="inner")
    test = test[test["x"].notna()].drop(columns="x")
    truth = truth_labels(events, space)
    test = test.join(truth, how="left")
    gw = pd.Series(
        np.asarray(panel["gwcode"].values), index=pd.Index(panel["country"].values, name="country")
    )
    test.insert(len(feat_cols), "gwcode", gw.reindex(test.index.get_level_values("country")).values)
    return OriginSet(
        origin=origin,
        space=space,
        protocol=protocol,
        train=train,
        test=test,
        features=feat_cols,
        meta={
            "last_training_row": last_training_row(origin, protocol),
            "countries": tuple(panel["country"].values.tolist()),
        },
    )
