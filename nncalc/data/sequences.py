"""Seeded sequence data for recurrent networks: the next value of a sine, Hochreiter and
Schmidhuber's adding problem, and the parity of a bit string.

Each maker returns X (n, T, d) float64 and the targets: (n, T, m) float64 for a target at every step
(many-to-many), (n, m) float64 or (n,) int64 class labels for one target after the last step
(many-to-one).
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

SINE_PERIODS = (1.0, 3.0)     # periods per sequence, drawn uniformly per sample


def sine(rng: np.random.Generator, n: int, noise: float, length: int) -> tuple[Array, Array]:
    """x[t] = sin(ω t + φ) (+ noise), target x[t+1] without noise: predict the next value.

    φ uniform in [0, 2π); ω = 2π p / T with p uniform in SINE_PERIODS, so a sequence of T steps shows
    one to three periods, each sample its own; the same seed gives the same waves at any noise.
    Many-to-many, d = m = 1."""
    phase = rng.uniform(0.0, 2 * np.pi, (n, 1))
    omega = 2 * np.pi * rng.uniform(*SINE_PERIODS, (n, 1)) / length
    wave = np.sin(omega * np.arange(length + 1) + phase)
    X = wave[:, :-1] + noise * rng.standard_normal((n, length))   # drawn at noise 0 too: same waves
    return X[:, :, None], wave[:, 1:, None].copy()


def adding(rng: np.random.Generator, n: int, noise: float, length: int) -> tuple[Array, Array]:
    """Hochreiter and Schmidhuber's adding problem (1997, as in Le, Jaitly and Hinton 2015): channel 1
    holds values uniform in [0, 1], channel 2 marks two steps with 1 (one in each half of the
    sequence); the target is the sum of the two marked values. Many-to-one, d = 2, m = 1.

    Predicting the mean sum (1) scores an mse of 1/6 ≈ 0.167; a network that learned scores far less."""
    values = rng.uniform(0.0, 1.0, (n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    target = values[rows, first] + values[rows, second]
    return np.stack([values, markers], axis=2), target[:, None]


def parity(rng: np.random.Generator, n: int, noise: float, length: int) -> tuple[Array, Array]:
    """Bits 0/1, one per step; class 1 where the number of ones is odd (their XOR). Many-to-one, d = 1,
    two classes."""
    bits = rng.integers(0, 2, (n, length))
    return bits[:, :, None].astype(np.float64), (bits.sum(axis=1) % 2).astype(np.int64)
