"""Make student handouts: copies of the lesson notebooks without the teacher's key.

The notebooks in this folder are the teacher's edition: every exercise is followed by a
code cell tagged ``solution`` (collapsed in Jupyter) that computes the answer from the run.
This script writes a copy of each notebook without those cells, and without outputs; the
cells where students write their predictions stay. By default the copies go to
``notebooks/handouts/``::

    python notebooks/handout.py                          # every lesson -> notebooks/handouts/
    python notebooks/handout.py 02 04                    # lessons 2 and 4 only
    python notebooks/handout.py --out class-3b 02_pariah_spirals.ipynb

A lesson is named by its file name, with or without ``.ipynb`` or a folder, or by its
number. A handout that someone has edited since this script wrote it (a teacher's note,
a student's answers) is not overwritten unless ``--overwrite`` is given. Bad input (a
misspelt lesson, an output folder that is a file) gets a one-line message and exit
status 2. It needs only the standard library.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOLUTION_TAG = "solution"
HANDOUT_KEY = "handout"  # notebook metadata: which lesson a handout comes from, and its cells' hash


class HandoutError(Exception):
    """Bad input: the message says what is wrong and what to do instead."""


def is_solution(cell: dict) -> bool:
    """Whether a cell belongs to the teacher's key."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def cells_digest(cells: list[dict]) -> str:
    """A hash of the cells, to tell a handout as written from one edited since."""
    text = json.dumps(cells, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def handout(notebook: dict, source_name: str = "") -> dict:
    """A copy of ``notebook`` without solution cells and without outputs."""
    cells = []
    for cell in notebook["cells"]:
        if is_solution(cell):
            continue
        cell = json.loads(json.dumps(cell))
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    metadata = dict(notebook.get("metadata", {}))
    metadata[HANDOUT_KEY] = {"lesson": source_name, "cells_sha256": cells_digest(cells)}
    return {**notebook, "metadata": metadata, "cells": cells}


def lessons(folder: Path = HERE) -> list[Path]:
    """The lesson notebooks in ``folder``, in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def resolve(name: str, available: list[Path]) -> Path:
    """The lesson a name means: its file name (with or without folder or ``.ipynb``) or number."""
    stem = Path(name).name.removesuffix(".ipynb")
    for path in available:
        if stem == path.stem:
            return path
    if stem.isdigit():
        for path in available:
            if int(path.name[:2]) == int(stem):
                return path
    stems = [path.stem for path in available]
    close = difflib.get_close_matches(stem, stems, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else " (The output folder is given with --out.)"
    raise HandoutError(
        f"no lesson named {name!r} in {available[0].parent if available else HERE}.{hint} "
        f"The lessons are: {', '.join(stems)} (or their numbers: "
        f"{', '.join(str(int(s[:2])) for s in stems)})."
    )


def read_notebook(path: Path) -> dict:
    """A notebook's JSON; a file that is not one is named with the line of the problem."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise HandoutError(
            f"{path}:{error.lineno}:{error.colno}: not a notebook (invalid JSON: {error.msg})"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise HandoutError(f"{path}: cannot be read ({error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise HandoutError(f"{path}: not a notebook (it has no list of cells)")
    return notebook


def edited_since_written(target: Path) -> bool:
    """Whether an existing handout differs from what this script wrote there."""
    try:
        existing = json.loads(target.read_text(encoding="utf-8"))
        recorded = existing["metadata"][HANDOUT_KEY]["cells_sha256"]
        return cells_digest(existing["cells"]) != recorded
    except (OSError, ValueError, KeyError, TypeError):
        return True  # not a handout this script wrote, or unreadable: someone else's file


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """The command line; a usage error exits with status 2 (argparse's own)."""
    parser = argparse.ArgumentParser(
        prog="handout.py",
        description="Write student copies of the lesson notebooks, without the teacher's key.",
        epilog="Lessons are named by file name (02_pariah_spirals.ipynb, 02_pariah_spirals) "
        "or number (2, 02); with none, every lesson.",
    )
    parser.add_argument("lessons", nargs="*", metavar="LESSON", help="lessons to hand out")
    parser.add_argument(
        "--out",
        "-o",
        type=Path,
        default=HERE / "handouts",
        metavar="DIR",
        help="folder for the handouts (default: notebooks/handouts)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace handouts in DIR even if someone edited them since they were written",
    )
    return parser.parse_args(argv)


def write_handouts(names: list[str], out_dir: Path, overwrite: bool) -> list[str]:
    """Check everything first, then write; return one line per handout written."""
    available = lessons()
    sources = [resolve(name, available) for name in names] if names else available
    if not sources:
        raise HandoutError(f"no lesson notebooks (NN_topic.ipynb) in {HERE}")
    if out_dir.exists() and not out_dir.is_dir():
        raise HandoutError(f"--out {out_dir}: is a file, not a folder")
    if out_dir.resolve() == HERE:
        raise HandoutError(
            f"--out {out_dir}: that is the teacher's folder; the handouts would replace the "
            "notebooks with their keys. Choose another folder."
        )
    plans = []
    for source in dict.fromkeys(sources):
        student = handout(read_notebook(source), source.name)
        target = out_dir / source.name
        if target.exists() and not overwrite and edited_since_written(target):
            raise HandoutError(
                f"{target}: edited since it was written (or not a handout); "
                "nothing was written. Move it away, or give --overwrite to replace it."
            )
        plans.append((source, student, target))
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for source, student, target in plans:
        removed = sum(1 for cell in read_notebook(source)["cells"] if is_solution(cell))
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", "utf-8")
        lines.append(f"{target}: {removed} key cells left out")
    return lines


def main(argv: list[str]) -> int:
    """Write the handouts; return the exit status (0, or 2 for bad input)."""
    try:
        args = parse_arguments(argv)
    except SystemExit as done:  # --help (0) or a usage error (2), already printed
        return int(done.code or 0)
    try:
        lines = write_handouts(args.lessons, args.out, args.overwrite)
    except HandoutError as error:
        print(f"handout.py: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"handout.py: cannot write to {args.out}: {error.strerror}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
