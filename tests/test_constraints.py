"""``constraints.txt`` pins every dependency, and ``make`` installs from it.

Every requirement of pyproject.toml (runtime and the ``dev`` extra, and the packages an extra such
as ``dask[distributed]`` pulls in) has an exact ``==`` pin that satisfies pyproject's own range;
every ``pip install`` in the Makefile uses ``-c constraints.txt``; under ``CI=true`` (a fresh
``make`` install) the installed versions are the pinned ones.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from external_tools import in_ci

ROOT = Path(__file__).resolve().parents[1]


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)", line)
        assert m, f"constraints.txt: {line!r} is not an exact pin 'name==version'"
        name = canonicalize_name(m.group(1))
        assert name not in pins, f"constraints.txt pins {name} twice"
        pins[name] = Version(m.group(2))
    return pins


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = [*project["dependencies"]]
    for extra in project.get("optional-dependencies", {}).values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_every_dependency_is_pinned_within_its_range() -> None:
    pins = _pins()
    reqs = _requirements()
    assert len(reqs) >= 20
    for req in reqs:
        name = canonicalize_name(req.name)
        assert name in pins, f"{req} (pyproject.toml) is not pinned in constraints.txt; run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {name}=={pins[name]}, outside pyproject.toml's {req}"
    # what an extra pulls in is pinned too (dask[distributed] -> distributed)
    assert "distributed" in pins


def test_makefile_installs_from_the_constraints() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    installs = [ln for ln in text.splitlines() if re.search(r"(\$\(PIP\)|pip) install", ln) and "-e" in ln]
    project_installs = [ln for ln in installs if ".venv-lock" not in ln]  # `make lock` resolves afresh
    assert len(project_installs) >= 2, installs
    for ln in project_installs:
        assert "-c constraints.txt" in ln, ln
    assert re.search(r"^lock:", text, re.M), "no `make lock` target"


def test_installed_versions_are_the_pinned_ones() -> None:
    if not in_ci():
        pytest.skip("checked under CI=true, after a fresh `make` install from constraints.txt")
    wrong = []
    for name, version in _pins().items():
        try:
            have = Version(md.version(name))
        except md.PackageNotFoundError:
            wrong.append(f"{name} not installed")
            continue
        if have != version:
            wrong.append(f"{name} {have} (pinned {version})")
    assert not wrong, "; ".join(wrong)
