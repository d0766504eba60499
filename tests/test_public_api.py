"""The public API: lazy, side-effect free, and never shadowed by a same-named submodule."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import analogcast

SUBPACKAGES = ["data", "priors", "models", "fitting", "scenarios", "runs", "evaluation", "reporting", "plots"]
#: public names that ARE modules on purpose (``analogcast.plots``: ``ac.plots.fan(...)``)
PUBLIC_MODULES = {"analogcast.plots"}


def test_import_is_light() -> None:
    """``import analogcast`` loads neither PyMC nor the data (no import side effects)."""
    code = "import sys, analogcast; print('pymc' in sys.modules, 'xarray' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_public_names_are_not_modules_after_importing_every_submodule() -> None:
    for mod in pkgutil.walk_packages(analogcast.__path__, "analogcast."):
        if mod.name.startswith("analogcast.data._build"):
            continue
        importlib.import_module(mod.name)
    shadowed = []
    for pkg_name in ["analogcast", *(f"analogcast.{p}" for p in SUBPACKAGES)]:
        pkg = importlib.import_module(pkg_name)
        for name in getattr(pkg, "__all__", []):
            if isinstance(getattr(pkg, name), types.ModuleType) and f"{pkg_name}.{name}" not in PUBLIC_MODULES:
                shadowed.append(f"{pkg_name}.{name}")
    assert not shadowed, f"public names that resolve to a submodule, not the object: {shadowed}"


def test_python_dash_m_runs_the_cli() -> None:
    """``python -m analogcast`` is the ``analogcast`` command (it had no ``__main__``)."""
    out = subprocess.run([sys.executable, "-m", "analogcast", "--help"], capture_output=True,
                         text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("usage: analogcast") and "COMMAND" in out.stdout
    from analogcast.cli.main import COMMANDS

    # every command is listed: a missing command module is an error, never skipped silently
    listed = {line.split()[0] for line in out.stdout.splitlines() if line.startswith("    ") and line.split()}
    assert set(COMMANDS) <= listed, set(COMMANDS) - listed
