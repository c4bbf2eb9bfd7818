"""Typer's own option errors are one line like nncalc's (`nncalc: error: ...`), exit code 2, never a
usage box; help and --version still print as before."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("args,pieces", [
    (("backprop", "-o", "{tmp}"), ["nncalc backprop: Invalid value for '--output' / '-o'", "is a directory"]),
    (("backprop", "--decimals", "10000"), ["'--decimals' / '-d': 10000 is not in the range 0<=x<=17"]),
    (("backprop", "--bogus"), ["No such option: --bogus"]),
    (("nope",), ["No such command 'nope'"]),
    (("check",), ["nncalc check: Missing argument 'PROBLEM'"]),
    (("backprop", "-f", "jsn"), ["'--format' / '-f'", "'jsn'"]),
])
def test_an_option_error_is_one_line_and_exit_2(cli, tmp_path, args, pieces):
    result = cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("nncalc: error: ") and line.endswith("-h`)"), line
    assert all(p in line for p in pieces), line
    assert "╭" not in result.stderr and "Usage:" not in result.stderr


def test_help_and_no_arguments_still_show_the_help(cli):
    assert cli("backprop", "-h").exit_code == 0 and "--decimals" in cli("backprop", "-h").stdout
    bare = cli()
    assert "Commands" in bare.stdout + bare.stderr
