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

STAGES = ["data", "priors", "models", "fitting", "scenarios", "runs", "evaluation", "reporting", "plots", "cli",
          "__main__"]
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


# -- no stage after the models names a model ----------------------------------------------------
# The scenario engine, the run store, the report and the rest loop over what the registry's
# models declare (analogcast.models.contract.ModelOutputs). A module names a model when its code
# (not its docstrings or comments) holds a registry name as an identifier, a string equal to it
# or quoting it ('event_logit', "trajectory", `trajectory`), or -- for names that are not English
# words (with an underscore) -- anywhere in a string; or a string ending with a model's declared
# event tag (``p_opening_traj``). The stages before the registry (data, priors) cannot ask it and
# are not checked; the registry default lists (DEFAULT_MODELS, BACKTEST_MODELS) live in models/.

_AFTER_MODELS = set(STAGES[STAGES.index("fitting"):]) | NEUTRAL


def _registry_words() -> tuple[tuple[str, ...], tuple[str, ...]]:
    from analogcast.models.registry import available_models, model_outputs

    names = available_models()
    tags = tuple(t for n in names if (t := model_outputs(n).event_tag))
    return names, tags


def _docstrings(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
    return out


def _model_mentions(source: str, names: tuple[str, ...], tags: tuple[str, ...]) -> list[str]:
    import re

    tree = ast.parse(source)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        idents: list[str] = []
        if isinstance(node, ast.Name):
            idents = [node.id]
        elif isinstance(node, ast.Attribute):
            idents = [node.attr]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            idents = [node.name]
        elif isinstance(node, ast.arg):
            idents = [node.arg]
        for ident in idents:
            for n in names:
                if re.search(rf"(?:^|_){re.escape(n)}(?:_|$)", ident, re.IGNORECASE):
                    found.append(f"line {node.lineno}: identifier {ident}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            text = node.value
            for n in names:
                quoted = re.search(rf"['\"`]{re.escape(n)}['\"`]", text)
                if text.strip() == n or quoted or ("_" in n and re.search(rf"\b{re.escape(n)}\b", text)):
                    found.append(f"line {node.lineno}: string {text[:60]!r}")
            for t in tags:
                if re.search(rf"_{re.escape(t)}$", text):
                    found.append(f"line {node.lineno}: string {text[:60]!r} (event tag)")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in _package_files() if p.relative_to(PKG).parts[0].removesuffix(".py") in _AFTER_MODELS],
    ids=lambda p: str(p.relative_to(PKG)),
)
def test_no_module_after_the_models_names_a_model(path: Path) -> None:
    names, tags = _registry_words()
    bad = _model_mentions(path.read_text(encoding="utf-8"), names, tags)
    assert not bad, f"{path.relative_to(PKG)} names a registry model (loop over the declared outputs instead): {bad}"


def test_model_name_checker_can_fail() -> None:
    names, tags = ("event_logit", "trajectory"), ("traj",)
    src = (
        '"""Docstrings may say event_logit and trajectory."""\n'
        'a = tree["event_logit"]\n'
        'b = "fit the \'trajectory\' model"\n'
        'c = f"p_{d}_traj"\n'
        "def trajectory_outputs(x): return x\n"
        'ok = "the regime\'s recent trajectory"\n'
    )
    got = _model_mentions(src, names, tags)
    assert sorted(g.split(":")[0] for g in got) == ["line 2", "line 3", "line 4", "line 5"]


def test_registry_lists_agree_with_the_declarations() -> None:
    from analogcast.models.registry import (
        BACKTEST_MODELS,
        DEFAULT_MODELS,
        available_models,
        model_outputs,
    )

    assert set(DEFAULT_MODELS) <= set(available_models())
    assert set(BACKTEST_MODELS) == {n for n in available_models() if model_outputs(n).scored}
