"""The trainer (nncalc.train): held-out numbers of well-known examples, optimizers against steps
worked by hand, update order, reproducibility, checkpoints."""

from dataclasses import replace
from pathlib import Path
import math

import numpy as np
import pytest

from nncalc.bundled import resolve
from nncalc.problem import load_problem, problem_from_doc
from nncalc.train import (Settings, Trainer, TrainingError, data_for, settings_from_problem, train,
                          with_cli_overrides)
from nncalc.yamlio import YamlDoc

from nncalc.trace import build_trace


def bundled(name):
    return load_problem(resolve(name))


def from_text(text, tmp_path, name="p.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return load_problem(path)


# ---------------------------------------------------------------- Mazur's 2-2-2 example (held out)

def test_mazur_one_update():
    # Mazur, "A Step by Step Backpropagation Example": biases fixed, eta 0.5. After the first update
    # E_total = 0.291027774 (gradients from the weights before the step).
    p = bundled("mazur")
    t = train(p, with_cli_overrides(settings_from_problem(p), steps=1))
    assert t.history[-1]["loss"] == pytest.approx(0.291027774, abs=5e-10)
    # the biases were not updated
    assert t.network().parameter_values()["b1"] == 0.35
    assert t.network().parameter_values()["b2"] == 0.60


def test_mazur_ten_thousand_updates():
    # ... and after 10,000 updates E_total = 0.0000351019, outputs 0.015913620 and 0.984064274.
    p = bundled("mazur")
    t = train(p, with_cli_overrides(settings_from_problem(p), steps=10_000), report_every=10_000)
    trace = build_trace(replace(p, network=t.network()))
    assert trace["E.total"].value == pytest.approx(0.0000351019, rel=2e-6)
    assert trace["out.o1"].value == pytest.approx(0.015913620, abs=5e-10)
    assert trace["out.o2"].value == pytest.approx(0.984064274, abs=5e-10)
    assert t.history[-1]["loss"] == trace["E.total"].value


def test_sequential_order_gives_the_published_first_update():
    # The post's published 0.291027924 comes from hidden deltas computed with the already-updated
    # output weights. Output-layer updates are the same in both orders; hidden ones differ.
    p = bundled("mazur")
    base = with_cli_overrides(settings_from_problem(p), steps=1)
    sim = train(p, base)
    seq = train(p, replace(base, update_order="sequential"))
    assert seq.history[-1]["loss"] == pytest.approx(0.291027924, abs=5e-10)
    a, b = sim.network().parameter_values(), seq.network().parameter_values()
    for w in ("w5", "w6", "w7", "w8"):
        assert a[w] == b[w]
    for w in ("w1", "w2", "w3", "w4"):
        assert a[w] != b[w]
    # w1 with the new w5, w7: delta_h1 = (delta_o1 w5+ + delta_o2 w7+) out_h1 (1 - out_h1)
    tr = build_trace(p)
    d_o1, d_o2 = tr["delta.o1"].value, tr["delta.o2"].value
    out_h1 = tr["out.h1"].value
    delta_h1 = (d_o1 * b["w5"] + d_o2 * b["w7"]) * out_h1 * (1 - out_h1)
    assert b["w1"] == pytest.approx(0.15 - 0.5 * delta_h1 * 0.05, abs=1e-15)


def test_one_plain_step_matches_the_foundations_new_values():
    # The trainer's first sgd step is the foundation's `new.P` for every parameter, bit for bit.
    p = bundled("nnbasic")
    t = train(p, with_cli_overrides(settings_from_problem(p), steps=1))
    trace = build_trace(p)
    for name, value in t.network().parameter_values().items():
        assert value == trace[f"new.{name}"].value


# ---------------------------------------------------------------- the slides' small examples

def test_line_fit_converges_to_y_equals_x_plus_1():
    # Seed 000: points (1,2), (2,3), (3,4), y = m x + c from m = 1, c = 0, mse, eta 0.01.
    # The first step is the slide's y = 1.04 x + 0.02; gradient descent then converges to y = x + 1.
    p = bundled("linear-regression")
    first = train(p, with_cli_overrides(settings_from_problem(p), steps=1)).network().parameter_values()
    assert first["m"] == pytest.approx(1.04, abs=1e-12)
    assert first["c"] == pytest.approx(0.02, abs=1e-12)
    w = train(p, with_cli_overrides(settings_from_problem(p), epochs=5000)).network().parameter_values()
    assert w["m"] == pytest.approx(1.0, abs=1e-5)
    assert w["c"] == pytest.approx(1.0, abs=1e-5)


def test_delta_rule_converges_to_w_1():
    # Seed 001: delta rule on (1,1), (2,2), (3,3) from w = 0, eta 0.05:
    # dw = 0.05 (1*1 + 2*2 + 3*3) = 0.7, then E = 1/2 * 14 * 0.3^2 = 0.63.
    p = bundled("delta-rule")
    t = train(p, settings_from_problem(p), report_every=1)
    assert t.history[0]["loss"] == pytest.approx(0.63, abs=1e-12)
    assert t.network().parameter_values()["w"] == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("gate,truth", [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1])])
def test_perceptron_learns_and_or(gate, truth):
    p = bundled(f"perceptron-{gate}")
    t = train(p)
    assert t.result.reason == "converged"
    assert "converged" in t.result.message
    from nncalc.engine import forward
    Y = forward(t.network().layers, p.inputs).output[:, 0]
    assert Y.tolist() == truth


def test_perceptron_rule_by_hand():
    # AND from zero weights, eta 1, samples in order; sample (0,0) target 0: step(0) = 0, no change;
    # (0,1) -> 0 ok; (1,0) -> 0 ok; (1,1): y = 0, t = 1 -> w = (1, 1), b = 1. Epoch 2, (0,0): y = step(1)
    # = 1, t = 0 -> b = 0; ...
    p = bundled("perceptron-and")
    t = train(p, with_cli_overrides(settings_from_problem(p), steps=5))
    assert t.network().parameter_values() == {"w1": 1.0, "w2": 1.0, "b": 0.0}


def test_perceptron_reports_xor_failure():
    p = bundled("perceptron-xor")
    t = train(p)
    assert t.result.reason == "not_converged"
    assert "did not converge" in t.result.message
    assert "linearly separable" in t.result.message
    assert t.result.epochs == 20


# ---------------------------------------------------------------- optimizers by hand

ONE_WEIGHT = """
network:
  inputs: [x]
  layers:
    - {units: [y], activation: linear, weights: [[1.0]], weight_names: [[w]]}
loss: half_sse
data:
  - {input: [1], target: [0]}
training:
  optimizer: %s
"""
# E = 1/2 (w x - t)^2 with x = 1, t = 0: the gradient is g = w.


def _steps(tmp_path, optimizer, n):
    p = from_text(ONE_WEIGHT % optimizer, tmp_path)
    out = []
    for k in range(1, n + 1):
        out.append(train(p, with_cli_overrides(settings_from_problem(p), steps=k)).network().parameter_values()["w"])
    return out


def test_momentum_classic(tmp_path):
    # v1 = 0.9*0 - 0.1*1 = -0.1, w1 = 0.9; g = 0.9: v2 = 0.9*(-0.1) - 0.1*0.9 = -0.18, w2 = 0.72
    w = _steps(tmp_path, "{name: momentum, learning_rate: 0.1, momentum: 0.9}", 2)
    assert w == pytest.approx([0.9, 0.72], abs=1e-15)


def test_momentum_classic_nesterov(tmp_path):
    # w1 = 1 + 0.9 v1 - 0.1 g = 1 - 0.09 - 0.1 = 0.81; g = 0.81: v2 = -0.09 - 0.081 = -0.171,
    # w2 = 0.81 + 0.9*(-0.171) - 0.081 = 0.5751
    w = _steps(tmp_path, "{name: momentum, learning_rate: 0.1, momentum: 0.9, nesterov: true}", 2)
    assert w == pytest.approx([0.81, 0.5751], abs=1e-15)


def test_momentum_ema_form_of_the_nnbasic_deck(tmp_path):
    # v_{t+1} = lambda v_t - (1 - lambda) dE/dw, w+ = w + eta v_{t+1}; lambda 0.9, eta 0.1:
    # v1 = -0.1, w1 = 0.99; g = 0.99: v2 = -0.09 - 0.099 = -0.189, w2 = 0.99 - 0.0189 = 0.9711
    w = _steps(tmp_path, "{name: momentum, learning_rate: 0.1, momentum: 0.9, form: ema}", 2)
    assert w == pytest.approx([0.99, 0.9711], abs=1e-15)


def test_momentum_ema_nesterov(tmp_path):
    # w1 = 1 + 0.1 (0.9 * (-0.1) - 0.1 * 1) = 0.981
    w = _steps(tmp_path, "{name: momentum, learning_rate: 0.1, momentum: 0.9, form: ema, nesterov: true}", 1)
    assert w == pytest.approx([0.981], abs=1e-15)


def test_adam_by_hand(tmp_path):
    # t = 1: m = 0.1 g, v = 0.001 g^2, m^ = g, v^ = g^2: w = 1 - 0.1 * 1 / (1 + 1e-8)
    w = _steps(tmp_path, "{name: adam, learning_rate: 0.1}", 2)
    w1 = 1 - 0.1 * 1 / (1 + 1e-8)
    g = w1
    m = 0.9 * 0.1 + 0.1 * g
    v = 0.999 * 0.001 + 0.001 * g * g
    w2 = w1 - 0.1 * (m / (1 - 0.9 ** 2)) / (math.sqrt(v / (1 - 0.999 ** 2)) + 1e-8)
    assert w == pytest.approx([w1, w2], abs=1e-14)


def test_l2_adds_lambda_w_to_the_gradient(tmp_path):
    # g = w + 0.5 w = 1.5: w1 = 1 - 0.1 * 1.5 = 0.85
    p = from_text(ONE_WEIGHT % "{name: sgd, learning_rate: 0.1}" + "  l2: 0.5\n  steps: 1\n", tmp_path)
    assert train(p).network().parameter_values()["w"] == pytest.approx(0.85, abs=1e-15)


# ---------------------------------------------------------------- runs and reproducibility

SPIRAL = """
network:
  inputs: 2
  layers:
    - {units: 8, activation: tanh}
    - {units: 2, activation: softmax}
loss: cross_entropy
init: xavier
seed: %d
training:
  optimizer: %s
  batch_size: 16
  epochs: 3
  validation_split: 0.25
data: {generate: spiral, samples: 120, noise: 0.1, seed: 2}
"""


def _spiral(tmp_path, seed=0, optimizer="{name: momentum, nesterov: true}"):
    from nncalc.data import load_data

    p = from_text(SPIRAL % (seed, optimizer), tmp_path, f"s{seed}.yaml")
    s = settings_from_problem(p)
    data = data_for(p, load_data(p.data_source, base_dir=tmp_path, file=p.source), s.validation_split)
    return p, s, data


@pytest.mark.parametrize("optimizer", ["sgd", "{name: momentum, nesterov: true}", "adam"])
def test_same_seed_gives_bit_identical_weights(tmp_path, optimizer):
    p, s, data = _spiral(tmp_path, 0, optimizer)
    a = train(p, s, data).params.values
    b = train(p, s, data).params.values
    assert np.array_equal(a, b)
    p2, s2, data2 = _spiral(tmp_path, 1, optimizer)
    assert not np.array_equal(a, train(p2, s2, data2).params.values)


def test_history_has_validation_and_accuracy(tmp_path):
    p, s, data = _spiral(tmp_path)
    t = train(p, s, data)
    assert [r["epoch"] for r in t.history] == [1, 2, 3]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "step", "seconds"} <= set(t.history[-1])
    assert data.train.n == 90 and data.validation.n == 30
    assert t.history[-1]["step"] == 3 * 6      # ceil(90 / 16) = 6 batches per epoch


def test_resume_from_checkpoint_is_exact(tmp_path):
    # Stop after 7 updates (mid-epoch), save the state, continue in a fresh Trainer: the same weights
    # as an uninterrupted run, bit for bit.
    p, s, data = _spiral(tmp_path, optimizer="adam")
    full = train(p, s, data).params.values
    first = Trainer(p, s, data)
    for event in first.run():
        if getattr(event, "step", 0) == 7:
            first.request_stop()
    assert first.result.reason == "interrupted"
    state = first.checkpoint()
    second = Trainer(p, s, data)
    second.restore(first.params.values.copy(), state)
    for _ in second.run():
        pass
    assert second.result.reason == "epochs"
    assert np.array_equal(second.params.values, full)


def test_early_stopping_keeps_the_best_weights(tmp_path):
    p, s, data = _spiral(tmp_path, optimizer="{name: sgd, learning_rate: 5.0}")
    t = train(p, replace(s, epochs=200, patience=2), data)
    assert t.result.reason == "early_stopping"
    best = min(r["val_loss"] for r in t.history)
    assert t.evaluate(data.validation)[0] == pytest.approx(best, rel=1e-12)


def test_nan_loss_stops_with_the_epoch_and_a_smaller_rate(tmp_path):
    p = bundled("linear-regression")
    s = with_cli_overrides(settings_from_problem(p), learning_rate=10.0, epochs=500)
    with pytest.raises(TrainingError) as err:
        train(p, s)
    message = str(err.value)
    assert "in epoch" in message and "smaller learning rate" in message and "--learning-rate 1" in message


def _batch_losses_before_each_update(p, s, data):
    """Run the trainer, and beside it work out every batch's loss and correct count at the weights
    before its update, the way the progress bar's running values must add up."""
    from nncalc.engine import error_terms, forward
    from nncalc.train import Step, predicted_labels

    seen = []

    def before(trainer, idx):
        Y = forward(trainer.params.layers, data.train.X[idx]).output
        E = float(error_terms(p.loss, Y, data.train.T[idx]).sum()) * len(idx)
        seen.append((E, int(np.count_nonzero(predicted_labels(Y, p.network) == data.train.labels[idx])), len(idx)))

    t = Trainer(p, s, data, before_step=before)
    running = []
    for event in t.run():
        if isinstance(event, Step):
            running.append((event.epoch, event.batch, event.samples, event.loss, event.accuracy))
    return t, seen, running


@pytest.mark.parametrize("chunk", [16_384, 7])       # counted in one pass per read, or in pieces across batches
def test_running_loss_and_accuracy_count_every_batch_at_the_weights_before_its_update(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr("nncalc.train.history.EXACT_LOSS_WORK", 0)    # reports use the running values, as on MNIST
    monkeypatch.setattr("nncalc.train.metrics.COUNT_CHUNK", chunk)
    p, s, data = _spiral(tmp_path)
    t, seen, running = _batch_losses_before_each_update(p, s, data)
    assert len(seen) == len(running) == 3 * 6
    for k, (epoch, batch, samples, loss, accuracy) in enumerate(running):
        this_epoch = seen[k - batch + 1:k + 1]
        assert samples == sum(n for _, _, n in this_epoch)
        assert loss == pytest.approx(sum(E for E, _, _ in this_epoch) / samples, rel=1e-12)
        assert accuracy == sum(c for _, c, _ in this_epoch) / samples
    # the history's loss is the last batch's running value, whether or not anything read it before
    assert t.history[-1]["loss"] == pytest.approx(running[-1][3], rel=1e-12)
    unread = train(p, s, data)       # the same sum, split elsewhere: equal up to rounding
    assert unread.history[-1]["loss"] == pytest.approx(t.history[-1]["loss"], rel=1e-12)
    assert unread.history[-1]["accuracy"] == t.history[-1]["accuracy"]


@pytest.mark.parametrize("chunk", [16_384, 7])
def test_a_loss_that_turns_nan_mid_epoch_names_its_update_whether_or_not_progress_was_read(tmp_path, monkeypatch,
                                                                                          chunk):
    monkeypatch.setattr("nncalc.train.metrics.COUNT_CHUNK", chunk)
    text = SPIRAL.replace("tanh", "relu").replace("softmax", "linear").replace("cross_entropy", "mse")
    p = from_text(text % (0, "{name: sgd, learning_rate: 1.0e+30}"), tmp_path)
    s = replace(settings_from_problem(p), epochs=1)
    from nncalc.data import load_data

    data = data_for(p, load_data(p.data_source, base_dir=tmp_path, file=p.source), s.validation_split)
    reading, last = Trainer(p, s, data), 0
    with pytest.raises(TrainingError) as eager:
        for event in reading.run():
            last = event.step if hasattr(event, "step") else last
            getattr(event, "loss", None)
    with pytest.raises(TrainingError) as lazy:
        train(p, s, data)
    assert str(eager.value) == str(lazy.value)
    assert f"(update {last})" in str(eager.value) and 1 < last < 6     # the loss of a batch mid-epoch


def test_training_time_includes_counting_the_reported_loss(tmp_path, monkeypatch):
    import nncalc.train.loop as train_module

    ticks = iter(range(10**6))
    monkeypatch.setattr(train_module.time, "perf_counter", lambda: float(next(ticks)))
    p, s, data = _spiral(tmp_path)
    t = Trainer(p, s, data)
    step = next(iter(t.run()))          # one update: t0, then its end, one tick apart
    assert t.seconds == 1.0
    step.loss                           # counting the kept outputs is timed as training too
    assert t.seconds == 2.0


def test_float32_training(tmp_path):
    p, s, data = _spiral(tmp_path)
    t = train(p, replace(s, dtype="float32"), data)
    assert t.params.values.dtype == np.float32
    assert t.network().layers[0].weights.dtype == np.float64


def test_denormal_state_is_flushed():
    from nncalc.train import OPTIMIZERS

    opt = OPTIMIZERS["adam"](0.001, {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, 4, np.float32)
    opt.state["m"][:] = [1e-39, 1e-31, 1e-20, -1e-35]
    opt.flush()
    assert opt.state["m"].tolist() == [0.0, 0.0, np.float32(1e-20), 0.0]


def test_default_settings_train_every_foundation_problem_as_it_is():
    # Full-batch gradient descent at the file's learning rate, for every bundled problem that has
    # targets and units with derivatives.
    from nncalc.bundled import bundled_problems
    from nncalc.errors import NncalcError
    from nncalc.graph import is_graph_problem

    trained = 0
    for name, path in bundled_problems().items():
        p = load_problem(path)
        if is_graph_problem(p) or p.targets is None or p.inputs is None:
            continue
        try:
            s = settings_from_problem(p)
        except NncalcError:
            continue           # e.g. sign units without `optimizer: perceptron`
        if s.optimizer != "sgd" or p.training:
            continue
        assert s.batch_size is None and s.learning_rate == p.learning_rate
        train(p, with_cli_overrides(s, steps=2))
        trained += 1
    assert trained >= 3


def test_learning_rate_from_the_file_or_set_overrides_the_optimizers_default(tmp_path):
    # adam's own default is 0.001; a top-level learning_rate or --set eta replaces it, nothing else does.
    from nncalc.problem import with_overrides

    text = ONE_WEIGHT.replace("loss: half_sse\n", "loss: half_sse\n%s") % ("", "adam")
    p = from_text(text, tmp_path)
    assert settings_from_problem(p).learning_rate == 0.001
    assert settings_from_problem(with_overrides(p, {"eta": 0.5})).learning_rate == 0.5
    assert settings_from_problem(with_overrides(p, {"learning_rate": 0.25})).learning_rate == 0.25
    given = from_text(ONE_WEIGHT.replace("loss: half_sse\n", "loss: half_sse\nlearning_rate: 0.3\n") % "adam",
                      tmp_path, "q.yaml")
    assert settings_from_problem(given).learning_rate == 0.3


def _perceptron_order(shuffle, seed=0):
    p = bundled("perceptron-and")
    s = replace(settings_from_problem(p), shuffle=shuffle, seed=seed, steps=8)
    seen = []
    t = train(p, s, before_step=lambda trainer, idx: seen.append(int(idx[0])))
    return seen, t.params.values


def test_perceptron_shuffles_its_samples_when_told():
    # two epochs of 4 samples: in file order unless `shuffle: true`, then a seeded order per epoch
    assert _perceptron_order(False)[0] == [0, 1, 2, 3, 0, 1, 2, 3]
    order, values = _perceptron_order(True)
    assert sorted(order[:4]) == sorted(order[4:]) == [0, 1, 2, 3] and order != [0, 1, 2, 3, 0, 1, 2, 3]
    again, values_again = _perceptron_order(True)
    assert again == order and np.array_equal(values, values_again)


def test_perceptron_with_shuffle_still_learns_and():
    p = bundled("perceptron-and")
    t = train(p, replace(settings_from_problem(p), shuffle=True, seed=3))
    assert t.result.reason == "converged"


def test_gradient_check_uses_the_problems_own_loss(tmp_path, monkeypatch):
    # the engine decides which output layers it can backpropagate through for which loss; a fused
    # (activation, loss) pair it knows must be accepted for that loss, not only for cross_entropy
    from nncalc.ops import LOSSES, FusedDelta

    text = ONE_WEIGHT.replace("activation: linear", "activation: step") % "sgd"
    from nncalc.errors import ProblemError
    with pytest.raises(ProblemError, match="cannot backpropagate through layer 1"):
        from_text(text, tmp_path)
    monkeypatch.setitem(LOSSES["half_sse"].fused, "step", FusedDelta(lambda Y, T: Y - T, "{y} - {t}", ""))
    assert settings_from_problem(from_text(text, tmp_path)).optimizer == "sgd"


def test_adam_state_is_only_its_two_moments(tmp_path):
    # the scratch buffer is not state: a checkpoint and the denormal flush see m and v only
    p, s, data = _spiral(tmp_path, optimizer="adam")
    t = Trainer(p, s, data)
    assert set(t.optimizer.state) == {"m", "v"}
    for event in t.run():
        if getattr(event, "step", 0) == 2:
            t.request_stop()
    assert {k for k in t.checkpoint()["arrays"] if k.startswith("opt_")} == {"opt_m", "opt_v"}
