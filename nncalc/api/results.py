"""Results of a forward or backward pass (`Result`), the derivation (`Explanation`), and
their renders in every registered format."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:
    from rich.console import RenderableType

    from ..trace import Trace


TEXT_WIDTH = 100             # columns of text renders (`-o FILE` and `Result.render`)


class Result:
    """Every named value of a forward or backward pass, and its renders in every format."""

    def __init__(self, trace: "Trace") -> None:
        self.trace = trace

    def __getitem__(self, name: str) -> float:
        """A named quantity's value, as in `--format json` (`grad.w5`, `out.h1`, `E.total`, `net.o1@2`)."""
        if name not in self.trace:
            from ..errors import UsageError
            from ..errors import suggest

            raise KeyError(str(UsageError(f"no quantity named {name!r}{suggest(name, self.trace.quantities)}")))
        return self.trace[name].value

    def __contains__(self, name: object) -> bool:
        return name in self.trace

    def __iter__(self) -> Iterator[str]:
        return iter(self.trace.quantities)

    def __len__(self) -> int:
        return len(self.trace.quantities)

    def values(self) -> dict[str, float]:
        """Every named value, in the order a derivation reads them."""
        return self.trace.values()

    def table(self, decimals: int = 9, width: int | None = None, unicode: bool = True) -> "RenderableType":
        """The tables `nncalc backprop` prints (a Rich renderable), split to fit `width` columns."""
        from ..render.table import view

        return view(self.trace, decimals, unicode=unicode, width=width)

    def explain(self, decimals: int = 9, width: int | None = None, unicode: bool = True) -> "Explanation":
        """The chain-rule derivation (`--explain`): a Rich renderable, Markdown in a notebook."""
        from ..render.explain import explain_lines

        return Explanation(explain_lines(self.trace, decimals, unicode=unicode, width=width), self.trace, decimals)

    def render(self, fmt: str = "table", decimals: int = 9, explain: bool = False) -> str:
        """The result as text in a registered format (`nncalc backprop --format FMT`)."""
        return _render_trace(self.trace, fmt, decimals, explain)

    def to_json(self, explain: bool = False) -> str:
        return self.render("json", explain=explain)

    def to_markdown(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("markdown", decimals, explain)

    def to_html(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("html", decimals, explain)

    def to_latex(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("latex", decimals, explain)

    def to_latex_fragment(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("latex-fragment", decimals, explain)

    def to_beamer(self, decimals: int = 9) -> str:
        return self.render("beamer", decimals)

    def to_table(self, decimals: int = 9, explain: bool = False) -> str:
        return self.render("table", decimals, explain)

    def to_matrix(self, decimals: int = 9) -> str:
        """The layer-level form with the matrices and vectors written out (nncalc.pictures.matrix_form)."""
        return self.render("matrix", decimals)

    def __repr__(self) -> str:
        kind = "backprop" if self.trace.has_backward else "forward"
        return f"<nncalc.Result {kind} of {self.trace.problem.name!r}: {len(self)} named quantities>"

    def __rich__(self) -> "RenderableType":
        return self.table()

    def _repr_html_(self) -> str:
        from ..render.html import html

        return html(self.trace)       # a fragment for the notebook; to_html() is the whole page


class Explanation:
    """A derivation, one equation per line: prints as text, shows as Markdown in a notebook (and
    as LaTeX where the notebook asks for it: nbconvert's PDF, a front end preferring text/latex)."""

    def __init__(self, lines: list[str], trace: "Trace | None" = None, decimals: int = 9) -> None:
        self.lines, self.trace, self.decimals = lines, trace, decimals

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return str(self)

    def __rich__(self) -> "RenderableType":
        from rich.text import Text

        return Text(str(self))

    def _repr_markdown_(self) -> str:
        return "```text\n" + str(self) + "\n```\n"

    def _repr_latex_(self) -> str | None:
        """The derivation as one displayed `aligned` block in the slides' symbols (MathJax and LaTeX)."""
        if self.trace is None:
            return None
        from ..render.latex import display_math
        from ..render.mathtext import derivation_steps

        return display_math(derivation_steps(self.trace, self.decimals))


def _render_trace(trace: "Trace", fmt: str, decimals: int, explain: bool) -> str:
    """Text of a trace in format `fmt`, as `-o FILE` writes it (plain, TEXT_WIDTH columns)."""
    return _text_of("trace", fmt, trace, decimals, explain)


def _text_of(subject: str, fmt: str, obj: Any, decimals: int, explain: bool = False) -> str:
    """`obj` rendered by the format registry as plain text (TEXT_WIDTH columns)."""
    from ..render.formats import Style, render

    content = render(subject, fmt, obj, Style(decimals, explain, unicode=True, width=TEXT_WIDTH))
    return content if isinstance(content, str) else plain_text(content, TEXT_WIDTH)


def plain_text(renderable: "RenderableType", width: int) -> str:
    """A Rich renderable as colourless text, laid out for `width` columns, no trailing spaces."""
    from ..render.escape import SafeConsole

    buffer = io.StringIO()
    SafeConsole(file=buffer, width=width, no_color=True, highlight=False, color_system=None).print(renderable)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
