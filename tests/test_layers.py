"""Layer objects: each lists its parameters (name, kind, array, names) and does its own arithmetic.

Numbers: the NNBasic deck's 2-2-2 network (seed 002, problems/nnbasic.yaml): w1..w8 = 0.04 0.12 0.12 0.08
0.24 0.32 0.28 0.20, shared biases b1 = 0.40, b2 = 0.36.
"""

from __future__ import annotations

import numpy as np
import pytest

from nncalc.bundled import resolve
from nncalc.engine import backward, forward
from nncalc.ops import Activation
from nncalc.layers import Dense, Parameter
from nncalc.problem import load_problem
from nncalc.train import FlatParams


@pytest.fixture
def nnbasic():
    return load_problem(resolve("nnbasic"))


def test_a_dense_layer_lists_its_weights_then_its_bias_with_their_names(nnbasic):
    hidden = nnbasic.network.layers[0]
    weights, bias = hidden.parameters()
    assert (weights.name, weights.kind, weights.names) == ("weights", "weight", (("w1", "w2"), ("w3", "w4")))
    assert (bias.name, bias.kind, bias.names, bias.shared, bias.size) == ("bias", "bias", ("b1",), True, 1)
    assert weights.array is hidden.weights and bias.array is hidden.bias


def test_a_layer_without_bias_lists_only_its_weights():
    layer = Dense(("y",), Activation("sigmoid"), np.ones((1, 2)), (("wa", "wb"),), None, ())
    assert [p.name for p in layer.parameters()] == ["weights"]
    assert layer.grads(np.ones((3, 2)), np.ones((3, 1)))[0].shape == (1, 2)


def test_with_arrays_gives_a_layer_holding_exactly_those_arrays(nnbasic):
    layer = nnbasic.network.layers[1]
    W, b = np.zeros_like(layer.weights), np.zeros_like(layer.bias)
    other = layer.with_arrays({"weights": W, "bias": b})
    assert other.weights is W and other.bias is b and other.weight_names == layer.weight_names
    assert layer.weights.any()          # the original is untouched


def test_the_flat_buffer_is_built_from_the_layers_parameters_weights_first(nnbasic):
    flat = FlatParams.of(nnbasic.network, np.float64)
    # w1..w8 first (layer by layer, row by row), then the hidden and output biases (each repeated per unit)
    np.testing.assert_array_equal(flat.values, [0.04, 0.12, 0.12, 0.08, 0.24, 0.32, 0.28, 0.20, 0.40, 0.40, 0.36, 0.36])
    assert flat.n_weights == 8
    flat.values[0] = 9.0
    assert flat.layers[0].weights[0, 0] == 9.0          # the layers hold views of the buffer
    fwd = forward(flat.layers, nnbasic.inputs)
    bwd = backward(flat.layers, nnbasic.loss, fwd, nnbasic.targets, into=flat.into)
    assert np.shares_memory(bwd.grads[1][0], flat.grads)
    np.testing.assert_array_equal(flat.grads[4:8], bwd.grads[1][0].ravel())


def test_the_engine_chains_each_layers_own_forward(nnbasic):
    fwd = forward(nnbasic.network.layers, nnbasic.inputs)
    a = nnbasic.inputs
    for layer, net, out in zip(nnbasic.network.layers, fwd.nets, fwd.outs[1:]):
        own_net, own_out = layer.forward(a)
        np.testing.assert_array_equal(net, own_net)
        np.testing.assert_array_equal(out, own_out)
        a = out


def test_parameter_size_counts_a_shared_bias_once():
    assert Parameter("bias", "bias", np.full(3, 0.5), ("b1",), shared=True).size == 1
    assert Parameter("bias", "bias", np.full(3, 0.5), ("a", "b", "c")).size == 3
