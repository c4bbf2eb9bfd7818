"""Seeded toy data: the four TensorFlow Playground classification sets, moons and a plane (2-D
points), and sequences for recurrent networks (sine, adding, parity: see `sequences.py`).

The Playground sets follow its `dataset.ts` (positive points labelled 1, negative 0 here, where the
Playground uses +1/-1), with `noise` on the Playground's scale: its slider's 0..50 is noise 0..0.5.
As there, the circle and xor labels come from the noisy point while the point itself is stored
without noise, so noise shows up as mislabelled points near the boundary. Samples are shuffled
(seeded) so that a validation split taken from the end holds both classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import sequences

Generator = Callable[..., tuple[np.ndarray, np.ndarray]]


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Inside r < 2.5 (class 1) versus a ring 3.5 < r < 5 (class 0)."""
    radius = 5.0
    n_in, n_out = _halves(n)
    r = np.concatenate([rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)])
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    noisy = X + rng.uniform(-radius, radius, (n, 2)) * noise
    return X, (np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5).astype(np.int64)


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Uniform in [-5, 5]^2 pushed 0.3 away from the axes; class 1 where x*y >= 0."""
    X = rng.uniform(-5, 5, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    noisy = X + rng.uniform(-5, 5, (n, 2)) * noise
    return X, (noisy[:, 0] * noisy[:, 1] >= 0).astype(np.int64)


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs at (2, 2) (class 1) and (-2, -2) (class 0); variance 0.5 + 7 noise."""
    std = np.sqrt(0.5 + 7.0 * noise)  # the Playground maps noise 0..0.5 linearly to variance 0.5..4
    n_pos, n_neg = _halves(n)
    X = np.concatenate([rng.normal(2.0, std, (n_pos, 2)), rng.normal(-2.0, std, (n_neg, 2))])
    return X, np.concatenate([np.ones(n_pos, np.int64), np.zeros(n_neg, np.int64)])


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, radius 0..5 over 1.75 turns; class 1 starts at angle 0, class 0 at pi."""
    parts, labels = [], []
    for count, delta, label in zip(_halves(n), (0.0, np.pi), (1, 0)):
        i = np.arange(count) / max(count, 1)
        r, t = i * 5.0, 1.75 * i * 2 * np.pi + delta
        parts.append(np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, (count, 2)) * noise)
        labels.append(np.full(count, label, np.int64))
    return np.concatenate(parts), np.concatenate(labels)


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (as scikit-learn's make_moons), Gaussian noise of std `noise`."""
    n_out, n_in = _halves(n)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])])
    X += rng.normal(0.0, noise, X.shape) if noise > 0 else 0.0
    return X, np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Regression: x, y uniform in [-6, 6], target (x + y) / 10 of the noisy point (the Playground's)."""
    X = rng.uniform(-6, 6, (n, 2))
    noisy = X + rng.uniform(-6, 6, (n, 2)) * noise
    return X, ((noisy[:, 0] + noisy[:, 1]) / 10.0)[:, None]


DEFAULT_SAMPLES = 500  # the Playground's
BINARY_CLASSES = ("0", "1")
POINT_OPTIONS = ("samples", "noise", "seed")


@dataclass(frozen=True)
class GeneratorInfo:
    """A generator: its maker `make(rng, n, noise[, length])`, whether its targets are classes, a
    summary for `nncalc data list`, its options, and for sequences the default length (None: points)."""

    make: Generator
    classification: bool
    summary: str
    options: tuple[str, ...] = POINT_OPTIONS
    length: int | None = None
    min_length: int = 1
    samples: int = DEFAULT_SAMPLES
    features: tuple[str, ...] = ("x1", "x2")

    @property
    def sequence(self) -> bool:
        return self.length is not None


GENERATORS: dict[str, GeneratorInfo] = {
    "circle": GeneratorInfo(_circle, True, "a disc inside a ring"),
    "xor": GeneratorInfo(_xor, True, "class 1 where x*y >= 0"),
    "gauss": GeneratorInfo(_gauss, True, "two Gaussian blobs"),
    "spiral": GeneratorInfo(_spiral, True, "two interleaved spirals"),
    "moons": GeneratorInfo(_moons, True, "two half moons"),
    "plane": GeneratorInfo(_plane, False, "target (x + y) / 10"),
    "sine": GeneratorInfo(sequences.sine, False, "sequences: predict a sine's next value",
                          ("samples", "length", "noise", "seed"), length=50, samples=200, features=("x",)),
    "adding": GeneratorInfo(sequences.adding, False, "sequences: sum of the two marked values",
                            ("samples", "length", "seed"), length=50, min_length=2, samples=2000,
                            features=("value", "marker")),
    "parity": GeneratorInfo(sequences.parity, True, "sequences: odd number of ones",
                            ("samples", "length", "seed"), length=8, samples=500, features=("bit",)),
}
MAX_SEQUENCE_VALUES = 50_000_000     # samples x length x inputs of one generated set (400 MB float64)


def generate(name: str, samples: int | None = None, noise: float = 0.0, seed: int = 0,
             length: int | None = None) -> tuple[np.ndarray, np.ndarray, tuple[str, ...] | None]:
    """X (samples, 2) float64 points, or (samples, length, d) sequences; y (samples,) int64 0/1,
    (samples, 1) or (samples, length, 1) float64; and the class names.

    The caller validates the arguments; `name` must be a key of GENERATORS. samples and length
    default to the generator's own.
    """
    info = GENERATORS[name]
    rng = np.random.default_rng(seed)
    samples = info.samples if samples is None else samples
    if info.sequence:
        X, y = info.make(rng, samples, float(noise), info.length if length is None else length)
    else:
        X, y = info.make(rng, samples, float(noise))
    order = rng.permutation(samples)
    return (np.ascontiguousarray(X[order], dtype=np.float64), y[order],
            BINARY_CLASSES if info.classification else None)
