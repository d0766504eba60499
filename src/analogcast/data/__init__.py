"""Data stage: shipped data with provenance, country crosswalk, panel, ERT-lite events.

Importing this package reads no data; files are parsed on first use and cached.

Public API
----------
- :func:`load_panel`, :func:`load_events`, :func:`code_events`, :func:`compute_cutpoint`
- :data:`SPACES`, :data:`DIRECTIONS`, :data:`BAROMETER_SPACES` (the six the Barometer forecasts), :data:`CUTPOINTS`
- :func:`resolve_country`, :func:`country_name`, :func:`crosswalk`, :func:`unmatched_countries`
- :func:`data_sha256`, :func:`citations`, :func:`check_files`, :func:`coverage`
"""

from __future__ import annotations

from analogcast.data._spaces import BAROMETER_SPACES, CUTPOINTS, DIRECTIONS, REGION_NAMES, SPACES
from analogcast.data.coder import code_events, compute_cutpoint, feasible_events, next2
from analogcast.data.crosswalk import (
    country_name,
    country_table,
    crosswalk,
    gwcode_to_text_id,
    resolve_countries,
    resolve_country,
    text_id_to_gwcode,
    text_id_to_wb,
    unmatched_countries,
    wb_to_text_id,
)
from analogcast.data.events import load_barometer_events, load_events
from analogcast.data.panel import YEARS, load_panel
from analogcast.data.provenance import (
    FileCheck,
    check_files,
    citations,
    coverage,
    data_sha256,
    licenses,
    manifest,
)

__all__ = [
    "SPACES",
    "DIRECTIONS",
    "BAROMETER_SPACES",
    "CUTPOINTS",
    "REGION_NAMES",
    "YEARS",
    "load_panel",
    "load_events",
    "load_barometer_events",
    "code_events",
    "compute_cutpoint",
    "next2",
    "feasible_events",
    "resolve_country",
    "resolve_countries",
    "crosswalk",
    "country_table",
    "country_name",
    "gwcode_to_text_id",
    "text_id_to_gwcode",
    "text_id_to_wb",
    "wb_to_text_id",
    "unmatched_countries",
    "FileCheck",
    "check_files",
    "citations",
    "coverage",
    "data_sha256",
    "licenses",
    "manifest",
]
