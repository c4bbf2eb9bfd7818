"""Training recurrent networks: mini-batches of padded sequences, full and truncated BPTT, every
optimizer, clipping, against hand-written PyTorch loops update by update (float64, 1e-9), and the
sequence data sources as a recurrent network reads them."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nncalc.errors import DataError
from nncalc.problem import load_problem
from nncalc.train import Trainer, data_for, settings_from_problem
from nncalc.train.batches import split_of

# two inputs, a recurrent layer of 3 tanh units, one linear output at every step; samples of lengths
# 4, 2, 3 and 4, some steps without a target (null)
SEQUENCES = """
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2, h3]
      type: recurrent
      activation: tanh
      weights: [[0.5, -0.4], [0.3, 0.8], [-0.6, 0.2]]
      recurrent_weights: [[0.1, -0.3, 0.2], [0.4, 0.2, -0.1], [-0.2, 0.3, 0.5]]
      bias: [0.1, -0.2, 0.05]
    - units: [y]
      activation: linear
      weights: [[0.7, -0.5, 0.9]]
      bias: [0.2]
loss: %s
data:
  - input: [[1, 0], [0.5, -1], [0.2, 0.3], [-0.7, 0.1]]
    target: [[0.5], null, [-0.2], [0.8]]
  - input: [[0.3, 0.9], [-0.4, 0.6]]
    target: [[0.1], [0.4]]
  - input: [[-1, 0.5], [0.6, 0.2], [0.9, -0.3]]
    target: [null, null, [1.0]]
  - input: [[0.2, 0.2], [0.1, -0.8], [-0.5, 0.4], [0.3, 0.7]]
    target: [[0.3], [-0.6], [0.2], [0.9]]
training:
  optimizer: %s
  batch_size: %s
  shuffle: false
"""
UPDATES = 8


def _problem(tmp_path, loss="half_sse", optimizer="{name: sgd, learning_rate: 0.1}", batch=2, extra=""):
    path = tmp_path / "seq.yaml"
    path.write_text(SEQUENCES % (loss, optimizer, batch) + extra)
    return load_problem(path)


def _ours(p, updates=UPDATES):
    s = replace(settings_from_problem(p), steps=updates)
    trainer = Trainer(p, s, data_for(p))
    return [trainer.params.values.copy() for event in trainer.run() if hasattr(event, "batch")], trainer


def _torch_loop(torch, p, name, kwargs, batch, loss, bptt=None, clip=None, updates=UPDATES):
    """The same RNN written out in PyTorch: h_t = tanh(W x_t + W_h h_{t-1} + b), y_t = V h_t + c, the
    loss over the targeted steps only; with bptt, chunks of that many steps, h detached between
    them, one update per chunk that has a target."""
    rec, out = p.network.layers
    W, Wh, b, V, c = (torch.tensor(a, dtype=torch.float64, requires_grad=True)
                      for a in (rec.weights, rec.recurrent_weights, rec.bias, out.weights, out.bias))
    opt = getattr(torch.optim, name)([{"params": [W, Wh, V]}, {"params": [b, c]}], **kwargs)
    X, T, M, L = (torch.tensor(a) for a in (p.inputs, p.targets, p.target_mask, p.lengths))
    n = X.shape[0]
    history = []
    k = 0
    while len(history) < updates:
        lo = (k * batch) % n
        k += 1
        x, t, m = X[lo:lo + batch], T[lo:lo + batch], M[lo:lo + batch]
        steps = int(L[lo:lo + batch].max())
        chunk = bptt or steps
        h = torch.zeros(x.shape[0], 3, dtype=torch.float64)
        for start in range(0, steps, chunk):
            cut = slice(start, min(start + chunk, steps))
            ys = []
            for s in range(cut.start, cut.stop):
                h = torch.tanh(x[:, s] @ W.T + h @ Wh.T + b)
                ys.append(h @ V.T + c)
            y = torch.stack(ys, 1)
            mm = m[:, cut]
            h = h.detach()
            if not bool(mm.any()):
                continue
            ym, tm = y[mm], t[:, cut][mm]
            E = {"half_sse": lambda: 0.5 * ((ym - tm) ** 2).sum(),
                 "mse": lambda: ((ym - tm) ** 2).mean()}[loss]()
            opt.zero_grad()
            E.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_([W, Wh, V, b, c], clip)
            opt.step()
        history.append(np.concatenate([a.detach().numpy().ravel() for a in (W, Wh, V, b, c)]))
    return history


OPTIMIZERS = {
    "sgd": ("{name: sgd, learning_rate: 0.1}", "SGD", dict(lr=0.1)),
    "momentum": ("{name: momentum, learning_rate: 0.1, momentum: 0.9}", "SGD", dict(lr=0.1, momentum=0.9)),
    "adam": ("{name: adam, learning_rate: 0.05}", "Adam", dict(lr=0.05)),
    "adagrad": ("{name: adagrad, learning_rate: 0.1}", "Adagrad", dict(lr=0.1)),
    "rmsprop": ("{name: rmsprop, learning_rate: 0.01}", "RMSprop", dict(lr=0.01)),
}


def _compare(ours, theirs):
    assert len(ours) == len(theirs)
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"update {k}")
    assert not np.allclose(ours[0], ours[-1])


@pytest.mark.parametrize("loss", ["half_sse", "mse"])
@pytest.mark.parametrize("batch", [1, 2, 4])
@pytest.mark.parametrize("case", sorted(OPTIMIZERS))
def test_training_an_rnn_on_padded_batches_matches_torch(tmp_path, case, batch, loss):
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    block, name, kwargs = OPTIMIZERS[case]
    p = _problem(tmp_path, loss, block, batch)
    _compare(_ours(p)[0], _torch_loop(torch, p, name, kwargs, batch, loss))


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("bptt", [1, 2, 3])
@pytest.mark.parametrize("case", ["sgd", "adam"])
def test_truncated_bptt_matches_torch_with_the_state_detached_between_chunks(tmp_path, case, bptt, batch):
    # batch 1: the third sample's first chunks have no target, and make no update (Adam's t included)
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    block, name, kwargs = OPTIMIZERS[case]
    p = _problem(tmp_path, "half_sse", block, batch, extra=f"  bptt: {bptt}\n")
    assert p.settings.bptt == bptt
    _compare(_ours(p)[0], _torch_loop(torch, p, name, kwargs, batch, "half_sse", bptt=bptt))


def test_clipping_an_rnn_matches_torch(tmp_path):
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    p = _problem(tmp_path, "half_sse", "{name: sgd, learning_rate: 0.5}", 4, extra="  clip_norm: 0.1\n")
    _compare(_ours(p)[0], _torch_loop(torch, p, "SGD", dict(lr=0.5), 4, "half_sse", clip=0.1))


def test_a_padded_batch_is_exact_the_sum_of_its_samples_alone(tmp_path):
    # half_sse sums over the targeted steps: one update on the whole batch moves the weights as the
    # sum of each sample's own gradient (each at its own length, no padding) does
    p = _problem(tmp_path, batch=4)
    together = _ours(p, 1)[0][0]
    start = Trainer(p, settings_from_problem(p), data_for(p)).params.values.copy()
    moves = []
    for k in range(4):
        n = int(p.lengths[k])
        alone = replace(p, inputs=p.inputs[k:k + 1, :n], targets=p.targets[k:k + 1, :n],
                        target_mask=p.target_mask[k:k + 1, :n], lengths=p.lengths[k:k + 1])
        moves.append(_ours(alone, 1)[0][0] - start)
    np.testing.assert_allclose(together - start, sum(moves), rtol=1e-12, atol=1e-15)


def test_the_epoch_loss_counts_every_targeted_step_once(tmp_path):
    # mse averages over the 10 targeted steps of the epoch, whatever the batches
    p = _problem(tmp_path, "mse", "{name: sgd, learning_rate: 0.0001}", 1)
    _, trainer = _ours(p, 4)
    loss = trainer.history[-1]["loss"]
    from nncalc.engine import error_terms, forward

    fwd = forward(trainer.params.layers, p.inputs)
    assert int(p.target_mask.sum()) == 10
    assert loss == pytest.approx(float(error_terms("mse", fwd.output, p.targets, p.target_mask).sum()), rel=1e-12)


# ---------------------------------------------------------------- sequence data as the network reads it

RNN = """
network:
  inputs: %s
  layers:
    - {units: 4, type: recurrent, activation: tanh}
    - {units: %s, activation: %s}
loss: %s
init: xavier
data: %s
"""


def _generated(tmp_path, inputs, outputs, act, loss, data):
    path = tmp_path / "g.yaml"
    path.write_text(RNN % (inputs, outputs, act, loss, data))
    p = load_problem(path)
    from nncalc.train import training_datasets

    return p, data_for(p, training_datasets(p))


def test_the_adding_problem_is_many_to_one_at_the_last_step(tmp_path):
    p, d = _generated(tmp_path, "[value, marker]", "[y]", "linear", "mse",
                      "{generate: adding, samples: 20, length: 10}")
    X, T, M = d.train.X, d.train.T, d.train.mask
    assert X.shape == (20, 10, 2) and T.shape == (20, 10, 1) and M.shape == (20, 10)
    assert M[:, -1].all() and not M[:, :-1].any() and d.train.labels is None
    np.testing.assert_allclose(T[:, -1, 0], (X[:, :, 0] * X[:, :, 1]).sum(axis=1))


def test_parity_gives_class_labels_for_accuracy(tmp_path):
    p, d = _generated(tmp_path, "[bit]", "[odd]", "sigmoid", "binary_cross_entropy",
                      "{generate: parity, samples: 30, length: 4}")
    assert d.classes == ("0", "1") and d.train.labels.shape == (30,)
    np.testing.assert_array_equal(d.train.T[:, -1, 0], d.train.labels)
    trainer = Trainer(p, replace(settings_from_problem(p), epochs=1), d)
    for _ in trainer.run():
        pass
    assert 0.0 <= trainer.history[-1]["accuracy"] <= 1.0


def test_sine_targets_every_step(tmp_path):
    p, d = _generated(tmp_path, "[x]", "[y]", "linear", "mse", "{generate: sine, samples: 8, length: 12}")
    assert d.train.mask is None and d.train.T.shape == (8, 12, 1)


def test_a_recurrent_network_refuses_flat_samples_and_wrong_widths(tmp_path):
    with pytest.raises(DataError, match="a recurrent network reads sequences"):
        _generated(tmp_path, "[x1, x2]", "[y]", "linear", "mse", "{generate: plane}")
    with pytest.raises(DataError, match="has 2 inputs per step, the network takes 1"):
        _generated(tmp_path, "[x]", "[y]", "linear", "mse", "{generate: adding}")


def test_a_feed_forward_network_reads_sequences_flattened(tmp_path):
    path = tmp_path / "ff.yaml"
    path.write_text("""
network: {inputs: 8, layers: [{units: 1, activation: linear}]}
loss: mse
init: xavier
data: {generate: parity, samples: 10, length: 8}
""")
    p = load_problem(path)
    from nncalc.train import training_datasets

    d = data_for(p, training_datasets(p))
    assert d.train.X.shape == (10, 8) and d.train.labels.shape == (10,)


def test_npz_sequences_with_lengths_train(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "s.npz", x=rng.normal(size=(6, 5, 2)), y=rng.normal(size=(6, 1)),
             lengths=np.array([5, 3, 4, 5, 2, 1]))
    p, d = _generated(tmp_path, "[a, b]", "[y]", "linear", "mse", "s.npz")
    assert d.train.mask.sum() == 6 and d.train.mask[np.arange(6), d.train.lengths - 1].all()
    trainer = Trainer(p, replace(settings_from_problem(p), epochs=2, batch_size=4), d)
    for _ in trainer.run():
        pass
    assert np.isfinite(trainer.history[-1]["loss"])


# ---------------------------------------------------------------- model files, resume, evaluate, predict

SMALL = """
name: two-step RNN
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2]
      type: recurrent
      activation: tanh
      weights: [[0.5, -0.1], [0.2, 0.3]]
      recurrent_weights: [[0.1, 0.0], [-0.2, 0.4]]
      bias: [0.0, 0.1]
      initial_state: [0.2, -0.1]
    - units: [y]
      activation: linear
      weights: [[2.0, -1.0]]
loss: half_sse
learning_rate: 0.1
data:
  - input: [[1, 0], [0.5, 2]]
    target: [[1], [2]]
  - input: [[0, 1]]
    target: [[0.5]]
training: {batch_size: 1, shuffle: false, epochs: 3%s}
"""


def _cli(*args):
    from typer.testing import CliRunner

    from nncalc.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "80"})


@pytest.mark.parametrize("suffix, dtype", [("npz", ""), ("npz", ", dtype: float32"), ("yaml", "")])
def test_a_trained_rnn_saves_and_loads_exactly(tmp_path, suffix, dtype):
    from nncalc.model import load_model
    path = tmp_path / "rnn.yaml"
    path.write_text(SMALL % dtype)
    result = _cli("train", path, "--save", tmp_path / f"m.{suffix}", "-q")
    assert result.exit_code == 0, result.output
    p = load_problem(path)
    trainer = Trainer(p, settings_from_problem(p), data_for(p))
    for _ in trainer.run():
        pass
    model = load_model(tmp_path / f"m.{suffix}")
    rec = model.network.layers[0]
    assert rec.kind == "recurrent" and rec.recurrent_weight_names == (("wh1", "wh2"), ("wh3", "wh4"))
    assert rec.initial_state.tolist() == [0.2, -0.1]
    np.testing.assert_array_equal(model.flat_values, trainer.params.values)
    assert model.dtype == trainer.dtype
    evaluated = _cli("evaluate", tmp_path / f"m.{suffix}", "--data", "{generate: sine, samples: 3}")
    assert evaluated.exit_code == 2 and "has 1 inputs per step, the network takes 2" in evaluated.output


def test_a_yaml_model_of_sequences_keeps_their_lengths_and_missing_targets(tmp_path):
    path = tmp_path / "seq.yaml"
    path.write_text(SEQUENCES % ("half_sse", "sgd", 2))
    assert _cli("train", path, "--epochs", 1, "--save", tmp_path / "m.yaml", "-q").exit_code == 0
    again = load_problem(tmp_path / "m.yaml")
    p = load_problem(path)
    np.testing.assert_array_equal(again.lengths, p.lengths)
    np.testing.assert_array_equal(again.target_mask, p.target_mask)
    np.testing.assert_array_equal(again.inputs, p.inputs)


def test_an_interrupted_rnn_run_resumes_exactly(tmp_path):
    from nncalc.model import load_model, model_from_trainer, save_model

    path = tmp_path / "seq.yaml"
    path.write_text(SEQUENCES % ("mse", "{name: adam, learning_rate: 0.05}", 1) + "  bptt: 2\n  clip_norm: 0.5\n")
    p = load_problem(path)
    s = replace(settings_from_problem(p), epochs=3)
    whole = Trainer(p, s, data_for(p))
    for _ in whole.run():
        pass
    first = Trainer(p, s, data_for(p))
    for event in first.run():
        if getattr(event, "step", 0) == 5 and hasattr(event, "batch"):
            first.stop_here()
            break
    save_model(tmp_path / "c.npz", model_from_trainer(first, with_state=True))
    saved = load_model(tmp_path / "c.npz")
    second = Trainer(p, s, data_for(p))
    second.restore(saved.flat_values, saved.checkpoint)
    for _ in second.run():
        pass
    np.testing.assert_array_equal(second.params.values, whole.params.values)
    assert [r["loss"] for r in second.history] == [r["loss"] for r in whole.history]


def test_evaluate_and_predict_a_many_to_one_model(tmp_path):
    path = tmp_path / "adding.yaml"
    path.write_text("""
network:
  inputs: [value, marker]
  layers: [{units: 4, type: recurrent, activation: tanh}, {units: [y], activation: linear}]
loss: mse
init: xavier
training: {epochs: 2, batch_size: 16}
data: {generate: adding, samples: 64, length: 6}
""")
    assert _cli("train", path, "--save", tmp_path / "m.npz", "-q").exit_code == 0
    result = _cli("evaluate", tmp_path / "m.npz", "--data", "{generate: adding, samples: 10, length: 6, seed: 3}",
                  "--format", "json")
    assert result.exit_code == 0, result.output
    import json

    found = json.loads(result.output)
    from nncalc.data import load_source
    from nncalc.model import load_model
    from nncalc.train import predictions

    model = load_model(tmp_path / "m.npz")
    ds = load_source({"generate": "adding", "samples": 10, "length": 6, "seed": 3}, base_dir=Path("."))
    Y = predictions(model.network.layers, ds.X)
    assert Y.shape == (10, 6, 1)
    assert found["loss"] == pytest.approx(float(np.mean((Y[:, -1] - ds.y) ** 2)), rel=1e-12)
    predicted = _cli("predict", tmp_path / "m.npz", "--data", "{generate: adding, samples: 10, length: 6, seed: 3}",
                     "--format", "csv")
    assert predicted.exit_code == 0
    values = [float(line.split(",")[-1]) for line in predicted.output.strip().splitlines()[1:]]
    np.testing.assert_allclose(values, Y[:, -1, 0], rtol=1e-9)


def test_explained_updates_of_a_batch_of_sequences(tmp_path):
    path = tmp_path / "rnn.yaml"
    path.write_text(SMALL % "")
    result = _cli("train", path, "--steps", 2, "--explain", "--format", "json")
    assert result.exit_code == 0, result.output[-2000:]
    import json

    updates = json.loads(result.output)["updates"]
    assert len(updates) == 2 and "grad.wh1" in updates[0]["values"] and "out.y[2]" in updates[0]["values"]
    assert "out.y[2]" not in updates[1]["values"]          # the second sample has one step


# ---------------------------------------------------------------- the gradient through time

FIXTURES = Path(__file__).parent / "fixtures" / "sequences"


def test_the_gradient_view_shows_delta_through_time(tmp_path):
    from nncalc.api import trace_of
    from nncalc.pictures.gradients import gradient_report

    p = load_problem(FIXTURES / "vanishing.yaml")
    trace = trace_of(p, True, named=False)
    report = gradient_report(trace)
    (g,) = report.steps
    assert len(g.delta) == 20 and g.layer == 1
    np.testing.assert_allclose(g.delta, np.linalg.norm(trace.bwd.delta[0], axis=(0, 2)), rtol=1e-12)
    assert g.delta[0] < g.delta[-1] / 1000                 # vanishing, 20 steps back
    result = _cli("gradients", FIXTURES / "vanishing.yaml")
    assert result.exit_code == 0
    assert "|δ[t]| of layer 1 (4 tanh units), step 20 back to 1" in result.output
    assert ": vanishing):" in result.output and "t =   1 |" in result.output
    assert max(map(len, result.output.splitlines())) <= 80


def test_bptt_on_a_feed_forward_network_is_one_line(tmp_path):
    path = tmp_path / "ff.yaml"
    path.write_text("""
network: {inputs: 1, layers: [{units: 1, activation: linear, weights: [[1.0]]}]}
loss: half_sse
data: [{input: [1], target: [0]}]
training: {bptt: 5}
""")
    from nncalc.errors import ProblemError

    with pytest.raises(ProblemError, match="bptt truncates backpropagation through time; this network has no "
                                           "recurrent layer"):
        settings_from_problem(load_problem(path))
    result = _cli("train", path)
    assert result.exit_code == 2 and "ff.yaml:5: training.bptt: bptt truncates" in result.output
