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
