"""A problem file: the one place YAML is validated and turned into plain frozen dataclasses.

Every section (network, data, training) is checked here, at load, with `nncalc.schema`; every
failure names the key path and the YAML line, and nothing past `load_problem` re-checks input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ProblemError
from ..ops import LOSSES
from ..limits import without_gc
from ..schema import Invalid, answers_block, choice, count, located, mapping, number, show, vector
from ..yamlio import Path_, YamlDoc, read_yaml
from .network import INITS, Network, network_from_spec

if TYPE_CHECKING:
    from ..vary import Ask, Vary
    from .training import Settings

DICT_SOURCE = "<dict>"       # the file name a problem given as a dict (not a file) is reported under


@dataclass(frozen=True, eq=False)
class Problem:
    """A validated problem: network, loss, learning rate and the samples (X: (n, d), T: (n, m)).

    A sequence problem (some layer runs over time, network.is_sequence): X (n, T, d), each sample
    padded with zeros after its own length; T (n, T, m), 0 where a step has no target; target_mask
    (n, T) True where a step has a target (never beyond a sample's length); lengths (n,)."""

    name: str
    network: Network
    loss: str
    learning_rate: float
    inputs: np.ndarray | None            # None when the file lists no samples
    targets: np.ndarray | None           # None when any sample leaves its target out
    source: str | None = None            # the file it came from
    init: str | None = None
    seed: int | None = None
    data_source: Any = None              # `data:` naming a source instead of samples (for train)
    training: dict | None = None         # the `training:` block as written (saved with trained models)
    answers: dict | None = None          # the `answers:` block as written
    given_settings: Settings | None = None   # the `training:` block, validated (None: the file has none)
    doc: YamlDoc | None = field(default=None, repr=False)
    learning_rate_given: bool = False    # set in the file or by --set (else trainers use their default)
    vary: Vary | None = None             # `vary:`: what each student's variant draws anew (nncalc.vary)
    ask: Ask | None = None               # `ask:`: what every student must give
    variant: str | None = None           # `variant:`: the id of a variant written by `nncalc variants`
    target_mask: np.ndarray | None = None    # sequences: (n, T) bool, the steps with a target
    lengths: np.ndarray | None = None        # sequences: (n,) each sample's number of steps

    @property
    def is_sequence(self) -> bool:
        return self.network.is_sequence

    @cached_property
    def settings(self) -> Settings:
        """How to train: the `training:` block's settings, or without one full-batch gradient
        descent at the file's learning rate (made on first use: a file without the block never
        imports the training tables, nncalc/problem/training.py; start-up)."""
        if self.given_settings is not None:
            return self.given_settings
        from .training import training_settings

        return training_settings(None, ("training",), learning_rate=self.learning_rate if self.learning_rate_given
                                 else None, seed=self.seed or 0)

    @property
    def n_steps(self) -> int:
        """T: the longest sample's number of steps (0 without samples; 1 feed-forward)."""
        if self.inputs is None:
            return 0
        return self.inputs.shape[1] if self.inputs.ndim == 3 else 1

    @property
    def n_samples(self) -> int:
        return 0 if self.inputs is None else self.inputs.shape[0]



# ---------------------------------------------------------------- data

def _target(value: Any, network: Network, path: Path_) -> list[float]:
    outputs = network.outputs
    last = network.layers[-1]
    is_label = (isinstance(value, (int, str)) and not isinstance(value, bool)
                and last.activation.name == "softmax" and len(outputs) > 1)
    if is_label:
        if isinstance(value, str):
            if value not in outputs:
                raise Invalid(path, f"unknown class '{value}'; expected one of {', '.join(outputs)}")
            k = outputs.index(value)
        elif 0 <= value < len(outputs):
            k = value
        else:
            raise Invalid(path, f"class index {value} out of range 0..{len(outputs) - 1}")
        return [1.0 if j == k else 0.0 for j in range(len(outputs))]
    return vector(value, len(outputs), outputs, path)


def _samples(spec: Any, network: Network, path: Path_) -> tuple[np.ndarray, np.ndarray | None]:
    if not isinstance(spec, list) or not spec:
        raise Invalid(path, "expected at least one sample ({input: [...], target: [...]})")
    xs, ts = [], []
    for k, sample in enumerate(spec):
        spath = path + (k,)
        sample = mapping(sample, spath, ("input", "target"), ("input",))
        xs.append(vector(sample["input"], len(network.inputs), network.inputs, spath + ("input",)))
        if "target" in sample:
            ts.append(_target(sample["target"], network, spath + ("target",)))
    X = np.array(xs, dtype=np.float64)
    if not ts:
        return X, None
    if len(ts) != len(xs):
        missing = next(k for k, s in enumerate(spec) if "target" not in s)
        raise Invalid(path + (missing,), "missing 'target' (other samples have one; give all or none)")
    return X, np.array(ts, dtype=np.float64)



def _steps(value: Any, path: Path_, what: str) -> list:
    """A sample's rows, one per time step."""
    if not isinstance(value, list) or not value:
        raise Invalid(path, f"expected a list of {what}, one per time step, got "
                            f"{'an empty list' if value == [] else show(value)}")
    return value


def _sequences(spec: Any, network: Network, path: Path_) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None,
                                                                  np.ndarray]:
    """Sequence samples: `input:` one row per step, `target:` one row per step or null for a step
    without one. Samples may differ in length: X, T are padded with zeros after each one's end."""
    if not isinstance(spec, list) or not spec:
        raise Invalid(path, "expected at least one sample ({input: [[...], ...], target: [[...], ...]})")
    d, m = len(network.inputs), len(network.outputs)
    xs, ts = [], []
    for k, sample in enumerate(spec):
        spath = path + (k,)
        sample = mapping(sample, spath, ("input", "target"), ("input",))
        rows = _steps(sample["input"], spath + ("input",), f"rows of {count(d, 'input')}")
        xs.append([vector(row, d, network.inputs, spath + ("input", t)) for t, row in enumerate(rows)])
        if "target" not in sample:
            continue
        tpath = spath + ("target",)
        targets = _steps(sample["target"], tpath, f"rows of {count(m, 'target')} (or null)")
        if len(targets) != len(rows):
            raise Invalid(tpath, f"expected {count(len(rows), 'row')}, one per time step of the input "
                                 f"(null for a step without a target), got {len(targets)}")
        ts.append([None if row is None else _target(row, network, tpath + (t,)) for t, row in enumerate(targets)])
    if ts and len(ts) != len(xs):
        missing = next(k for k, s in enumerate(spec) if "target" not in s)
        raise Invalid(path + (missing,), "missing 'target' (other samples have one; give all or none)")
    lengths = np.array([len(x) for x in xs], dtype=np.int64)
    n, T = len(xs), int(lengths.max())
    X = np.zeros((n, T, d))
    for k, x in enumerate(xs):
        X[k, :len(x)] = x
    if not ts:
        return X, None, None, lengths
    if not any(row is not None for t in ts for row in t):
        raise Invalid(path, "every target is null; give at least one step a target (or leave 'target' out)")
    Y = np.zeros((n, T, m))
    mask = np.zeros((n, T), dtype=bool)
    for k, t in enumerate(ts):
        for step, row in enumerate(t):
            if row is not None:
                Y[k, step], mask[k, step] = row, True
    return X, Y, mask, lengths


# ---------------------------------------------------------------- the file

_TOP_KEYS = ("name", "description", "source", "network", "loss", "learning_rate", "init", "seed",
             "data", "training", "answers", "vary", "ask", "variant")


def _check_source(data: Any, doc: YamlDoc) -> None:
    """A `data:` source's form is checked at load too (its files are read when training)."""
    from ..data.sources import check_data
    from ..errors import DataError

    try:
        check_data(data, doc.file)
    except DataError as exc:
        raise ProblemError(exc.message, file=doc.file, where=exc.where, line=doc.line_of(exc.path or ("data",))) from None


def problem_from_doc(doc: YamlDoc) -> Problem:
    """Validate a parsed problem file into a Problem (a GraphProblem for a file with `graph:`, validated
    by nncalc.graph); every failure names the key path and line."""
    from ..graph import is_graph_doc

    if is_graph_doc(doc.data):
        from ..graph.load import graph_problem_from_doc

        return graph_problem_from_doc(doc)
    try:
        return _problem(doc)
    except Invalid as exc:
        raise located(exc, doc, ProblemError) from None


def load_problem(path: str | Path) -> Problem:
    """Read, parse and validate a problem file (without pauses of the garbage collector, which would
    walk the whole parsed file again and again while it is validated)."""
    with without_gc():
        return problem_from_doc(read_yaml(path, ProblemError))


def _problem(doc: YamlDoc) -> Problem:
    spec = doc.data
    if spec is None:
        raise Invalid((), "the file is empty; expected a problem with 'network:' and 'data:'")
    spec = mapping(spec, (), _TOP_KEYS, ("network",))
    init = spec.get("init")
    if init is not None:
        choice(init, ("init",), INITS, "init", close=3)
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise Invalid(("seed",), f"expected a non-negative whole number, got {show(seed)}")
    network = network_from_spec(spec["network"], ("network",), init, seed)

    loss = choice(spec.get("loss", "half_sse"), ("loss",), tuple(LOSSES), "loss", close=3)
    last = network.layers[-1]
    if last.activation.fn.joint and last.activation.name not in LOSSES[loss].fused:
        needs = " or ".join(name for name, op in LOSSES.items() if last.activation.name in op.fused)
        raise Invalid(("loss",), f"a {last.activation.name} output needs loss: {needs}, got '{loss}'")
    learning_rate = number(spec.get("learning_rate", 0.1), ("learning_rate",))

    X = T = data_source = mask = lengths = None
    data = spec.get("data")
    if isinstance(data, dict) and "input" in data:
        raise Invalid(("data",), "expected a list of samples; write one sample as a list item: "
                                  "'- input: [...]' under 'data:'")
    if isinstance(data, (dict, str)):
        data_source = data
        _check_source(data, doc)
    elif data is not None and network.is_sequence:
        X, T, mask, lengths = _sequences(data, network, ("data",))
    elif data is not None:
        X, T = _samples(data, network, ("data",))
    name = spec.get("name") or (Path(doc.file).stem if doc.file else "problem")
    for key in ("training", "answers"):
        if key in spec and not isinstance(spec[key], dict):
            raise Invalid((key,), f"expected a mapping, got {show(spec[key])}")
    if "answers" in spec:
        answers_block(spec["answers"], ("answers",))
    lr_given = "learning_rate" in spec
    settings = None
    if "training" in spec:      # its tables are imported for the files that have the block (start-up)
        from .training import key_misfit, optimizer_misfit, training_settings

        settings = training_settings(spec["training"], ("training",),
                                     learning_rate=learning_rate if lr_given else None, seed=seed)
        misfit = optimizer_misfit(settings, network, loss)
        if misfit:
            raise Invalid(("training", "optimizer"), misfit)
        key = key_misfit(settings, network)
        if key:
            raise Invalid(("training", key[0]), key[1])
    vary = ask = None
    if "vary" in spec or "ask" in spec:      # nncalc.vary is imported for the files that use it only
        from ..vary import parse_ask, parse_vary

        vary = parse_vary(spec.get("vary"), network, 0 if X is None else len(X), T is not None)
        ask = parse_ask(spec.get("ask"), doc)
    variant = spec.get("variant")
    if variant is not None and (isinstance(variant, (bool, list, dict)) or not str(variant).strip()):
        raise Invalid(("variant",), f"expected a variant id, got {show(variant)}")
    return Problem(str(name), network, loss, learning_rate, X, T, source=doc.file, init=init, seed=seed,
                   data_source=data_source, training=spec.get("training"), answers=spec.get("answers"),
                   doc=doc, learning_rate_given=lr_given, given_settings=settings, vary=vary, ask=ask,
                   variant=None if variant is None else str(variant), target_mask=mask, lengths=lengths)
