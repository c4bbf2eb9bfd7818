"""The trainer: settings from a problem's `training:` block, a table of optimizers, and a training
loop that yields its progress (it never prints).

Every forward and backward pass is `nncalc.engine`'s. For speed the trainer keeps all parameters in
one flat array, weights first, then biases; the layers it hands the engine hold views of it, the
engine writes gradients into a second flat array, and each optimizer updates both in place with a
few whole-array NumPy operations per step.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from .engine import backward, check_backprop, error_terms, forward
from .errors import ComputeError, NncalcError, ProblemError, UsageError
from .ops import LOSSES
from .problem import Layer, Network, Problem, training
from .problem.training import (DEFAULT_EPOCHS, FULL, Settings, batch_size, checked_settings,  # noqa: F401
                               optimizer_misfit)
from .schema import Invalid, real, whole
from .yamlio import format_path

Array = np.ndarray

EVAL_CHUNK = 10_000          # samples per forward pass when evaluating a whole split
EXACT_LOSS_WORK = 5_000_000  # up to this many samples x parameters, reports recompute the training loss
FLUSH_EVERY = 100            # steps between flushing near-denormal optimizer state to zero
COUNT_CHUNK = 16_384         # kept outputs counted per pass: the temporaries stay in the CPU's cache


class TrainingError(NncalcError):
    """Training that cannot go on (a loss that became NaN or inf)."""

    kind = "training"


# ---------------------------------------------------------------- settings

def settings_from_problem(problem: Problem) -> Settings:
    """The problem's training settings, checked at load (nncalc.problem.training); without a
    `training:` block, full-batch gradient descent at the file's learning rate, which must fit the
    network here, when it is asked to train."""
    misfit = optimizer_misfit(problem.settings, problem.network, problem.loss)
    if misfit:
        line = problem.doc.line_of(("training", "optimizer")) if problem.doc is not None else None
        raise ProblemError(misfit, file=problem.source, where="training.optimizer", line=line)
    return problem.settings


def parse_batch_size(value: Any, path: tuple = ("--batch-size",)) -> int | None:
    """A batch size: a whole number >= 1 or 'full' (None); a bad value is a UsageError."""
    try:
        return batch_size(value, path)
    except Invalid as exc:
        raise UsageError(f"{exc.path[0]}: {exc.message}") from None


def with_cli_overrides(settings: Settings, *, epochs: int | None = None, steps: int | None = None,
                       batch_size: str | None = None, learning_rate: float | None = None,
                       seed: int | None = None) -> Settings:
    """Command-line options over the file's settings; a bad value is a UsageError naming the option."""
    changes: dict[str, Any] = {}
    try:
        if epochs is not None:
            changes["epochs"] = whole(epochs, ("--epochs",))
            changes["steps"] = None
        if steps is not None:
            changes["steps"] = whole(steps, ("--steps",))
        if batch_size is not None:
            changes["batch_size"] = training.batch_size(batch_size)
        if learning_rate is not None:
            changes["learning_rate"] = real(learning_rate, ("--learning-rate",), "rate")
        if seed is not None:
            changes["seed"] = whole(seed, ("--seed",), 0)
    except Invalid as exc:
        raise UsageError(f"{exc.path[0]}: {exc.message}") from None
    return replace(settings, **changes)


# ---------------------------------------------------------------- data as the network sees it

@dataclass(frozen=True, eq=False)
class Split:
    """Inputs X (n, d), targets T (n, m) in the network's output form, and class indices (n,) when
    the task is classification (for accuracy)."""

    X: Array
    T: Array
    labels: Array | None = None

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    def part(self, start: int, stop: int) -> "Split":
        """Samples start:stop as views (no copy)."""
        return Split(self.X[start:stop], self.T[start:stop],
                     None if self.labels is None else self.labels[start:stop])


@dataclass(frozen=True, eq=False)
class TrainData:
    train: Split
    validation: Split | None = None
    test: Split | None = None
    classes: tuple[str, ...] | None = None


_PLUS_MINUS = ("sign", "tanh")


def class_targets(labels: Array, network: Network, dtype=np.float64) -> Array:
    """Class indices as the network's targets: one-hot rows for several outputs (-1 for the other
    classes with sign or tanh units), 0/1 (or -1/+1) for a single output."""
    act = network.layers[-1].activation.name
    low = -1.0 if act in _PLUS_MINUS else 0.0
    m = len(network.outputs)
    if m == 1:
        return np.where(labels[:, None] > 0, 1.0, low).astype(dtype)
    T = np.full((labels.shape[0], m), low, dtype=dtype)
    T[np.arange(labels.shape[0]), labels] = 1.0
    return T


def predicted_labels(Y: Array, network: Network) -> Array:
    """Class indices from outputs: the largest output, or the output above its midpoint for one unit."""
    if Y.shape[1] > 1:
        return Y.argmax(axis=1)
    act = network.layers[-1].activation.name
    return (Y[:, 0] > (0.0 if act in _PLUS_MINUS else 0.5)).astype(np.int64)


def listed_labels(T: Array, network: Network) -> tuple[Array | None, tuple[str, ...] | None]:
    """Class indices and names for listed samples whose targets are one-hot rows or single 0/1
    (or -1/+1) values; (None, None) for regression targets."""
    act = network.layers[-1].activation.name
    low = -1.0 if act in _PLUS_MINUS else 0.0
    binary = np.all((T == 1.0) | (T == low))
    if not binary:
        return None, None
    if T.shape[1] == 1:
        return (T[:, 0] == 1.0).astype(np.int64), (str(int(low)), "1")
    if np.all((T == 1.0).sum(axis=1) == 1):
        return T.argmax(axis=1), tuple(network.outputs)
    return None, None


def data_for(problem: Problem, datasets: dict | None = None, validation_split: float = 0.0,
             dtype: str | None = None) -> TrainData:
    """The problem's listed samples, or the loaded data sources, as targets the network can learn;
    the last `validation_split` of the training samples are held out (views, no copy)."""
    net = problem.network
    if datasets is None:
        if problem.inputs is None:
            raise ProblemError("no data to train on: give `data:` samples with targets, or a source",
                               file=problem.source, where="data")
        if problem.targets is None:
            raise ProblemError("the samples have no targets: training needs a `target:` for every sample",
                               file=problem.source, where="data")
        labels, classes = listed_labels(problem.targets, net)
        train = Split(problem.inputs, problem.targets, labels)
        test = None
    else:
        classes = datasets["train"].classes
        try:
            train = split_of(datasets["train"], net, "data.train", problem.source)
            test = split_of(datasets["test"], net, "data.test", problem.source) if "test" in datasets else None
        except NncalcError as exc:
            raise with_problem_line(exc, problem) from None
    want = np.dtype(dtype) if dtype else None
    if want is not None and want.itemsize < train.X.dtype.itemsize:
        # converting once halves the memory; the other way round each batch is converted instead
        train = Split(train.X.astype(want), train.T, train.labels)
        if test is not None:
            test = Split(test.X.astype(want), test.T, test.labels)
    validation = None
    if validation_split > 0:
        n_val = int(round(train.n * validation_split))
        if n_val < 1 or n_val >= train.n:
            raise ProblemError(f"validation_split {validation_split:g} of {train.n} samples leaves "
                               f"{train.n - n_val} to train on and {n_val} to validate; both need at least 1",
                               file=problem.source, where="training.validation_split",
                               line=_line(problem, ("training", "validation_split")))
        validation = train.part(train.n - n_val, train.n)
        train = train.part(0, train.n - n_val)
    return TrainData(train, validation, test, classes)


def _line(problem: Problem, path: tuple) -> int | None:
    return problem.doc.line_of(path) if problem.doc is not None else None


def key_path(where: str) -> tuple[str | int, ...]:
    """'data.train.generate' -> ('data', 'train', 'generate'); 'layers[1]' -> ('layers', 1)."""
    return tuple(int(t[1:-1]) if t.startswith("[") else t for t in re.findall(r"\[\d+\]|[^.\[\]]+", where))


def with_problem_line(exc: NncalcError, problem: Problem) -> NncalcError:
    """The error with the problem file's YAML line filled in, when it points at a key of that file."""
    if exc.line is None and exc.where and exc.file is not None and exc.file == problem.source:
        exc.located(line=_line(problem, key_path(exc.where)))
    return exc


def split_of(data, network: Network, where: str, file: str | None, targets_required: bool = True) -> Split:
    """A Dataset as a Split, checked against the network's inputs and outputs; a Dataset without
    targets (for prediction) gets an empty (n, 0) T unless targets are required."""
    from .errors import DataError

    d, m = len(network.inputs), len(network.outputs)
    fail = lambda msg: DataError(msg, file=file, where=where)  # noqa: E731
    if data.X.shape[1] != d:
        raise fail(f"{data.name} has {data.X.shape[1]} inputs per sample, the network takes {d}")
    if data.classes is not None:
        k = len(data.classes)
        if (m == 1 and k > 2) or (m > 1 and k > m):
            raise fail(f"{data.name} has {k} classes, the network has {m} output{'s' if m > 1 else ''}: "
                       f"give it {k} outputs (softmax), or 1 for two classes")
        labels = np.asarray(data.y, dtype=np.int64)
        dtype = np.float32 if data.X.dtype == np.float32 else np.float64
        return Split(data.X, class_targets(labels, network, dtype), labels)
    if data.y.ndim == 2 and data.y.shape[1] == 0 and not targets_required:
        return Split(data.X, np.zeros((data.X.shape[0], 0)))
    if data.y.ndim != 2 or data.y.shape[1] != m:
        got = data.y.shape[1] if data.y.ndim == 2 else 0
        raise fail(f"{data.name} has {got} target column{'s' if got != 1 else ''}, the network has {m} outputs")
    return Split(data.X, data.y.astype(np.float32 if data.X.dtype == np.float32 else np.float64))


# ---------------------------------------------------------------- parameters in one flat array

@dataclass(eq=False)
class FlatParams:
    """All weights then all biases in one array `values` (every layer's parameters of kind "weight"
    before any of kind "bias"), gradients in `grads` of the same layout; `layers` hold views of
    `values`, `into[l]` views of `grads` in the order of layer l's parameters(), and `slices[l]`
    (slice, kind) pairs in that order."""

    values: Array
    grads: Array
    layers: list[Layer]
    into: list[tuple[Array, ...]]
    slices: list[tuple[tuple[slice, str], ...]]
    n_weights: int

    @classmethod
    def of(cls, network: Network, dtype) -> "FlatParams":
        params = [layer.parameters() for layer in network.layers]
        where: dict[tuple[int, int], slice] = {}
        pos = 0
        for kind in ("weight", "bias"):
            for li, prms in enumerate(params):
                for pi, prm in enumerate(prms):
                    if prm.kind == kind:
                        where[li, pi] = slice(pos, pos + prm.array.size)
                        pos += prm.array.size
            if kind == "weight":
                n_weights = pos
        values, grads = np.empty(pos, dtype), np.zeros(pos, dtype)
        layers, into, slices = [], [], []
        for li, (layer, prms) in enumerate(zip(network.layers, params)):
            arrays = {}
            for pi, prm in enumerate(prms):
                view = values[where[li, pi]].reshape(prm.array.shape)
                view[...] = prm.array
                arrays[prm.name] = view
            layers.append(layer.with_arrays(arrays))
            into.append(tuple(grads[where[li, pi]].reshape(prm.array.shape) for pi, prm in enumerate(prms)))
            slices.append(tuple((where[li, pi], prm.kind) for pi, prm in enumerate(prms)))
        return cls(values, grads, layers, into, slices, n_weights)

    def network(self, template: Network) -> Network:
        """The current weights as a foundation Network (float64 copies), names as in `template`."""
        layers = tuple(replace(t, weights=l.weights.astype(np.float64),
                               bias=None if l.bias is None else l.bias.astype(np.float64))
                       for t, l in zip(template.layers, self.layers))
        return replace(template, layers=layers)


# ---------------------------------------------------------------- optimizers

class FlatOptimizer:
    """Updates parameters p in place, elementwise, on slices of the flat arrays, from h = grad_scale g:
    the engine folds grad_scale into the output deltas, so that SGD's step is the single pass p += h.

    `begin()` once per step, then `apply(p, h, state_slice)` for the parts to update (all at once, or
    layer by layer for the sequential order). h may be overwritten.
    """

    state_names: tuple[str, ...] = ()

    def __init__(self, settings: Settings, size: int, dtype) -> None:
        self.lr = settings.learning_rate
        self.o = settings.options
        self.state = {name: np.zeros(size, dtype) for name in self.state_names}
        self.t = 0

    @property
    def grad_scale(self) -> float:
        return -self.lr

    def begin(self) -> None:
        self.t += 1

    def apply(self, p: Array, h: Array, sl: slice) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Zero state values within 10^8 of the denormal range: they no longer change any update, and
        arithmetic on denormals is slow on many CPUs (state of rarely lit pixels decays towards them)."""
        for s in self.state.values():
            tiny = np.finfo(s.dtype).tiny * 1e8
            s[np.abs(s) < tiny] = 0


class SGD(FlatOptimizer):
    """w = w - eta g, with h = -eta g."""

    def apply(self, p: Array, h: Array, sl: slice) -> None:
        p += h


class Momentum(FlatOptimizer):
    """classic: v = mu v - eta g; w = w + v (Nesterov: w = w + mu v - eta g), with h = -eta g.
    ema (the NNBasic deck): v = lambda v - (1 - lambda) g; w = w + eta v
    (Nesterov: w = w + eta (lambda v - (1 - lambda) g)), with h = -(1 - lambda) g.
    The classic form keeps mu v rather than v, which saves one pass over all the parameters."""

    def __init__(self, settings: Settings, size: int, dtype) -> None:
        self.ema = settings.options["form"] == "ema"
        self.state_names = ("velocity",) if self.ema else ("mu_velocity",)
        super().__init__(settings, size, dtype)

    @property
    def grad_scale(self) -> float:
        return -(1.0 - self.o["momentum"]) if self.ema else -self.lr

    def apply(self, p: Array, h: Array, sl: slice) -> None:
        mu, nesterov = self.o["momentum"], self.o["nesterov"]
        if self.ema:
            v = self.state["velocity"][sl]
            v *= mu
            v += h                   # v = lambda v - (1 - lambda) g
            if nesterov:
                h += mu * v          # the look-ahead lambda v - (1 - lambda) g
                h *= self.lr
            else:
                np.multiply(v, self.lr, out=h)
            p += h
            return
        mu_v = self.state["mu_velocity"][sl]
        mu_v += h                    # v = mu v - eta g
        if nesterov:
            mu_v *= mu
            p += mu_v
            p += h                   # w + mu v - eta g
        else:
            p += mu_v                # w + v
            mu_v *= mu


class Adam(FlatOptimizer):
    """m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
    w = w - eta (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)   (Kingma and Ba; PyTorch's order).
    Takes g itself (grad_scale 1): eps makes the step depend on the gradient's scale."""

    state_names = ("m", "v")

    def __init__(self, settings: Settings, size: int, dtype) -> None:
        super().__init__(settings, size, dtype)
        self.work = np.zeros(size, dtype)     # scratch for each step, not state

    @property
    def grad_scale(self) -> float:
        return 1.0

    def apply(self, p: Array, g: Array, sl: slice) -> None:
        b1, b2, eps = self.o["beta1"], self.o["beta2"], self.o["eps"]
        m, v, work = self.state["m"][sl], self.state["v"][sl], self.work[sl]
        m *= b1
        np.multiply(g, 1.0 - b1, out=work)
        m += work
        v *= b2
        g *= g
        g *= 1.0 - b2
        v += g
        bc1 = 1.0 - b1 ** self.t
        bc2_sqrt = math.sqrt(1.0 - b2 ** self.t)
        np.sqrt(v, out=work)
        work /= bc2_sqrt
        work += eps
        np.divide(m, work, out=work)
        work *= self.lr / bc1
        p -= work


OPTIMIZERS: dict[str, type[FlatOptimizer] | None] = {   # the rows of nncalc.problem.training.OPTIMIZERS
    "sgd": SGD, "momentum": Momentum, "adam": Adam, "perceptron": None,
}


# ---------------------------------------------------------------- the training loop

@dataclass(slots=True)
class Step:
    """Progress after one update. `loss` and `accuracy` (None without classes) are this epoch's
    running values, worked out when read from the outputs the trainer kept: a progress bar reads them
    a few times a second, and the loss of every batch is not computed for nothing. Read them before
    advancing the run."""

    step: int
    epoch: int            # 1-based, the epoch this update belongs to
    batch: int            # 1-based within the epoch
    batches: int
    samples: int          # samples seen this epoch
    seconds: float        # training time so far (the whole run)
    running: Callable[[], tuple[float, float | None]]

    @property
    def loss(self) -> float:
        return self.running()[0]

    @property
    def accuracy(self) -> float | None:
        return self.running()[1]


@dataclass(frozen=True)
class Report:
    """One history entry (every epoch, or every K updates)."""

    record: dict[str, Any]


@dataclass
class TrainResult:
    history: list[dict[str, Any]]
    reason: str                 # epochs, steps, early_stopping, converged, not_converged, interrupted
    epochs: int                 # completed epochs
    steps: int
    seconds: float              # time spent training (not evaluating)
    message: str = ""

    @property
    def seconds_per_epoch(self) -> float | None:
        return self.seconds / self.epochs if self.epochs else None


class Trainer:
    """Trains a copy of the problem's network on `data` with `settings`.

    `run()` is a generator of Step (after every update) and Report (each history entry) events; when
    it ends, `result` says why. `request_stop()` (e.g. from a SIGINT handler) ends the run after the
    current batch; the state is then consistent and `checkpoint()` can save it for `restore()`.
    """

    def __init__(self, problem: Problem, settings: Settings, data: TrainData, *,
                 report_every: int | None = None,
                 before_step: Callable[["Trainer", Array], None] | None = None) -> None:
        self.problem, self.settings, self.data = problem, settings, data
        self.template = problem.network
        dtype = np.dtype(settings.dtype) if settings.dtype else (
            np.dtype(np.float32) if data.train.X.dtype == np.float32 else np.dtype(np.float64))
        self.dtype = dtype
        self.params = FlatParams.of(problem.network, dtype)
        make = OPTIMIZERS[settings.optimizer]
        self.optimizer = make(settings, self.params.values.size, dtype) if make else None
        self.report_every = report_every
        self.before_step = before_step
        self.rng = np.random.default_rng(settings.seed)
        n = data.train.n
        self.batch_size = n if settings.batch_size is None else min(settings.batch_size, n)
        self.batches = -(-n // self.batch_size) if settings.optimizer != "perceptron" else n
        self.exact_loss = n * problem.network.n_params <= EXACT_LOSS_WORK
        self.sum_loss = LOSSES[problem.loss].mean_over == "none"
        self.T = data.train.T if data.train.T.dtype == dtype else data.train.T.astype(dtype)
        # progress through the run, all saved in a checkpoint
        self.epoch = 0
        self.step = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.perm: Array | None = None
        self.batch = 0
        self.sums = [0.0, 0, 0]          # loss sum, correct, samples counted of the current epoch
        self.seen = 0                    # samples seen this epoch; outputs[counted:seen] are not counted yet
        self.outputs: Array | None = None
        self.diverged: TrainingError | None = None
        self.mistakes = 0                # perceptron: samples misclassified this epoch
        self.best: tuple[float, Array] | None = None
        self.waited = 0
        self.stop_requested = False
        self.result: TrainResult | None = None

    # ---- public helpers

    def request_stop(self) -> None:
        self.stop_requested = True

    def stop_here(self) -> None:
        """End a run paused between two updates (its consumer was interrupted): result 'interrupted'."""
        self.stop_requested = True
        self.result = self._finish("interrupted")

    def network(self) -> Network:
        """The network with the current weights (float64), as the foundation's commands take it."""
        return self.params.network(self.template)

    def evaluate(self, split: Split) -> tuple[float, float | None]:
        """(loss, accuracy) over a whole split at the current weights, in chunks."""
        return evaluate_layers(self.params.layers, self.problem.loss, split, self.template, self.dtype)

    @property
    def target_steps(self) -> int:
        s = self.settings
        return s.steps if s.steps is not None else s.epochs * self.batches

    # ---- the loop

    def run(self) -> Iterator[Step | Report]:
        # overflow on the way to a NaN loss is reported as a TrainingError, not as NumPy warnings
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            yield from self._run()

    def _run(self) -> Iterator[Step | Report]:
        if self.settings.optimizer == "perceptron":
            yield from self._run_perceptron()
        else:
            yield from self._run_gradient()

    def _done_reason(self) -> str | None:
        s = self.settings
        if s.steps is not None:
            return "steps" if self.step >= s.steps else None
        return "epochs" if self.epoch >= s.epochs else None

    def _start_epoch(self, n: int) -> None:
        shuffle = self.settings.shuffle and self.batches > 1     # the perceptron updates per sample
        self.perm = self.rng.permutation(n) if shuffle else np.arange(n)
        self.batch = 0
        self.sums = [0.0, 0, 0]
        self.seen = 0
        self.mistakes = 0

    def _step_event(self) -> Step:
        return Step(self.step, self.epoch + 1, self.batch, self.batches, self.seen, self.seconds, self._running)

    def _running(self) -> tuple[float, float | None]:
        """This epoch's loss and accuracy so far."""
        self._count_outputs()
        loss_sum, correct, seen = self.sums
        running = loss_sum if self.sum_loss else loss_sum / max(seen, 1)
        acc = correct / seen if self.data.train.labels is not None and seen else None
        return running, acc

    def _counted_running(self) -> tuple[float, float | None]:
        """_running() inside the loop, where a loss that was not finite ends the run."""
        values = self._running()
        if self.diverged is not None:
            raise self.diverged
        return values

    def _count_outputs(self) -> None:
        """Add the kept outputs of the samples seen but not yet counted to the epoch's loss and
        accuracy, a cache-sized chunk of them at a time; note the first update whose loss was not finite."""
        lo, hi = self.sums[2], self.seen
        if hi <= lo or self.outputs is None:
            return
        t0 = time.perf_counter()
        for start in range(lo, hi, COUNT_CHUNK):
            self._count_rows(start, min(start + COUNT_CHUNK, hi))
        self.sums[2] = hi
        self.seconds += time.perf_counter() - t0        # training time includes counting what it reports

    def _count_rows(self, lo: int, hi: int) -> None:
        rows = self.perm[lo:hi]
        Y = self.outputs[lo:hi]
        loss_fn = LOSSES[self.problem.loss]
        terms = loss_fn.term(Y, self.T[rows])
        per_output = Y.shape[1] if loss_fn.mean_over == "all" else 1
        total = float(terms.sum()) / per_output
        if not math.isfinite(total) and self.diverged is None:
            per_sample = terms.sum(axis=1) / per_output
            first = int(np.argmin(np.isfinite(per_sample)))
            update = self.step - self.batch + (lo + first) // self.batch_size + 1
            self.diverged = self._diverged(float(per_sample[first]), update)
        self.sums[0] += total
        if self.data.train.labels is not None:
            self.sums[1] += int(np.count_nonzero(predicted_labels(Y, self.template) == self.data.train.labels[rows]))

    def _run_gradient(self) -> Iterator[Step | Report]:
        s, p = self.settings, self.params
        train, T = self.data.train, self.T
        n, B = train.n, self.batch_size
        layers, loss = p.layers, self.problem.loss
        into = p.into
        opt = self.optimizer
        scale = opt.grad_scale
        full = B == n           # full batch: the order of samples does not matter, so no shuffling
        upto = p.values.size if s.update_biases else p.n_weights
        wslice = slice(0, p.n_weights)
        nw = p.n_weights
        l2 = s.l2
        l2_work = np.empty(nw, self.dtype) if l2 else None
        sequential = s.update_order == "sequential"
        values, grads = p.values[:upto], p.grads[:upto]           # views made once, used every step
        w_values, w_grads = p.values[wslice], p.grads[wslice]
        everything = slice(0, upto)
        X = train.X
        if self.outputs is None:
            self.outputs = np.empty((n, len(self.template.outputs)), self.dtype)
        while (reason := self._done_reason()) is None:
            if self.perm is None:
                self._start_epoch(n)
            while self.batch < self.batches:
                lo = self.batch * B
                idx = self.perm[lo:lo + B]
                if self.before_step is not None:
                    self.before_step(self, idx)
                t0 = time.perf_counter()
                xb, tb = (X, T) if full else (self._take(X, idx), T[idx])
                fwd = forward(layers, xb)
                self.outputs[lo:lo + len(xb)] = fwd.output       # the loss and accuracy are counted later
                self.seen = lo + len(xb)
                opt.begin()
                if sequential:
                    # each layer's gradient from the layers above as already updated this step
                    for li in range(len(layers) - 1, -1, -1):
                        backward(layers, loss, fwd, tb, into, scale, check=False)
                        parts = [sl for sl, kind in p.slices[li] if kind == "weight" or s.update_biases]
                        for sl in parts:
                            if l2 and sl.stop <= nw:
                                p.grads[sl] += (scale * l2) * p.values[sl]
                            opt.apply(p.values[sl], p.grads[sl], sl)
                else:
                    backward(layers, loss, fwd, tb, into, scale, check=False)
                    if l2:
                        np.multiply(w_values, scale * l2, out=l2_work)
                        w_grads += l2_work
                    opt.apply(values, grads, everything)
                if (self.step + 1) % FLUSH_EVERY == 0:
                    opt.flush()
                why = yield from self._count_step(t0)
                if self.diverged is not None:
                    raise self.diverged
                if why == "interrupted":
                    self.result = self._finish(why)
                    return
                if why == "limit":
                    break
            if self.batch >= self.batches:
                self._counted_running()
                self.epoch += 1
                self.perm = None
                if not self.report_every:
                    yield Report(self._record())
                if s.patience is not None and self._early_stop():
                    self.result = self._finish("early_stopping")
                    return
        self.result = self._finish(reason)

    def _count_step(self, t0: float) -> Iterator[Step | Report]:
        """Count one update and yield its event (and a report when due); return why the loop must
        stop ('interrupted' or 'limit'), or None."""
        self.step += 1
        self.batch += 1
        self.seconds += time.perf_counter() - t0
        yield self._step_event()
        if self.report_every and self.step % self.report_every == 0:
            yield Report(self._record())
        if self.stop_requested:
            return "interrupted"
        if self.settings.steps is not None and self.step >= self.settings.steps:
            return "limit"
        return None

    def _take(self, X: Array, idx: Array) -> Array:
        """The batch's rows of X in the training dtype."""
        xb = X[idx]     # fancy indexing gathers faster than np.take into a reused buffer
        return xb if xb.dtype == self.dtype else xb.astype(self.dtype)

    def _diverged(self, value: float, update: int) -> TrainingError:
        what = "NaN" if math.isnan(value) else "infinite"
        return TrainingError(
            f"the loss became {what} in epoch {self.epoch + 1} (update {update}) at learning rate "
            f"{self.settings.learning_rate:g}: training stopped; try a smaller learning rate, e.g. "
            f"--learning-rate {self.settings.learning_rate / 10:g}", file=self.problem.source)

    def _record(self) -> dict[str, Any]:
        """A history entry at the current weights."""
        epoch = self.epoch + (self.batch / self.batches if self.perm is not None else 0)
        rec: dict[str, Any] = {"epoch": int(epoch) if epoch == int(epoch) else round(epoch, 4),
                               "step": self.step}
        if self.exact_loss:
            loss, acc = self.evaluate(self.data.train)
        else:
            loss, acc = self._counted_running()
        rec["loss"] = loss
        if acc is not None:
            rec["accuracy"] = acc
        if self.data.validation is not None:
            vloss, vacc = self.evaluate(self.data.validation)
            rec["val_loss"] = vloss
            if vacc is not None:
                rec["val_accuracy"] = vacc
        rec["seconds"] = self.seconds
        self.history.append(rec)
        return rec

    def _early_stop(self) -> bool:
        """Keep the best weights seen; stop when `patience` epochs in a row did not improve on them."""
        rec = self.history[-1] if self.history and self.history[-1]["step"] == self.step else None
        if rec is not None:
            value = rec.get("val_loss", rec["loss"])
        else:
            value = self.evaluate(self.data.validation or self.data.train)[0]
        if self.best is None or value < self.best[0]:
            self.best = (value, self.params.values.copy())
            self.waited = 0
            return False
        self.waited += 1
        if self.waited >= self.settings.patience:
            self.params.values[...] = self.best[1]
            return True
        return False

    def _finish(self, reason: str) -> TrainResult:
        if self.history and self.history[-1]["step"] != self.step and reason != "interrupted":
            self._record()
        elif not self.history:
            self._record()
        messages = {
            "epochs": f"stopped after {self.epoch:,} epoch{'s' if self.epoch != 1 else ''} (the limit)",
            "steps": f"stopped after {self.step:,} update{'s' if self.step != 1 else ''} (the limit)",
            "early_stopping": (f"early stopping: no improvement for {self.settings.patience} epochs; "
                               f"kept the best weights (loss {self.best[0]:.6g})" if self.best else ""),
            "interrupted": f"interrupted in epoch {self.epoch + 1} after update {self.step}",
        }
        return TrainResult(self.history, reason, self.epoch, self.step, self.seconds, messages.get(reason, ""))

    # ---- Rosenblatt's perceptron

    def _run_perceptron(self) -> Iterator[Step | Report]:
        """w = w + eta (t - y) x and b = b + eta (t - y), one sample at a time; an epoch without a
        mistake means every sample is classified correctly, and training stops there."""
        s, p = self.settings, self.params
        train, T = self.data.train, self.T
        layer = p.layers[0]
        eta = s.learning_rate
        shared = layer.bias_shared
        while True:
            if (reason := self._done_reason()) is not None:
                if reason == "steps":         # stopped by the caller's limit, not given up
                    self.result = self._finish(reason)
                    return
                self.result = self._finish("not_converged")
                self.result.message = self._not_separable()
                return
            if self.perm is None:
                self._start_epoch(train.n)
            while self.batch < self.batches:
                k = int(self.perm[self.batch])
                x, t = train.X[k:k + 1].astype(self.dtype), T[k:k + 1]
                if self.before_step is not None:
                    self.before_step(self, np.array([k]))
                t0 = time.perf_counter()
                y = forward(p.layers, x).output
                err = (t - y)[0]
                wrong = bool(np.any(err != 0))
                self.sums[0] += float(error_terms(self.problem.loss, y, t).sum())
                self.sums[1] += 0 if wrong else 1
                self.sums[2] += 1
                self.seen += 1
                if wrong:
                    self.mistakes += 1
                    W, b = layer.weights, layer.bias       # views of the flat parameters
                    W += eta * np.outer(err, x[0])
                    if b is not None and s.update_biases:
                        b += eta * (err.sum() if shared else err)
                why = yield from self._count_step(t0)
                if why == "interrupted":
                    self.result = self._finish(why)
                    return
                if why == "limit":
                    break
            if self.batch >= self.batches:
                self.epoch += 1
                self.perm = None
                mistakes = self.mistakes
                if not self.report_every:
                    yield Report(self._record())
                if mistakes == 0:
                    self.result = self._finish("converged")
                    self.result.message = (f"converged: epoch {self.epoch} classified all {train.n} samples "
                                           f"correctly")
                    return

    def _not_separable(self) -> str:
        _, acc = self.evaluate(self.data.train)
        wrong = round((1 - (acc or 0)) * self.data.train.n)
        return (f"did not converge: after {self.epoch} epoch{'s' if self.epoch != 1 else ''}, {wrong} of {self.data.train.n} samples are still "
                f"misclassified. The perceptron rule converges only if a straight line (a hyperplane) "
                f"separates the classes; these samples appear not to be linearly separable (XOR is not), "
                f"and then no single layer of step units classifies them all, however long it trains: "
                f"add a hidden layer of sigmoid units and train it with sgd (see xor-20)")

    # ---- checkpoints

    def checkpoint(self) -> dict[str, Any]:
        """Everything needed to continue exactly where the run stopped: arrays and JSON-able info."""
        self._count_outputs()
        arrays: dict[str, Array] = {}
        if self.optimizer is not None:
            arrays.update({f"opt_{k}": v for k, v in self.optimizer.state.items()})
        if self.perm is not None:
            arrays["perm"] = self.perm
        if self.best is not None:
            arrays["best"] = self.best[1]
        info = {"epoch": self.epoch, "step": self.step, "batch": self.batch, "seconds": self.seconds,
                "sums": list(self.sums), "mistakes": self.mistakes, "history": self.history,
                "opt_t": self.optimizer.t if self.optimizer is not None else 0,
                "best_value": None if self.best is None else self.best[0], "waited": self.waited,
                "rng": self.rng.bit_generator.state}
        return {"arrays": arrays, "info": info}

    def restore(self, values: Array, state: dict[str, Any]) -> None:
        """Continue from a checkpoint: weights, optimizer state and the position in the epoch."""
        arrays, info = state["arrays"], state["info"]
        if values.size != self.params.values.size:
            raise UsageError(f"the checkpoint holds {values.size} parameters, this network has "
                             f"{self.params.values.size}: resume with the problem it was trained on")
        self.params.values[...] = values
        if self.optimizer is not None:
            for k, v in self.optimizer.state.items():
                if f"opt_{k}" in arrays:
                    v[...] = arrays[f"opt_{k}"]
            self.optimizer.t = int(info["opt_t"])
        self.epoch, self.step, self.batch = int(info["epoch"]), int(info["step"]), int(info["batch"])
        self.seconds = float(info["seconds"])
        self.sums = [float(info["sums"][0]), int(info["sums"][1]), int(info["sums"][2])]
        self.seen = self.sums[2]
        self.mistakes = int(info["mistakes"])
        self.history = list(info["history"])
        self.perm = arrays.get("perm")
        if self.perm is not None and self.batch >= self.batches:
            self.perm = None
        if "best" in arrays:
            self.best = (float(info["best_value"]), np.array(arrays["best"], dtype=self.dtype))
        self.waited = int(info["waited"])
        self.rng.bit_generator.state = info["rng"]


def evaluate_layers(layers: Sequence[Layer], loss: str, split: Split, network: Network,
                    dtype=None) -> tuple[float, float | None]:
    """(loss, accuracy) of a whole split, forward passes of EVAL_CHUNK samples at a time."""
    return evaluate_outputs(predictions(layers, split.X, dtype), loss, split, network)


def evaluate_outputs(Y: Array, loss: str, split: Split, network: Network) -> tuple[float, float | None]:
    """(loss, accuracy) of the outputs Y (n, m) a network gave for the split's inputs."""
    E = float(error_terms(loss, Y, split.T.astype(Y.dtype, copy=False)).sum())
    if split.labels is None or split.n == 0:
        return E, None
    return E, int(np.count_nonzero(predicted_labels(Y, network) == split.labels)) / split.n


def predictions(layers: Sequence[Layer], X: Array, dtype=None) -> Array:
    """The network's outputs (n, m) for inputs X, EVAL_CHUNK samples at a time."""
    parts = []
    for lo in range(0, X.shape[0], EVAL_CHUNK):
        part = X[lo:lo + EVAL_CHUNK]
        parts.append(forward(layers, part if dtype is None or part.dtype == dtype else part.astype(dtype)).output)
    return np.concatenate(parts) if parts else np.zeros((0, layers[-1].weights.shape[0]))


def train(problem: Problem, settings: Settings | None = None, data: TrainData | None = None,
          **kwargs: Any) -> Trainer:
    """Train to the end (no progress shown) and return the Trainer, for scripts and tests."""
    settings = settings or settings_from_problem(problem)
    data = data or data_for(problem, None, settings.validation_split, settings.dtype)
    trainer = Trainer(problem, settings, data, **kwargs)
    for _ in trainer.run():
        pass
    return trainer
