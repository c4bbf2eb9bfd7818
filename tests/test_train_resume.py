"""A run interrupted anywhere and resumed from its checkpoint file equals the uninterrupted run, bit
for bit: the weights, the history (but its clock), the number of epochs and updates and the result."""

from dataclasses import replace

import numpy as np
import pytest

from nncalc.bundled import resolve
from nncalc.model import (checkpoint_settings, load_checkpoint, model_from_trainer, restore_checkpoint,
                          save_npz)
from nncalc.problem import load_problem
from nncalc.train import Step, Trainer, data_for, settings_from_problem

SPIRAL = """
network:
  inputs: 2
  layers:
    - {units: 6, activation: tanh}
    - {units: 2, activation: softmax}
loss: cross_entropy
init: xavier
seed: 4
training:
  optimizer: %s
  batch_size: 16
  epochs: 3
  validation_split: 0.25
  early_stopping: {patience: 1}
data: {generate: spiral, samples: 80, noise: 0.1, seed: 2}
"""


def _spiral(tmp_path, optimizer):
    from nncalc.data import load_data

    path = tmp_path / "spiral.yaml"
    path.write_text(SPIRAL % optimizer)
    p = load_problem(path)
    s = settings_from_problem(p)
    return p, s, data_for(p, load_data(p.data_source, base_dir=tmp_path, file=p.source), s.validation_split)


def _bundled(name, steps):
    p = load_problem(resolve(name))
    s = replace(settings_from_problem(p), steps=steps)
    return p, s, data_for(p, None, s.validation_split)


def _finish(trainer):
    for _ in trainer.run():
        pass
    return trainer


def _interrupted_at(p, s, data, update, how, path, report_every):
    """Run to `update`, stop there as Ctrl-C would (`request`: the handler asks the loop to stop;
    `inside`: raised while the progress was shown), save the checkpoint file, resume from it."""
    first = Trainer(p, s, data, report_every=report_every)
    run = first.run()
    for event in run:
        if isinstance(event, Step) and event.step == update:
            if how == "inside":
                first.stop_here()
                break
            first.request_stop()
    run.close()
    if first.result.reason != "interrupted":
        return first, False
    save_npz(path, model_from_trainer(first, with_state=True))
    model = load_checkpoint(path)
    second = Trainer(p, checkpoint_settings(model, path), data, report_every=report_every)
    restore_checkpoint(second, model, path)
    return _finish(second), True


def _summary(trainer):
    history = [{k: v for k, v in r.items() if k != "seconds"} for r in trainer.history]
    r = trainer.result
    return history, r.reason, r.epochs, r.steps, r.message


RUNS = {
    "full batch (mazur, sgd)": lambda tmp: _bundled("mazur", 6),
    "perceptron, one sample at a time": lambda tmp: _bundled("perceptron-and", 40),
    "mini-batches, shuffled, adam, early stopping": lambda tmp: _spiral(tmp, "adam"),
    "mini-batches, nesterov momentum": lambda tmp: _spiral(tmp, "{name: momentum, nesterov: true}"),
}


@pytest.mark.parametrize("report_every", [None, 4])
@pytest.mark.parametrize("how", ["request", "inside"])
@pytest.mark.parametrize("run", sorted(RUNS))
def test_resumed_run_equals_the_uninterrupted_one_wherever_it_was_interrupted(tmp_path, run, how, report_every):
    p, s, data = RUNS[run](tmp_path)
    whole = _finish(Trainer(p, s, data, report_every=report_every))
    resumed_somewhere = False
    for update in range(1, whole.step + 1):
        again, resumed = _interrupted_at(p, s, data, update, how, tmp_path / f"c{update}.npz", report_every)
        resumed_somewhere |= resumed
        assert np.array_equal(again.params.values, whole.params.values), f"interrupted after update {update}"
        assert _summary(again) == _summary(whole), f"interrupted after update {update}"
    assert resumed_somewhere


def test_a_full_batch_checkpoint_counts_every_finished_epoch(tmp_path):
    # with one batch per epoch, every interruption falls on an epoch boundary: after 5 updates, 5 epochs
    p, s, data = _bundled("mazur", 10)
    t = Trainer(p, s, data)
    for event in t.run():
        if isinstance(event, Step) and event.step == 5:
            t.request_stop()
    assert (t.result.reason, t.step, t.epoch) == ("interrupted", 5, 5)
    info = t.checkpoint()["info"]
    assert (info["step"], info["epoch"]) == (5, 5)


def test_a_checkpoints_training_state_is_checked_once_when_its_file_is_read(tmp_path, monkeypatch):
    from nncalc.train import checkpoint

    checked = []
    real = checkpoint.check_info
    monkeypatch.setattr(checkpoint, "check_info", lambda info: checked.append(1) or real(info))
    p, s, data = _bundled("mazur", 6)
    again, resumed = _interrupted_at(p, s, data, 3, "request", tmp_path / "c.npz", 1)
    assert resumed and again.step == 6
    assert checked == [1]           # by load_checkpoint; restore trusts what was checked


def test_model_meta_and_checkpoint_state_are_checked_by_one_table_helper():
    from nncalc.model_meta import META
    from nncalc.schema import check_fields
    from nncalc.train.checkpoint import INFO, check_info

    with pytest.raises(ValueError, match=r"^'seconds' is nan, expected a finite number of seconds of at least 0$"):
        check_info({"epoch": 1, "step": 1, "batch": 0, "seconds": float("nan")})
    with pytest.raises(ValueError, match=r"^'version' is 'x', expected "):
        check_fields({"version": "x"}, META)
    assert set(INFO) >= {"epoch", "step", "seconds", "rng"}
