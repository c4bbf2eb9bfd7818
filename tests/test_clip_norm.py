"""Gradient clipping by the global norm (`training: {clip_norm: c}`): every optimizer against
PyTorch's clip_grad_norm_ + torch.optim, update by update, and the rule worked by hand."""

from dataclasses import replace

import numpy as np
import pytest

from nncalc.errors import ProblemError
from nncalc.problem import load_problem
from nncalc.train import Trainer, data_for, settings_from_problem
from nncalc.train.steps import clip_gradient

NETWORK = """
network:
  inputs: 2
  layers:
    - units: 3
      activation: tanh
      weights: [[1.5, -2.0], [2.5, 3.0], [-4.0, 1.0]]
      bias: [0.35, -0.1, 0.2]
    - units: 2
      activation: linear
      weights: [[4.0, 4.5, -3.0], [5.0, -5.5, 2.0]]
      bias: [0.60, -0.2]
loss: half_sse
data:
  - {input: [0.05, 0.10], target: [3.0, -2.0]}
  - {input: [1.0, -0.5], target: [-4.0, 1.0]}
  - {input: [-0.3, 0.8], target: [2.0, 5.0]}
training:
  optimizer: %s
  batch_size: %s
  shuffle: false
  l2: %s
  clip_norm: %s
"""
CASES = {
    "sgd": ("{name: sgd, learning_rate: 0.05}", "SGD", dict(lr=0.05)),
    "momentum": ("{name: momentum, learning_rate: 0.05, momentum: 0.9}", "SGD", dict(lr=0.05, momentum=0.9)),
    "adam": ("{name: adam, learning_rate: 0.05}", "Adam", dict(lr=0.05)),
    "adagrad": ("{name: adagrad, learning_rate: 0.5}", "Adagrad", dict(lr=0.5)),
    "rmsprop": ("{name: rmsprop, learning_rate: 0.05}", "RMSprop", dict(lr=0.05)),
}
UPDATES = 10


def _problem(tmp_path, optimizer, batch="full", l2=0.0, clip=1.0):
    path = tmp_path / "p.yaml"
    path.write_text(NETWORK % (optimizer, batch, l2, clip))
    return load_problem(path)


def _nncalc_updates(p, order="simultaneous"):
    s = replace(settings_from_problem(p), steps=UPDATES, update_order=order)
    trainer = Trainer(p, s, data_for(p))
    return [trainer.params.values.copy() for event in trainer.run() if hasattr(event, "batch")]


def _torch_updates(torch, p, name, kwargs, batch, l2, clip):
    layers = p.network.layers
    W = [torch.tensor(l.weights, dtype=torch.float64, requires_grad=True) for l in layers]
    b = [torch.tensor(l.bias, dtype=torch.float64, requires_grad=True) for l in layers]
    opt = getattr(torch.optim, name)([{"params": W, "weight_decay": l2}, {"params": b}], **kwargs)
    X, T = torch.tensor(p.inputs), torch.tensor(p.targets)
    n = X.shape[0]
    size = n if batch == "full" else batch
    out, norms = [], []
    for k in range(UPDATES):
        lo = (k * size) % n
        a, t = X[lo:lo + size], T[lo:lo + size]
        a = torch.tanh(a @ W[0].T + b[0])
        a = a @ W[1].T + b[1]
        loss = 0.5 * ((t - a) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(W + b, clip)))
        opt.step()
        out.append(np.concatenate([w.detach().numpy().ravel() for w in W] + [v.detach().numpy() for v in b]))
    return out, norms


@pytest.mark.parametrize("l2", [0.0, 0.01])
@pytest.mark.parametrize("batch", ["full", 1])
@pytest.mark.parametrize("case", sorted(CASES))
def test_clipping_matches_torch_clip_grad_norm_for_every_optimizer(tmp_path, case, batch, l2):
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    block, name, kwargs = CASES[case]
    p = _problem(tmp_path, block, batch, l2, clip=1.0)
    ours = _nncalc_updates(p)
    theirs, norms = _torch_updates(torch, p, name, kwargs, batch, l2, 1.0)
    assert sum(n > 1.0 for n in norms) >= UPDATES // 2          # the clipping really happens
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"update {k}")


def test_a_large_clip_norm_changes_nothing(tmp_path):
    clipped = _nncalc_updates(_problem(tmp_path, "{name: sgd, learning_rate: 0.05}", clip=1e9))
    path = tmp_path / "q.yaml"
    path.write_text((NETWORK % ("{name: sgd, learning_rate: 0.05}", "full", 0.0, 1)).replace("  clip_norm: 1\n", ""))
    plain = _nncalc_updates(load_problem(path))
    np.testing.assert_array_equal(clipped[-1], plain[-1])
    assert not np.array_equal(_nncalc_updates(_problem(tmp_path, "sgd", clip=0.5))[-1], plain[-1])


def test_the_norm_is_the_real_gradients_whatever_the_scale_folded_in():
    # the trainer hands over -eta * g; g = (3, 4) has norm 5, clipped to 1: (0.6, 0.8) * -eta
    for scale in (1.0, -0.1, -10.0):
        h = scale * np.array([3.0, 4.0])
        assert clip_gradient(h, scale, 1.0) == pytest.approx(5.0)
        np.testing.assert_allclose(h, scale * np.array([3.0, 4.0]) / (5.0 + 1e-6))
    h = np.array([0.3, 0.4])
    clip_gradient(h, 1.0, 1.0)
    np.testing.assert_array_equal(h, [0.3, 0.4])                 # shorter than the bound: untouched


def test_sequential_order_clips_each_backward_pass(tmp_path):
    # two layers: two backward passes per update, each step at most eta * clip long
    p = _problem(tmp_path, "{name: sgd, learning_rate: 0.05}", clip=1e-3)
    start = Trainer(p, settings_from_problem(p), data_for(p)).params.values.copy()
    first = _nncalc_updates(p, "sequential")[0]
    moved = float(np.linalg.norm(first - start))
    assert 0.5 * 0.05 * 1e-3 < moved <= 2 ** 0.5 * 0.05 * 1e-3 * (1 + 1e-9)    # unclipped: 3.13


@pytest.mark.parametrize("value, message", [(0, "greater than 0"), (-1, "greater than 0"), ("x", "number")])
def test_a_bad_clip_norm_is_one_line_with_its_place(tmp_path, value, message):
    with pytest.raises(ProblemError, match=f"training.clip_norm.*{message}"):
        _problem(tmp_path, "sgd", clip=value)


def test_the_perceptron_rule_refuses_clipping(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("""
network: {inputs: 1, layers: [{units: 1, activation: step, weights: [[1.0]]}]}
loss: half_sse
data: [{input: [1], target: [0]}]
training: {optimizer: perceptron, clip_norm: 1.0}
""")
    with pytest.raises(ProblemError, match="clip_norm clips a gradient; the perceptron rule has none"):
        settings_from_problem(load_problem(path))
