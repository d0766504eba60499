"""The :class:`Run`: a fit plus its scenario forecasts and provenance.

A ``Run`` is what ``analogcast fit`` saves, :func:`analogcast.load_run` restores and
``analogcast report`` renders. It exposes the :class:`~analogcast.fitting.FitResult` attributes
(``spec``, ``prior``, ``tree``, ``data``, ``diagnostics``, ``timings``) directly, so a loaded run
can be used wherever a fit result is expected (e.g. ``analogcast.forecast(run, ...)``).
"""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analogcast.errors import DataIntegrityError
from analogcast.fitting.fitter import FitResult, derive_seed

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import xarray as xr

    from analogcast.fitting.spec import FitSpec
    from analogcast.runs.metadata import RunMetadata
    from analogcast.scenarios import Scenario

__all__ = ["Run", "spec_scenarios", "decode_forecast_attrs", "LIST_ATTRS", "table_csv", "CSV_FLOAT_FORMAT"]

_log = logging.getLogger(__name__)

#: Float format of every CSV a run writes (fixed, so the same draws give the same bytes).
CSV_FLOAT_FORMAT = "%.4f"


def spec_scenarios(spec: FitSpec) -> list[Scenario]:
    """The spec's scenarios, in spec order: ``spec.scenarios`` already holds
    :class:`analogcast.scenarios.Scenario` objects, validated when the spec was."""
    return list(spec.scenarios)


#: The forecast dataset's list attributes (``analogcast.scenarios.forecast``): stored as JSON text
#: in ``forecasts.nc`` (NetCDF attributes hold no lists of mappings), decoded back by ``load_run`` (:func:`decode_forecast_attrs`).
LIST_ATTRS = ("models", "assumptions", "scenarios", "scenario_warnings")


def decode_forecast_attrs(forecasts: xr.Dataset, scenarios: Sequence[Scenario], where: Path) -> None:
    """Decode the JSON text of :data:`LIST_ATTRS` in ``forecasts.attrs`` in place.

    Runs saved before the scenario engine wrote JSON hold each scenario of ``attrs["scenarios"]``
    as a Python repr (``str(dict)``); that text is not parsed: the entry is rebuilt from the
    run's spec (``scenarios``, what the engine wrote it from) when the names agree, and the
    load is refused otherwise.

    Raises
    ------
    DataIntegrityError
        An attribute that is not a JSON list, or old-style scenarios the spec does not name.
    """
    for key in LIST_ATTRS:
        raw = forecasts.attrs.get(key)
        if raw is None:
            continue
        try:
            value = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            value = None
        if not isinstance(value, list):
            raise DataIntegrityError(f"run {where}: forecasts.nc attribute {key!r} is not a JSON list: {str(raw)[:80]!r}")
        forecasts.attrs[key] = value
    entries = forecasts.attrs.get("scenarios")
    if entries and not all(isinstance(e, dict) for e in entries):
        names = [str(n) for n in forecasts["scenario"].values] if "scenario" in forecasts.coords else []
        if [s.name for s in scenarios] != names or len(entries) != len(names):
            raise DataIntegrityError(
                f"run {where}: forecasts.nc holds its scenarios in the pre-JSON form (Python reprs) and "
                f"its spec's scenarios ({', '.join(s.name for s in scenarios) or 'none'}) are not the "
                f"forecast's ({', '.join(names) or 'none'}); re-run the forecast to save it again")
        forecasts.attrs["scenarios"] = [s.to_dict() for s in scenarios]


def table_csv(df: pd.DataFrame) -> str:
    """A table as CSV text with fixed float format and ``\\n`` line ends (byte-stable)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n")
    return buf.getvalue()


@dataclass(frozen=True)
class Run:
    """A fitted spec with its forecasts, ready to save, load and report.

    Attributes
    ----------
    result
        The :class:`~analogcast.fitting.FitResult`.
    scenarios
        The scenarios forecast (``analogcast.scenarios.Scenario``), in spec order.
    forecasts
        ``xr.Dataset`` from :func:`analogcast.scenarios.engine` (per-draw horizon
        probabilities, and whatever else the fitted models declare, e.g. index paths).
    table
        ``forecasts_table(forecasts, level=spec.level)``: what ``forecasts.csv`` holds.
    contrasts
        Scenario contrasts (``contrasts.csv``).
    metadata
        Contents of ``metadata.json`` as read (empty until loaded); :attr:`info` is the typed form.
    path
        The run directory once saved or loaded, else ``None``.
    """

    result: FitResult
    scenarios: tuple[Any, ...]
    forecasts: xr.Dataset
    table: pd.DataFrame
    contrasts: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_result(
        cls,
        result: FitResult,
        *,
        scenarios: Sequence[Scenario] | None = None,
        progress: bool = False,
    ) -> Run:
        """Forecast every scenario of ``result.spec`` (or ``scenarios``) and build the run.

        The forecast seed derives from ``spec.seed``, so the same fit gives the same
        forecasts, table and CSV bytes.
        """
        # from the defining modules: the package attributes `forecast` and `contrasts` are shadowed by
        # the submodules of the same names once anything imports those submodules directly
        from analogcast.scenarios.compare import contrasts
        from analogcast.scenarios.engine import forecast
        from analogcast.scenarios.table import forecasts_table

        spec = result.spec
        t0 = time.perf_counter()
        scen = list(scenarios) if scenarios is not None else spec_scenarios(spec)
        if progress:
            _log.info("analogcast: forecasting %d scenario(s), horizons %s", len(scen), list(spec.horizons))
        extra = {"deltas": list(spec.deltas)} if spec.deltas is not None else {}
        fc = forecast(result, scen, horizons=list(spec.horizons), seed=derive_seed(spec.seed, "forecast"), **extra)
        table = forecasts_table(fc, level=spec.level)
        contr = contrasts(fc, level=spec.level)
        timings = {**result.timings, "forecast": round(time.perf_counter() - t0, 3)}
        return cls(result=replace(result, timings=timings), scenarios=tuple(scen), forecasts=fc, table=table, contrasts=contr)

    # -- FitResult view ------------------------------------------------------------------
    @property
    def spec(self) -> FitSpec:
        """The validated spec (with CLI overrides applied)."""
        return self.result.spec

    @property
    def prior(self) -> Any:
        """The ``AnalogPrior`` used (``None`` for the weakly informative default)."""
        return self.result.prior

    @property
    def tree(self) -> xr.DataTree:
        """Posterior ``DataTree``, one child per model."""
        return self.result.tree

    @property
    def data(self) -> Mapping[str, Any]:
        """Model name -> ``ModelData`` (re-prepared from the package data after loading)."""
        return self.result.data

    @property
    def diagnostics(self) -> dict[str, Any]:
        """Convergence diagnostics (worst over models, plus ``by_model``)."""
        return self.result.diagnostics

    @property
    def timings(self) -> dict[str, float]:
        """Seconds per stage."""
        return self.result.timings

    @property
    def provenance(self) -> dict[str, Any]:
        """Hashes, seeds, versions and model options of the fit."""
        return self.result.provenance

    @property
    def info(self) -> RunMetadata | None:
        """``metadata.json`` as a :class:`~analogcast.runs.metadata.RunMetadata` (``None`` for a
        run that was not loaded from a directory)."""
        if not self.metadata:
            return None
        from analogcast.runs.metadata import parse_metadata

        return parse_metadata(self.metadata)

    @property
    def models(self) -> tuple[str, ...]:
        """Names of the fitted models."""
        return self.result.models

    @property
    def lead_model(self) -> str | None:
        """The fitted model the run's ``p_opening`` / ``p_closing`` come from (registry order)."""
        from analogcast.models.registry import lead_event_model

        return lead_event_model(self.models)

    @property
    def name(self) -> str:
        """Run name (the directory name it was saved under, else the spec's run name)."""
        return self.path.name if self.path is not None else self.spec.run_name

    @property
    def level(self) -> float:
        """Interval level of the tables."""
        return float(self.spec.level)

    @property
    def target(self) -> str:
        """Target country code."""
        return self.spec.target

    @property
    def origin(self) -> int:
        """Forecast origin year."""
        return int(self.spec.origin)

    def convergence_problems(self) -> list[str]:
        """Failed convergence checks (empty when all pass)."""
        return self.result.convergence_problems()

    def forecasts_csv(self) -> str:
        """``forecasts.csv`` text (fixed float format; byte-identical for the same draws)."""
        return table_csv(self.table)

    def __repr__(self) -> str:
        where = f" at {self.path}" if self.path else ""
        return (
            f"Run({self.name!r}{where}: target {self.target}, origin {self.origin}, "
            f"models {list(self.models)}, {len(self.scenarios)} scenarios, spaces {len(self.spec.spaces)})"
        )

    def _repr_html_(self) -> str:
        """Notebook display: P(opening) by scenario and space at each headline horizon, leading model named."""
        from analogcast._reprs import run_html

        return run_html(self)
