"""The format registry: every output format of every command behind one function, `render`.

A subject is what is rendered (a worked example's `trace`, a `check` report, ...); each of its
formats is one row of FORMATS. A renderer takes the object and a `Style` and returns text or a Rich
renderable; the command prints it. Renderers import their modules when called, so start-up stays
fast. Adding a format is one function and one row (or `register(subject, name, fn)` from another
module, which may also name the function as "module:function").

    render("trace", "json", trace, Style(decimals=9))
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, NamedTuple, Union

from ..errors import UsageError, suggest


class Style(NamedTuple):      # a NamedTuple: as immutable as a frozen dataclass, quicker to define at start-up
    """How a renderer lays out its output: decimals shown, the derivation or not, Unicode symbols
    or ASCII, and the width in columns (None: the renderer's own)."""

    decimals: int = 9
    explain: bool = False
    unicode: bool = True
    width: int | None = None


Renderer = Callable[[Any, Style], Any]      # (object, style) -> str | bytes (a PNG) | rich RenderableType

# ---------------------------------------------------------------- a worked example (a trace)

def _trace_table(trace: Any, style: Style) -> Any:
    if style.explain:
        from .explain import explain_text

        return explain_text(trace, style.decimals, unicode=style.unicode, width=style.width)
    from .table import view

    return view(trace, style.decimals, unicode=style.unicode, width=style.width)


def _trace_data(trace: Any, style: Style) -> dict[str, Any]:
    from .json import trace_dict

    data = trace_dict(trace)
    if style.explain:
        from .explain import explain_lines

        data["explain"] = explain_lines(trace, style.decimals, unicode=True)
    return data


def _trace_json(trace: Any, style: Style) -> str:
    from .json import to_json

    return to_json(_trace_data(trace, style))


def _trace_markdown(trace: Any, style: Style) -> str:
    from .markdown import markdown

    return markdown(trace, style.decimals, explain=style.explain)


def _trace_html(trace: Any, style: Style) -> str:
    from .html import html_page

    return html_page(trace, style.decimals, explain=style.explain)


def _trace_latex(trace: Any, style: Style) -> str:
    from .latex import document

    return document(trace, style.decimals, explain=style.explain)


def _trace_latex_fragment(trace: Any, style: Style) -> str:
    from .latex import fragment

    return fragment(trace, style.decimals, explain=style.explain)


def _trace_beamer(trace: Any, style: Style) -> str:
    from .latex import beamer

    return beamer(trace, style.decimals)


# ---------------------------------------------------------------- a check report

def _check_table(report: Any, style: Style) -> Any:
    from .check import check_view

    return check_view(report, style.decimals, style.unicode, style.width or 80)


def _check_json(report: Any, style: Style) -> str:
    from .check import check_dict
    from .json import to_json

    return to_json(check_dict(report))


def _check_csv(report: Any, style: Style) -> str:
    from .check import check_csv

    return check_csv(report)


def _check_markdown(report: Any, style: Style) -> str:
    from .check import check_markdown

    return check_markdown(report, style.decimals)


def _check_gradescope(report: Any, style: Style) -> str:
    from ..platforms.gradescope import results
    from .json import to_json

    return to_json(results(report.files[0], report.carried_credit))


# ---------------------------------------------------------------- a graph's trace with its formulas (--symbolic)

class WithFormulas:
    """A computational graph's trace and its gradients as SymPy formulas: {name: (formula, value)},
    and the lines that show them (a heading, then one line a gradient). A plain class: a NamedTuple
    costs a start-up of every command half a millisecond to define."""

    __slots__ = ("trace", "gradients", "lines")

    def __init__(self, trace: Any, gradients: dict[str, tuple[str, float]], lines: list[str]) -> None:
        self.trace, self.gradients, self.lines = trace, gradients, lines


def _formulas_table(w: WithFormulas, style: Style) -> Any:
    from rich.console import Group
    from rich.text import Text

    return Group(_trace_table(w.trace, style), Text(""), Text(w.lines[0], style="bold"), Text("\n".join(w.lines[1:])))


def _formulas_json(w: WithFormulas, style: Style) -> str:
    from .json import to_json

    data = _trace_data(w.trace, style)
    data["symbolic"] = {name: {"formula": f, "value": v} for name, (f, v) in w.gradients.items()}
    return to_json(data)


def _formulas_markdown(w: WithFormulas, style: Style) -> str:
    return _trace_markdown(w.trace, style) + "\n**" + w.lines[0] + "**\n\n```text\n" + "\n".join(w.lines[1:]) + "\n```\n"


def _formulas_after(fmt: str) -> Renderer:
    """The trace in a text format `fmt`, the formulas' lines after it."""
    return lambda w, style: render("trace", fmt, w.trace, style) + "\n\n" + "\n".join(w.lines)


# subject -> format -> renderer (a function, or "module:function" imported when first used)
FORMATS: dict[str, dict[str, Union[str, Renderer]]] = {
    "trace": {"table": _trace_table, "json": _trace_json, "markdown": _trace_markdown, "html": _trace_html,
              "latex": _trace_latex, "latex-fragment": _trace_latex_fragment, "beamer": _trace_beamer,
              "matrix": "nncalc.pictures.matrix_form:matrix_form_text"},
    "symbolic": {"table": _formulas_table, "json": _formulas_json, "markdown": _formulas_markdown,
                 **{fmt: _formulas_after(fmt) for fmt in ("html", "latex", "latex-fragment", "beamer", "matrix")}},
    "check": {"table": _check_table, "json": _check_json, "csv": _check_csv, "markdown": _check_markdown,
              "gradescope": _check_gradescope, "latex": "nncalc.render.latex:check_latex",
              "latex-fragment": "nncalc.render.latex:check_latex_fragment",
              "html": "nncalc.render.html:check_html", "beamer": "nncalc.render.latex:check_beamer"},
    # `nncalc variants`: each variant's handout (no answers) and worked solution
    "handout": {"markdown": "nncalc.render.handout:handout_text", "latex": "nncalc.render.handout:handout_latex",
                "html": "nncalc.render.handout:handout_html"},
    "solution": {"markdown": "nncalc.render.handout:solution_text", "latex": "nncalc.render.handout:solution_latex",
                 "html": "nncalc.render.handout:solution_html"},
    "problems": {"table": "nncalc.render.catalogue:problems_table", "json": "nncalc.render.catalogue:problems_json",
                 "markdown": "nncalc.render.catalogue:problems_markdown"},
    "summary": {"table": "nncalc.render.catalogue:summary_table", "json": "nncalc.render.catalogue:summary_json",
                "markdown": "nncalc.render.catalogue:summary_markdown"},
    "evaluate": {"table": "nncalc.render.evaluation:evaluation_table", "json": "nncalc.render.evaluation:evaluation_text"},
    "predict": {"table": "nncalc.render.evaluation:predict_table", "json": "nncalc.render.evaluation:predict_json",
                "csv": "nncalc.render.evaluation:predict_csv"},
    "train": {"table": "nncalc.render.train_report:train_table", "json": "nncalc.render.train_report:train_json",
              "latex": "nncalc.render.train_report:train_latex", "html": "nncalc.render.train_report:train_html",
              "latex-fragment": "nncalc.render.train_report:train_latex_fragment",
              "beamer": "nncalc.render.train_report:train_beamer"},
    "drawing": {"svg": "nncalc.pictures.draw:drawing_svg", "dot": "nncalc.pictures.draw:drawing_dot",
                "mermaid": "nncalc.pictures.draw:drawing_mermaid", "png": "nncalc.pictures.draw:drawing_png"},
    "sweep": {"plot": "nncalc.pictures.views:sweep_plot", "table": "nncalc.pictures.views:sweep_table",
              "csv": "nncalc.pictures.views:sweep_csv", "json": "nncalc.pictures.views:sweep_json"},
    "gradients": {"table": "nncalc.pictures.views:gradients_table", "json": "nncalc.pictures.views:gradients_json",
                  "csv": "nncalc.pictures.views:gradients_csv"},
    "activations": {"plot": "nncalc.pictures.views:activations_plot", "csv": "nncalc.pictures.views:activations_csv"},
    "data": {"table": "nncalc.render.catalogue:data_table", "json": "nncalc.render.catalogue:data_json"},
    "names": {"table": "nncalc.render.names:names_table", "json": "nncalc.render.names:names_json",
              "markdown": "nncalc.render.names:names_markdown"},
}


def register(subject: str, fmt: str, renderer: Union[str, Renderer]) -> None:
    """Add (or replace) one format of a subject."""
    FORMATS.setdefault(subject, {})[fmt] = renderer


def formats(subject: str) -> tuple[str, ...]:
    """The format names a subject can be rendered in, in the registry's order."""
    return tuple(FORMATS[subject])


def renderer(subject: str, fmt: str) -> Renderer:
    """The function that renders `subject` in `fmt`; an unknown format is a UsageError."""
    table = FORMATS[subject]
    if fmt not in table:
        raise UsageError(f"unknown format {fmt!r}{suggest(fmt, table)}; expected one of {', '.join(table)}")
    entry = table[fmt]
    if isinstance(entry, str):
        module, _, name = entry.partition(":")
        entry = getattr(importlib.import_module(module), name)
    return entry


def render(subject: str, fmt: str, obj: Any, style: Style = Style()) -> Any:
    """`obj` (a trace, a check report, ...) in format `fmt`: text, or a Rich renderable."""
    return renderer(subject, fmt)(obj, style)
