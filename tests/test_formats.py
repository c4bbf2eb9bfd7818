"""The format registry: every command's --format choices are its rows, and every output goes
through `render`, so adding a format is one row."""

from __future__ import annotations

import pytest

from nncalc.errors import UsageError
from nncalc.render import formats
from nncalc.render.formats import Style, render


def test_each_commands_format_choices_are_the_registrys_rows():
    import typer

    from nncalc.cli import app

    group = typer.main.get_command(app)
    for command, subject in (("backprop", "trace"), ("forward", "trace"), ("check", "check")):
        (option,) = [p for p in group.commands[command].params if p.name == "fmt"]
        assert tuple(option.type.choices) == formats.formats(subject), command


@pytest.mark.parametrize("fmt", formats.formats("trace"))
def test_backprop_writes_what_the_registry_renders(cli, tmp_path, fmt):
    from nncalc.api import plain_text
    from nncalc.bundled import open_problem
    from nncalc.cli.common import FILE_WIDTH
    from nncalc.trace import build_trace

    out = tmp_path / f"out.{fmt}"
    result = cli("backprop", "nnbasic", "-f", fmt, "-o", out)
    assert result.exit_code == 0, result.stderr
    content = render("trace", fmt, build_trace(open_problem("nnbasic")), Style(9, False, True, FILE_WIDTH))
    if not isinstance(content, str):
        content = plain_text(content, FILE_WIDTH)
    lines = [line.rstrip() for line in out.read_text(encoding="utf-8").rstrip().splitlines()]
    assert lines == [line.rstrip() for line in content.rstrip().splitlines()]


def test_a_registered_format_is_served_and_a_misspelt_one_suggested(monkeypatch):
    from nncalc.bundled import open_problem
    from nncalc.trace import build_trace

    monkeypatch.setitem(formats.FORMATS, "trace", dict(formats.FORMATS["trace"]))
    formats.register("trace", "names", lambda trace, style: " ".join(list(trace.quantities)[:style.decimals]))
    trace = build_trace(open_problem("nnbasic"))
    assert render("trace", "names", trace, Style(decimals=2)).count(" ") == 1
    formats.register("trace", "by-path", "nncalc.render.json:to_json")
    assert formats.renderer("trace", "by-path") is __import__("nncalc.render.json").render.json.to_json
    with pytest.raises(UsageError, match="unknown format 'nams'.*did you mean 'names'"):
        render("trace", "nams", trace)


def test_json_output_is_valid_json_or_an_error_naming_the_value():
    import json
    import math

    from nncalc.errors import ComputeError
    from nncalc.render.json import to_json

    def strict(text: str):
        return json.loads(text, parse_constant=lambda token: pytest.fail(f"{token} in JSON output"))

    assert strict(to_json({"values": {"net.h1": 0.1, "n": 3}})) == {"values": {"net.h1": 0.1, "n": 3}}
    for bad, where in ((math.inf, "values.net.h1"), (-math.inf, "values.net.h1"), (math.nan, "values.net.h1")):
        with pytest.raises(ComputeError, match=rf"^{where} = (-?inf|nan): JSON has no number for it"):
            to_json({"values": {"net.h1": bad}})
    with pytest.raises(ComputeError, match=r"^rows\[1\]\.loss = nan"):
        to_json({"rows": [{"loss": 1.0}, {"loss": math.nan}]})


def test_every_trace_format_has_its_form_with_symbolic_formulas():
    # `--symbolic` renders through the registry's 'symbolic' subject: each --format needs its row
    assert formats.formats("symbolic") == formats.formats("trace")
