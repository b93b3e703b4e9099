"""Small array helpers shared by the rules.

``np.unique`` (and ``np.union1d``, built on it) hashes integer arrays in numpy 2.3 and
later, which is an order of magnitude slower than sorting for the arrays used here
(measured with numpy 2.4: 1.24 s against 0.01 s for 1.3 million int64 values).
"""

from __future__ import annotations

import numpy as np


def unique(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (like ``np.unique``, by sorting)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def union(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The distinct values of both arrays, sorted (like ``np.union1d``)."""
    return unique(np.concatenate([first, second]))


def merge_disjoint(ordered: np.ndarray, new: np.ndarray) -> np.ndarray:
    """Sorted ``ordered`` with the sorted values ``new``, none of them in it, merged in.

    The same as ``np.union1d`` for disjoint sorted arrays, in one pass instead of a sort.
    """
    if new.size == 0:
        return ordered
    return np.insert(ordered, np.searchsorted(ordered, new), new)
