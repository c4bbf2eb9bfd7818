"""Activations and losses stay finite and silent at extreme inputs, and keep the training dtype."""

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
