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


def _built_commands(monkeypatch) -> list[str]:
    """The functions whose Click command Typer builds from here on (their signatures read)."""
    import typer.main

    built: list[str] = []
    real = typer.main.get_command_from_info

    def spy(command_info, **options):
        built.append(command_info.callback.__name__)
        return real(command_info=command_info, **options)

    monkeypatch.setattr(typer.main, "get_command_from_info", spy)
    return built


def test_a_command_builds_only_its_own_click_command_and_prints_the_same(cli, monkeypatch, capsys):
    from nncalc.cli import app

    whole = cli("backprop", "nnbasic").stdout          # CliRunner builds the whole group
    built = _built_commands(monkeypatch)
    with pytest.raises(SystemExit) as done:
        app(["backprop", "nnbasic"])
    assert done.value.code == 0 and built == ["backprop"]
    assert capsys.readouterr().out == whole


def test_anything_but_a_command_name_builds_every_command(monkeypatch, capsys):
    from nncalc.cli import app

    built = _built_commands(monkeypatch)
    with pytest.raises(SystemExit) as done:
        app(["backprp", "nnbasic"])
    assert done.value.code == 2 and "No such command 'backprp'" in capsys.readouterr().err
    assert {"backprop", "forward", "train", "check"} <= set(built)


def test_the_table_of_command_modules_names_where_each_command_is_registered():
    import nncalc.cli as cli

    registered = {}
    for info in cli.app.registered_commands:            # reading them imports every module
        registered[info.name or info.callback.__name__.replace("_", "-")] = info.callback.__module__
    for group in cli.app.registered_groups:
        registered[group.name] = group.typer_instance.registered_commands[0].callback.__module__
    assert registered == {name: f"nncalc.cli.{module}" for name, module in cli.COMMANDS.items()}
    assert set(cli.MODULES) == set(cli.COMMANDS.values())


def test_a_command_imports_only_its_own_command_module():
    import subprocess
    import sys

    code = ("import sys; from nncalc.cli import app\n"
            "try:\n    app(['backprop', 'nnbasic'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('nncalc.cli.')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stderr.strip() == "['nncalc.cli.common', 'nncalc.cli.discover', 'nncalc.cli.foundation']"
