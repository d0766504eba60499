"""The worked example notebook (docs/example.ipynb) runs from top to bottom, and ships without outputs.

Executed with nbclient in a kernel of this test's own Python (the project's venv), from ``docs/``
as a user would open it. Any cell that raises fails the test with the cell's traceback. The
notebook fits a real (cut-down) model: about a minute on an idle 2-core machine, longer under load,
hence the generous per-cell timeout.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "example.ipynb"
CELL_TIMEOUT = 1800


def test_notebook_has_no_committed_outputs() -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the example notebook has no code cells"
    dirty = [i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count") is not None]
    assert not dirty, f"code cells {dirty} carry outputs or execution counts: strip them before committing"


def test_example_notebook_executes(monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # the kernel spec runs "python": make it this interpreter (the venv), with this tree's sources
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
        allow_errors=False,
    )
    client.execute()  # raises CellExecutionError naming the failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    kinds = [set(o.get("data", {})) for o in outputs if o.get("output_type") in ("execute_result", "display_data")]
    # the displays render as HTML and the plots as images
    assert sum("text/html" in k for k in kinds) >= 3, kinds
    assert sum("image/png" in k for k in kinds) >= 6, kinds
    html = "".join(o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert "Analogy prior for AFG" in html and "Convergence diagnostics" in html and "leading model, event_logit" in html
