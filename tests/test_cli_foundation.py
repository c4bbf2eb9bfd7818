"""`nncalc forward`, `backprop`, `problems` and `summary` through Typer's CliRunner: exit codes,
what is printed, and every option (--explain, --format, --set, --decimals, -o)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def test_backprop_default_problem(cli):
    result = cli("backprop")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("2-2-2 sigmoid network (NNBasic slides)\n")
    for number in ("0.613962657", "0.234125807", "0.084155041", "0.197922480", "0.078175051"):
        assert number in out
    assert "…" not in out and all(len(line) <= 80 for line in out.splitlines())
    assert "\x1b[" not in out


def test_backprop_explain(cli):
    result = cli("backprop", "--explain")
    assert result.exit_code == 0
    assert "∂E_total/∂w5 = ∂E_total/∂out_o1 * ∂out_o1/∂net_o1 * ∂net_o1/∂w5" in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_ascii_explain_when_asked(cli, monkeypatch):
    monkeypatch.setenv("NNCALC_ASCII", "1")
    result = cli("backprop", "-e")
    assert "dE_total/dw5 = dE_total/dout_o1" in result.stdout and "∂" not in result.stdout


def test_forward_explain_is_the_forward_pass_only(cli):
    result = cli("forward", "--explain")
    assert result.exit_code == 0
    assert "net_h1 = w1 * i1 + w2 * i2 + b1 * 1" in result.stdout
    assert "Backward" not in result.stdout and "∂" not in result.stdout


def test_forward_several_samples_one_row_each(cli):
    result = cli("forward", "basic-ideas-3layer", "-d", "2")
    assert result.exit_code == 0
    rows = [line.split() for line in result.stdout.splitlines() if line[:2] in ("1 ", "2 ")]
    assert rows[:2] == [["1", "1", "-1", "0.62", "0.83"], ["2", "0", "0", "0.51", "0.85"]]


def test_json(cli):
    result = cli("backprop", "--format", "json", "--explain")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["problem"] == "2-2-2 sigmoid network (NNBasic slides)"
    assert abs(data["values"]["new.w5"] - 0.19792248) < 1e-8
    assert data["values"]["grad.w5"] == pytest.approx(0.08415504, abs=1e-8)
    assert any(line.startswith("  w5+ = w5 - η * ∂E_total/∂w5") for line in data["explain"])


def test_json_keeps_full_precision_whatever_the_decimals(cli):
    full = json.loads(cli("backprop", "-f", "json").stdout)["values"]
    short = json.loads(cli("backprop", "-f", "json", "-d", "2").stdout)["values"]
    assert full == short and len(repr(full["out.h1"])) > 12


def test_markdown(cli):
    result = cli("backprop", "-f", "markdown", "-e")
    assert result.exit_code == 0
    assert result.stdout.startswith("## 2-2-2 sigmoid network (NNBasic slides)")
    assert "| w5 | h1→o1 |" in result.stdout and "```text" in result.stdout


def test_set_overrides(cli):
    result = cli("backprop", "--set", "w5=0.3", "--set", "eta=1", "-f", "json")
    assert result.exit_code == 0
    values = json.loads(result.stdout)["values"]
    assert values["w5"] == 0.3 and values["eta"] == 1.0
    assert values["new.w5"] == pytest.approx(0.3 - values["grad.w5"])


def test_set_an_input_of_one_sample(cli):
    values = json.loads(cli("forward", "xor-20", "--set", "x1@1=1", "-f", "json").stdout)["values"]
    assert values["x1@1"] == 1 and values["x1@2"] == 0 and values["out.y@1"] > 0.99


def test_decimals(cli):
    out = cli("backprop", "--decimals", "4").stdout
    assert "0.0842" in out and "0.084155041" not in out


def test_output_file(cli, tmp_path):
    target = tmp_path / "out.md"
    result = cli("backprop", "-f", "markdown", "-o", target)
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8").startswith("## 2-2-2 sigmoid network")
    assert not [p for p in tmp_path.iterdir() if p.name != "out.md"]        # no temporary file left


def test_output_file_table(cli, tmp_path):
    target = tmp_path / "out.txt"
    assert cli("backprop", "xor-20", "-o", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "Gradients summed over the 4 samples" in text and "\x1b[" not in text


def test_output_to_a_missing_folder(cli, tmp_path):
    result = cli("backprop", "-o", tmp_path / "no" / "out.txt")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_problems(cli):
    result = cli("problems")
    assert result.exit_code == 0
    assert any(line.startswith("nnbasic ") and "2-2-2" in line for line in result.stdout.splitlines())


def test_summary(cli):
    result = cli("summary")
    assert result.exit_code == 0
    assert "2 x 2 = 4" in result.stdout and "1 shared" in result.stdout
    assert result.stdout.rstrip().endswith("10")


def test_bad_format(cli):
    result = cli("backprop", "-f", "htm")
    assert result.exit_code == 2 and "htm" in result.stderr


def test_piped_output_has_no_colour_and_no_color_is_respected():
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    piped = subprocess.run([sys.executable, "-m", "nncalc", "backprop"], capture_output=True, text=True,
                           env=env, timeout=60)
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout
    forced = subprocess.run([sys.executable, "-m", "nncalc", "backprop"], capture_output=True, text=True,
                            env={**env, "FORCE_COLOR": "1", "NO_COLOR": "1"}, timeout=60)
    assert not any(f"\x1b[{c}" in forced.stdout for c in ("31", "32", "33", "34", "35", "36", "38"))


def test_python_dash_m(tmp_path):
    result = subprocess.run([sys.executable, "-m", "nncalc", "forward", "graph-xw", "-f", "json"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and json.loads(result.stdout)["values"]["out.y_hat"] == 1
