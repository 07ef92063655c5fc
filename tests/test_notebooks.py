"""The workshop notebooks run top to bottom, and each .ipynb matches its .py twin."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
jupytext = pytest.importorskip("jupytext")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = ["01_first_economy", "02_risk_tools", "03_sweeps_and_sensitivity"]
KERNEL = "solsim-tests"


def _cells(notebook) -> list[tuple[str, str, tuple[str, ...]]]:
    """What a reader sees of a notebook: each cell's type, source and tags."""
    return [
        (cell.cell_type, cell.source.strip(), tuple(cell.get("metadata", {}).get("tags", ())))
        for cell in notebook.cells
    ]


@pytest.mark.parametrize("name", NAMES)
def test_notebook_pair_is_in_sync(name):
    ipynb = NOTEBOOKS / f"{name}.ipynb"
    twin = NOTEBOOKS / f"{name}.py"
    assert ipynb.exists() and twin.exists(), f"{name}: both the .ipynb and its .py are needed"
    assert _cells(jupytext.read(ipynb)) == _cells(jupytext.read(twin, fmt="py:percent")), (
        f"{name}.ipynb and {name}.py differ: run `jupytext --sync notebooks/{name}.ipynb`"
    )


@pytest.mark.parametrize("name", NAMES)
def test_notebook_has_a_parameters_cell(name):
    notebook = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0].cell_type == "code"
    # Stored without outputs: diffs stay readable, and the tests make the outputs.
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A kernelspec that runs this interpreter (the venv's), whatever Jupyter finds elsewhere."""
    pytest.importorskip("ipykernel")
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "solsim tests",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, kernel_dir, monkeypatch, tmp_path):
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    # Keep Matplotlib's cache out of the home directory and off the display.
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mpl"))
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    # As papermill does: a cell after the parameters cell overrides them (files go to tmp).
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    injected = nbformat.v4.new_code_cell(f"OUT_DIR = {str(tmp_path / 'out')!r}")
    injected.metadata["tags"] = ["injected-parameters"]
    notebook.cells.insert(index + 1, injected)
    client = NotebookClient(
        notebook,
        kernel_name=KERNEL,
        timeout=120,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on failure
    images = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if "image/png" in output.get("data", {})
    ]
    assert images, f"{name} drew no figure"
