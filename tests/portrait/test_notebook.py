"""notebooks/exploration.ipynb runs top to bottom on the real data, and is saved without outputs."""

import os

import nbformat
import pytest

from tests.conftest import ROOT

NOTEBOOK = ROOT / "notebooks" / "exploration.ipynb"
TIMEOUT = 600  # seconds per cell; the whole notebook takes about a minute and a half


def test_saved_copy_has_no_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def test_runs_top_to_bottom(data_dir, tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.setenv("PORTRAIT_DATA", str(data_dir))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    monkeypatch.setenv(
        "TMPDIR", str(tmp_path)
    )  # the portrait the notebook builds goes under tmp_path
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on the first error
    outputs = [
        output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    ]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the choropleth and the bar chart"
    last = "".join(o.get("data", {}).get("text/html", "") for o in notebook.cells[-1].outputs)
    assert "<table" in last and "2022" in last, "the added indicator has values"
    assert list(tmp_path.glob("portrait-93001-*/93001-aubervilliers/index.html"))
    if not NOTEBOOK.read_text(encoding="utf-8").count('"outputs": []'):
        pytest.fail("the notebook file was overwritten with outputs")
