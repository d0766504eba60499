"""Harness of the hostile-input suite (``tests/test_hostile_*.py``).

:func:`run_cli` calls ``analogcast.cli.main.main`` in this process with stdout/stderr captured
and asserts the CLI's error contract for any input: exit code 0, 1 or 2; no traceback and no
"internal error" line (an exception the CLI did not expect); on failure exactly one line on
stderr. :data:`CALLS` counts the inputs per command.
"""

from __future__ import annotations

import collections
import contextlib
import io
import math
import tomllib
from collections.abc import Sequence
from typing import Any
from unittest import mock

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import analogcast.cli.main as cli_main
from analogcast.cli.main import main

#: One parser for every call (building it is ~0.1 s; parsing does not change it).
_PARSER = cli_main.build_parser()

CALLS: collections.Counter[str] = collections.Counter()

#: One fixed profile for every hostile test: the same inputs on every machine and every run.
HOSTILE = settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def run_cli(argv: Sequence[str]) -> tuple[int, str, str]:
    """Run ``analogcast *argv`` in-process; assert the error contract; return ``(code, out, err)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), mock.patch.object(cli_main, "build_parser", lambda: _PARSER):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse: --help (0) or a usage error (1)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    CALLS[argv[0] if argv else "(none)"] += 1
    o, e = out.getvalue(), err.getvalue()
    shown = f"argv={list(argv)!r}\nexit={code}\nstderr={e[-3000:]!r}"
    assert code in (0, 1, 2), shown
    assert "Traceback" not in e and "Traceback" not in o, shown
    assert "internal error" not in e, shown
    if code != 0:
        lines = [line for line in e.splitlines() if line.strip()]
        assert len(lines) == 1, shown
        assert lines[0].startswith("analogcast"), shown
    return code, o, e


# -- strategies -------------------------------------------------------------------------------

NASTY_WORDS = [
    "", " ", "-1", "0", "-0", "1e309", "nan", "inf", "-inf", "NaN", "9" * 40, "0x10", "1_000", "\x00",
    "\u202e", "\x0b", "\ufeff", "../../etc/passwd", "/etc/hostname", "/dev/zero", "{{7*7}}",
    "<script>alert(1)</script>", "'; DROP TABLE x; --", "%s%n", "\\", "SAU,SAU", ",", ",,", "=",
    "a=b=c", "[1,2", "{", "true", "[]", "{}", "AFG", "all", "women", "none", "status_quo",
    "2005-2020", "2020-2005", "0000-9999", "2010,", "x" * 300, "é" * 130, "\n", "\t", "*", "?", "~",
]

#: Any text a user could type, and the classic troublemakers.
nasty_text = st.one_of(
    st.sampled_from(NASTY_WORDS),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)

#: Any TOML value (no datetimes), nested a little.
toml_scalar = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY_WORDS),
    st.text(max_size=20),
)
toml_value = st.recursive(
    toml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3),
    ),
    max_leaves=8,
)

#: Any JSON value, nested a little.
json_value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(NASTY_WORDS),
        st.text(max_size=20),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=10,
)


def key_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and list indices) into a parsed TOML/JSON document."""
    paths: list[tuple[Any, ...]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            paths.append((*prefix, k))
            paths.extend(key_paths(v, (*prefix, k)))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            paths.append((*prefix, i))
            paths.extend(key_paths(v, (*prefix, i)))
    return paths


def set_path(doc: Any, path: tuple[Any, ...], value: Any, *, delete: bool = False) -> Any:
    """A deep copy of ``doc`` with ``path`` set to ``value`` (or removed)."""
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for k in path[:-1]:
        node = node[k]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


def toml_text(doc: dict[str, Any]) -> str:
    """``doc`` as TOML; values TOML cannot hold are written as strings."""
    import tomli_w

    def clean(v: Any) -> Any:
        if isinstance(v, dict):
            return {str(k): clean(x) for k, x in v.items()}
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, float) and math.isnan(v):
            return v
        return v

    try:
        return tomli_w.dumps(clean(doc))
    except (TypeError, ValueError):
        return str(doc)


def parse_toml(text: str) -> dict[str, Any]:
    """``tomllib.loads``."""
    return tomllib.loads(text)
