"""``constraints.txt`` pins every dependency, and ``make`` installs from it.

Every requirement of pyproject.toml (runtime and the ``dev`` extra, and the packages an extra such
as ``dask[distributed]`` pulls in) has an exact ``==`` pin that satisfies pyproject's own range;
every ``pip install`` in the Makefile uses ``-c constraints.txt``; every package analogcast[dev]
needs, transitively, is pinned (on the Python and platform the file was generated for); under
``CI=true`` (a fresh ``make`` install) the installed versions are the pinned ones.
"""

from __future__ import annotations

import importlib.metadata as md
import importlib.util
import re
import sys
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


def test_every_package_needed_is_pinned() -> None:
    """Transitive dependencies too: a package pip would resolve without a pin (a deleted line, a
    new dependency of a dependency) is refused. The needs are those of the installed analogcast[dev]
    (``.ci/constraints.py``'s own walk), so they are compared only on the Python minor version and
    platform the header says the file was generated on: markers may differ elsewhere."""
    text = (ROOT / "constraints.txt").read_text(encoding="utf-8")
    m = re.search(r"on Python (\d+)\.(\d+)\.\d+ \((\w+)\)", text)
    assert m, "constraints.txt has no 'Generated ... on Python X.Y.Z (platform)' header"
    made_on = (int(m.group(1)), int(m.group(2)), m.group(3))
    if made_on != (*sys.version_info[:2], sys.platform):
        pytest.skip(f"constraints.txt was generated on Python {made_on[0]}.{made_on[1]} ({made_on[2]})")
    spec = importlib.util.spec_from_file_location("ci_constraints", ROOT / ".ci" / "constraints.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    need = mod.closure()
    assert len(need) >= 50, need  # the walk reached the dependencies of the dependencies
    missing = sorted(need - set(_pins()))
    assert not missing, f"needed by analogcast[dev] but not pinned in constraints.txt: {', '.join(missing)}; run `make lock`"


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
