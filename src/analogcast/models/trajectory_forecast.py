"""The trajectory model's forecast bundle: simulated index paths and what is read off them.

Per posterior draw and scenario, :meth:`Trajectory.simulate` gives ``n_paths`` index paths over
origin + 1 .. origin + n_steps + 1. From them:

* ``events``: P(>= 1 opening / closing within H years), the paths coded with the same ERT-lite
  coder as the data (``analogcast.data.code_events``), the three observed years before the
  origin prepended so that the coder's two-year rule sees them;
* ``index`` (scenario, space, year): the paths' first path per draw (fan charts);
* ``p_rise`` (scenario, space, horizon, delta): P(x[T+H] - x[T] >= delta) over the paths;
* ``index_origin`` (space): the observed index at the origin;
* with the WBL series: ``wbl`` (0-100, scenario, year), ``p_wbl_rise`` and ``wbl_origin``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from analogcast.data import code_events
from analogcast.models.contract import ForecastBundle, ScenarioPaths, event_draws

if TYPE_CHECKING:  # pragma: no cover
    from analogcast.models.design import ModelData
    from analogcast.models.trajectory import Trajectory

__all__ = ["trajectory_bundle"]


def _unstack(arr: np.ndarray, n_chain: int, n_draw: int) -> np.ndarray:
    return arr.reshape(n_chain, n_draw, *arr.shape[1:])


def trajectory_bundle(model: Trajectory, posterior: xr.Dataset, data: ModelData,
                      scenarios: ScenarioPaths, horizons: Sequence[int], rng: np.random.Generator,
                      deltas: Sequence[float]) -> ForecastBundle:
    """Simulate every scenario's paths and summarise them (see the module docstring).

    Parameters
    ----------
    model
        The fitted :class:`~analogcast.models.trajectory.Trajectory` (options as fitted).
    posterior
        Its posterior group (chain, draw).
    data
        Its ``ModelData``.
    scenarios
        The scenarios (raw covariate paths per scenario).
    horizons
        Years ahead, sorted.
    rng
        Generator of the path simulations (used in scenario order).
    deltas
        Rise thresholds on the 0-1 scale.
    """
    n_max = int(scenarios.n_steps)
    hz = tuple(int(h) for h in horizons)
    dl = tuple(float(d) for d in deltas)
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    X = data.future_common(scenarios.raw(data, n_max + 1), n_max + 1)
    series = list(data.meta["series"])
    n_sp = len(data.spaces)
    origin_x = model.origin_levels(data)  # (series, 3)
    years = [int(data.origin) + k for k in range(1, n_max + 1)]
    idx = np.asarray(hz) - 1
    p_open, p_close, p_rise, index_paths = [], [], [], []
    for q in range(len(scenarios.names)):
        paths = model.simulate(posterior, data, X[q : q + 1], rng, n_steps=n_max + 1)[:, 0]
        # (sample, series, path, step)
        index_paths.append(paths[:, :, 0, :n_max])
        rise = paths[..., idx][..., None] - origin_x[None, :, None, 2, None, None] >= np.asarray(dl)
        p_rise.append(rise.mean(axis=2))  # (sample, series, horizon, delta)
        hist = np.broadcast_to(origin_x[None, :, None, :], (*paths.shape[:3], 3))
        full = np.concatenate([hist, paths], axis=-1)
        po, pc = [], []
        for k in range(n_sp):
            up, down = code_events(full[:, k], float(data.meta["cutpoints"][k]))
            up = np.nan_to_num(up[..., 3 : 3 + n_max])
            down = np.nan_to_num(down[..., 3 : 3 + n_max])
            po.append((np.maximum.accumulate(up, axis=-1)[..., idx]).mean(axis=1))
            pc.append((np.maximum.accumulate(down, axis=-1)[..., idx]).mean(axis=1))
        p_open.append(np.stack(po, axis=1))
        p_close.append(np.stack(pc, axis=1))
    probs = {"opening": np.stack(p_open, axis=1), "closing": np.stack(p_close, axis=1)}
    events = event_draws(probs, n_chain, n_draw, scenarios.names, data.spaces, hz)
    ip = _unstack(np.stack(index_paths, axis=1), n_chain, n_draw)  # (chain, draw, scen, series, year)
    pr = _unstack(np.stack(p_rise, axis=1), n_chain, n_draw)  # (chain, draw, scen, series, hz, delta)
    extras = xr.Dataset(coords={"scenario": list(scenarios.names), "space": list(data.spaces),
                                "horizon": list(hz), "year": years, "delta": list(dl)})
    extras["index"] = (("chain", "draw", "scenario", "space", "year"), ip[:, :, :, :n_sp])
    extras["p_rise"] = (("chain", "draw", "scenario", "space", "horizon", "delta"), pr[:, :, :, :n_sp])
    extras["index_origin"] = (("space",), origin_x[:n_sp, 2])
    if "wbl" in series:
        k = series.index("wbl")
        extras["wbl"] = (("chain", "draw", "scenario", "year"), ip[:, :, :, k] * 100.0)
        extras["p_wbl_rise"] = (("chain", "draw", "scenario", "horizon", "delta"), pr[:, :, :, k])
        extras["wbl_origin"] = ((), float(origin_x[k, 2] * 100.0))
    return ForecastBundle(model=model.name, outputs=model.outputs, events=events, extras=extras)
