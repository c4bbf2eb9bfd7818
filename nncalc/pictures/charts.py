"""Terminal pictures in plain ASCII (no colour needed): a line chart of one or more curves and a
heat map, each laid out to a given width."""

from __future__ import annotations

from typing import Sequence

import numpy as np

RAMP = " .:-=+*#%@"            # low to high, one character per tenth of the range
MARKS = "*#+x%&=@$~"            # the curves' letters, in order
HEIGHT = 16


def number(x: float) -> str:
    """A tick label: 4 significant digits, no trailing noise."""
    return f"{x:.4g}"


def line_chart(xs: np.ndarray, curves: Sequence[tuple[str, np.ndarray]], width: int = 80, height: int = HEIGHT,
               xlabel: str = "", marks: Sequence[tuple[float, float, str]] = ()) -> str:
    """Curves y(x) sampled at xs, one letter each (MARKS), on a grid fitting `width` columns; `marks`
    are single points (x, y, letter) drawn over them; a legend line names the letters."""
    ys_all = np.concatenate([np.asarray(y, float) for _, y in curves] + [np.array([m[1] for m in marks])])
    lo, hi = float(ys_all.min()), float(ys_all.max())
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    labels = [number(hi), number((lo + hi) / 2), number(lo)]
    pad = max(map(len, labels))
    cols = max(width - pad - 3, 10)
    grid = [[" "] * cols for _ in range(height)]

    def cell(x: float, y: float) -> tuple[int, int]:
        c = round((x - xs[0]) / (xs[-1] - xs[0]) * (cols - 1)) if xs[-1] != xs[0] else 0
        r = round((hi - y) / (hi - lo) * (height - 1))
        return min(max(r, 0), height - 1), min(max(c, 0), cols - 1)

    for k, (_, ys) in enumerate(curves):
        column_x = np.linspace(xs[0], xs[-1], cols)
        for x, y in zip(column_x, np.interp(column_x, xs, ys)):
            r, c = cell(x, y)
            grid[r][c] = MARKS[k % len(MARKS)]
    for x, y, letter in marks:
        r, c = cell(x, y)
        grid[r][c] = letter
    out = []
    for r, row in enumerate(grid):
        label = labels[0] if r == 0 else labels[1] if r == (height - 1) // 2 else labels[2] if r == height - 1 else ""
        out.append(f"{label:>{pad}} |{''.join(row)}".rstrip())
    out.append(" " * pad + " +" + "-" * cols)
    left, right = number(xs[0]), number(xs[-1])
    out.append(" " * (pad + 2) + left + " " * max(cols - len(left) - len(right), 1) + right)
    if xlabel:
        out.append(" " * (pad + 2) + xlabel.center(cols).rstrip())
    legend = [f"{MARKS[k % len(MARKS)]} {name}" for k, (name, _) in enumerate(curves) if name]
    if legend:
        out.append("  ".join(legend))
    return "\n".join(out) + "\n"


def heat_map(xs: np.ndarray, ys: np.ndarray, Z: np.ndarray, width: int = 80, height: int = 24,
             marks: Sequence[tuple[float, float, str]] = ()) -> str:
    """Z[i, j] at (xs[i], ys[j]) as RAMP characters: x across, y up; `marks` drawn over it."""
    pad = max(len(number(ys[0])), len(number(ys[-1])))
    cols = min(max(width - pad - 3, 10), len(xs))
    rows = min(height, len(ys))
    ci = np.linspace(0, len(xs) - 1, cols).round().astype(int)
    ri = np.linspace(len(ys) - 1, 0, rows).round().astype(int)        # top row: the largest y
    sub = Z[np.ix_(ci, ri)].T
    lo, hi = float(Z.min()), float(Z.max())
    level = np.zeros(sub.shape, int) if hi == lo else np.minimum(((sub - lo) / (hi - lo) * len(RAMP)).astype(int),
                                                                    len(RAMP) - 1)
    grid = [[RAMP[v] for v in row] for row in level]
    for x, y, letter in marks:
        c = int(np.abs(xs[ci] - x).argmin())
        r = int(np.abs(ys[ri] - y).argmin())
        grid[r][c] = letter
    out = []
    for r, row in enumerate(grid):
        label = number(ys[-1]) if r == 0 else number(ys[0]) if r == rows - 1 else ""
        out.append(f"{label:>{pad}} |{''.join(row)}".rstrip())
    out.append(" " * pad + " +" + "-" * cols)
    left, right = number(xs[0]), number(xs[-1])
    out.append(" " * (pad + 2) + left + " " * max(cols - len(left) - len(right), 1) + right)
    step = (hi - lo) / len(RAMP)
    out.append(f"levels: '{RAMP[0]}' from {number(lo)} up, each of '{RAMP[1:]}' {number(step)} higher, "
               f"'{RAMP[-1]}' to {number(hi)}")
    return "\n".join(out) + "\n"
