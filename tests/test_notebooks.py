"""The lesson notebooks: stored clean, built as lessons, and every one runs from top to bottom.

Each notebook is executed in a fresh kernel (nbclient), cell by cell, in a temporary
folder; a failure names the notebook, the cell's number and id, the error and the
cell's first lines. Run times are measured in ``benchmarks/notebooks.py``, not here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]
KEY_TAG = "solution"


def _load_handout_module():
    spec = importlib.util.spec_from_file_location("handout", NOTEBOOK_DIR / "handout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_key(cell) -> bool:
    return KEY_TAG in cell.get("metadata", {}).get("tags", [])


def run_notebook(path: Path, workdir: Path, timeout_s: int = 300) -> nbformat.NotebookNode:
    """Execute a notebook cell by cell; a failing cell is named in the test failure."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout_s,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                head = "\n".join(cell.source.splitlines()[:6])
                pytest.fail(
                    f"{path.name}: cell {index} (id {cell.get('id')}) failed: "
                    f"{error.ename}: {error.evalue}\n--- the cell begins ---\n{head}",
                    pytrace=False,
                )
    return notebook


def test_there_are_at_least_six_lessons():
    assert len(NOTEBOOKS) >= 6
    numbers = [int(path.name[:2]) for path in NOTEBOOKS]
    assert numbers[:6] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and (cell["outputs"] or cell["execution_count"] is not None)
    ]
    assert not dirty, (
        f"{path.name} is stored with outputs in cells {dirty}: clear them "
        "(Jupyter: Edit > Clear Outputs of All Cells) before committing"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_a_lesson_with_goals_exercises_and_a_key(path):
    notebook = nbformat.read(path, as_version=4)
    cells = notebook.cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "Learning goals" in cells[0].source
    exercises = [i for i, c in enumerate(cells) if c.source.startswith("**Exercise ")]
    assert len(exercises) >= 3, f"{path.name}: only {len(exercises)} exercises"
    for index in exercises:
        number = cells[index].source.split()[1].rstrip(".*")
        # the question, a cell for the student's answer, then the teacher's key
        student, key = cells[index + 1], cells[index + 2]
        assert student.cell_type == "code" and not _is_key(student)
        assert _is_key(key), f"{path.name}: exercise {number} has no key right after it"
        assert key.source.startswith(f"# TEACHER'S KEY, exercise {number}\n")
        assert key.metadata["jupyter"]["source_hidden"] is True
    n_keys = sum(1 for c in cells if _is_key(c))
    assert n_keys == len(exercises)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_uses_only_the_public_api(path):
    notebook = nbformat.read(path, as_version=4)
    source = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    imports = [
        line.strip() for line in source.splitlines() if "score_sim" in line and "import" in line
    ]
    assert imports, f"{path.name} does not use score_sim"
    for line in imports:
        assert line.startswith("from score_sim import "), f"{path.name}: {line}"
    assert "score_sim." not in source.replace("from score_sim import", "")


def test_handouts_leave_out_exactly_the_key_cells(tmp_path):
    handout = _load_handout_module()
    assert handout.main([str(tmp_path)]) == 0
    for path in NOTEBOOKS:
        teacher = json.loads(path.read_text(encoding="utf-8"))
        student_text = (tmp_path / path.name).read_text(encoding="utf-8")
        nbformat.validate(nbformat.reads(student_text, as_version=4))  # opens in Jupyter
        student = json.loads(student_text)
        kept = [c for c in teacher["cells"] if not _is_key(c)]
        assert [c["source"] for c in student["cells"]] == [c["source"] for c in kept]
        assert len(student["cells"]) < len(teacher["cells"])
        assert not any("".join(c["source"]).startswith("# TEACHER'S KEY") for c in student["cells"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_from_top_to_bottom(path, tmp_path):
    notebook = run_notebook(path, tmp_path)
    # every key ran and printed an answer computed from the run
    keys = [c for c in notebook.cells if _is_key(c)]
    assert all(any(o.output_type == "stream" for o in c.outputs) for c in keys)


def test_a_failing_cell_is_named(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", id="fine"),
            nbformat.v4.new_code_cell("y = x / 0", id="bad"),
        ]
    )
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(pytest.fail.Exception) as failure:
        run_notebook(path, tmp_path)
    message = str(failure.value)
    assert "broken.ipynb: cell 1 (id bad) failed: ZeroDivisionError" in message
    assert "y = x / 0" in message
