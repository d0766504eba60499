"""No test asserts on elapsed time: speed targets live in ``bench/`` (issue 17).

A wall-clock assertion fails on a busy machine and passes on an idle one, whatever the code does,
so the suite forbids it. This test reads every test module's syntax tree and refuses an
``assert`` whose condition reads a clock (``time.time``, ``time.perf_counter``,
``time.monotonic``, ``time.process_time`` and their ``_ns`` forms, called as ``time.X()`` or
imported bare) or a name computed from one, directly or through other names. Clocks used for
deadlines of a polling loop (``while time.monotonic() < deadline``) are not assertions and are
allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CLOCKS = {"time", "perf_counter", "monotonic", "process_time",
          "time_ns", "perf_counter_ns", "monotonic_ns", "process_time_ns"}
BARE_CLOCKS = CLOCKS - {"time", "time_ns"}  # `from time import perf_counter`; bare `time()` is too generic


def _is_clock_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    if isinstance(f, ast.Attribute):
        return f.attr in CLOCKS and isinstance(f.value, ast.Name) and f.value.id == "time"
    return isinstance(f, ast.Name) and f.id in BARE_CLOCKS


def timed_asserts(source: str) -> list[int]:
    """Line numbers of ``assert`` statements in ``source`` that read a clock, directly or through a
    name assigned (anywhere in the module: names are not scoped, which errs towards refusing)
    from a clock or from such a name."""
    tree = ast.parse(source)
    assigns = [n for n in ast.walk(tree) if isinstance(n, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.NamedExpr)]
    tainted: set[str] = set()

    def reads_clock(node: ast.AST) -> bool:
        return any(_is_clock_call(x) or (isinstance(x, ast.Name) and x.id in tainted) for x in ast.walk(node))

    changed = True
    while changed:
        changed = False
        for n in assigns:
            if n.value is None or not reads_clock(n.value):
                continue
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for t in targets:
                for x in ast.walk(t):
                    if isinstance(x, ast.Name) and x.id not in tainted:
                        tainted.add(x.id)
                        changed = True
    return sorted(n.lineno for n in ast.walk(tree) if isinstance(n, ast.Assert) and reads_clock(n.test))


@pytest.mark.parametrize("path", sorted(TESTS.glob("*.py")), ids=lambda p: p.name)
def test_no_test_asserts_on_elapsed_time(path: Path) -> None:
    lines = timed_asserts(path.read_text(encoding="utf-8"))
    assert not lines, f"{path.name}: assert on a clock at line(s) {lines}; move speed targets to bench/"


def test_the_checker_finds_timed_asserts() -> None:
    """The test removed from tests/test_data_panel.py (now bench/bench_data.py) is refused, and
    so are its usual variants; a polling deadline is not."""
    removed = (
        "import time\n"
        "def test_load_is_fast():\n"
        "    load_panel()\n"
        "    t = time.perf_counter()\n"
        "    for _ in range(5):\n"
        "        load_panel()\n"
        "    assert (time.perf_counter() - t) / 5 < 0.2\n"
    )
    assert timed_asserts(removed) == [7]
    via_names = (
        "from time import monotonic\n"
        "t0 = monotonic()\n"
        "run()\n"
        "elapsed = monotonic() - t0\n"
        "per_item = elapsed / 3\n"
        "assert per_item < 1.0\n"
    )
    assert timed_asserts(via_names) == [6]
    assert timed_asserts("import time\nstart = time.time()\nassert time.time() - start < 5\n") == [3]
    polling = (
        "import time\n"
        "deadline = time.monotonic() + 60\n"
        "while time.monotonic() < deadline:\n"
        "    if done():\n"
        "        break\n"
        "assert done()\n"
    )
    assert timed_asserts(polling) == []
