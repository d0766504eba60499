"""The one-way data flow of ARCHITECTURE.md, checked on every import in the package.

data -> priors -> models -> fitting -> scenarios -> runs -> evaluation -> reporting -> plots -> cli
(``analogcast.plots`` is the public re-export of the reporting stage's plot modules).
A module may import from its own stage or an earlier one, never a later one. Imports inside
``if TYPE_CHECKING:`` blocks are checked too (a type-only import of a later stage is still a
dependency in the wrong direction). The package root is exempt: it only re-exports lazily.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STAGES = ["data", "priors", "models", "fitting", "scenarios", "runs", "evaluation", "reporting", "plots", "cli"]
NEUTRAL = {"errors", "_io", "_version", "_lazy", "_tasks", "_display", "_reprs"}
PKG = Path(__file__).resolve().parents[1] / "src" / "analogcast"


def _stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "analogcast" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path, package_parts: list[str]) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package_parts[: len(package_parts) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            found.append((node.lineno, mod))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def _package_files() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if p.parent != PKG or p.name not in {"__init__.py"})


def test_every_subpackage_is_a_known_stage() -> None:
    subpackages = {p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    unknown = subpackages - set(STAGES) - {"data"}
    assert not unknown, f"sub-packages {sorted(unknown)} are not placed in ARCHITECTURE.md's flow"


def _violations(path: Path, own: str, package_parts: list[str]) -> list[str]:
    if own in NEUTRAL:
        allowed: set[str] = set(NEUTRAL)
    else:
        assert own in STAGES, f"{path} is outside every stage"
        allowed = set(STAGES[: STAGES.index(own) + 1]) | NEUTRAL
    return [
        f"line {lineno}: {module}"
        for lineno, module in _imports(path, package_parts)
        if (stage := _stage_of(module)) is not None and stage not in allowed
    ]


@pytest.mark.parametrize("path", _package_files(), ids=lambda p: str(p.relative_to(PKG)))
def test_imports_flow_one_way(path: Path) -> None:
    rel = path.relative_to(PKG.parent).with_suffix("")
    own = path.relative_to(PKG).parts[0].removesuffix(".py")
    bad = _violations(path, own, list(rel.parts[:-1]))
    assert not bad, f"{path.relative_to(PKG)} ({own}) imports a later stage: {bad}"


def test_checker_catches_backward_imports(tmp_path: Path) -> None:
    """The checker itself must be able to fail: absolute and relative backward imports are caught."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from analogcast.reporting import render_report\nfrom ..cli import main\nfrom . import events\n",
        encoding="utf-8",
    )
    bad = _violations(probe, "data", ["analogcast", "data"])
    assert bad == ["line 1: analogcast.reporting", "line 2: analogcast.cli"]
