"""Make student handouts: copies of the lesson notebooks without the teacher's key.

The notebooks in this folder are the teacher's edition: every exercise is followed by a
code cell tagged ``solution`` (collapsed in Jupyter) that computes the answer from the run.
This script writes a copy of each notebook without those cells, and without outputs, to
``notebooks/handouts/`` (or the folder given)::

    python notebooks/handout.py                 # all notebooks -> notebooks/handouts/
    python notebooks/handout.py OUT_DIR 02_pariah_spirals.ipynb

It needs only the standard library.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOLUTION_TAG = "solution"


def is_solution(cell: dict) -> bool:
    """Whether a cell belongs to the teacher's key."""
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def handout(notebook: dict) -> dict:
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
    return {**notebook, "cells": cells}


def main(argv: list[str]) -> int:
    """Write the handouts; return the exit status."""
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if argv and argv[0].startswith("-"):
        print(f"handout.py: unknown option {argv[0]!r} (see --help)", file=sys.stderr)
        return 2
    out_dir = Path(argv[0]) if argv else HERE / "handouts"
    names = argv[1:] or sorted(p.name for p in HERE.glob("[0-9][0-9]_*.ipynb"))
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        source = HERE / name
        notebook = json.loads(source.read_text(encoding="utf-8"))
        student = handout(notebook)
        removed = len(notebook["cells"]) - len(student["cells"])
        target = out_dir / source.name
        target.write_text(json.dumps(student, indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"{target}: {removed} key cells left out")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
