"""Output locations under a file: refused by the real ``analogcast`` process before any work.

Issue 17 asks that ``fit --out-dir``, ``run --report-dir``, ``report --out``, ``grid --out`` and
``backtest --out`` under a file exit 1 with one line, before any sampling. Each runs here as a
subprocess without ``--quiet``, so the fit's progress lines ("preparing data", "sampling") would
show if any work had started.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TINY_SPEC


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("subproc")
    (d / "tiny.toml").write_text(TINY_SPEC, encoding="utf-8")
    (d / "plain.txt").write_text("x\n", encoding="utf-8")
    (d / "not_a_run").mkdir()
    return {"dir": d, "spec": d / "tiny.toml", "under": d / "plain.txt" / "sub"}


CASES = {
    "fit": lambda p: ["fit", str(p["spec"]), "--out-dir", str(p["under"])],
    "run": lambda p: ["run", str(p["spec"]), "--out-dir", str(p["dir"] / "r"), "--report-dir", str(p["under"])],
    "report": lambda p: ["report", str(p["dir"] / "not_a_run"), "--out", str(p["under"])],
    "grid": lambda p: ["grid", str(p["spec"]), "--set", "seed=1,2", "--out", str(p["under"]), "--workers", "0"],
    "backtest": lambda p: ["backtest", "--from-years", "2010", "--models", "climatology", "--spaces", "women", "--workers", "0", "--out", str(p["under"])],
}


@pytest.mark.parametrize("command", sorted(CASES))
def test_output_under_a_file_is_refused_before_any_work(place: dict[str, Path], command: str) -> None:
    argv = CASES[command](place)
    proc = subprocess.run([sys.executable, "-m", "analogcast.cli.main", *argv], capture_output=True, text=True, timeout=300, cwd=place["dir"])
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert proc.returncode == 1, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"analogcast {command}: error: --")
    assert "plain.txt is a file" in lines[0]
    assert "preparing data" not in proc.stderr and "sampling" not in proc.stderr
    assert not (place["dir"] / "r").exists()
