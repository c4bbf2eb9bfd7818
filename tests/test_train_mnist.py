"""One short training run on real MNIST (../shared/datasets/mnist), skipped where it is absent.
The full 10-epoch figures come from benchmarks/bench_mnist.py, not from tests."""

from dataclasses import replace
from pathlib import Path

import pytest

from nncalc.bundled import resolve
from nncalc.problem import load_problem
from nncalc.train import data_for, settings_from_problem, train

DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


@pytest.mark.slow
@pytest.mark.skipif(not (DATASETS / "mnist").is_dir(), reason="real MNIST is not in ../shared/datasets")
def test_mnist_mlp_learns_in_one_short_epoch(monkeypatch):
    from nncalc.data import load_data

    monkeypatch.setenv("NNCALC_DATA", str(DATASETS))
    p = load_problem(resolve("mnist-mlp"))
    spec = {"train": {"mnist": "train", "limit": 12_000}, "test": "mnist:test"}
    settings = replace(settings_from_problem(p), epochs=1, validation_split=0.1)
    data = data_for(p, load_data(spec, base_dir=Path("."), file=p.source), settings.validation_split, settings.dtype)
    t = train(p, settings, data)
    assert t.params.values.dtype.name == "float32"
    assert t.history[-1]["step"] == 10_800 // 50
    loss, accuracy = t.evaluate(data.test)
    assert accuracy > 0.88
    assert t.history[-1]["val_accuracy"] > 0.88
