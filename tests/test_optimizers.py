"""Every optimizer against PyTorch's torch.optim, update by update, on the same small network, and
the contract of the optimizer base class (weight decay once, on weights only)."""

from dataclasses import replace

import numpy as np
import pytest

from nncalc.problem import load_problem
from nncalc.train import OPTIMIZERS, Trainer, data_for, settings_from_problem

NETWORK = """
network:
  inputs: 2
  layers:
    - units: 3
      activation: sigmoid
      weights: [[0.15, -0.20], [0.25, 0.30], [-0.4, 0.1]]
      bias: [0.35, -0.1, 0.2]
    - units: 2
      activation: sigmoid
      weights: [[0.40, 0.45, -0.3], [0.50, -0.55, 0.2]]
      bias: [0.60, -0.2]
loss: half_sse
data:
  - {input: [0.05, 0.10], target: [0.01, 0.99]}
  - {input: [1.0, -0.5], target: [0.9, 0.1]}
  - {input: [-0.3, 0.8], target: [0.2, 0.7]}
training:
  optimizer: %s
  batch_size: %s
  shuffle: false
  l2: %s
"""

# nncalc's optimizer block and the torch.optim class with the same settings (PyTorch's defaults
# where nncalc's are the same: Adagrad eps 1e-10, RMSprop alpha (nncalc's rho) 0.99 and eps 1e-8)
CASES = {
    "sgd": ("{name: sgd, learning_rate: 0.5}", "SGD", dict(lr=0.5)),
    "momentum": ("{name: momentum, learning_rate: 0.5, momentum: 0.9}", "SGD", dict(lr=0.5, momentum=0.9)),
    "nesterov": ("{name: momentum, learning_rate: 0.5, momentum: 0.9, nesterov: true}", "SGD",
                 dict(lr=0.5, momentum=0.9, nesterov=True)),
    "adam": ("{name: adam, learning_rate: 0.05}", "Adam", dict(lr=0.05)),
    "adagrad": ("{name: adagrad, learning_rate: 0.5}", "Adagrad", dict(lr=0.5)),
    "rmsprop": ("{name: rmsprop, learning_rate: 0.05}", "RMSprop", dict(lr=0.05)),
    "rmsprop-rho": ("{name: rmsprop, learning_rate: 0.05, rho: 0.9, eps: 1.0e-6}", "RMSprop",
                    dict(lr=0.05, alpha=0.9, eps=1e-6)),
    "adagrad-eps": ("{name: adagrad, learning_rate: 0.5, eps: 1.0e-3}", "Adagrad", dict(lr=0.5, eps=1e-3)),
}
UPDATES = 12


def _problem(tmp_path, optimizer, batch="full", l2=0.0):
    path = tmp_path / "p.yaml"
    path.write_text(NETWORK % (optimizer, batch, l2))
    return load_problem(path)


def _nncalc_updates(p):
    """The flat parameters (weights first, then biases) after each of UPDATES updates."""
    s = replace(settings_from_problem(p), steps=UPDATES)
    trainer = Trainer(p, s, data_for(p))
    return [trainer.params.values.copy() for event in trainer.run() if hasattr(event, "batch")]


def _torch_updates(torch, p, name, kwargs, batch, l2):
    """The same network in PyTorch (float64), trained with torch.optim.NAME on the same batches."""
    layers = p.network.layers
    W = [torch.tensor(l.weights, dtype=torch.float64, requires_grad=True) for l in layers]
    b = [torch.tensor(l.bias, dtype=torch.float64, requires_grad=True) for l in layers]
    # nncalc's L2 is PyTorch's weight_decay on the weights only
    opt = getattr(torch.optim, name)([{"params": W, "weight_decay": l2}, {"params": b}], **kwargs)
    X, T = torch.tensor(p.inputs), torch.tensor(p.targets)
    n = X.shape[0]
    size = n if batch == "full" else batch
    out = []
    for k in range(UPDATES):
        lo = (k * size) % n
        a, t = X[lo:lo + size], T[lo:lo + size]
        for Wl, bl in zip(W, b):
            a = torch.sigmoid(a @ Wl.T + bl)
        loss = 0.5 * ((t - a) ** 2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append(np.concatenate([w.detach().numpy().ravel() for w in W] + [v.detach().numpy() for v in b]))
    return out


@pytest.mark.parametrize("l2", [0.0, 0.01])
@pytest.mark.parametrize("batch", ["full", 1])
@pytest.mark.parametrize("case", sorted(CASES))
def test_every_optimizer_matches_torch_optim_update_by_update(tmp_path, case, batch, l2):
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    block, name, kwargs = CASES[case]
    p = _problem(tmp_path, block, batch, l2)
    ours = _nncalc_updates(p)
    theirs = _torch_updates(torch, p, name, kwargs, batch, l2)
    assert len(ours) == UPDATES
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=f"update {k}")
    assert not np.allclose(ours[0], ours[-1])     # the weights moved


def test_adagrad_and_rmsprop_first_step_by_hand(tmp_path):
    # one weight w = 1, E = 1/2 (t - w x)^2 with x = 1, t = 0: g = w = 1.
    # Adagrad: G = 1, w1 = 1 - 0.5 * 1 / (1 + 1e-10).
    # RMSProp: v = 0.01, w1 = 1 - 0.05 * 1 / (0.1 + 1e-8).
    text = """
network:
  inputs: 1
  layers: [{units: 1, activation: linear, weights: [[1.0]], weight_names: [[w]]}]
loss: half_sse
data: [{input: [1], target: [0]}]
training: {optimizer: %s, steps: 1}
"""
    for block, expected in (("{name: adagrad, learning_rate: 0.5}", 1 - 0.5 / (1 + 1e-10)),
                            ("{name: rmsprop, learning_rate: 0.05}", 1 - 0.05 / (0.1 + 1e-8))):
        path = tmp_path / "w.yaml"
        path.write_text(text % block)
        p = load_problem(path)
        trainer = Trainer(p, settings_from_problem(p), data_for(p))
        for _ in trainer.run():
            pass
        assert trainer.network().parameter_values()["w"] == pytest.approx(expected, abs=1e-15)


def test_every_optimizer_is_one_module_registered_by_name():
    assert {"sgd", "momentum", "adam", "adagrad", "rmsprop"} <= set(OPTIMIZERS)
    from nncalc.problem.training import OPTIMIZERS as TABLE

    assert set(OPTIMIZERS) | {"perceptron"} == set(TABLE)


def test_weight_decay_applies_to_the_weights_part_of_any_slice():
    # the base class adds (scale * l2) w to the weights' gradient only: biases (the flat array's tail)
    # are never decayed, whichever part of the array one apply() call updates
    opt = OPTIMIZERS["sgd"](0.1, {}, 4, np.float64, weight_decay=0.5, n_decayed=2)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    h = np.zeros(4)
    opt.apply(w[1:], h[1:], slice(1, 4))        # weight 2 and the two biases
    assert w.tolist() == [1.0, 2.0 - 0.1 * 0.5 * 2.0, 3.0, 4.0]


def _one_layer(tmp_path, order, l2, steps):
    text = f"""
network:
  inputs: 2
  layers: [{{units: 2, activation: sigmoid, weights: [[0.1, 0.2], [0.3, -0.4]], bias: [0.5, -0.6]}}]
loss: half_sse
data: [{{input: [1, 2], target: [0, 1]}}, {{input: [-1, 0.5], target: [1, 0]}}]
training: {{optimizer: sgd, l2: {l2}, steps: {steps}, update_order: {order}}}
"""
    path = tmp_path / f"{order}-{l2}-{steps}.yaml"
    path.write_text(text)
    p = load_problem(path)
    trainer = Trainer(p, settings_from_problem(p), data_for(p))
    for _ in trainer.run():
        pass
    return trainer.params


@pytest.mark.parametrize("order", ["simultaneous", "sequential"])
def test_l2_never_decays_the_biases_in_either_order(tmp_path, order):
    # after one update the biases do not depend on L2 at all (their gradient comes from the weights
    # before the update); a decayed bias would have moved by a further -eta l2 b
    decayed, plain = _one_layer(tmp_path, order, 0.3, 1), _one_layer(tmp_path, order, 0.0, 1)
    biases = slice(decayed.n_weights, None)
    assert np.array_equal(decayed.values[biases], plain.values[biases])
    assert not np.array_equal(decayed.values[:decayed.n_weights], plain.values[:plain.n_weights])


def test_one_layer_updates_the_same_in_both_orders_with_l2(tmp_path):
    sim, seq = _one_layer(tmp_path, "simultaneous", 0.3, 3), _one_layer(tmp_path, "sequential", 0.3, 3)
    assert np.array_equal(sim.values, seq.values)
