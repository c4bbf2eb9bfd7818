"""Checking recurrent homework: answer names with time steps and the AI-study deck's h_t, W_h, ...;
errors carried forward through time; the classic mistakes of backpropagation through time.

The wrong numbers are worked out by hand in plain Python (tests/test_rnn_problems.scalar_by_hand)
for the bundled one-unit two-step RNN (rnn-scalar): x = (1, 2), W_x 0.5, W_h 0.4, W_y 1.5, targets
(0.5, 1.0): h_1 0.462117157, y_1 0.693175736, h_2 0.828973826, y_2 1.243460738, δ_h[1]
0.263819134, δ_h[2] 0.114232654, dL/dW_h 0.052788869.
"""

from __future__ import annotations

import math
import textwrap

import pytest

from nncalc.check import Checker
from nncalc.names import NameResolver
from nncalc.problem import load_problem
from nncalc.trace import build_trace
from nncalc.verdicts import CARRIED, CORRECT, WRONG, FileResult, summarize
from test_rnn_problems import loads, problem_path, scalar_by_hand

BY_HAND = scalar_by_hand()


def _checker(name: str) -> Checker:
    return Checker(build_trace(load_problem(problem_path(name))))


@pytest.fixture(scope="module")
def scalar() -> Checker:
    return _checker("rnn-scalar")


@pytest.fixture(scope="module")
def study() -> Checker:
    return _checker("rnn-ai-study")


@pytest.fixture(scope="module")
def many() -> Checker:
    return _checker("rnn-many-to-one")


@pytest.fixture
def check(tmp_path):
    """check(checker, 'yaml answers mapping') -> FileResult, read from a real file as the CLI does."""

    def run(checker: Checker, answers: str) -> FileResult:
        path = tmp_path / "answers.yaml"
        body = textwrap.indent(textwrap.dedent(answers).strip(), "  ")
        path.write_text(f"student: Kim\nanswers:\n{body}\n", encoding="utf-8")
        return checker.check(checker.read(path))

    return run


def by_name(result: FileResult) -> dict:
    return {r.name: r for r in result.results}


def nine(x: float) -> str:
    return f"{x:.9f}"


# ---------------------------------------------------------------- names through time

@pytest.mark.parametrize("written,canonical", [
    ("out.h[2]", "out.h[2]"), ("h[2]", "out.h[2]"), ("h_1", "out.h[1]"), ("h_{2}", "out.h[2]"), ("h(2)", "out.h[2]"),
    ("y_2", "out.y[2]"), ("out_y[1]", "out.y[1]"), ("net_h[1]", "net.h[1]"), ("h_0", "out.h[0]"),
    ("δ_h[1]", "delta.h[1]"), ("delta_h_2", "delta.h[2]"), ("dL/dnet_h[1]", "delta.h[1]"),
    ("dL/dh_1", "dE/dout.h[1]"), ("∂E/∂h_{2}", "dE/dout.h[2]"), ("dout_h[1]/dnet_h[1]", "dout/dnet.h[1]"),
    ("E_y[2]", "E.y[2]"), ("L_2", "E.y[2]"), ("L", "E.total"),
    ("dE_y[1]/dout_h[1]", "dE.y[1]/dout.h[1]"), ("dE_h[2]/dout_h[1]", "dE.h[2]/dout.h[1]"),
    ("dnet_h[2]/dout_h[1]", "wh"), ("dnet_y[2]/dout_h[2]", "wy"), ("dnet_h[2]/dwh", "dnet.h[2]/dwh"),
    # the AI-study deck's matrices, here 1 x 1
    ("W_h", "wh"), ("W_x", "wx"), ("W_y", "wy"), ("b_h", "bh"), ("b_y", "by"), ("b", "bh"),
    ("dL/dW_h", "grad.wh"), ("∂L/∂W_x", "grad.wx"), ("dE_total/dW_y", "grad.wy"), ("W_h+", "new.wh"),
    ("W_h_new", "new.wh"), ("grad_W_h", "grad.wh"),
])
def test_recurrent_names_resolve_as_the_slides_write_them(scalar, written, canonical):
    assert scalar.resolver.resolve(written) == canonical


@pytest.mark.parametrize("written,canonical", [
    ("h1[2]", "out.h1[2]"), ("out_h1_2", "out.h1[2]"), ("h4_3", "out.h4[3]"), ("net.h3[1]", "net.h3[1]"),
    ("y2[3]", "out.y2[3]"), ("W_h[1,2]", "wh12"), ("W_h(1,2)", "wh12"), ("W_h[1][2]", "wh12"), ("W_h_12", "wh12"),
    ("W_{h}[3, 4]", "wh34"), ("W_x[4,1]", "wx41"), ("W_y[2,4]", "wy24"), ("b_h[3]", "bh3"), ("b_y[2]", "by2"),
    ("dL/dW_h[2,3]", "grad.wh23"), ("∂E/∂b_h[1]", "grad.bh1"), ("W_x[1,1]+", "new.wx11"),
    ("dnet_h1[2]/dout_h3[1]", "wh13"), ("x3[2]", "x3[2]"), ("dnet_h1[2]/dwx12", "dnet.h1[2]/dwx12"),
])
def test_vector_rnn_names_take_units_and_matrix_entries(study, written, canonical):
    assert study.resolver.resolve(written) == canonical


@pytest.mark.parametrize("written,canonical", [
    ("y_3@1", "out.y[3]@1"), ("h1[2]@2", "out.h1[2]@2"), ("out.y[2]@2", "out.y[2]@2"), ("E_y[3]@1", "E.y[3]@1"),
])
def test_sequences_of_several_samples_take_the_sample_suffix_after_the_step(many, written, canonical):
    assert many.resolver.resolve(written) == canonical


@pytest.mark.parametrize("problem,written,message", [
    ("scalar", "h_t", "'h_t': give the time step as a number (1 to 2), e.g. h_1 or out.h1[1]"),
    ("scalar", "h_{t-1}", "'h_{t-1}': give the time step as a number (1 to 2)"),
    ("scalar", "out_h", "'out_h': out.h changes over time; say which step (1 to 2), e.g. out.h[1]"),
    ("scalar", "h_3", "'h_3': step 3 does not exist (the sequence has 2 steps, numbered from 1; "
                      "step 0 is the initial state)"),
    ("study", "h_2", "'h_2': h_2 is a vector of 4 values (h1, h2, h3, h4 at step 2); name one, e.g. h1[2]"),
    ("study", "dL/dW_h", "'dL/dW_h' names a whole matrix or vector; name one entry, e.g. W_h[1,1] (wh11)"),
    ("many", "out.h1[3]@2", "'out.h1[3]@2': step 3 does not exist (sample 2 has 2 steps, numbered from 1; "
                            "step 0 is the initial state)"),
])
def test_a_name_that_is_not_one_number_says_why(problem, written, message, scalar, study, many):
    resolver: NameResolver = {"scalar": scalar, "study": study, "many": many}[problem].resolver
    assert resolver.resolve(written) is None
    assert resolver.why_unknown(written).startswith(message)


@pytest.mark.skipif(not loads("rnn-lstm-one-step"), reason="the lstm layer type is not on this branch yet")
@pytest.mark.parametrize("written,canonical", [
    ("i_1", "i.h[1]"), ("f_h[1]", "f.h[1]"), ("g.h[1]", "g.h[1]"), ("o_1", "o.h[1]"), ("c_1", "cell.h[1]"),
    ("cell_h[1]", "cell.h[1]"), ("c_0", "cell.h[0]"), ("h_0", "out.h[0]"), ("h_1", "out.h[1]"),
    ("dL/dh_1", "dE/dout.h[1]"), ("dL/dwi1", "grad.wi1"),
])
def test_lstm_gates_and_cell_resolve_as_written(written, canonical):
    resolver = _checker("rnn-lstm-one-step").resolver
    assert resolver.resolve(written) == canonical
    assert resolver.why_unknown("c_2").startswith("'c_2': step 2 does not exist (the sequence has 1 step, "
                                                  "numbered from 1; step 0 is the initial state)")


# ---------------------------------------------------------------- errors carried forward through time

def test_a_wrong_h1_carried_into_h2_and_y2_is_counted_once(scalar, check):
    wrong_h1 = 0.5125                                 # instead of tanh(0.5) = 0.462117157
    their_h2 = math.tanh(0.5 * 2.0 + 0.4 * wrong_h1)  # tanh(1.205) = 0.835613
    result = check(scalar, f"""
        h_1: {wrong_h1}
        h_2: {nine(their_h2)}
        y_2: {nine(1.5 * their_h2)}
    """)
    verdicts = {n: r.verdict for n, r in by_name(result).items()}
    assert verdicts == {"out.h[1]": WRONG, "out.h[2]": CARRIED, "out.y[2]": CARRIED}
    assert by_name(result)["out.y[2]"].roots == ("out.h[1]",)
    [y2] = [s for s in summarize([result], scalar.graph.position) if s.name == "out.y[2]"]
    assert (y2.wrong, y2.carried) == (0, 1)


def test_their_own_wrong_h2_carries_into_the_gradient_through_time(scalar, check):
    h1, h2 = BY_HAND["out.h[1]"], 0.8391            # a slip: 0.8290 is right
    d2 = 1.5 * (1.5 * h2 - 1.0) * (1 - h2 ** 2)      # delta_h[2] from their h_2
    result = check(scalar, f"""
        h_1: {nine(h1)}
        h_2: {h2}
        delta_h[2]: {nine(d2)}
        dL/dW_h: {nine(d2 * h1)}
    """)
    verdicts = {n: r.verdict for n, r in by_name(result).items()}
    assert verdicts == {"out.h[1]": CORRECT, "out.h[2]": WRONG, "delta.h[2]": CARRIED, "grad.wh": CARRIED}


def test_the_right_numbers_through_time_are_correct(scalar, check):
    result = check(scalar, "\n".join(f"{n}: {nine(BY_HAND[n])}" for n in
                                     ("out.h[1]", "out.h[2]", "out.y[2]", "delta.h[1]", "grad.wh", "new.wh")))
    assert all(r.verdict == CORRECT for r in result.results)


# ---------------------------------------------------------------- the classic BPTT mistakes

@pytest.mark.parametrize("key,name,written", [
    ("next_step_left_out", "dE/dout.h[1]", "dL/dh_1"),
    ("last_step_only", "grad.wx", "dL/dW_x"),
    ("state_not_previous", "grad.wh", "dL/dW_h"),
])
def test_each_bptt_mistake_is_diagnosed_with_its_own_message(scalar, check, key, name, written):
    result = check(scalar, f"{written}: {nine(BY_HAND[f'{key}:{name}'])}")
    [r] = result.results
    assert r.verdict == WRONG and r.mistakes == (key,), r.diagnosis
    message = {"next_step_left_out": "the path through h_{t+1} left out (∂E/∂out_h[1] from y[1] only, "
                                     "not also through h[2])",
               "last_step_only": "the gradient of the last step only, not summed over the steps (only the "
                                 "term of t = 2, not the sum over every step)",
               "state_not_previous": "W_h's gradient taken with h_t instead of h_{t-1}"}[key]
    assert r.diagnosis.startswith(message)


def test_h_t_for_h_t_minus_1_names_the_state_it_used(scalar, check):
    result = check(scalar, "dnet_h[2]/dwh: " + nine(BY_HAND["out.h[2]"]))     # h_2 where h_1 belongs
    [r] = result.results
    assert r.mistakes == ("state_not_previous",)
    assert "out.h[2] instead of out.h[1]" in r.diagnosis


def test_the_last_step_only_over_three_steps_of_the_vector_rnn(study, check):
    trace = study.trace                            # W_h's gradient is a sum over t = 1..3; h_0 = 0
    last = trace["delta.h1[3]"].value * trace["out.h2[2]"].value
    result = check(study, f"dL/dW_h[1,2]: {nine(last)}")
    [r] = result.results
    assert r.mistakes == ("last_step_only",) and "t = 3" in r.diagnosis


def test_leaving_out_the_path_through_the_next_step_carries_into_the_gradient(scalar, check):
    d1 = BY_HAND["next_step_left_out:dE/dout.h[1]"] * (1 - BY_HAND["out.h[1]"] ** 2)
    wrong_wx = d1 * 1.0 + BY_HAND["delta.h[2]"] * 2.0
    result = check(scalar, f"dL/dW_x: {nine(wrong_wx)}")
    [r] = result.results
    assert r.mistakes == ("next_step_left_out",)


def test_many_to_one_gradients_and_the_mean_over_the_targeted_steps(many, check):
    trace = many.trace           # mse over the 2 targeted values: the 1/2 left out doubles everything
    result = check(many, f"dL/dW_y[1,1]: {nine(2 * trace['grad.wy1'].value)}")
    [r] = result.results
    assert r.verdict == WRONG and "the 1/n of the mean over the samples left out" in r.diagnosis


# ---------------------------------------------------------------- the answers template

def test_the_answers_template_lists_every_step_and_each_spelling_resolves(scalar):
    import yaml

    from nncalc.new import answers_template

    text = answers_template(str(problem_path("rnn-scalar")))
    keys = list(yaml.safe_load(text)["answers"])
    assert {"out.h[1]", "out.h[2]", "out.y[2]", "dE/dout.h[1]", "delta.h[2]", "grad.wh", "new.wh"} <= set(keys)
    assert "out.h[0]" not in keys                    # a given number, not one to work out
    assert 'out.h[1]:' in text                       # written plainly, not as a quoted key
    for line in text.splitlines():
        if line.startswith("  ") and "#" in line:
            key, spelled = line.split(":", 1)[0].strip(), line.split("#", 1)[1].strip()
            assert scalar.resolver.resolve(spelled) == scalar.resolver.resolve(key) == key, line


def test_in_time_the_mean_counts_the_targeted_steps(study, check):
    trace = study.trace              # half_sse summed over 3 targeted steps: an extra 1/n is a third
    result = check(study, f"dL/dW_y[1,1]: {nine(trace['grad.wy11'].value / 3)}")
    [r] = result.results
    assert "an extra 1/n, averaging the summed samples" in r.diagnosis
    assert "n = 3 targeted (sample, step) pairs: everything after it 1/3 of what it should be" in r.diagnosis


def test_export_refuses_a_recurrent_problem_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from nncalc.cli import app

    result = CliRunner().invoke(app, ["export", str(problem_path("rnn-scalar")), "--to", "pytorch",
                                      "-o", str(tmp_path / "m.py")])
    assert result.exit_code == 2
    assert result.output.strip().endswith("layer 1 is a recurrent layer; only dense layers can be exported")
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "m.py").exists()
