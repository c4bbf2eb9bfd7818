"""The one thing every data source returns: inputs, targets, class names and a name."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class Dataset:
    """Inputs and targets of one split.

    X: (n, d), float32 for image sources (pixels scaled to 0..1), float64 otherwise; or sequences
       (n, T, d) (a 3-D array of an .npz file, a sequence generator's), which a feed-forward network
       reads flattened to (n, T d).
    y: (n,) int64 class indices 0..k-1 when `classes` is set, else (n, m) float64 targets
       (m may be 0: a file without a target column, usable for prediction only), or for sequences
       (n, T, m) float64 targets at every step.
    lengths: (n,) int64 steps of each sequence (the rest is padding), None when all have T.
    """

    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...] | None
    name: str
    feature_names: tuple[str, ...] | None = None
    lengths: np.ndarray | None = None

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[-1])

    @property
    def is_sequence(self) -> bool:
        return self.X.ndim == 3

    @property
    def is_classification(self) -> bool:
        return self.classes is not None

    @property
    def has_targets(self) -> bool:
        return self.classes is not None or (self.y.ndim == 2 and self.y.shape[1] > 0)

    def __repr__(self) -> str:
        kind = f"{len(self.classes)} classes" if self.classes is not None else f"targets {self.y.shape[1:]}"
        return f"Dataset({self.name!r}, X={self.X.shape} {self.X.dtype}, {kind})"
