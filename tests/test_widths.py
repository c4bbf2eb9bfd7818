"""Tidy output: at COLUMNS=80 every command writes no line over 80 characters and no trailing
spaces, over every bundled problem (issue 15's bar), and so does every --help page (groups and
their commands too). Error messages are one line on stderr by the project's rule, so only stdout
is measured."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from nncalc.bundled import bundled_problems
from nncalc.cli import app
from nncalc.problem import load_problem
from nncalc.render.common import too_large

WIDTH = 80


def _commands() -> list[list[str]]:
    cmds = [["problems"], ["help"], ["help", "format"], ["help", "api"], ["--help"], ["new", "2-2-2"],
            ["new", "3-4-4-2", "--samples", "3"], ["new", "30-12-2"], ["new", "answers", "nnbasic"],
            ["check", "nnbasic"], ["check", "nnbasic", "--explain"], ["data", "list"]]
    cmds += _help_pages(app, [])
    for name, path in bundled_problems().items():
        cmds += [["summary", name], ["show", name]]
        p = load_problem(path)
        if getattr(p, "inputs", None) is None and not hasattr(p, "graph"):
            continue
        cmds += [["forward", name], ["forward", name, "-e"], ["backprop", name], ["backprop", name, "-e"]]
        if not (hasattr(p, "network") and too_large(p)):      # names of a 101,000-weight net: 700,000 plain lines
            cmds += [["names", name]]
        if hasattr(p, "network") and p.inputs is not None and p.targets is not None:
            cmds += [["train", name, "--epochs", "3"], ["train", name, "--steps", "1", "--explain"],
                     ["evaluate", str(path)], ["predict", str(path)]]
    return cmds


def _help_pages(typer_app, path: list[str]) -> list[list[str]]:
    """`CMD --help` for every command and group of the app, sub-apps' commands included."""
    pages = [path + [c.name or c.callback.__name__, "--help"] for c in typer_app.registered_commands]
    for group in typer_app.registered_groups:
        pages += [path + [group.name, "--help"]] + _help_pages(group.typer_instance, path + [group.name])
    return pages


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, str]:
    runner = CliRunner()
    out = {}
    for args in _commands():
        result = runner.invoke(app, args, env={"COLUMNS": str(WIDTH), "NO_COLOR": "1"})
        out[" ".join(args)] = result.stdout
    return out


def test_every_command_fits_80_columns(outputs):
    wide = {cmd: max(map(len, text.splitlines())) for cmd, text in outputs.items()
            if text and max(map(len, text.splitlines())) > WIDTH}
    assert not wide, f"lines over {WIDTH} characters: {wide}"


def test_no_command_writes_trailing_spaces_when_piped(outputs):
    trailing = {cmd: sum(line != line.rstrip() for line in text.splitlines()) for cmd, text in outputs.items()}
    assert not any(trailing.values()), {cmd: n for cmd, n in trailing.items() if n}


def test_help_pages_show_the_extras_to_install(outputs):
    # Typer reads help as Rich markup: an unescaped 'nncalc[plot]' loses its '[plot]'
    dropped = [cmd for cmd, text in outputs.items() if cmd.endswith("--help") and "install 'nncalc'" in text]
    assert not dropped, dropped


def test_the_commands_measured_include_training_and_every_bundled_problem(outputs):
    assert any(cmd.startswith("train perceptron-and") for cmd in outputs)
    assert {"data list --help", "plot activations --help", "plot --help", "backprop --help"} <= set(outputs)
    assert {f"show {name}" for name in bundled_problems()} <= set(outputs)
