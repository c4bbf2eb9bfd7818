"""A variant as a student reads it (the handout: network, numbers, what to compute; no answers) and as
the instructor keeps it (the worked solution of the asked quantities), in Markdown and in the HTML
the course platforms show. Each function returns text; the values come from the variant's trace."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..variants import Variant
from .common import Symbols, fmt, fmt_given, header_lines, slide_name

SOLUTION_WIDTH = 100


@dataclass(frozen=True)
class Statement:
    """What a handout says: the problem, the given numbers by table, and what is asked."""

    title: str
    about: str
    description: str
    params: list[tuple[str, str, str]]           # (name, where: 'i1→h1' or 'bias of h1, h2', value)
    param_columns: list[str]
    assignments: list[str]                       # a computational graph's, as written (else none)
    sample_columns: list[str]                    # 'sample', inputs..., 'target o1', ...
    samples: list[list[str]]
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
        leaves = [(leaf, "leaf", fmt_given(float(p.values[leaf]))) for leaf in p.graph.leaves]
        about = f"a computational graph with output {p.output}" + (
            f", learning rate {p.learning_rate:g}" if p.parameters else "")
        return Statement(f"{p.name}: variant {variant.id}", about, description.strip(), leaves,
                         ["name", "kind", "value"], list(p.graph.statements), [], [], fmt_given(p.learning_rate),
                         asked, decimals)
    net = p.network
    params: list[tuple[str, str, str]] = []
    below = net.inputs
    arrow = "→" if unicode else "->"
    for layer in net.layers:
        for r, unit in enumerate(layer.units):
            for c, name in enumerate(layer.weight_names[r]):
                params.append((name, f"{below[c]}{arrow}{unit}", fmt_given(float(layer.weights[r, c]))))
        for b, name in enumerate(layer.bias_names):
            units = layer.units if layer.bias_shared else (layer.units[b],)
            params.append((name, f"bias of {', '.join(units)}", fmt_given(float(layer.bias[b if not layer.bias_shared else 0]))))
        below = layer.units
    columns = ["sample", *net.inputs] + ([f"target {o}" for o in net.outputs] if p.targets is not None else [])
    samples = []
    for k in range(p.n_samples):
        row = [str(k + 1)] + [fmt_given(float(x)) for x in p.inputs[k]]
        if p.targets is not None:
            row += [fmt_given(float(t)) for t in p.targets[k]]
        samples.append(row)
    name, about = header_lines(trace)
    return Statement(f"{name}: variant {variant.id}", about, description.strip(), params,
                     ["weight", "connects", "value"], [], columns, samples, fmt_given(p.learning_rate), asked,
                     decimals)


def _decimals_line(s: Statement) -> str:
    if s.decimals is None:
        return "Give each number with the decimals you worked with."
    return f"Give each number to {s.decimals} decimal places."


def _pipe(columns: list[str], rows: list[list[str]]) -> list[str]:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|") or " "

    lines = ["| " + " | ".join(esc(c) for c in columns) + " |", "|" + "|".join(" --- " for _ in columns) + "|"]
    return lines + ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]


def _given_markdown(s: Statement) -> list[str]:
    lines = [f"# {s.title}", "", s.about, ""]
    if s.description:
        lines += [s.description, ""]
    lines += ["## Given", ""]
    if s.assignments:
        lines += ["```text", *s.assignments, "```", ""]
    lines += [f"Learning rate η = {s.rate}.", ""]
    lines += _pipe(s.param_columns, [list(p) for p in s.params]) + [""]
    if s.samples:
        lines += _pipe(s.sample_columns, s.samples) + [""]
    return lines


def handout_markdown(variant: Variant) -> str:
    """The student's sheet: the network, this variant's numbers, what to compute; no answers."""
    s = statement(variant)
    lines = _given_markdown(s)
    lines += ["## Compute", ""]
    lines += [f"{i}. {slide} (`{name}`)" for i, (name, slide) in enumerate(s.asked, 1)]
    lines += ["", _decimals_line(s), "", "## Hand in", "",
              f"An answers file, e.g. `{variant.id}-answers.yaml`, with your number after each name:", "",
              "```yaml", f"student: {variant.id}", "answers:"]
    lines += [f"  {name}: " for name, _ in s.asked] + ["```", ""]
    return "\n".join(lines)


def solution_markdown(variant: Variant) -> str:
    """The worked solution: the given numbers, each asked quantity's derivation, and the key."""
    from .check import derivations

    s = statement(variant)
    decimals = s.decimals if s.decimals is not None else 9
    lines = _given_markdown(s)
    lines += ["## Key", ""]
    lines += _pipe(["quantity", "slides", "value"],
                   [[f"`{n}`", slide, fmt(variant.trace[n].value, decimals)] for n, slide in s.asked]) + [""]
    lines += ["## Worked solution", "", "```text"]
    worked = derivations(variant.trace, list(variant.asked), 9, unicode=True, width=SOLUTION_WIDTH)
    for name, slide in s.asked:
        lines += [f"{slide}"] + [f"  {line}" for line in worked[name]] + [""]
    lines[-1:] = ["```", ""]
    return "\n".join(lines)


def statement_html(variant: Variant, blanks: dict[str, str] | None = None, with_asked: bool = True) -> str:
    """The handout as HTML for a quiz platform; `blanks` maps an asked name to the markup of its answer
    box (a Cloze sub-question), placed after its name; without `with_asked`, the givens only."""
    s = statement(variant)
    def e(text: str) -> str:
        return html.escape(text, quote=False)

    parts = [f"<p>{e(s.about)}</p>"]
    if s.description:
        parts.append(f"<p>{e(s.description)}</p>")
    if s.assignments:
        parts.append("<pre>" + e("\n".join(s.assignments)) + "</pre>")
    parts.append(f"<p>Learning rate &eta; = {e(s.rate)}.</p>")
    parts.append(_html_table(s.param_columns, [list(p) for p in s.params]))
    if s.samples:
        parts.append(_html_table(s.sample_columns, s.samples))
    if not with_asked:
        return "\n".join(parts)
    parts.append(f"<p>Compute (forward pass, errors, backward pass, one update). {e(_decimals_line(s))}</p>")
    items = []
    for name, slide in s.asked:
        box = (blanks or {}).get(name, "")
        items.append(f"<li>{e(slide)} (<code>{e(name)}</code>) = {box}</li>")
    parts.append("<ol>" + "".join(items) + "</ol>")
    return "\n".join(parts)


def _html_table(columns: list[str], rows: list[list[str]]) -> str:
    def e(text: str) -> str:
        return html.escape(text, quote=False)

    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
