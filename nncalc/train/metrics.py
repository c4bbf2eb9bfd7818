"""Loss and accuracy: of a whole split at given weights, and of the current epoch so far, counted
from the outputs the loop kept (only when something reads them)."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Sequence

import numpy as np

from ..engine import error_terms, forward
from ..ops import LOSSES
from ..problem import Layer, Network
from .batches import Split

if TYPE_CHECKING:
    from ..trace import Trace
    from .loop import Trainer

Array = np.ndarray

EVAL_CHUNK = 10_000          # samples per forward pass when evaluating a whole split
COUNT_CHUNK = 16_384         # kept outputs counted per pass: the temporaries stay in the CPU's cache


def predicted_labels(Y: Array, network: Network) -> Array:
    """Class indices from outputs: the largest output, or the output above its midpoint for one unit."""
    if Y.shape[1] > 1:
        return Y.argmax(axis=1)
    return (Y[:, 0] > network.layers[-1].activation.fn.threshold).astype(np.int64)


class NetNotFinite(Exception):
    """A net input that is not finite: layer l's unit u (its out may still be, sigmoid(inf) = 1)."""

    def __init__(self, layer: int, unit: int, value: float) -> None:
        super().__init__(layer, unit, value)
        self.layer, self.unit, self.value = layer, unit, value


def evaluate_layers(layers: Sequence[Layer], loss: str, split: Split, network: Network,
                    dtype=None, check_nets: bool = False) -> tuple[float, float | None]:
    """(loss, accuracy) of a whole split, forward passes of EVAL_CHUNK samples at a time; with
    check_nets, a net input that is not finite raises NetNotFinite."""
    return evaluate_outputs(predictions(layers, split.X, dtype, check_nets), loss, split, network)


def targeted(Y: Array, split: Split) -> tuple[Array, Array]:
    """(Y, T) of the values with a target: as they are (n, m), or a sequence's targeted steps (N, m),
    in sample order (many-to-one: one row per sample)."""
    T = split.T.astype(Y.dtype, copy=False)
    if Y.ndim != 3:
        return Y, T
    Y, T = Y[:, :T.shape[1]], T[:, :Y.shape[1]]
    return (Y.reshape(-1, Y.shape[-1]), T.reshape(-1, T.shape[-1])) if split.mask is None else (Y[split.mask], T[split.mask])


def final_outputs(Y: Array, split: Split) -> Array:
    """Each sample's output (n, m): as it is, or a sequence's output at its last step."""
    if Y.ndim != 3:
        return Y
    last = np.full(split.n, Y.shape[1]) if split.lengths is None else split.lengths
    return Y[np.arange(split.n), last - 1]


def evaluate_outputs(Y: Array, loss: str, split: Split, network: Network) -> tuple[float, float | None]:
    """(loss, accuracy) of the outputs Y (n, m) a network gave for the split's inputs; for sequences
    (n, T, m) each targeted (sample, step) is one sample of the loss."""
    Y, T = targeted(Y, split)
    E = float(error_terms(loss, Y, T).sum())
    if split.labels is None or split.n == 0:
        return E, None
    return E, int(np.count_nonzero(predicted_labels(Y, network) == split.labels)) / split.n


def predictions(layers: Sequence[Layer], X: Array, dtype=None, check_nets: bool = False) -> Array:
    """The network's outputs (n, m) for inputs X, EVAL_CHUNK samples at a time."""
    parts = []
    for lo in range(0, X.shape[0], EVAL_CHUNK):
        part = X[lo:lo + EVAL_CHUNK]
        fwd = forward(layers, part if dtype is None or part.dtype == dtype else part.astype(dtype))
        if check_nets:
            _check_nets(fwd.nets)
        parts.append(fwd.output)
    return np.concatenate(parts) if parts else np.zeros((0, layers[-1].weights.shape[0]))


def worked_example(trainer: Trainer, X: Array | None = None, T: Array | None = None,
                   batch: Split | None = None) -> Trace:
    """The worked example at the trainer's current weights (every value `backprop` shows), on the
    samples X, T (float64; default: the problem's own), or a batch of sequences (with its mask and
    lengths); no backward pass for the perceptron rule."""
    from ..trace import build_trace

    changes = {"network": trainer.network(), "learning_rate": trainer.settings.learning_rate}
    if batch is not None and batch.is_sequence:
        mask = np.ones(batch.T.shape[:2], dtype=bool) if batch.mask is None else batch.mask
        lengths = np.full(batch.n, batch.X.shape[1]) if batch.lengths is None else batch.lengths
        steps = int(lengths.max())
        X, T = batch.X[:, :steps].astype(np.float64), batch.T[:, :steps].astype(np.float64)
        changes.update(target_mask=mask[:, :steps], lengths=lengths)
    elif batch is not None:
        X, T = batch.X.astype(np.float64), batch.T.astype(np.float64)
    if X is not None:
        changes.update(inputs=X, targets=T)
    return build_trace(replace(trainer.problem, **changes), with_backward=not trainer.perceptron)


def _check_nets(nets: Sequence[Array]) -> None:
    for l, net in enumerate(nets):
        finite = np.isfinite(net)
        if not finite.all():
            at = np.unravel_index(int(np.argmin(finite)), net.shape)       # (k, u), or (k, t, u)
            raise NetNotFinite(l, int(at[-1]), float(net[at]))


class EpochCounter:
    """This epoch's running loss and accuracy. The loop writes each batch's outputs into `outputs` at
    the batch's place in the epoch and moves `seen`; count() adds the rows not counted yet, a
    cache-sized chunk at a time, and notes the first sample whose loss was not finite."""

    def __init__(self, loss: str, T: Array, labels: Array | None, network: Network, dtype,
                 mask: Array | None = None) -> None:
        self.loss_fn = LOSSES[loss]
        self.T, self.labels, self.network = T, labels, network
        self.mask = mask if mask is not None or T.ndim != 3 else np.ones(T.shape[:2], dtype=bool)
        self.outputs = np.empty(T.shape[:-1] + (len(network.outputs),), dtype)
        self.sum_loss = self.loss_fn.mean_over == "none"
        self.perm: Array | None = None
        self.reset(None)

    def reset(self, perm: Array | None) -> None:
        """A new epoch in the sample order perm."""
        self.perm = perm
        self.loss_sum, self.correct, self.counted, self.seen = 0.0, 0, 0, 0
        self.targets = 0                     # loss samples counted: samples, or targeted steps
        self.not_finite: tuple[int, float] | None = None     # (place in the epoch, that sample's loss)

    @property
    def sums(self) -> list:
        """What a checkpoint keeps: [loss sum, correct, samples counted]."""
        return [self.loss_sum, self.correct, self.counted]

    def restore(self, perm: Array | None, sums: Sequence) -> None:
        self.reset(perm)
        self.loss_sum, self.correct, self.counted = float(sums[0]), int(sums[1]), int(sums[2])
        self.seen = self.counted
        self.targets = self.counted if self.mask is None else int(self.mask[perm[:self.counted]].sum())

    def running(self) -> tuple[float, float | None]:
        """(loss, accuracy) of the samples seen this epoch; count() first."""
        seen = self.counted
        loss = self.loss_sum if self.sum_loss else self.loss_sum / max(self.targets, 1)
        return loss, (self.correct / seen if self.labels is not None and seen else None)

    def count(self) -> None:
        lo, hi = self.counted, self.seen
        for start in range(lo, hi, COUNT_CHUNK):
            self._count_rows(start, min(start + COUNT_CHUNK, hi))
        self.counted = max(hi, lo)

    def _count_rows(self, lo: int, hi: int) -> None:
        rows = self.perm[lo:hi]
        Y, T = self.outputs[lo:hi], self.T[rows]
        owner = None                         # sequences: the row of each targeted step
        if self.mask is not None:
            M = self.mask[rows]
            Y, T, owner = Y[M], T[M], np.nonzero(M)[0]
        terms = self.loss_fn.term(Y, T)
        per_output = Y.shape[1] if self.loss_fn.mean_over == "all" else 1
        total = float(terms.sum()) / per_output
        if not math.isfinite(total) and self.not_finite is None:
            per_sample = terms.sum(axis=1) / per_output
            first = int(np.argmin(np.isfinite(per_sample)))
            self.not_finite = (lo + (first if owner is None else int(owner[first])), float(per_sample[first]))
        self.loss_sum += total
        self.targets += Y.shape[0]
        if self.labels is not None:
            self.correct += int(np.count_nonzero(predicted_labels(Y, self.network) == self.labels[rows]))


# ---------------------------------------------------------------- per class

def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """(k, k) counts: row = true class, column = predicted class."""
    return np.bincount(y_true.astype(np.int64) * k + y_pred.astype(np.int64), minlength=k * k).reshape(k, k)


def per_class(cm: np.ndarray) -> list[tuple[float | None, float | None, float | None, int]]:
    """(precision, recall, F1, support) per class; None where a ratio has no samples."""
    out = []
    for c in range(cm.shape[0]):
        tp, pred, true = int(cm[c, c]), int(cm[:, c].sum()), int(cm[c, :].sum())
        p = tp / pred if pred else None
        r = tp / true if true else None
        f1 = 2 * p * r / (p + r) if p is not None and r is not None and p + r > 0 else (0.0 if p is not None and r is not None else None)
        out.append((p, r, f1, true))
    return out


def labelled_confusion(labels: np.ndarray, predicted: np.ndarray, classes: Sequence[str] | None,
                       n_outputs: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """The confusion matrix over every class the model or the data knows, and the classes' names
    (those without one named by number)."""
    k = max(len(classes or ()), int(labels.max()) + 1, n_outputs if n_outputs > 1 else 2)
    names = tuple(classes or ()) + tuple(str(c) for c in range(len(classes or ()), k))
    return confusion_matrix(labels, predicted, k), names
