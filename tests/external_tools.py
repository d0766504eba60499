"""External programs some tests need (Chromium, poppler's pdftotext): skip locally, FAIL under CI.

``.ci/run`` installs them and sets ``CI=true``; a test that needs a missing program then fails
with the install hint instead of skipping, so a failed install can never leave CI green.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def in_ci() -> bool:
    """Whether the tests run under CI (``CI=true``, as ``.ci/run`` and most CI services set)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def find_program(name: str, *candidates: str) -> str | None:
    """Path of an executable: the first existing candidate path, else ``name`` on ``PATH``."""
    for c in candidates:
        if Path(c).is_file() and os.access(c, os.X_OK):
            return c
    return shutil.which(name)


def require_program(path: str | None, what: str, hint: str) -> str:
    """Return ``path``; if it is ``None``: fail under CI, skip otherwise, naming ``hint``."""
    if path is not None:
        return path
    msg = f"{what} not installed ({hint})"
    if in_ci():
        pytest.fail(f"{msg}; CI=true requires it (.ci/run installs it)", pytrace=False)
    pytest.skip(msg)
