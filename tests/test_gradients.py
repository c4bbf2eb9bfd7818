"""Every gradient nncalc computes is the derivative of E: a central finite difference of E_total
agrees to a relative 1e-6, for random networks over every activation with a derivative, every loss,
each bias form (none, shared, per unit) and several samples (sklearn's test_gradient, as a property).

The trace's own invariants are checked on the same networks: each quantity re-evaluates from its
inputs to its value (what the checker relies on), and every quantity comes after its inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nncalc.engine import backward, error_terms, forward
from nncalc.ops import ACTIVATIONS, LOSSES
from nncalc.problem import problem_from_doc, with_overrides
from nncalc.trace import build_trace, values_of
from nncalc.yamlio import YamlDoc

SMOOTH = [name for name, fn in ACTIVATIONS.items() if fn.df is not None]
KINKED = {"relu", "leaky_relu", "elu"}     # finite differences are only valid away from net = 0
KINKED_LOSSES = {"l1"}                      # ... and away from out = target
BIAS_FORMS = ["none", "shared", "per_unit"]
# Loss -> output activations it is used with (binary cross-entropy needs outputs in (0, 1)).
OUTPUTS = {
    "half_sse": SMOOTH, "sse": SMOOTH, "mse": SMOOTH, "l1": SMOOTH,
    "binary_cross_entropy": ["sigmoid"],
    "cross_entropy": ["softmax", "sigmoid"],
    "summed_cross_entropy": ["softmax", "sigmoid"],
}
# Targets of a softmax output: one-hot, or soft (any values in [0, 1], which need not add up to 1).
SOFTMAX_TARGETS = ["one_hot", "soft"]

SETTINGS = settings(max_examples=60, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])


@st.composite
def problems(draw):
    """A random small problem as the dict a problem file would hold."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    loss = draw(st.sampled_from(sorted(LOSSES)))
    n_layers = draw(st.integers(1, 3))
    n_in = draw(st.integers(1, 3))
    n_samples = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 3)) for _ in range(n_layers - 1)]
    out_act = draw(st.sampled_from(OUTPUTS[loss]))
    sizes.append(draw(st.integers(2, 3)) if out_act == "softmax" else draw(st.integers(1, 3)))
    layers, fan_in = [], n_in
    for li, units in enumerate(sizes):
        act = out_act if li == n_layers - 1 else draw(st.sampled_from(SMOOTH))
        spec = {"units": units, "activation": act,
                "weights": rng.normal(0, 1, (units, fan_in)).round(6).tolist()}
        if act in ("leaky_relu", "elu"):
            spec["activation"] = {"name": act, "alpha": round(float(rng.uniform(0.05, 1.5)), 3)}
        form = draw(st.sampled_from(BIAS_FORMS))
        if form == "shared":
            spec["bias"] = round(float(rng.normal()), 6)
        elif form == "per_unit":
            spec["bias"] = rng.normal(0, 1, units).round(6).tolist()
        layers.append(spec)
        fan_in = units
    m = sizes[-1]
    if loss in ("binary_cross_entropy", "cross_entropy", "summed_cross_entropy"):
        targets = rng.uniform(0, 1, (n_samples, m))
        if out_act == "softmax" and draw(st.sampled_from(SOFTMAX_TARGETS)) == "one_hot":
            targets = np.eye(m)[rng.integers(0, m, n_samples)]
    else:
        targets = rng.normal(0, 1, (n_samples, m))
    data = [{"input": rng.normal(0, 1, n_in).round(6).tolist(), "target": t.round(6).tolist()}
            for t in targets]
    return {"network": {"inputs": n_in, "layers": layers}, "loss": loss, "learning_rate": 0.3, "data": data}


def load(spec):
    return problem_from_doc(YamlDoc("<random>", spec, None))


def total_error(problem) -> float:
    fwd = forward(problem.network.layers, problem.inputs)
    return math.fsum(error_terms(problem.loss, fwd.output, problem.targets).ravel().tolist())


def away_from_kinks(problem) -> bool:
    fwd = forward(problem.network.layers, problem.inputs)
    if problem.loss in KINKED_LOSSES and np.abs(fwd.output - problem.targets).min() <= 1e-3:
        return False
    return all(layer.activation.name not in KINKED or np.abs(net).min() > 1e-3
               for layer, net in zip(problem.network.layers, fwd.nets))


@SETTINGS
@given(problems())
def test_every_gradient_is_a_finite_difference_of_E(spec):
    problem = load(spec)
    assume(away_from_kinks(problem))
    trace = build_trace(problem)
    for name, value in problem.network.parameter_values().items():
        h = 1e-6 * max(1.0, abs(value))
        up = total_error(with_overrides(problem, {name: value + h}))
        down = total_error(with_overrides(problem, {name: value - h}))
        numeric = (up - down) / (2 * h)
        grad = trace[f"grad.{name}"].value
        assert abs(grad - numeric) <= 1e-6 * max(abs(grad), abs(numeric)) + 1e-8, (
            f"{name}: backprop {grad!r}, finite difference {numeric!r} ({problem.loss})")


@SETTINGS
@given(problems())
def test_each_quantity_re_evaluates_from_its_inputs(spec):
    trace = build_trace(load(spec))
    value_of = values_of(trace, {})
    for name, q in trace.quantities.items():
        assert trace.evaluate(name, value_of) == pytest.approx(q.value, rel=1e-9, abs=1e-12), name


@SETTINGS
@given(problems())
def test_quantities_come_after_their_inputs(spec):
    trace = build_trace(load(spec))
    seen: set[str] = set()
    for name, q in trace.quantities.items():
        missing = [x for x in q.inputs if x not in seen]
        assert not missing, f"{name} is listed before its inputs {missing}"
        seen.add(name)


@SETTINGS
@given(problems())
def test_update_is_one_gradient_descent_step(spec):
    trace = build_trace(load(spec))
    eta = trace["eta"].value
    for name, value in trace.problem.network.parameter_values().items():
        assert trace[f"new.{name}"].value == pytest.approx(value - eta * trace[f"grad.{name}"].value, rel=1e-12)


@SETTINGS
@given(problems(), st.sampled_from([-0.3, 0.5, 2.0]))
def test_a_scaled_backward_pass_scales_every_delta_and_gradient(spec, scale):
    # the trainer folds -eta into the output deltas; every later delta and gradient follows linearly
    problem = load(spec)
    layers, fwd = problem.network.layers, forward(problem.network.layers, problem.inputs)
    plain = backward(layers, problem.loss, fwd, problem.targets)
    scaled = backward(layers, problem.loss, fwd, problem.targets, scale=scale)
    for kind in ("delta", "grad_W", "grad_b"):
        for a, b in zip(getattr(plain, kind), getattr(scaled, kind)):
            if a is not None:
                np.testing.assert_allclose(b, scale * a, rtol=1e-12, atol=1e-15, err_msg=kind)


def test_every_smooth_activation_and_loss_is_drawn():
    # The strategy's tables must cover the operation tables, so a new entry is tested too.
    assert set(OUTPUTS) == set(LOSSES)
    covered = {a for acts in OUTPUTS.values() for a in acts} | set(SMOOTH)
    assert covered == set(SMOOTH) | {"softmax"}


@pytest.mark.parametrize("name,z,expected", [
    # At z = 0 the derivative of relu is 0 and of leaky_relu alpha (PyTorch's convention).
    ("relu", 0.0, 0.0), ("leaky_relu", 0.0, 0.01), ("relu", 1e-9, 1.0), ("leaky_relu", -1e-9, 0.01),
])
def test_derivative_at_the_kink(name, z, expected):
    fn = ACTIVATIONS[name]
    alpha = fn.default_alpha
    a = fn.f(np.array([z]), alpha)
    assert fn.df(np.array([z]), a, alpha)[0] == expected
