"""Terminals that are not UTF-8: every command still prints (a character the terminal cannot show
is escaped), and NNCALC_ASCII=1 draws ASCII rules as well as ASCII symbols."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(*args: str, **env: str) -> subprocess.CompletedProcess:
    full = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", **env}
    return subprocess.run([sys.executable, "-m", "nncalc", *args], capture_output=True, env=full, timeout=60)


@pytest.mark.parametrize("args", [("problems",), ("forward", "graph-xw"), ("backprop",)])
def test_an_ascii_terminal_gets_every_name_escaped_not_an_internal_error(args):
    done = run(*args, LC_ALL="C", PYTHONIOENCODING="ascii")
    assert done.returncode == 0, done.stderr.decode("ascii", "replace")
    assert done.stderr == b""
    done.stdout.decode("ascii")         # nothing the terminal could not show


def test_nncalc_ascii_draws_ascii_rules_too():
    done = run("backprop", NNCALC_ASCII="1")
    assert done.returncode == 0
    text = done.stdout.decode("utf-8")
    assert text.isascii(), [c for c in text if not c.isascii()][:5]
    assert "\n-----" in text and "|" not in text


def _ascii_tables(done: subprocess.CompletedProcess) -> str:
    assert done.returncode in (0, 1), done.stderr.decode("utf-8", "replace")     # check: 1 = a wrong answer
    text = done.stdout.decode("utf-8")
    assert text.isascii(), [c for c in text if not c.isascii()][:5]
    return text


def test_nncalc_ascii_draws_the_checker_trainer_and_evaluation_tables_with_rules_not_a_grid(tmp_path):
    answers = [tmp_path / "a.yaml", tmp_path / "b.yaml"]
    answers[0].write_text("answers:\n  grad.w5: 0.0842\n  new.w5: 0.5\n")
    answers[1].write_text("student: B\nanswers:\n  grad.w5: 0.08\n")
    model = tmp_path / "m.npz"
    outputs = [run("check", "nnbasic", str(answers[0]), NNCALC_ASCII="1"),
               run("check", "nnbasic", *map(str, answers), NNCALC_ASCII="1"),
               run("train", "spiral", "--epochs", "1", "--save", str(model), NNCALC_ASCII="1")]
    outputs.append(run("evaluate", str(model), "--data", "spiral", NNCALC_ASCII="1"))
    for done in outputs:
        text = _ascii_tables(done)
        assert "\n-----" in text or "  -----" in text, text
        assert "|" not in text and "+-" not in text, text
