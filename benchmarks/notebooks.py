"""Benchmark: how long each lesson notebook takes to run, as CI and a teacher run it.

Each notebook runs ``--repeat`` times in a fresh kernel (nbclient, as
``tests/test_notebooks.py`` runs it), in a temporary folder. The wall time includes
starting the kernel and importing score-sim; the CPU time is the kernel's own (user +
system, read from the kernel's process before it exits), which shows how much of the wall
time a busy machine added. The table gives medians; the lessons promise under 60 s each on
a 2-core laptop.

Usage::

    python benchmarks/notebooks.py                 # every notebook, 3 repeats
    python benchmarks/notebooks.py --repeat 1 02_pariah_spirals.ipynb

Writes ``benchmarks/results/notebooks.csv``.
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
RESULTS = Path(__file__).resolve().parent / "results"
CPU_PROBE = "import os as _os; _t = _os.times(); print(_t.user + _t.system)"


def run_once(path: Path) -> tuple[float, float]:
    """Wall seconds and kernel CPU seconds of one run of a notebook in a fresh kernel."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(CPU_PROBE))
    with tempfile.TemporaryDirectory() as workdir:
        client = NotebookClient(
            notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": workdir}}
        )
        started = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - started
    cpu = float(notebook.cells[-1].outputs[0]["text"])
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", help="notebook file names (default: all)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    names = args.notebooks or sorted(p.name for p in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    rows = []
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"{'notebook':<40} {'wall (median)':>14} {'kernel CPU':>11}   runs (wall)")
    for name in names:
        runs = [run_once(NOTEBOOK_DIR / name) for _ in range(args.repeat)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        walls = ", ".join(f"{w:.1f}" for w, _ in runs)
        print(f"{name:<40} {wall:>12.1f} s {cpu:>9.1f} s   {walls}")
        rows.append({"notebook": name, "wall_s": round(wall, 2), "kernel_cpu_s": round(cpu, 2)})
    total_wall = sum(r["wall_s"] for r in rows)
    total_cpu = sum(r["kernel_cpu_s"] for r in rows)
    print(f"{'all':<40} {total_wall:>12.1f} s {total_cpu:>9.1f} s")
    RESULTS.mkdir(exist_ok=True)
    with (RESULTS / "notebooks.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["notebook", "wall_s", "kernel_cpu_s"])
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
