"""A variant as a student reads it (the handout: network, numbers, what to compute; no answers) and as
the instructor keeps it (the worked solution of the asked quantities), in Markdown and in the HTML
the course platforms show. Each function returns text; the values come from the variant's trace."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..variants import Variant
from .common import Symbols, Tab, fmt, fmt_given, header_lines, markdown_table, slide_name

SOLUTION_WIDTH = 100       # the derivation in a platform's <pre>
PROSE_WIDTH = 80           # Markdown prose, and the solution's derivation block


@dataclass(frozen=True)
class Statement:
    """What a handout says: the problem, the given numbers by table, and what is asked."""

    title: str
    about: str
    description: str
    tables: list[Tab]                            # the given numbers: weights and biases (or leaves), samples
    assignments: list[str]                       # a computational graph's, as written (else none)
    rate: str
    asked: list[tuple[str, str]]                 # (canonical name, slide notation)
    decimals: int | None


def statement(variant: Variant, unicode: bool = True) -> Statement:
    """The handout's content for one variant."""
    from ..graph import is_graph_problem

    p, trace = variant.problem, variant.trace
    sym = Symbols.for_unicode(unicode)
    description = str(p.doc.data.get("description", "") or "") if p.doc is not None else ""
    asked = [(n, slide_name(n, sym)) for n in variant.asked]
    decimals = p.ask.decimals if p.ask is not None else None
    if is_graph_problem(p):
        leaves = Tab("Leaves", ["leaf", "value"])
        for leaf in p.graph.leaves:
            leaves.add(leaf, fmt_given(float(p.values[leaf])))
        about = f"a computational graph with output {p.output}" + (
            f", learning rate {p.learning_rate:g}" if p.parameters else "")
        return Statement(f"{p.name}: variant {variant.id}", about, description.strip(), [leaves],
                         list(p.graph.statements), fmt_given(p.learning_rate), asked, decimals)
    net = p.network
    params = Tab("Weights and biases", ["weight", "connects", "value"], numeric_from=2)
    below = net.inputs
    arrow = "→" if unicode else "->"
    for layer in net.layers:
        for r, unit in enumerate(layer.units):
            for c, name in enumerate(layer.weight_names[r]):
                params.add(name, f"{below[c]}{arrow}{unit}", fmt_given(float(layer.weights[r, c])))
        for b, name in enumerate(layer.bias_names):
            units = layer.units if layer.bias_shared else (layer.units[b],)
            params.add(name, f"bias of {', '.join(units)}", fmt_given(float(layer.bias[0 if layer.bias_shared else b])))
        below = layer.units
    samples = Tab("Samples", ["sample", *net.inputs] + ([f"target {o}" for o in net.outputs]
                                                         if p.targets is not None else []))
    for k in range(p.n_samples):
        row = [str(k + 1)] + [fmt_given(float(x)) for x in p.inputs[k]]
        if p.targets is not None:
            row += [fmt_given(float(t)) for t in p.targets[k]]
        samples.add(*row)
    name, about = header_lines(trace)
    return Statement(f"{name}: variant {variant.id}", about, description.strip(), [params, samples], [],
                     fmt_given(p.learning_rate), asked, decimals)


def _decimals_line(s: Statement) -> str:
    if s.decimals is None:
        return "Give each number with the decimals you worked with."
    return f"Give each number to {s.decimals} decimal places."


def prose(text: str) -> list[str]:
    """Markdown prose wrapped to PROSE_WIDTH columns, paragraph by paragraph."""
    import textwrap

    out: list[str] = []
    for para in text.split("\n\n"):
        out += textwrap.wrap(" ".join(para.split()), PROSE_WIDTH, break_long_words=False, break_on_hyphens=False) + [""]
    return out


def _given_markdown(s: Statement) -> list[str]:
    lines = [f"# {s.title}", ""] + prose(s.about)
    if s.description:
        lines += prose(s.description)
    lines += ["## Given", ""]
    if s.assignments:
        lines += ["```text", *s.assignments, "```", ""]
    lines += [f"Learning rate η = {s.rate}.", ""]
    for tab in s.tables:
        lines += [markdown_table(tab), ""]
    return lines


def handout_markdown(variant: Variant) -> str:
    """The student's sheet: the network, this variant's numbers, what to compute; no answers."""
    s = statement(variant)
    lines = _given_markdown(s)
    lines += ["## Compute", ""]
    lines += [f"{i}. {slide} (`{name}`)" for i, (name, slide) in enumerate(s.asked, 1)]
    lines += ["", _decimals_line(s), "", "## Hand in", "",
              *prose(f"An answers file, e.g. `{variant.id}-answers.yaml`, with your number after each name:"),
              "```yaml", f"student: {variant.id}", "answers:"]
    lines += [f"  {name}: " for name, _ in s.asked] + ["```", ""]
    return "\n".join(lines)


def worked_text(variant: Variant, width: int = SOLUTION_WIDTH) -> list[str]:
    """The derivation of every asked quantity, as `nncalc backprop --explain` writes it."""
    from .check import derivations

    worked = derivations(variant.trace, list(variant.asked), 9, unicode=True, width=width)
    lines: list[str] = []
    for name, slide in statement(variant).asked:
        lines += [slide] + [f"  {line}" for line in worked[name]] + [""]
    return lines[:-1]


def solution_markdown(variant: Variant) -> str:
    """The worked solution: the given numbers, each asked quantity's derivation, and the key."""
    s = statement(variant)
    decimals = s.decimals if s.decimals is not None else 9
    lines = _given_markdown(s)
    key = Tab("Key", ["quantity", "slides", "value"], numeric_from=2)
    for n, slide in s.asked:
        key.add(f"`{n}`", slide, fmt(variant.trace[n].value, decimals))
    lines += ["## Key", "", markdown_table(key), ""]
    lines += ["## Worked solution", "", "```text", *worked_text(variant, PROSE_WIDTH - 2), "```", ""]
    return "\n".join(lines)


def statement_html(variant: Variant, blanks: dict[str, str] | None = None, with_asked: bool = True) -> str:
    """The handout as HTML for a quiz platform; `blanks` maps an asked name to the markup of its answer
    box (a Cloze sub-question), placed after its name; without `with_asked`, the givens only."""
    from .html import html_table

    s = statement(variant)
    def e(text: str) -> str:
        return html.escape(text, quote=False)

    parts = [f"<p>{e(s.about)}</p>"]
    if s.description:
        parts.append(f"<p>{e(s.description)}</p>")
    if s.assignments:
        parts.append("<pre>" + e("\n".join(s.assignments)) + "</pre>")
    parts.append(f"<p>Learning rate &eta; = {e(s.rate)}.</p>")
    parts += [html_table(tab) for tab in s.tables]
    if not with_asked:
        return "\n".join(parts)
    parts.append(f"<p>Compute: {e(_decimals_line(s))}</p>")
    items = []
    for name, slide in s.asked:
        box = (blanks or {}).get(name, "")
        items.append(f"<li>{e(slide)} (<code>{e(name)}</code>) = {box}</li>")
    parts.append("<ol>" + "".join(items) + "</ol>")
    return "\n".join(parts)


# ---------------------------------------------------------------- LaTeX and HTML (render.document)

def _given_blocks(s: Statement) -> list:
    from .document import Heading, Listing, Para, Table

    blocks = [Heading(s.title, 1), Para(s.about)] + ([Para(s.description)] if s.description else [])
    blocks.append(Heading("Given"))
    if s.assignments:
        blocks.append(Listing(tuple(s.assignments)))
    blocks.append(Para(f"Learning rate η = {s.rate}."))
    return blocks + [Table(tab) for tab in s.tables]


def handout_document(variant: Variant):
    """The student's sheet as a document (the same content as handout_markdown)."""
    from .document import Document, Heading, Items, Listing, Para

    s = statement(variant)
    blocks = _given_blocks(s) + [Heading("Compute"), Items(tuple((slide, name) for name, slide in s.asked)),
                                 Para(_decimals_line(s)), Heading("Hand in"),
                                 Para(f"An answers file, e.g. {variant.id}-answers.yaml, with your number after each name:"),
                                 Listing((f"student: {variant.id}", "answers:", *(f"  {name}: " for name, _ in s.asked)))]
    return Document(s.title, tuple(blocks))


def solution_document(variant: Variant):
    """The worked solution as a document: the givens, the key, and each asked quantity's
    derivation as equations (from the explainer's lines, as solution_markdown's)."""
    from .check import derivations
    from .document import Document, Heading, Steps, Table
    from .mathtext import steps_of

    s = statement(variant)
    decimals = s.decimals if s.decimals is not None else 9
    key = Tab("Key", ["quantity", "slides", "value"], numeric_from=2)
    for n, slide in s.asked:
        key.add(n, slide, fmt(variant.trace[n].value, decimals))
    blocks = _given_blocks(s) + [Heading("Key"), Table(key, frozenset({0})), Heading("Worked solution")]
    worked = derivations(variant.trace, list(variant.asked), 9, unicode=True)
    for name, slide in s.asked:
        blocks += [Heading(slide, 3, math=True), Steps(tuple(steps_of(((name, line) for line in worked[name]), variant.trace)))]
    return Document(s.title, tuple(blocks))


def handout_text(variant: Variant, style) -> str:
    return handout_markdown(variant)


def solution_text(variant: Variant, style) -> str:
    return solution_markdown(variant)


def handout_latex(variant: Variant, style) -> str:
    from .latex import latex_document

    return latex_document(handout_document(variant))


def solution_latex(variant: Variant, style) -> str:
    from .latex import latex_document

    return latex_document(solution_document(variant))


def handout_html(variant: Variant, style) -> str:
    from .html import html_document

    return html_document(handout_document(variant))


def solution_html(variant: Variant, style) -> str:
    from .html import html_document

    return html_document(solution_document(variant))
