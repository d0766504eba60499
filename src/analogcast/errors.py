"""Exceptions that carry a message fit for a user.

Every error raised because of bad input (a spec, a file, a country, a CLI flag) is an
:class:`AnalogcastError`; the CLI prints its message on one line and exits 1, never a
traceback. Messages name the field, key or file and say what would fix it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "AnalogcastError",
    "UserInputError",
    "DataIntegrityError",
    "UnknownCountryError",
    "ConvergenceError",
    "did_you_mean",
]


class AnalogcastError(Exception):
    """Base class of every error analogcast raises on purpose."""

    exit_code: int = 1


class UserInputError(AnalogcastError, ValueError):
    """Bad input from a user: a spec, a flag, a value out of range."""


class DataIntegrityError(AnalogcastError):
    """A data, prior or run file is missing, malformed, or does not match its recorded hash."""


class UnknownCountryError(UserInputError, KeyError):
    """A country code or name that the crosswalk does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ConvergenceError(AnalogcastError):
    """Sampler diagnostics failed their thresholds (raised only under ``--strict``)."""

    exit_code = 2


def did_you_mean(value: str, choices: Iterable[str], n: int = 3) -> str:
    """Return ``" Did you mean 'x' or 'y'?"`` for close matches of ``value``, or ``""``.

    Parameters
    ----------
    value
        The unknown key or name.
    choices
        The accepted keys or names.
    n
        How many suggestions at most.
    """
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(str(value).lower(), list(lowered), n=n, cutoff=0.6)
    if not close:
        return ""
    quoted = " or ".join(f"'{lowered[c]}'" for c in close)
    return f" Did you mean {quoted}?"
