"""CSV tables written fast and byte-for-byte reproducibly, from numpy columns.

Each column is turned into strings in one vectorised step (small integer ranges through a
lookup table, categories as they are, floats with a fixed number of decimals, NaN as an
empty field), and the rows are joined once. A city's agents table (hundreds of thousands
of rows) takes about a second, against several with a general-purpose writer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

LOOKUP_LIMIT = 1 << 20
CHUNK_ROWS = 1 << 15
"""Rows formatted at a time: bounds the memory the strings take."""
"""Integer columns spanning fewer values than this are formatted through a lookup table."""


def _strings(values: np.ndarray, decimals: int) -> list[str]:
    values = np.asarray(values)
    if values.dtype == object or values.dtype.kind in "US":
        return [str(v) for v in values.tolist()] if values.dtype.kind != "O" else values.tolist()
    if values.dtype == bool:
        return np.where(values, "1", "0").tolist()
    if values.dtype.kind in "iu":
        if values.size == 0:
            return []
        low, high = int(values.min()), int(values.max())
        if high - low < min(LOOKUP_LIMIT, 4 * values.size + 1024):
            table = np.array([str(v) for v in range(low, high + 1)], dtype=object)
            return table[values - low].tolist()
        return list(map(str, values.tolist()))
    form = f"%.{decimals}f".__mod__
    out = np.full(values.size, "", dtype=object)
    finite = ~np.isnan(values)
    zero = values == 0
    out[zero] = form(0.0)
    rest = finite & ~zero
    out[rest] = list(map(form, values[rest].tolist()))
    return out.tolist()


def write_csv(path: Path, columns: Mapping[str, np.ndarray], decimals: int = 6) -> None:
    """Write equal-length columns as a CSV file with a header row.

    Args:
        path: the file to write.
        columns: column name to values (numbers, booleans or strings).
        decimals: digits after the point for floating-point columns.
    """
    names = list(columns)
    arrays = [np.asarray(columns[name]) for name in names]
    n_rows = len(arrays[0]) if arrays else 0
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(",".join(names) + "\n")
        for start in range(0, n_rows, CHUNK_ROWS):
            cells = [_strings(a[start : start + CHUNK_ROWS], decimals) for a in arrays]
            handle.write("\n".join(map(",".join, zip(*cells, strict=True))))
            handle.write("\n")
