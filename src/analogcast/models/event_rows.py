"""Row selection of ``event_logit``: case-control thinning and country-spell masks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analogcast.errors import UserInputError, did_you_mean

__all__ = ["case_control", "spell_masks"]


def spell_masks(spells: Sequence[str], countries: np.ndarray, years: np.ndarray,
                 option: str) -> dict[str, tuple[int, np.ndarray]]:
    """``label -> (country index, year mask)`` of option ``spell_units`` / ``drop_spells``
    (labels validated by the options schema; country ids exact, no overlap within a country)."""
    from analogcast.priors.spells import parse_analog

    out: dict[str, tuple[int, np.ndarray]] = {}
    known = [str(c) for c in countries]
    for text in spells:
        a = parse_analog(text, option)
        hit = np.flatnonzero(countries == a.country)
        if hit.size == 0:
            raise UserInputError(f"option {option}: {a.label} names an unknown country "
                                 f"'{a.country}'.{did_you_mean(a.country, known)}")
        mask = a.years(years)
        for lab, (ci, m) in out.items():
            if ci == int(hit[0]) and (m & mask).any():
                raise UserInputError(f"option {option}: {a.label} overlaps {lab}")
        out[a.label] = (int(hit[0]), mask)
    return out


def case_control(y: np.ndarray, fraction: float, protected: np.ndarray,
                 seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Case-control thinning: keep every event, every ``protected`` row (the target's) and each
    other non-event row with probability ``fraction``.

    Returns ``(keep, offset)``: the kept rows, and the per-row logit offset ``-log(fraction)``
    for rows that were subject to thinning (0 for protected rows), so that
    ``logit P(y = 1 | kept) = eta + offset`` (Prentice and Pyke 1979; King and Zeng 2001).
    """
    u01 = np.random.default_rng(np.random.SeedSequence(int(seed))).random(np.asarray(y).size)
    keep = (np.asarray(y) == 1) | (u01 < fraction) | np.asarray(protected, bool)
    offset = np.where(np.asarray(protected, bool) | (fraction >= 1.0), 0.0, -np.log(fraction))
    return keep, offset
