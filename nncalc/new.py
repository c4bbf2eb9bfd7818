"""New files to start from: a commented problem file for a network shape (`nncalc new 2-2-2`), and an
answers template naming every quantity of a problem (`nncalc new answers hw.yaml`).

Each file is checked by loading it as nncalc would before it is handed back."""

from __future__ import annotations

import json
import re
import textwrap

import numpy as np

from .errors import ProblemError, UsageError, suggest

WIDTH = 80                      # the files' lines fit an 80-column terminal
MAX_WRITTEN_PARAMS = 2_000      # past this, weights are better drawn at load (--init) than written
NAMED_WEIGHTS_MAX = 64          # up to this many weights in a layer, the file names each one
_PLAIN_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*(?:\[\d+\])?(?:/[A-Za-z][A-Za-z0-9_.]*(?:\[\d+\])?)?(?:@\d+)?$")


def parse_shape(shape: str) -> list[int]:
    """'2-2-2' -> [2, 2, 2]: inputs, then each layer's units (at least one layer)."""
    parts = shape.replace("x", "-").split("-")
    if len(parts) < 2 or not all(p.isdigit() and 0 < int(p) <= 10_000 for p in parts):
        raise UsageError(f"shape {shape!r}: expected layer sizes joined by '-', inputs first, e.g. 2-2-2 "
                         "(two inputs, two hidden units, two outputs)")
    return [int(p) for p in parts]


def _name(value: str, table, what: str) -> str:
    """An activation or loss name, in any case, in its canonical spelling (the load pass's rule)."""
    from .schema import Invalid, choice

    try:
        return choice(value, (), tuple(table), what, close=3)
    except Invalid as exc:
        raise UsageError(exc.message) from None


def _units(li: int, n_layers: int, count: int) -> list[str]:
    prefix = "o" if li == n_layers - 1 else ("h" if n_layers == 2 else f"h{li + 1}_")
    return [f"{prefix}{k}" for k in range(1, count + 1)]


def _cell(value) -> str:
    return value if isinstance(value, str) else f"{value + 0.0:g}"     # + 0.0: no "-0"


def _flow(values) -> str:
    return "[" + ", ".join(_flow(v) if isinstance(v, list) else _cell(v) for v in values) + "]"


def _item(lines: list[str]) -> list[str]:
    """The lines of a mapping made the first item of a list: '  key: ...' -> '- key: ...'."""
    return [lines[0][:-len(lines[0].lstrip()) - 2] + "- " + lines[0].lstrip()] + lines[1:]


def _key_flow(key: str, values: list, indent: int) -> list[str]:
    """`key: [..]` on one line if it fits WIDTH, else a row per line, each wrapped to WIDTH."""
    one = " " * indent + f"{key}: {_flow(values)}"
    if len(one) <= WIDTH:
        return [one]
    rows = values if isinstance(values[0], list) else [values]
    lines = [" " * indent + f"{key}:"] if rows is values else []
    for row in rows:
        lead = " " * indent + ("  - [" if rows is values else f"{key}: [")
        words = [_cell(v) for v in row]
        wrapped = textwrap.wrap(", ".join(words), WIDTH - len(lead) - 1, break_on_hyphens=False)
        lines.append(lead + wrapped[0])
        lines += [" " * len(lead) + w for w in wrapped[1:]]
        lines[-1] += "]"
    return lines


def _comment(line: str, comment: str) -> str:
    """The line with `# comment` after it, where that still fits WIDTH."""
    longer = f"{line}   # {comment}"
    return longer if len(longer) <= WIDTH else line


def _targets(rng: np.random.Generator, activation: str, loss: str, n: int, m: int) -> np.ndarray:
    """Targets the output activation can reach: one-hot for softmax, 0/1 or ±1 for threshold units."""
    if activation == "softmax" or loss in ("cross_entropy", "summed_cross_entropy"):
        return np.eye(m)[rng.integers(0, m, size=n)]
    if activation == "step" or loss == "binary_cross_entropy":
        return rng.integers(0, 2, size=(n, m)).astype(float)
    if activation == "sign":
        return rng.choice([-1.0, 1.0], size=(n, m))
    if activation in ("sigmoid",):
        return np.round(rng.uniform(0.05, 0.95, size=(n, m)), 2)
    return np.round(rng.uniform(-0.9, 0.9, size=(n, m)), 2)


def problem_template(shape: str, *, activation: str = "sigmoid", output_activation: str | None = None,
                     loss: str = "half_sse", init: str | None = None, samples: int = 1, seed: int = 0) -> str:
    """A problem file for the network `shape` (e.g. '2-2-2'), every key commented: weights drawn from
    `seed` and written with two decimals, or with `init` drawn when the file is loaded."""
    from .ops import ACTIVATIONS, LOSSES

    sizes = parse_shape(shape)
    hidden_act = _name(activation, ACTIVATIONS, "activation")
    out_act = _name(output_activation or activation, ACTIVATIONS, "activation")
    loss = _name(loss, LOSSES, "loss")
    n_layers = len(sizes) - 1
    n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
    if init is None and n_params > MAX_WRITTEN_PARAMS:
        raise UsageError(f"a {shape} network has {n_params:,} weights and biases, too many to write out; "
                         "let nncalc draw them when it loads the file: --init xavier (or he, normal, uniform)")
    rng = np.random.default_rng(seed)
    inputs = [f"i{k}" for k in range(1, sizes[0] + 1)]
    lines = [f"# A {shape} network made by `nncalc new {shape}`; edit any number, then",
             "#   nncalc backprop FILE        every value of one forward and backward pass",
             "#   nncalc new answers FILE     an answers template for it",
             "# Each layer: net = W in + b, out = f(net); W has a row per unit, a column per",
             "# input. The format, key by key: nncalc help format",
             f"name: {shape} {hidden_act} network" + (f" ({out_act} output)" if out_act != hidden_act else ""),
             "network:",
             *_key_flow("inputs", inputs, 2),
             "  layers:"]
    fan_in, counter = inputs, 0
    for li, units in enumerate(sizes[1:]):
        names = _units(li, n_layers, units)
        act = out_act if li == n_layers - 1 else hidden_act
        role = "output layer" if li == n_layers - 1 else f"hidden layer {li + 1}"
        lines += _layer_lines(role, names, act, fan_in, counter, None if init is not None else rng)
        counter += units * len(fan_in)
        fan_in = names
    lines += [f"loss: {loss}", "learning_rate: 0.5     # eta, the step of w+ = w - eta dE/dw"]
    if init is not None:
        lines += [f"init: {init}          # the weights are drawn when the file is loaded, from seed:",
                  f"seed: {seed}"]
    X = np.round(rng.uniform(0, 1, size=(samples, sizes[0])), 2)
    T = _targets(rng, out_act, loss, samples, sizes[-1])
    lines.append("data:    # per sample: its inputs in order, its targets in output order")
    for x, t in zip(X.tolist(), T.tolist()):
        lines += _item(_key_flow("input", x, 4) + _key_flow("target", t, 4))
    text = "\n".join(lines) + "\n"
    _check_loads(text, "the generated problem")
    return text


def _layer_lines(role: str, names: list[str], act: str, fan_in: list[str], counter: int,
                 rng: np.random.Generator | None) -> list[str]:
    """One layer of the template: its units and activation, and with `rng` its weights and bias
    drawn with two decimals (weight names w{counter + 1}, ... shown where they fit a line)."""
    lines = [f"    # {role}: out = {act}(W in + b)", *_item(_key_flow("units", names, 6)), f"      activation: {act}"]
    if rng is None:
        return lines
    units = len(names)
    W = np.round(rng.uniform(-1, 1, size=(units, len(fan_in))), 2)
    b = np.round(rng.uniform(-1, 1, size=units), 2)
    lines += _key_flow("weights", W.tolist(), 6)
    if W.size <= NAMED_WEIGHTS_MAX:
        wn = [[f"w{counter + r * len(fan_in) + c + 1}" for c in range(len(fan_in))] for r in range(units)]
        named = f"      weight_names: [{', '.join('[' + ', '.join(r) + ']' for r in wn)}]"
        formula = f"net_{names[0]} = {' + '.join(f'{w}·{i}' for w, i in zip(wn[0], fan_in))} + b_{names[0]}"
        if len(named) <= WIDTH:           # else the default names, the same w1, w2, ...
            lines.append(_comment(named, formula))
    bias = _key_flow("bias", b.tolist(), 6)
    bias[0] = _comment(bias[0], f"b_{names[0]}, ... (one number: a shared bias)") if len(bias) == 1 else bias[0]
    return lines + bias


def _check_loads(text: str, what: str):
    """Load text as a problem file would be; a combination nncalc refuses is a UsageError saying why."""
    import yaml

    from .problem import problem_from_doc
    from .yamlio import YamlDoc

    try:
        return problem_from_doc(YamlDoc("<new>", yaml.safe_load(text), yaml.compose(text, Loader=yaml.SafeLoader)))
    except ProblemError as exc:
        raise UsageError(f"{what} would not load: {exc.where + ': ' if exc.where else ''}{exc.message}") from None


def answers_template(problem: str) -> str:
    """An answers file for `problem` listing every computed quantity (the slides' spelling in a comment),
    with no numbers: the student fills in those they work out and deletes the others."""
    from .bundled import open_problem
    from .errors import NncalcError
    from .render.common import Symbols, slide_name
    from .worked import trace_of

    p = open_problem(problem)
    try:
        trace = trace_of(p, True)
    except NncalcError:                   # no targets, or units without a derivative: the forward values
        trace = trace_of(p, False)
    sym = Symbols.for_unicode(False)
    computed = [q for q in trace.quantities.values() if q.op != "leaf"]
    width = max(len(_key(q.name)) for q in computed) + 1
    lines = textwrap.wrap(f"Answers for {p.name}.", WIDTH - 2, initial_indent="# ", subsequent_indent="# ")
    lines += [
             "# Fill in the numbers you work out, with the decimals you mean (0.61 is",
             "# checked to 0.01); delete the lines you leave out: an empty one is an error.",
             "# The slides' spellings in the comments are accepted as keys too.",
             f"# Check: nncalc check {problem} THIS_FILE",
             f"problem: {json.dumps(problem)}",
             "student:",
             "answers:"]
    lines += [f"  {(_key(q.name) + ':').ljust(width)}   # {slide_name(q.name, sym)}" for q in computed]
    return "\n".join(lines) + "\n"


def _key(name: str) -> str:
    return name if _PLAIN_KEY.match(name) else json.dumps(name)
