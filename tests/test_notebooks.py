"""The lesson notebooks: stored clean, built as lessons, and every one runs from top to bottom.

Each notebook is executed once, in a fresh kernel (nbclient), cell by cell, in a temporary
folder; a failure names the notebook, the cell's number and id, the error and the cell's
first lines. While it runs, a probe in the kernel measures every figure it shows (size,
text, where the data lie), so the tests can hold the figures to what a projector needs.
Run times are measured in ``benchmarks/notebooks.py``, not here.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]
KEY_TAG = "solution"
PREDICTION_TAG = "prediction"
WRITE_HERE = "*My prediction:*"

# a figure on a projector: its smallest text at least 16 points at 100 dpi, and small
# enough for a 1024 x 768 screen without being shrunk
MIN_TEXT_PX = 22.0
MAX_WIDTH_PX = 1000
MAX_HEIGHT_PX = 700
ENUM_REPR = re.compile(r"<\w+(\.\w+)+: ")  # <Channel.surveillance: 'surveillance'>
ANY_REPR = re.compile(r"<[A-Za-z_][^>]*>")  # <NA>, <Figure ...>, <... object at 0x...>

# Runs in the kernel before the first cell: wraps matplotlib's print_figure (which the
# inline backend calls to show a figure) and writes what each shown figure holds to
# FIGURES_FILE, one JSON line per figure.
FIGURES_FILE = ".figures.jsonl"
PROBE = """
def _probe():
    import json, os
    import numpy as np
    from matplotlib.backend_bases import FigureCanvasBase
    from matplotlib.collections import PolyCollection
    from matplotlib.text import Text

    path = os.path.join(os.getcwd(), FILE)
    shown = FigureCanvasBase.print_figure

    def to_display(ax, xy, transform):
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        if transform == ax.transData:  # a log axis has no place for values <= 0 (bar bases)
            for axis, scale in enumerate((ax.get_xscale(), ax.get_yscale())):
                if scale == "log":
                    xy = xy[xy[:, axis] > 0]
        return transform.transform(xy)

    def display_points(ax):
        for line in ax.lines:
            yield to_display(ax, line.get_xydata(), line.get_transform())
        for collection in ax.collections:
            if isinstance(collection, PolyCollection):
                for p in collection.get_paths():
                    yield to_display(ax, p.vertices, collection.get_transform())
            elif len(collection.get_offsets()):
                offsets = collection.get_offsets()
                yield to_display(ax, offsets, collection.get_offset_transform())
        for patch in ax.patches:
            corners = patch.get_patch_transform().transform(patch.get_path().vertices)
            yield to_display(ax, corners, patch.get_data_transform())

    def describe_axes(ax):
        box = ax.bbox
        points = [p for p in display_points(ax) if len(p)]
        points = np.concatenate(points) if points else np.empty((0, 2))
        points = points[np.isfinite(points).all(axis=1)]
        slack = 2.0
        outside = (
            (points[:, 0] < box.x0 - slack) | (points[:, 0] > box.x1 + slack)
            | (points[:, 1] < box.y0 - slack) | (points[:, 1] > box.y1 + slack)
        )
        inside = points[~outside]
        height = float(np.ptp(inside[:, 1]) / box.height) if len(inside) else 0.0
        legend = ax.get_legend()
        siblings = ax.get_shared_y_axes().get_siblings(ax)
        return {
            "xscale": ax.get_xscale(),
            "yscale": ax.get_yscale(),
            "xlabel": ax.get_xlabel(),
            "ylabel": ax.get_ylabel(),
            "y_named": any(other.get_ylabel() for other in siblings),
            "title": ax.get_title(),
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [
                {
                    "label": line.get_label(),
                    "y": [float(v) for v in np.asarray(line.get_ydata(), dtype=float)[:2000]],
                }
                for line in ax.lines
            ],
            "n_bands": sum(isinstance(c, PolyCollection) for c in ax.collections),
            "n_points": int(len(points)),
            "n_outside": int(outside.sum()),
            "height_share": height,
        }

    def print_figure(self, *args, **kwargs):
        result = shown(self, *args, **kwargs)
        fig = self.figure
        texts = [
            t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
        ]
        sizes = [t.get_fontsize() * fig.dpi / 72 for t in texts]
        record = {
            "width_px": float(fig.get_figwidth() * fig.dpi),
            "height_px": float(fig.get_figheight() * fig.dpi),
            "min_text_px": min(sizes) if sizes else None,
            "smallest_text": texts[sizes.index(min(sizes))].get_text() if sizes else "",
            "axes": [describe_axes(ax) for ax in fig.axes if ax.get_visible()],
        }
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\\n")
        return result

    FigureCanvasBase.print_figure = print_figure


_probe()
del _probe
"""


@dataclass
class Executed:
    """An executed notebook, and the figures it showed as ``(cell index, record)``."""

    notebook: nbformat.NotebookNode
    figures: list[tuple[int, dict]]


def _load_handout_module():
    spec = importlib.util.spec_from_file_location("handout", NOTEBOOK_DIR / "handout.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _is_key(cell) -> bool:
    return KEY_TAG in cell.get("metadata", {}).get("tags", [])


def _is_prediction(cell) -> bool:
    return PREDICTION_TAG in cell.get("metadata", {}).get("tags", [])


def _exercise_number(cell) -> str:
    return cell.source.split()[1].rstrip(".*")


def run_notebook(path: Path, workdir: Path, timeout_s: int = 300) -> Executed:
    """Execute a notebook cell by cell; a failing cell is named in the test failure."""
    notebook = nbformat.read(path, as_version=4)
    probe = workdir / "figure_probe.py"
    probe.write_text(PROBE.replace("FILE", repr(FIGURES_FILE)), encoding="utf-8")
    client = NotebookClient(
        notebook,
        timeout=timeout_s,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
        extra_arguments=[f"--IPKernelApp.exec_files={[str(probe)]!r}"],
    )
    figures_file, seen = workdir / FIGURES_FILE, 0
    figures = []
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
            lines = figures_file.read_text("utf-8").splitlines() if figures_file.exists() else []
            figures += [(index, json.loads(line)) for line in lines[seen:]]
            seen = len(lines)
    return Executed(notebook, figures)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each notebook executed once for all the tests of this module that read its outputs."""
    runs: dict[Path, Executed | str] = {}

    def get(path: Path) -> Executed:
        if path not in runs:
            try:
                runs[path] = run_notebook(path, tmp_path_factory.mktemp(path.stem))
            except pytest.fail.Exception as failure:
                runs[path] = str(failure)  # the next test of this notebook fails at once
                raise
        if isinstance(runs[path], str):
            pytest.fail(runs[path], pytrace=False)
        return runs[path]

    return get


def _texts(cell):
    """What a reader sees of a cell's outputs, as (kind, text); figures are left out."""
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            yield output.name, output.text
        elif output.output_type in ("execute_result", "display_data"):
            if "image/png" in output.data or "image/svg+xml" in output.data:
                continue  # its text/plain is the figure's stand-in, never shown
            yield "result", output.data.get("text/plain", "")
        elif output.output_type == "error":
            yield "error", f"{output.ename}: {output.evalue}"


# --- the notebooks as stored ------------------------------------------------------------


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
        number = _exercise_number(cells[index])
        # the question, a cell for the student's answer, then the teacher's key
        student, key = cells[index + 1], cells[index + 2]
        assert student.cell_type == "code" and not _is_key(student)
        assert _is_key(key), f"{path.name}: exercise {number} has no key right after it"
        assert key.source.startswith(f"# TEACHER'S KEY, exercise {number}\n")
        assert key.metadata["jupyter"]["source_hidden"] is True
    n_keys = sum(1 for c in cells if _is_key(c))
    assert n_keys == len(exercises)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_opens_with_its_number_title_and_what_to_notice(path):
    # the app shows the same line beside its setup of this lesson
    first = nbformat.read(path, as_version=4).cells[0].source.splitlines()
    assert re.fullmatch(rf"# {int(path.name[:2])}\. \S.+", first[0]), first[0]
    notice = next(line for line in first[1:] if line.strip())
    assert notice.startswith("**What to notice:** "), f"{path.name}: {notice!r}"
    words = notice.removeprefix("**What to notice:** ")
    assert 40 <= len(words) <= 220
    assert not re.search(r"[`_{}]", words), f"{path.name}: not plain words: {words!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_every_exercise_asks_for_a_prediction_before_the_run_that_tests_it(path):
    cells = nbformat.read(path, as_version=4).cells
    index_of = {cell.id: i for i, cell in enumerate(cells)}
    exercises = {
        _exercise_number(c): i for i, c in enumerate(cells) if c.source.startswith("**Exercise ")
    }
    predictions = {
        _exercise_number(c): i for i, c in enumerate(cells) if c.source.startswith("**Prediction ")
    }
    assert set(predictions) == set(exercises), f"{path.name}: predictions {sorted(predictions)}"
    for number, at in predictions.items():
        cell, exercise = cells[at], exercises[number]
        where = f"{path.name}, prediction {number}"
        assert cell.cell_type == "markdown" and _is_prediction(cell), where
        # a place to write the prediction, in the student's own words
        assert cell.source.rstrip().endswith(WRITE_HERE), where
        tested_by = index_of[cell.metadata["lesson"]["tested_by"]]
        assert cells[tested_by].cell_type == "code" and not _is_key(cells[tested_by]), where
        # written before the run that tests it; that run comes before the key's answer
        assert at < tested_by < exercise + 2, where
        assert at < exercise, where
        assert f"Prediction {number}" in cells[exercise].source, f"{where}: not referred to"
    # the prediction for exercise N.M is made no later than the one for N.M+1
    order = [predictions[n] for n in sorted(exercises, key=lambda n: exercises[n])]
    assert order == sorted(order)


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


# --- the handouts -----------------------------------------------------------------------


def test_handouts_leave_out_exactly_the_key_cells(tmp_path):
    handout = _load_handout_module()
    assert handout.main(["--out", str(tmp_path)]) == 0
    for path in NOTEBOOKS:
        teacher = json.loads(path.read_text(encoding="utf-8"))
        student_text = (tmp_path / path.name).read_text(encoding="utf-8")
        nbformat.validate(nbformat.reads(student_text, as_version=4))  # opens in Jupyter
        student = json.loads(student_text)
        kept = [c for c in teacher["cells"] if not _is_key(c)]
        assert [c["source"] for c in student["cells"]] == [c["source"] for c in kept]
        assert len(student["cells"]) < len(teacher["cells"])
        assert not any("".join(c["source"]).startswith("# TEACHER'S KEY") for c in student["cells"])
        # the cells for the predictions stay: they are the student's to fill in
        assert sum(_is_prediction(c) for c in student["cells"]) == sum(
            _is_prediction(c) for c in teacher["cells"]
        )


def test_handouts_name_lessons_by_file_name_or_number(tmp_path, capsys):
    handout = _load_handout_module()
    names = ["2", "04_erroneous_reports", "notebooks/05_real_systems.ipynb", "02"]
    assert handout.main(["--out", str(tmp_path), *names]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "02_pariah_spirals.ipynb",
        "04_erroneous_reports.ipynb",
        "05_real_systems.ipynb",
    ]
    assert capsys.readouterr().out.count("key cells left out") == 3


def test_a_misspelt_lesson_is_refused_with_the_right_name_and_exit_2(tmp_path, capsys):
    handout = _load_handout_module()
    out = tmp_path / "handouts"
    assert handout.main(["--out", str(out), "03_sanction_cascade.ipynb", "02"]) == 2
    message = capsys.readouterr().err
    assert message.startswith("handout.py: no lesson named '03_sanction_cascade.ipynb'")
    assert "Did you mean 03_sanction_cascades?" in message
    assert "Traceback" not in message and message.count("\n") == 1
    assert not out.exists()  # nothing written, not even the lesson that was spelt right


def test_the_handout_script_refuses_bad_input_from_the_command_line(tmp_path):
    import subprocess
    import sys

    script = str(NOTEBOOK_DIR / "handout.py")

    def run(*args):
        done = subprocess.run(
            [sys.executable, script, *args], capture_output=True, text=True, cwd=tmp_path
        )
        return done.returncode, done.stderr

    status, err = run("--out", str(tmp_path / "h"), "pariah")
    assert status == 2 and "no lesson named 'pariah'" in err and "Traceback" not in err
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder", encoding="utf-8")
    status, err = run("--out", str(a_file), "1")
    assert status == 2 and "is a file, not a folder" in err
    status, err = run("--out", str(NOTEBOOK_DIR))  # would replace the teacher's edition
    assert status == 2 and "teacher's folder" in err
    status, err = run("--no-such-option")
    assert status == 2 and "unrecognized arguments: --no-such-option" in err
    assert run("--help")[0] == 0


def test_an_edited_handout_is_kept_unless_overwrite_is_asked_for(tmp_path, capsys):
    handout = _load_handout_module()
    target = tmp_path / "01_what_is_a_points_regime.ipynb"
    assert handout.main(["--out", str(tmp_path), "1"]) == 0
    assert handout.main(["--out", str(tmp_path), "1"]) == 0  # unchanged since: replaced
    edited = json.loads(target.read_text(encoding="utf-8"))
    edited["cells"][0]["source"] = ["# my notes for class 3b\n"]
    target.write_text(json.dumps(edited), encoding="utf-8")
    capsys.readouterr()
    assert handout.main(["--out", str(tmp_path), "1"]) == 2
    assert "edited since it was written" in capsys.readouterr().err
    assert json.loads(target.read_text(encoding="utf-8"))["cells"][0]["source"] == [
        "# my notes for class 3b\n"
    ]
    assert handout.main(["--out", str(tmp_path), "1", "--overwrite"]) == 0
    assert "my notes" not in target.read_text(encoding="utf-8")


# --- the notebooks, executed ------------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_from_top_to_bottom(path, executed):
    notebook = executed(path).notebook
    # every key ran and printed an answer computed from the run
    keys = [c for c in notebook.cells if _is_key(c)]
    assert all(any(o.output_type == "stream" for o in c.outputs) for c in keys)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_hold_no_warnings_and_no_python_reprs(path, executed):
    for index, cell in enumerate(executed(path).notebook.cells):
        for kind, text in _texts(cell):
            where = f"{path.name}, cell {index} (id {cell.id})"
            assert kind != "stderr", f"{where} wrote to stderr: {text[:300]}"
            assert "Warning" not in text, f"{where}: {text[:300]}"
            assert not ENUM_REPR.search(text), f"{where}: {ENUM_REPR.search(text).group()}"
            assert not ANY_REPR.search(text), f"{where}: {ANY_REPR.search(text).group()}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_figures_are_sized_for_a_projector_and_show_all_their_data(path, executed):
    figures = executed(path).figures
    assert figures, f"{path.name} shows no figure"
    for index, figure in figures:
        where = f"{path.name}, cell {index}"
        assert figure["width_px"] <= MAX_WIDTH_PX and figure["height_px"] <= MAX_HEIGHT_PX, where
        assert figure["min_text_px"] >= MIN_TEXT_PX, (
            f"{where}: text {figure['smallest_text']!r} is {figure['min_text_px']:.0f} px"
        )
        for axes in figure["axes"]:
            if not axes["n_points"]:
                continue
            named = f"{where}, axes {axes['ylabel']!r}"
            # each axis says what it shows (a shared axis may say it once for its row)
            assert axes["xlabel"] and axes["y_named"], f"{named}: an axis without a label"
            # nothing cut off by fixed limits, and no limits so wide the data lie flat
            assert axes["n_outside"] == 0, f"{named}: {axes['n_outside']} points outside"
            assert axes["height_share"] >= 0.5, f"{named}: data fill {axes['height_share']:.0%}"


def _axes(executed, path_prefix):
    path = next(p for p in NOTEBOOKS if p.name.startswith(path_prefix))
    return [axes for _, figure in executed(path).figures for axes in figure["axes"]]


def test_lesson_1_shows_the_lowest_citizen_beside_the_middle_of_the_town(executed):
    scores = [a for a in _axes(executed, "01_") if "score" in a["ylabel"]]
    assert scores, "lesson 1 has no figure of scores"
    labels = {line["label"] for axes in scores for line in axes["lines"]}
    assert {"average", "lowest citizen"} <= labels, labels
    lowest = next(
        line["y"] for axes in scores for line in axes["lines"] if line["label"] == "lowest citizen"
    )
    assert min(lowest) < 950  # a few fall far below the 1000 most stay near


def test_lesson_3_draws_the_ccdf_of_all_cascades(executed):
    loglog = [a for a in _axes(executed, "03_") if a["xscale"] == a["yscale"] == "log"]
    assert loglog, "lesson 3 draws no log-log figure"
    curves = [
        line["y"]
        for axes in loglog
        for line in axes["lines"]
        if line["label"].startswith("all cascades")
    ]
    assert curves, "no curve labelled 'all cascades'"
    share = curves[0]
    assert share[0] == 1.0 and all(a >= b for a, b in itertools.pairwise(share))
    assert share[-1] < 0.1  # a long tail: few cascades are as large as the largest


def test_lesson_4_draws_the_harm_over_several_seeds_with_an_interval(executed):
    harm = [a for a in _axes(executed, "04_") if "false records" in a["xlabel"]]
    assert harm, "lesson 4 has no figure against the rate of false records"
    axes = harm[0]
    assert axes["n_bands"] >= 1, "no interval drawn"
    summary = [line for line in axes["lines"] if line["label"].startswith("average")]
    assert summary and summary[0]["label"] in axes["legend"], axes["legend"]
    seeds = [line for line in axes["lines"] if not line["label"].startswith("average")]
    assert len(seeds) >= 5
    # the harm grows at every step of the error rate, on average over the seeds
    average = summary[0]["y"]
    assert all(b > a for a, b in itertools.pairwise(average)), average


def test_lesson_5_has_a_figure_of_the_systems_side_by_side(executed):
    axes = _axes(executed, "05_")
    assert axes
    assert any("per 1,000" in a["xlabel"] or "per 1,000" in a["ylabel"] for a in axes)


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


def test_the_figure_probe_catches_figures_that_hide_their_data(tmp_path):
    # the checks above can fail: a wide figure with small text, one axis so wide that the
    # data lie flat, another so narrow that it cuts the data off
    source = (
        "import matplotlib.pyplot as plt\n"
        "fig, (flat, cut) = plt.subplots(1, 2, figsize=(12, 3))\n"
        "for ax in (flat, cut):\n"
        "    ax.plot([0, 1, 2], [990, 1000, 1010], label='x')\n"
        "    ax.set_xlabel('day'); ax.set_ylabel('score')\n"
        "flat.set_ylim(800, 1100)\n"
        "cut.set_ylim(995, 1005)\n"
        "plt.show()"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source, id="flat")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "flat.ipynb"
    nbformat.write(notebook, path)
    [(index, figure)] = run_notebook(path, tmp_path).figures
    assert index == 0
    assert figure["width_px"] == 1200 and figure["min_text_px"] < MIN_TEXT_PX
    flat, cut = figure["axes"]
    assert flat["n_outside"] == 0 and flat["height_share"] < 0.2
    assert flat["lines"][0]["y"] == [990.0, 1000.0, 1010.0]
    assert cut["n_outside"] == 2
