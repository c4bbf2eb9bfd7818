"""The registry's renderers of the pictures' subjects: a sweep ('sweep'), gradient sizes by layer
('gradients') and activation curves ('activations'), as terminal pictures, tables, CSV and JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..render.common import fmt
from .charts import heat_map, line_chart, number


# ---------------------------------------------------------------- sweeps

def _sweep_caption(s: Any) -> list[str]:
    moves = " and ".join(f"{a.name} from {number(a.values[0])} to {number(a.values[-1])}" for a in s.axes)
    at = ", ".join(f"{a.name} = {number(a.at)}" for a in s.axes)
    lines = [f"{s.of} of {s.problem.name}", f"as {moves} ({s.values.size:,} points)",
             f"o: the file's {at}, {s.of} = {number(s.at)}"]
    if s.path is not None:
        lines.append(f"x: {len(s.path) - 1} steps of gradient descent from there (eta = {number(s.problem.learning_rate)})")
    return lines


def sweep_plot(s: Any, style: Any) -> str:
    """The curve (one parameter) or the heat map (two), the file's point marked o."""
    width = style.width or 80
    head = "\n".join(_sweep_caption(s)) + "\n\n"
    if len(s.axes) == 1:
        a = s.axes[0]
        return head + line_chart(a.values, [("", s.values)], width, xlabel=a.name, marks=[(a.at, s.at, "o")])
    x, y = s.axes
    marks = [(float(px), float(py), "x") for px, py in (s.path if s.path is not None else [])]
    return head + heat_map(x.values, y.values, s.values, width, marks=marks + [(x.at, y.at, "o")]) + \
        f"across: {x.name}, up: {y.name}\n"


def _rows(s: Any):
    grids = np.meshgrid(*[a.values for a in s.axes], indexing="ij")
    return zip(*[g.ravel() for g in grids], s.values.ravel())


def sweep_table(s: Any, style: Any) -> str:
    """One row per point: the parameters and the quantity."""
    names = [a.name for a in s.axes] + [s.of]
    rows = [[fmt(float(v), style.decimals) for v in row] for row in _rows(s)]
    widths = [max(len(n), *(len(r[i]) for r in rows)) for i, n in enumerate(names)]
    lines = ["  ".join(n.rjust(w) for n, w in zip(names, widths))]
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(_sweep_caption(s)) + "\n\n" + "\n".join(lines) + "\n"


def sweep_csv(s: Any, style: Any) -> str:
    """Full float64 precision, one row per point."""
    lines = [",".join([a.name for a in s.axes] + [s.of])]
    lines += [",".join(repr(float(v)) for v in row) for row in _rows(s)]
    return "\n".join(lines) + "\n"


def sweep_json(s: Any, style: Any) -> str:
    from ..render.json import to_json

    data = {"problem": s.problem.name, "of": s.of, "at": s.at,
            "axes": [{"name": a.name, "values": a.values.tolist(), "at": a.at} for a in s.axes],
            "values": s.values.tolist()}
    if s.path is not None:
        data["path"] = s.path.tolist()
    return to_json(data)
