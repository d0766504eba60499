"""Per-draw scenario forecasts from fitted models.

``event_logit`` gives P(>= 1 opening/closing within H years) = 1 - prod(1 - h) per posterior draw
(so its interval is a posterior interval, not a product of intervals) with the scenario's covariates along the path and the dynamic covariates (index
level, recent change, years since a large move) taken on the survival path -- the path on which no
large move has happened since the origin, which is the path every factor ``1 - h`` conditions on.
``trajectory``
simulates index paths per draw (fan charts, P(rise >= delta)) and reads events from the simulated
paths with the same ERT-lite coder (a cross-check).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import xarray as xr

from analogcast.errors import UserInputError
from analogcast.models.registry import get_model
from analogcast.scenarios.scenario import (
    MAX_STEPS,
    Scenario,
    resolve_paths,
    scenario_notes,
    scenarios_from_spec,
)

__all__ = ["forecast", "check_horizons", "check_deltas", "ASSUMPTIONS"]

ASSUMPTIONS: tuple[str, ...] = (
    "Aid and sanctions terms are observational associations, not experiments: the model estimates "
    "aid, aid x Cold-War era (Dunning 2004: leverage weaker while donors competed, up to 1990) and "
    "aid x measured patron alignment from variation across countries and years, with year effects "
    "absorbing global trends; aid donors choose recipients, so the terms are not causal effects.",
    "'Alternative patrons' is measured, not assumed: alt_patrons = 1 sets UN General Assembly "
    "alignment with China/Russia relative to the US (patron_align) and Chinese official finance "
    "(cn_finance) to the median of Iran and Myanmar in 2015-2019; alt_patrons = 0 to Afghanistan's "
    "2002-2019 median. Forecast years are after the Cold War (era flag 0) in every scenario.",
    "Sanctions enter two years before the outcome, because sanctions follow repression (reverse "
    "causality); a scenario's sanctions first move the hazard two years after the origin.",
    "Missing-data indicators are held at the target's state at the origin in every scenario (a "
    "scenario sets covariate values, never missingness), so they shift all scenarios alike.",
    "In the event model, the hazard of each future year is evaluated given that no event has happened "
    "since the origin (the survival path): the index level stays at its origin value, its recent "
    "change fades to zero within two years and the years since its last large move keep counting; "
    "small moves below the cutpoint are ignored (the trajectory model lets the index evolve fully).",
    "Covariates a scenario does not set are held at the target's last observed value.",
    "Future global year shocks are drawn from their estimated distribution.",
)


def check_horizons(horizons: Iterable[int]) -> tuple[int, ...]:
    """Validate horizons: integers in 1..10, sorted and unique (``UserInputError`` otherwise)."""
    out = []
    for h in horizons:
        if isinstance(h, bool) or not float(h).is_integer():
            raise UserInputError(f"horizon {h!r} must be a whole number of years between 1 and {MAX_STEPS}.")
        h = int(h)
        if not 1 <= h <= MAX_STEPS:
            raise UserInputError(f"horizon {h} is out of range: horizons must be between 1 and {MAX_STEPS} years.")
        out.append(h)
    if not out:
        raise UserInputError("at least one horizon is needed.")
    return tuple(sorted(set(out)))


def check_deltas(deltas: Iterable[float]) -> tuple[float, ...]:
    """Validate rise thresholds delta: 0 < delta < 1 on the 0-1 index scale."""
    out = tuple(float(d) for d in deltas)
    for d in out:
        if not 0.0 < d < 1.0:
            raise UserInputError(f"delta {d} must be between 0 and 1 (index points on the 0-1 scale).")
    return out


def _unstack(arr: np.ndarray, n_chain: int, n_draw: int) -> np.ndarray:
    return arr.reshape(n_chain, n_draw, *arr.shape[1:])


def forecast(
    result: Any,
    scenarios: Sequence[Scenario | dict] | dict | None = None,
    *,
    horizons: Iterable[int] = range(1, MAX_STEPS + 1),
    deltas: Iterable[float] = (0.05,),
    seed: int | np.random.SeedSequence = 0,
) -> xr.Dataset:
    """Per-draw forecasts for every scenario (see ``analogcast.scenarios`` for the output).

    Parameters
    ----------
    result
        Object with ``.tree`` (DataTree, one child per fitted model with a ``posterior`` group)
        and ``.data`` (registry name -> ``ModelData``), e.g. a ``FitResult``.
    scenarios
        Scenarios or their spec tables (``None``: ``result.spec.scenarios``).
    horizons
        Years ahead, each in 1..10.
    deltas
        Thresholds for ``p_rise`` (index rises by at least delta), on the 0-1 scale.
    seed
        Seed or ``SeedSequence`` for future year shocks and path simulations.
    """
    hz = check_horizons(horizons)
    dl = check_deltas(deltas)
    if scenarios is None:
        spec = getattr(result, "spec", None)
        scenarios = getattr(spec, "scenarios", None)
        if scenarios is None:
            raise UserInputError("no scenarios given and the fit's spec has none.")
    scen = scenarios_from_spec(scenarios)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    rng_event, rng_traj = (np.random.default_rng(s) for s in ss.spawn(2))
    tree = result.tree
    data_by_model = result.data
    fitted = [m for m in ("event_logit", "trajectory") if m in tree.children and m in data_by_model]
    if not fitted:
        raise UserInputError("the fit holds neither an 'event_logit' nor a 'trajectory' model.")
    out = xr.Dataset()
    first = data_by_model[fitted[0]]
    spaces = list(first.spaces)
    coords: dict[str, Any] = {
        "scenario": [s.name for s in scen],
        "space": spaces,
        "horizon": list(hz),
    }
    if "event_logit" in fitted:
        data = data_by_model["event_logit"]
        model = get_model("event_logit", **data.meta.get("options", {}))
        post = tree["event_logit"]["posterior"].to_dataset()
        n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
        X = data.future_common(resolve_paths(scen, data), MAX_STEPS)
        probs = model.predict(post, data, X, hz, rng_event)
        for d, arr in probs.items():
            out[f"p_{d}"] = (("chain", "draw", "scenario", "space", "horizon"), _unstack(arr, n_chain, n_draw))
    if "trajectory" in fitted:
        _trajectory_outputs(out, tree, data_by_model["trajectory"], scen, hz, dl, rng_traj,
                            primary="event_logit" not in fitted)
    notes: list[str] = []
    for name in fitted:
        for note in scenario_notes(scen, data_by_model[name]):
            if note not in notes:
                notes.append(note)
    for note in notes:  # shown by the CLI as "analogcast: warning: ..."
        warnings.warn(note, UserWarning, stacklevel=2)
    out = out.assign_coords({k: v for k, v in coords.items() if k in out.dims})
    out = out.assign_coords(scenario_label=("scenario", [s.label for s in scen]))
    order = ["scenario", "space", "horizon", "delta", "year", "chain", "draw"]
    out = out.transpose(*[d for d in order if d in out.dims])
    out.attrs.update(
        target=first.target, origin=int(first.origin), models=list(fitted),
        assumptions=list(ASSUMPTIONS),
        scenarios=[str(s.to_dict()) for s in scen],
        scenario_warnings=notes,
    )
    return out


def _trajectory_outputs(out: xr.Dataset, tree: Any, data: Any, scen: list[Scenario],
                        hz: tuple[int, ...], dl: tuple[float, ...], rng: np.random.Generator,
                        primary: bool) -> None:
    from analogcast.data import code_events

    model = get_model("trajectory", **data.meta.get("options", {}))
    post = tree["trajectory"]["posterior"].to_dataset()
    if "draw" in out.dims and out.sizes["draw"] != post.sizes["draw"]:
        # the models were sampled with different numbers of draws ([sampler.models.<name>]): the
        # forecast holds one set of draws, so the trajectory draws are thinned (or, if fewer,
        # repeated) at evenly spaced positions to the event model's count
        keep = np.linspace(0, post.sizes["draw"] - 1, out.sizes["draw"]).round().astype(int)
        post = post.isel(draw=keep).assign_coords(draw=np.arange(keep.size))
    n_chain, n_draw = post.sizes["chain"], post.sizes["draw"]
    X = data.future_common(resolve_paths(scen, data, MAX_STEPS + 1), MAX_STEPS + 1)
    series = list(data.meta["series"])
    n_sp = len(data.spaces)
    origin_x = model.origin_levels(data)  # (series, 3)
    years = [int(data.origin) + k for k in range(1, MAX_STEPS + 1)]
    idx = np.asarray(hz) - 1
    p_open = []
    p_close = []
    p_rise = []
    index_paths = []
    for q in range(len(scen)):
        paths = model.simulate(post, data, X[q : q + 1], rng, n_steps=MAX_STEPS + 1)[:, 0]
        # (sample, series, path, step)
        index_paths.append(paths[:, :, 0, :MAX_STEPS])
        rise = paths[..., idx][..., None] - origin_x[None, :, None, 2, None, None] >= np.asarray(dl)
        p_rise.append(rise.mean(axis=2))  # (sample, series, horizon, delta)
        hist = np.broadcast_to(origin_x[None, :, None, :], (*paths.shape[:3], 3))
        full = np.concatenate([hist, paths], axis=-1)
        po, pc = [], []
        for k in range(n_sp):
            up, down = code_events(full[:, k], float(data.meta["cutpoints"][k]))
            up = np.nan_to_num(up[..., 3 : 3 + MAX_STEPS])
            down = np.nan_to_num(down[..., 3 : 3 + MAX_STEPS])
            po.append((np.maximum.accumulate(up, axis=-1)[..., idx]).mean(axis=1))
            pc.append((np.maximum.accumulate(down, axis=-1)[..., idx]).mean(axis=1))
        p_open.append(np.stack(po, axis=1))
        p_close.append(np.stack(pc, axis=1))
    po = _unstack(np.stack(p_open, axis=1), n_chain, n_draw)  # (chain, draw, scen, space, horizon)
    pc = _unstack(np.stack(p_close, axis=1), n_chain, n_draw)
    dims = ("chain", "draw", "scenario", "space", "horizon")
    out["p_opening_traj"] = (dims, po)
    out["p_closing_traj"] = (dims, pc)
    if primary:
        out["p_opening"] = (dims, po)
        out["p_closing"] = (dims, pc)
    ip = _unstack(np.stack(index_paths, axis=1), n_chain, n_draw)  # (chain, draw, scen, series, year)
    pr = _unstack(np.stack(p_rise, axis=1), n_chain, n_draw)  # (chain, draw, scen, series, hz, delta)
    out["index"] = (("chain", "draw", "scenario", "space", "year"), ip[:, :, :, :n_sp])
    out["p_rise"] = (("chain", "draw", "scenario", "space", "horizon", "delta"), pr[:, :, :, :n_sp])
    out.coords["year"] = years
    out.coords["delta"] = list(dl)
    out["index_origin"] = (("space",), origin_x[:n_sp, 2])
    if "wbl" in series:
        k = series.index("wbl")
        out["wbl"] = (("chain", "draw", "scenario", "year"), ip[:, :, :, k] * 100.0)
        out["p_wbl_rise"] = (("chain", "draw", "scenario", "horizon", "delta"), pr[:, :, :, k])
        out["wbl_origin"] = ((), float(origin_x[k, 2] * 100.0))
