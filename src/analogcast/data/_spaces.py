"""Space names, their V-Dem indices, cutpoints and region names (constants only, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SPACES", "DIRECTIONS", "CUTPOINTS", "BAROMETER_SPACES", "REGION_NAMES", "MIN_F"]

#: Ordered mapping space -> V-Dem index column (ARCHITECTURE.md order).
SPACES: Mapping[str, str] = MappingProxyType(
    {
        "associational": "v2xcs_ccsi",
        "informational": "v2x_freexp_altinf",
        "individual": "v2xcl_rol",
        "governing": "v2x_horacc_osp",
        "electoral": "v2x_veracc_osp",
        "economic": "v2x_pubcorr",
        "women": "v2x_gencl",
    }
)

#: Event directions, in this order everywhere (the ``direction`` dim): an opening is a large rise
#: of a space's index, a closing a large fall.
DIRECTIONS: tuple[str, str] = ("opening", "closing")

#: The six spaces coded by the Democratic Spaces Barometer (``women`` is ours).
BAROMETER_SPACES: tuple[str, ...] = tuple(s for s in SPACES if s != "women")

#: Event cutpoint per space (a year-to-year change larger than this is an event).
#: The six Barometer spaces use the Barometer's frozen cutpoints (``barometer_cutpoints.csv``,
#: identical for ``up`` and ``down``); ``women`` uses our :func:`compute_cutpoint` on V-Dem v14
#: ``v2x_gencl`` 1970-2023, which gives 0.03. Tests check both against the shipped files.
CUTPOINTS: Mapping[str, float] = MappingProxyType(
    {
        "associational": 0.05,
        "informational": 0.05,
        "individual": 0.04,
        "governing": 0.06,
        "electoral": 0.08,
        "economic": 0.03,
        "women": 0.03,
    }
)

#: ERT-lite minimum yearly change factor (the Barometer's ``min_f``).
MIN_F: float = 0.1

#: V-Dem ``e_regionpol_6C`` politico-geographic regions.
REGION_NAMES: Mapping[int, str] = MappingProxyType(
    {
        1: "Eastern Europe and Central Asia",
        2: "Latin America and the Caribbean",
        3: "Middle East and North Africa",
        4: "Sub-Saharan Africa",
        5: "Western Europe and North America",
        6: "Asia and Pacific",
    }
)
