"""Training an LSTM: mini-batches of padded sequences and truncated BPTT against PyTorch's nn.LSTM,
update by update (float64, 1e-9), and the adding problem's bundled file."""

from dataclasses import replace

import numpy as np
import pytest

from nncalc.problem import load_problem
from nncalc.train import Trainer, data_for, settings_from_problem

GATES = "ifgo"
LSTM_PROBLEM = """
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2]
      type: lstm
      weights: {i: [[0.5, -0.4], [0.3, 0.8]], f: [[-0.6, 0.2], [0.1, 0.4]],
                g: [[0.7, -0.2], [-0.3, 0.5]], o: [[0.2, 0.6], [-0.5, -0.1]]}
      recurrent_weights: {i: [[0.1, -0.3], [0.2, 0.4]], f: [[0.2, -0.1], [-0.2, 0.3]],
                          g: [[0.5, 0.1], [-0.4, 0.2]], o: [[-0.3, 0.2], [0.1, 0.1]]}
      bias: {i: [0.1, -0.2], f: [1.0, 0.5], g: [0.0, 0.1], o: [-0.1, 0.2]}
    - units: [y]
      activation: linear
      weights: [[0.7, -0.5]]
      bias: [0.2]
loss: mse
data:
  - input: [[1, 0], [0.5, -1], [0.2, 0.3], [-0.7, 0.1]]
    target: [[0.5], null, [-0.2], [0.8]]
  - input: [[0.3, 0.9], [-0.4, 0.6]]
    target: [[0.1], [0.4]]
  - input: [[-1, 0.5], [0.6, 0.2], [0.9, -0.3]]
    target: [null, null, [1.0]]
training:
  optimizer: %s
  batch_size: %s
  shuffle: false
%s"""
UPDATES = 6


def _ours(p):
    trainer = Trainer(p, replace(settings_from_problem(p), steps=UPDATES), data_for(p))
    return [trainer.params.values.copy() for event in trainer.run() if hasattr(event, "batch")]


def _theirs(torch, p, name, kwargs, batch, bptt=None):
    """nn.LSTM (its b_hh held at 0) + a linear output over the targeted steps; bptt: chunks with
    (h, c) detached between them, one update per chunk with a target."""
    lstm_layer, out = p.network.layers
    cell = torch.nn.LSTM(2, 2, batch_first=True).double()
    with torch.no_grad():
        cell.weight_ih_l0.copy_(torch.tensor(lstm_layer.weights))
        cell.weight_hh_l0.copy_(torch.tensor(lstm_layer.recurrent_weights))
        cell.bias_ih_l0.copy_(torch.tensor(lstm_layer.bias))
        cell.bias_hh_l0.zero_()
    cell.bias_hh_l0.requires_grad_(False)
    V = torch.tensor(out.weights, requires_grad=True)
    c = torch.tensor(out.bias, requires_grad=True)
    weights = [cell.weight_ih_l0, cell.weight_hh_l0, V]
    opt = getattr(torch.optim, name)([{"params": weights}, {"params": [cell.bias_ih_l0, c]}], **kwargs)
    X, T, M, L = (torch.tensor(a) for a in (p.inputs, p.targets, p.target_mask, p.lengths))
    n, history, k = X.shape[0], [], 0
    while len(history) < UPDATES:
        lo = (k * batch) % n
        k += 1
        x, t, m = X[lo:lo + batch], T[lo:lo + batch], M[lo:lo + batch]
        steps = int(L[lo:lo + batch].max())
        chunk = bptt or steps
        state = None
        for start in range(0, steps, chunk):
            cut = slice(start, min(start + chunk, steps))
            h, state = cell(x[:, cut], state)
            state = tuple(s.detach() for s in state)
            y = h @ V.T + c
            if not bool(m[:, cut].any()):
                continue
            E = ((y[m[:, cut]] - t[:, cut][m[:, cut]]) ** 2).mean()
            opt.zero_grad()
            E.backward()
            opt.step()
        history.append(np.concatenate([a.detach().numpy().ravel() for a in weights]
                                      + [cell.bias_ih_l0.detach().numpy(), c.detach().numpy()]))
    return history


@pytest.mark.parametrize("bptt", [None, 2])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("case", [("{name: sgd, learning_rate: 0.5}", "SGD", dict(lr=0.5)),
                                  ("{name: adam, learning_rate: 0.05}", "Adam", dict(lr=0.05))], ids=["sgd", "adam"])
def test_training_an_lstm_matches_torch_nn_lstm(tmp_path, case, batch, bptt):
    torch = pytest.importorskip("torch", reason="the cross-check needs PyTorch (pip install torch==2.13.0)")
    block, name, kwargs = case
    path = tmp_path / "lstm.yaml"
    path.write_text(LSTM_PROBLEM % (block, batch, "" if bptt is None else f"  bptt: {bptt}\n"))
    p = load_problem(path)
    ours, theirs = _ours(p), _theirs(torch, p, name, kwargs, batch, bptt)
    for k, (a, b) in enumerate(zip(ours, theirs), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"update {k}")
    assert not np.allclose(ours[0], ours[-1])


def test_the_adding_problem_file_trains_an_lstm_many_to_one():
    from nncalc.train import training_datasets
    from nncalc.bundled import open_problem

    p = open_problem("adding-lstm")
    assert p.network.layers[0].kind == "lstm" and p.settings.clip_norm == 1.0
    data = data_for(p, training_datasets(p))
    assert data.train.X.shape == (2000, 50, 2) and data.test.X.shape == (500, 50, 2)
    assert data.train.mask[:, -1].all() and data.train.mask.sum() == 2000
