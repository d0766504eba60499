"""The README's "Python API" example runs as written (spec -> prior -> fit -> forecast -> report).

The test extracts the first ```python block under the heading "## Python API" in README.md and
executes it from the repository root. A README without that block fails the test: the example
is a promise to users, so it must exist and run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def python_api_example(readme: str) -> str:
    """The first ```python block of the "## Python API" section (empty string if none)."""
    section = re.search(r"^## Python API[^\n]*\n(.*?)(?=^## |\Z)", readme, flags=re.S | re.M)
    if section is None:
        return ""
    block = re.search(r"^```python[^\n]*\n(.*?)^```", section.group(1), flags=re.S | re.M)
    return block.group(1) if block else ""


def test_extractor_finds_only_the_python_api_block() -> None:
    text = "# x\n## Command line\n```python\nA = 1\n```\n## Python API\ntext\n```python\nB = 2\n```\n## Next\n```python\nC\n```\n"
    assert python_api_example(text) == "B = 2\n"
    assert python_api_example("## Python API\nno code\n## Other\n```python\nx\n```\n") == ""


def test_readme_python_api_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = ROOT / "README.md"
    assert readme.is_file(), "README.md is missing"
    code = python_api_example(readme.read_text(encoding="utf-8"))
    assert code.strip(), 'README.md has no ```python block under "## Python API"'
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": "__readme__"}
    exec(compile(code, str(readme) + ":Python API", "exec"), namespace)  # noqa: S102 - our own README
