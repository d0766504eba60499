"""Same spec and seed, same forecasts: whatever the PyTensor compile cache holds, whatever the
process fitted before.

The cause of the bug these tests guard (issue 17): numba compiled PyTensor's kernels with LLVM
fast-math, and a kernel compiled in the process is inlined and re-optimised with its caller
while one loaded from the on-disk cache is not, so a cold cache gave a gradient differing in
the last bit from a warm one, and NUTS a different sample (``analogcast.models.sampling``).

- default tier: spec A, then spec B, then A again in this process (the pytest process, after
  whatever ran before) give A's ``forecasts.csv`` byte-identical. Note: this one passed before
  the fix too, even with an empty compile directory (a process reuses its own compiled kernels);
  it guards fit-history independence, not the cache bug.
- ``slow`` (a cold compile takes minutes on 2 cores): the issue's reproduction with a fresh
  compile directory -- A, B, A in one cold process, then A with ``analogcast fit`` in a second
  (warm) process; all three of A's ``forecasts.csv`` byte-identical.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRIOR = (ROOT / "priors" / "afghanistan_saudi_iran.toml").as_posix()

SPEC = """
title = "reproducibility {name}"
name = "{name}"
target = "AFG"
origin = 2023
spaces = ["women"]
horizons = [2, 5]
seed = {seed}

[model]
names = ["event_logit"]
{options}
[prior]
file = "{prior}"

[sampler]
draws = 40
tune = 40
chains = 2

[[scenarios]]
name = "status_quo"
oda_gni = 15.0
alt_patrons = 1
sanctions = 13

[[scenarios]]
name = "isolation"
oda_gni = 1.0
alt_patrons = 0
sanctions = 20
"""

# B differs from A in its seed and in its data (another case-control subsample), so it compiles
# a model with other constants and samples other draws.
SPEC_A = SPEC.format(name="a", seed=5, options="", prior=PRIOR)
SPEC_B = SPEC.format(name="b", seed=6, prior=PRIOR,
                     options="[model.options.event_logit]\nsubsample_seed = 3\n")

# Fits A, B, A in one process and writes each forecasts.csv (used by the slow test).
ABA_SCRIPT = """
import sys
from pathlib import Path
from analogcast.fitting import load_spec
from analogcast.runs import run_spec
out = Path(sys.argv[3])
for i, path in enumerate([sys.argv[1], sys.argv[2], sys.argv[1]]):
    run = run_spec(load_spec(path), progress=False)
    (out / f"{i}.csv").write_text(run.forecasts_csv(), encoding="utf-8")
"""


def _write_specs(tmp: Path) -> tuple[Path, Path]:
    a, b = tmp / "a.toml", tmp / "b.toml"
    a.write_text(SPEC_A, encoding="utf-8")
    b.write_text(SPEC_B, encoding="utf-8")
    return a, b


def test_a_then_b_then_a_in_one_process_give_identical_forecasts(tmp_path: Path) -> None:
    from analogcast.fitting import load_spec
    from analogcast.runs import run_spec

    a, b = _write_specs(tmp_path)
    first = run_spec(load_spec(a), progress=False).forecasts_csv()
    other = run_spec(load_spec(b), progress=False).forecasts_csv()
    again = run_spec(load_spec(a), progress=False).forecasts_csv()
    assert other != first  # B is another fit, not a cached copy of A
    assert again == first


def _env_with_compiledir(cache: Path, compiler: str) -> dict[str, str]:
    flags = [f for f in os.environ.get("PYTENSOR_FLAGS", "").split(",")
             if f and not f.startswith("base_compiledir=")]
    return {**os.environ, "PYTENSOR_FLAGS": ",".join([*flags, f"base_compiledir={cache}"]),
            "PYTHONWARNINGS": "ignore", "ANALOGCAST_NUTPIE_COMPILER": compiler}


@pytest.mark.slow
@pytest.mark.parametrize("compiler", ["jax", "numba"])
def test_cold_and_warm_compile_cache_give_identical_forecasts(tmp_path: Path, compiler: str) -> None:
    """The issue's reproduction: an empty compile directory, then the same directory warm, with
    nutpie's default JAX compiler and with numba (its fallback without JAX)."""
    if compiler == "jax":
        pytest.importorskip("jax")
    a, b = _write_specs(tmp_path)
    cache = tmp_path / "compiledir"
    cache.mkdir()
    env = _env_with_compiledir(cache, compiler)
    cold = tmp_path / "cold"
    cold.mkdir()
    proc = subprocess.run([sys.executable, "-c", ABA_SCRIPT, str(a), str(b), str(cold)],
                          capture_output=True, text=True, timeout=3600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # the first process really started from the empty directory: numba filled its cache there;
    # with JAX, XLA compiles in memory in every process and PyTensor created its directory there
    if compiler == "numba":
        assert any((cache / "numba").rglob("*.nbi"))
    else:
        assert any(cache.glob("compiledir_*"))
    warm = tmp_path / "warm"
    proc = subprocess.run([sys.executable, "-m", "analogcast.cli.main", "fit", str(a),
                           "--out-dir", str(warm), "--quiet"],
                          capture_output=True, text=True, timeout=3600, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first_cold = (cold / "0.csv").read_bytes()
    assert (cold / "1.csv").read_bytes() != first_cold
    assert (cold / "2.csv").read_bytes() == first_cold  # A after B, kernels now from the cache
    assert (warm / "forecasts.csv").read_bytes() == first_cold  # a new process, warm cache
