"""Shared fixtures: keep this small; each test file holds its own helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def write_problem(tmp_path: Path):
    """write_problem(yaml_text, name='p.yaml') -> the path of a problem file holding that text."""

    def write(text: str, name: str = "p.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def cli(monkeypatch):
    """cli('backprop', 'xor-20', ...) -> the CliRunner result (stdout and stderr apart), at 80
    columns without colour."""
    from typer.testing import CliRunner

    from nncalc.cli import app

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [str(a) for a in args])

    return run
