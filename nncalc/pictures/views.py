"""The registry's renderers of the pictures' subjects: a sweep ('sweep'), gradient sizes by layer
('gradients') and activation curves ('activations'), as terminal pictures, tables, CSV and JSON."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..render.common import aligned_lines, fmt
from .charts import heat_map, line_chart, number


# ---------------------------------------------------------------- sweeps

def _sweep_caption(s: Any) -> list[str]:
    moves = " and ".join(f"{a.name} from {number(a.values[0])} to {number(a.values[-1])}" for a in s.axes)
    at = ", ".join(f"{a.name} = {number(a.at)}" for a in s.axes)
    lines = [f"{s.of} of {s.problem.name}", f"as {moves} ({s.values.size:,} points)",
             f"o: the file's {at}, {s.of} = {number(s.at)}"]
    if s.path is not None:
        d = s.descent
        lines += [f"x: {d.updates} updates of `nncalc train` from there ({d.optimizer}),",
                  "   every parameter moving, drawn at its " + " and ".join(a.name for a in s.axes)]
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
    return "\n".join(_sweep_caption(s)) + "\n\n" + "\n".join(aligned_lines(names, rows)) + "\n"


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


# ---------------------------------------------------------------- gradient sizes by layer

def _bars(values: list[float], width: int) -> tuple[list[str], float]:
    """Bars on a log scale, the largest value `width` long, spanning at least one decade; and how
    many characters one decade takes."""
    logs = np.log10(np.maximum(np.array(values), np.finfo(float).tiny))
    hi = float(logs.max())
    lo = min(float(logs.min()), hi - 1.0)
    per_decade = (width - 1) / (hi - lo)
    return ["#" * (1 + round((v - lo) * per_decade)) for v in logs], per_decade


def gradients_table(report: Any, style: Any) -> str:
    """One row per layer, then the norm of dE/dW as bars on a log scale (the deck's vanishing gradient)."""
    names = ["layer", "units", "activation", "mean |δ|", "max |δ|", "|δ|", "mean |dE/dW|", "max |dE/dW|",
             "|dE/dW|"]
    if not style.unicode:
        names = [n.replace("δ", "delta") for n in names]
    number = (lambda x: f"{x:.3e}")
    rows = [[str(g.layer), str(g.units), g.activation, *map(number, g.delta), *map(number, g.grad_w)]
            for g in report.layers]
    table = aligned_lines(names, rows, left=frozenset({2}))
    width = style.width or 80
    if max(map(len, table)) > width:     # the narrow form: the mean and the norm only
        keep = [0, 2, 3, 5, 6, 8]
        table = aligned_lines([names[i] for i in keep], [[r[i] for i in keep] for r in rows], left=frozenset({1}))
    norms = [g.grad_w[2] for g in report.layers]
    bar_width = max(width - 22, 10)
    bars, per_decade = _bars(norms, bar_width)
    bars = [f"layer {g.layer:>3} |{bar} {number(n)}" for g, bar, n in zip(report.layers, bars, norms)]
    n = report.problem.n_samples
    delta = "δ" if style.unicode else "delta"
    head = ["Gradient sizes by layer:", report.problem.name,
            f"({n} sample{'s' if n != 1 else ''}; {delta} = dE/dnet, |.| = the Euclidean norm)", ""]
    scale = f"|dE/dW| by layer (log scale: 10 times smaller is {per_decade:.0f} '#' shorter):"
    through_time = [line for g in report.steps for line in _step_bars(g, delta, number, bar_width)]
    return "\n".join(head + table + ["", scale] + bars + through_time) + "\n"


def _step_bars(g: Any, delta: str, number: Any, width: int) -> list[str]:
    """A recurrent layer's |delta_h[t]| at every step, newest first, as bars on a log scale."""
    T = len(g.delta)
    bars, per_decade = _bars(list(g.delta), width - 2)
    rows = [f"t = {t:>3} |{bars[t - 1]} {number(g.delta[t - 1])}" for t in range(T, 0, -1)]
    first, last = g.delta[0], g.delta[-1]
    trend = "" if not last or not first else (
        f"; |{delta}[1]| / |{delta}[{T}]| = {first / last:.3g}" + (": vanishing" if first < last / 10 else
                                                                   ": exploding" if first > last * 10 else ""))
    return ["", f"|{delta}[t]| of layer {g.layer} ({g.units} {g.activation} units), step {T} back to 1",
            f"(log scale, {per_decade:.0f} '#' a decade{trend}):", *rows]


def gradients_json(report: Any, style: Any) -> str:
    from ..render.json import to_json
    from .gradients import STATS

    data = {"problem": report.problem.name, "layers": [
        {"layer": g.layer, "units": g.units, "activation": g.activation,
         "delta": dict(zip(STATS, g.delta)), "grad_W": dict(zip(STATS, g.grad_w))} for g in report.layers]}
    if report.steps:
        data["through_time"] = [{"layer": g.layer, "units": g.units, "activation": g.activation,
                                 "delta_norm": list(g.delta), "dE_dout_norm": list(g.dE_dout)} for g in report.steps]
    return to_json(data)


def gradients_csv(report: Any, style: Any) -> str:
    from .gradients import STATS

    head = ["layer", "units", "activation", *(f"delta_{s}" for s in STATS), *(f"grad_W_{s}" for s in STATS)]
    rows = [[str(g.layer), str(g.units), g.activation, *map(repr, g.delta), *map(repr, g.grad_w)]
            for g in report.layers]
    return "\n".join(",".join(r) for r in [head, *rows]) + "\n"


# ---------------------------------------------------------------- activation curves

def activations_plot(c: Any, style: Any) -> str:
    """out = f(net) for each activation, one letter each; the derivatives in a second chart."""
    width = style.width or 80
    text = "out = f(net)\n\n" + line_chart(c.xs, c.functions, width, xlabel="net")
    if c.derivatives:
        text += "\ndout/dnet = f'(net)\n\n" + line_chart(c.xs, c.derivatives, width, xlabel="net")
    return text + "".join(note + "\n" for note in c.notes)


def activations_csv(c: Any, style: Any) -> str:
    """net, then each function and derivative, one row per point, full precision."""
    columns = [*c.functions, *c.derivatives]
    lines = [",".join(["net", *(name for name, _ in columns)])]
    lines += [",".join(repr(float(v)) for v in row) for row in zip(c.xs, *(ys for _, ys in columns))]
    return "\n".join(lines) + "\n"
