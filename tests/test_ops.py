"""Activations and losses stay finite and silent at extreme inputs, and keep the training dtype."""

import math
import warnings

import numpy as np
import pytest

from nncalc.ops import ACTIVATIONS, LOSSES, Activation, sigmoid, softmax

EXTREME = np.array([-1e4, -800.0, -30.0, -1.0, 0.0, 1.0, 30.0, 800.0, 1e4])


def test_sigmoid_of_extreme_net_inputs_is_its_limit_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = sigmoid(EXTREME)
    assert out[0] == 0.0 and out[-1] == 1.0
    assert out[4] == 0.5
    # sigma(-30) = 1 / (1 + e^30) = 9.357622968840175e-14 (to double precision)
    assert out[2] == pytest.approx(9.357622968840175e-14, rel=1e-15)


@pytest.mark.parametrize("mode", ["raise", "ignore"])
def test_sigmoid_overflows_silently_whatever_the_callers_errstate(mode):
    # inside the trainer's errstate(over="ignore") it sets none of its own; elsewhere it must
    with np.errstate(over=mode):
        out = sigmoid(EXTREME)
    assert out[0] == 0.0 and out[-1] == 1.0


def test_sigmoid_keeps_float32_and_accepts_a_single_number():
    assert sigmoid(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert float(sigmoid(np.array(0.464))) == pytest.approx(0.613962657, abs=5e-10)  # NNBasic out_h1


def test_softmax_of_huge_logits_is_finite_and_sums_to_one():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = softmax(np.array([[1000.0, 0.0, -1000.0]]))
    assert np.isfinite(out).all() and out.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_losses_at_saturated_outputs_are_finite_without_warnings(loss):
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    T = np.array([[1.0, 0.0], [1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        terms, grad = LOSSES[loss].terms(Y, T), LOSSES[loss].dout(Y, T)
    assert np.isfinite(terms).all() and np.isfinite(grad).all()


@pytest.mark.parametrize("name", [n for n, fn in ACTIVATIONS.items() if n != "softmax"])
def test_activations_at_extreme_inputs_are_finite_without_warnings(name):
    act = Activation(name, ACTIVATIONS[name].default_alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = act(EXTREME)
        if act.has_derivative:
            assert np.isfinite(act.derivative(EXTREME, out)).all()
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name,z,expected", [("relu", 0.0, 0.0), ("leaky_relu", 0.0, 0.01)])
def test_derivative_at_zero_follows_pytorch(name, z, expected):
    act = Activation(name, ACTIVATIONS[name].default_alpha)
    assert float(act.derivative(np.array([z]), act(np.array([z])))[0]) == expected


# ---------------------------------------------------------------- every operation is one complete entry

SMOOTH = [name for name, op in ACTIVATIONS.items() if op.df is not None]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activation_carries_its_notation(name):
    op = ACTIVATIONS[name]
    assert op.name == name and op.symbol
    if not op.joint:            # softmax's out is written from every net of its layer, by the explainer
        assert op.out_text and op.out_text[-1][0] is None, "the last branch must always apply"
    if op.df is not None:
        assert op.dout_text and op.dout_text[-1][0] is None
    else:
        assert op.no_derivative


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_carries_its_notation(name):
    op = LOSSES[name]
    assert op.name == name and op.formula
    for text in (op.term_text, op.dterm_text):
        assert "{t}" in text and "{y}" in text
    assert op.mean_over in ("none", "samples", "all")


# ---------------------------------------------------------------- finite differences, operation by operation

def _central(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """d sum(f(x)) / dx elementwise, by central differences."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (f(up).sum() - f(down).sum()) / (2 * h)
    return grad


# net inputs away from the kinks at 0
NETS = np.array([[-2.3, -0.7, 0.4], [1.9, -0.05, 0.8]])


@pytest.mark.parametrize("name", SMOOTH)
def test_each_activation_derivative_is_a_finite_difference(name):
    act = Activation(name, ACTIVATIONS[name].default_alpha)
    np.testing.assert_allclose(act.derivative(NETS, act(NETS)), _central(act, NETS), rtol=1e-7, atol=1e-9)


OUTS = np.array([[0.8, 0.15, 0.3], [0.35, 0.9, 0.6]])        # in (0, 1), away from every target
SOFT = np.array([[1.0, 0.0, 0.25], [0.2, 0.7, 0.5]])         # soft targets: rows need not add up to 1


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_loss_derivative_is_a_finite_difference(name):
    loss = LOSSES[name]
    np.testing.assert_allclose(loss.dout(OUTS, SOFT), _central(lambda Y: loss.terms(Y, SOFT), OUTS),
                               rtol=1e-6, atol=1e-9)


FUSED = [(act, name) for name, loss in LOSSES.items() for act in loss.fused]


@pytest.mark.parametrize("act,name", FUSED)
def test_each_fused_delta_is_dE_dnet_for_soft_targets(act, name):
    # the closed form must hold for any targets, not only one-hot ones: (out Σt - t) / n for softmax
    f, loss = Activation(act), LOSSES[name]
    delta = loss.fused[act].delta(f(NETS), SOFT) / loss.divisor(*SOFT.shape)
    np.testing.assert_allclose(delta, _central(lambda Z: loss.terms(f(Z), SOFT), NETS), rtol=1e-6, atol=1e-9)


def test_every_loss_with_a_closed_form_is_drawn():
    assert {name for _, name in FUSED} == {"binary_cross_entropy", "cross_entropy", "summed_cross_entropy"}


# ---------------------------------------------------------------- each loss's scale, by hand

Y2 = np.array([[0.8, 0.4], [0.6, 0.9]])
T2 = np.array([[1.0, 0.0], [1.0, 1.0]])


@pytest.mark.parametrize("name,expected", [
    # n = 2 samples, m = 2 outputs; t - out = [[0.2, -0.4], [0.4, 0.1]]
    ("half_sse", 0.5 * (0.04 + 0.16 + 0.16 + 0.01)),         # Σ ½ (t - out)², the slides' E_total
    ("sse", 0.04 + 0.16 + 0.16 + 0.01),
    ("mse", (0.04 + 0.16 + 0.16 + 0.01) / 4),                # over n m = 4 values (PyTorch MSELoss 'mean')
    ("l1", 0.2 + 0.4 + 0.4 + 0.1),                           # Σ |t - out|, the AI-study deck's Score
    # -(t ln out + (1 - t) ln(1 - out)) over n m = 4 values (PyTorch BCELoss 'mean', Keras binary_crossentropy)
    ("binary_cross_entropy", -(math.log(0.8) + math.log(0.6) + math.log(0.6) + math.log(0.9)) / 4),
    # -Σ_k t_k ln out_k, averaged over the n = 2 samples (PyTorch CrossEntropyLoss 'mean' on probabilities)
    ("cross_entropy", -(math.log(0.8) + math.log(0.6) + math.log(0.9)) / 2),
    # the Basic Ideas deck's L = Σ_n C^n: the same per-sample C^n, summed
    ("summed_cross_entropy", -(math.log(0.8) + math.log(0.6) + math.log(0.9))),
])
def test_each_loss_adds_up_and_divides_as_documented(name, expected):
    assert float(LOSSES[name].terms(Y2, T2).sum()) == pytest.approx(expected, rel=1e-12)


def test_summed_cross_entropy_is_n_times_the_mean():
    mean, summed = LOSSES["cross_entropy"], LOSSES["summed_cross_entropy"]
    np.testing.assert_allclose(summed.terms(Y2, T2), 2 * mean.terms(Y2, T2), rtol=1e-15)
    np.testing.assert_allclose(summed.dout(Y2, T2), 2 * mean.dout(Y2, T2), rtol=1e-15)


def test_l1_derivative_is_the_sign_and_zero_where_out_equals_target():
    # dE/dout = sign(out - t); at out = t the subgradient nncalc (and PyTorch's L1Loss) takes is 0
    l1 = LOSSES["l1"]
    Y, T = np.array([[0.5, 2.0, 3.0]]), np.array([[1.0, 1.0, 3.0]])
    assert l1.dout(Y, T).tolist() == [[-1.0, 1.0, 0.0]]
    assert l1.note_at(3.0, 3.0).startswith("sign(0) = 0") and l1.note_at(3.0, 2.0) is None


def test_loss_terms_match_pytorch_reductions():
    torch = pytest.importorskip("torch", reason="PyTorch cross-checks the losses' reductions")
    y, t = torch.tensor(Y2), torch.tensor(T2)
    pairs = {"mse": torch.nn.functional.mse_loss(y, t), "l1": torch.nn.functional.l1_loss(y, t, reduction="sum"),
             "binary_cross_entropy": torch.nn.functional.binary_cross_entropy(y, t),
             "summed_cross_entropy": -(t * torch.log(y)).sum()}
    for name, expected in pairs.items():
        assert float(LOSSES[name].terms(Y2, T2).sum()) == pytest.approx(float(expected), rel=1e-12), name


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_each_losses_pytorch_form_is_its_E_total(name):
    # the exported script's loss(out, target) must be nncalc's E_total
    torch = pytest.importorskip("torch", reason="PyTorch evaluates the exported expressions")
    y, t = torch.tensor(Y2), torch.tensor(T2)
    got = eval(LOSSES[name].torch, {"torch": torch, "nn": torch.nn, "out": y, "target": t})  # noqa: S307
    assert float(got) == pytest.approx(float(LOSSES[name].terms(Y2, T2).sum()), rel=1e-12)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_each_activations_pytorch_form_is_its_function(name):
    torch = pytest.importorskip("torch", reason="PyTorch evaluates the exported expressions")
    op = ACTIVATIONS[name]
    act = Activation(name, op.default_alpha)
    got = eval(op.torch.format(x="x", alpha=op.default_alpha), {"torch": torch, "nn": torch.nn,  # noqa: S307
                                                                 "x": torch.tensor(NETS)})
    np.testing.assert_allclose(got.numpy(), act(NETS), rtol=1e-12, atol=1e-15)
