"""What one update does: a gradient step (the engine's forward and backward passes, then the
optimizer), or Rosenblatt's perceptron rule, the one rule that needs no gradient.

Each is called by the loop as `step(lo, idx, update)`: the samples `idx` at place `lo` of the epoch,
in the update numbered `update` (from 1; with truncated BPTT one such step makes an update per
chunk of the batch's sequences). It writes the batch's outputs into the epoch counter's
`outputs[lo:]`, changes the flat parameters in place and returns the number of samples used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..engine import backward, forward

if TYPE_CHECKING:
    from .loop import Trainer

Array = np.ndarray

FLUSH_EVERY = 100            # updates between flushing near-denormal optimizer state to zero


CLIP_EPS = 1e-6              # PyTorch's clip_grad_norm_: coefficient clip / (norm + 1e-6)


def clip_gradient(grads: Array, scale: float, clip_norm: float) -> float:
    """Scale the gradient in place to global L2 norm `clip_norm` when it is longer, as PyTorch's
    clip_grad_norm_ does; `grads` holds dE/dw times `scale` (the optimizer's gradient scale, -η for
    SGD), so the norm compared is the real gradient's. Returns that norm, before clipping."""
    norm = float(np.sqrt(np.dot(grads, grads))) / abs(scale)
    coef = clip_norm / (norm + CLIP_EPS)
    if coef < 1.0:
        grads *= coef
    return norm


class GradientStep:
    """Forward, backward with the optimizer's gradient scale folded in, (clipping by the global norm,)
    then optimizer.apply: all parameters at once (simultaneous), or layer by layer from the output
    down (sequential)."""

    def __init__(self, trainer: Trainer) -> None:
        s, p = trainer.settings, trainer.params
        self.layers, self.loss = p.layers, trainer.problem.loss
        self.into = p.into
        self.opt = trainer.optimizer
        self.scale = self.opt.gradient_scale
        self.X, self.T, self.dtype = trainer.data.train.X, trainer.T, trainer.dtype
        self.full = trainer.batch_size == trainer.data.train.n    # then the order of samples does not matter
        self.outputs = trainer.counter.outputs
        upto = p.values.size if s.update_biases else p.n_weights
        self.values, self.grads = p.values[:upto], p.grads[:upto]     # views made once, used every step
        self.everything = slice(0, upto)
        self.layer_parts = ([p.layer_slices(l, s.update_biases) for l in range(len(p.layers))]
                            if s.update_order == "sequential" else None)
        self.params = p
        self.clip = s.clip_norm
        train = trainer.data.train
        self.sequence = train.is_sequence
        self.mask, self.lengths, self.bptt = train.mask, train.lengths, s.bptt

    def __call__(self, lo: int, idx: Array, update: int) -> int:
        xb, tb = (self.X, self.T) if self.full else (self._take(idx), self.T[idx])
        if self.sequence:
            self._sequences(lo, idx, xb, tb)
        else:
            fwd = forward(self.layers, xb)
            self.outputs[lo:lo + len(xb)] = fwd.output       # the loss and accuracy are counted later
            self._update(fwd, tb, None)
        if update % FLUSH_EVERY == 0:
            self.opt.flush()
        return len(xb)

    def _sequences(self, lo: int, idx: Array, xb: Array, tb: Array) -> None:
        """A batch of sequences, cut to its longest (the rest is padding); with bptt = k, in chunks of
        k steps, each one update, the state carried from chunk to chunk but not its gradient."""
        mask = self.mask if self.mask is None or self.full else self.mask[idx]
        steps = xb.shape[1] if self.lengths is None else int(
            (self.lengths if self.full else self.lengths[idx]).max())
        chunk = steps if self.bptt is None else self.bptt
        states = None
        for start in range(0, steps, chunk):
            cut = slice(start, min(start + chunk, steps))
            fwd = forward(self.layers, xb[:, cut], states=states)
            self.outputs[lo:lo + len(xb), cut] = fwd.output
            if start + chunk < steps:
                states = fwd.final_states
            part = None if mask is None else mask[:, cut]
            if part is None or part.any():         # a chunk without a target has no gradient
                self._update(fwd, tb[:, cut], part)

    def _update(self, fwd, tb: Array, mask: Array | None) -> None:
        """backward, clipping, the optimizer: one update."""
        opt = self.opt
        opt.begin()
        if self.layer_parts is None:
            backward(self.layers, self.loss, fwd, tb, self.into, self.scale, check=False, mask=mask)
            if self.clip is not None:
                clip_gradient(self.grads, self.scale, self.clip)
            opt.apply(self.values, self.grads, self.everything)
        else:
            # each layer's gradient from the layers above as already updated this step
            values, grads = self.params.values, self.params.grads
            for parts in reversed(self.layer_parts):
                backward(self.layers, self.loss, fwd, tb, self.into, self.scale, check=False, mask=mask)
                if self.clip is not None:
                    clip_gradient(self.grads, self.scale, self.clip)
                for sl in parts:
                    opt.apply(values[sl], grads[sl], sl)

    def _take(self, idx: Array) -> Array:
        """The batch's rows of X in the training dtype."""
        xb = self.X[idx]     # fancy indexing gathers faster than np.take into a reused buffer
        return xb if xb.dtype == self.dtype else xb.astype(self.dtype)


class PerceptronStep:
    """w = w + η (t - y) x and b = b + η (t - y), one sample at a time; an epoch without a mistake
    means every sample is classified correctly."""

    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        self.layer = trainer.params.layers[0]
        self.eta = trainer.settings.learning_rate
        self.update_biases = trainer.settings.update_biases
        self.X, self.T, self.dtype = trainer.data.train.X, trainer.T, trainer.dtype
        self.outputs = trainer.counter.outputs

    def __call__(self, lo: int, idx: Array, update: int) -> int:
        k = int(idx[0])
        x, t = self.X[k:k + 1].astype(self.dtype), self.T[k:k + 1]
        y = forward([self.layer], x).output
        self.outputs[lo:lo + 1] = y
        err = (t - y)[0]
        if np.any(err != 0):
            self.trainer.mistakes += 1
            W, b = self.layer.weights, self.layer.bias        # views of the flat parameters
            W += self.eta * np.outer(err, x[0])
            if b is not None and self.update_biases:
                b += self.eta * (err.sum() if self.layer.bias_shared else err)
        return 1

    def not_separable(self, epochs: int) -> str:
        """Why training stopped at the epoch limit with samples still misclassified."""
        train = self.trainer.data.train
        _, acc = self.trainer.evaluate(train)
        wrong = round((1 - (acc or 0)) * train.n)
        return (f"did not converge: after {epochs} epoch{'s' if epochs != 1 else ''}, {wrong} of {train.n} "
                f"samples are still misclassified. The perceptron rule converges only if a straight line (a "
                f"hyperplane) separates the classes; these samples appear not to be linearly separable (XOR is "
                f"not), and then no single layer of step units classifies them all, however long it trains: "
                f"add a hidden layer of sigmoid units and train it with sgd (see xor-20)")
