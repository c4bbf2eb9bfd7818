"""`nncalc problems` and `nncalc summary`: the bundled problems, and a network's layers, in each format."""

from __future__ import annotations

from typing import Any

from .common import Tab, markdown_table, rich_table, sizes_text, source_line


def _problems_tab(rows: list[dict]) -> Tab:
    tab = Tab("Bundled problems (nncalc show NAME prints one)", ["name", "network", "what it is"], numeric_from=3)
    for r in rows:
        network = sizes_text(r["sizes"]) if r["sizes"] else ("?" if r["error"] else "graph")
        tab.add(r["name"], network, r["title"] if r["error"] is None else f"cannot be loaded: {r['error']}")
    return tab


def problems_table(rows: list[dict], style) -> Any:
    from rich.console import Group
    from rich.text import Text

    tab = _problems_tab(rows)
    return Group(Text(tab.title, style="bold"), rich_table(tab))


def problems_json(rows: list[dict], style) -> str:
    from .json import to_json

    return to_json({"problems": rows})


def problems_markdown(rows: list[dict], style) -> str:
    return markdown_table(_problems_tab(rows)) + "\n"


# ---------------------------------------------------------------- summary (of a problem's network)

def summary_table(problem, style) -> Any:
    from rich.console import Group
    from rich.text import Text

    parts: list[Any] = [Text(problem.name, style="bold")]
    if source_line(problem):
        parts.append(Text(source_line(problem), style="dim"))
    for i, part in enumerate(_summary_tabs(problem)):
        if isinstance(part, str):
            parts.append(Text(part))
            continue
        for t in part.split(style.width):
            if i:                          # a graph's tables have titles; the layer table has none
                parts += [Text(""), Text(t.title, style="bold")]
            parts.append(rich_table(t))
    return Group(*parts)


def _summary_tabs(problem) -> list:
    """The layer table of a network; a graph's node and operation tables."""
    from ..graph import is_graph_problem

    if is_graph_problem(problem):
        from ..graph.render import summary_tabs

        return [""] + summary_tabs(problem)      # "" keeps the graph's tables titled
    from .matrix import network_summary_tab

    return [network_summary_tab(problem.network)]


def summary_json(problem, style) -> str:
    from .json import to_json

    from ..graph import is_graph_problem

    if is_graph_problem(problem):
        tables = [{"title": t.title, "columns": t.columns, "rows": [r for r in t.rows if r is not None]}
                  for t in _summary_tabs(problem) if not isinstance(t, str)]
        return to_json({"problem": problem.name, "tables": tables})
    net, layers, fan_in = problem.network, [], len(problem.network.inputs)
    for layer in net.layers:
        layers.append({"units": list(layer.units), "activation": layer.activation.describe(),
                       "weights": [len(layer.units), fan_in], "biases": len(layer.bias_names),
                       "bias_shared": layer.bias_shared, "parameters": layer.n_params})
        fan_in = len(layer.units)
    return to_json({"problem": problem.name, "inputs": list(net.inputs), "layers": layers,
                    "parameters": net.n_params})


def summary_markdown(problem, style) -> str:
    head = [f"## {problem.name}"] + ([source_line(problem)] if source_line(problem) else [])
    body = [t if isinstance(t, str) else markdown_table(t) for t in _summary_tabs(problem)]
    return "\n\n".join(head + [b for b in body if b]) + "\n"


def summary_html(problem) -> str:
    """The summary as an HTML fragment (a notebook's display of a problem)."""
    from html import escape

    from .html import html_table

    head = [f"<h4>{escape(problem.name)}</h4>"] + ([f"<p>{escape(source_line(problem))}</p>"] if source_line(problem) else [])
    body = [f"<p>{escape(t)}</p>" if isinstance(t, str) else html_table(t) for t in _summary_tabs(problem)]
    return "\n".join(head + [b for b in body if b != "<p></p>"]) + "\n"


# ---------------------------------------------------------------- `nncalc data list` (subject "data")

def data_header(listing: dict) -> str:
    """Where the download cache is and why there (a path: printed whole, never wrapped)."""
    return f"data cache: {listing['cache']} ({listing['origin']})"


def data_body(listing: dict) -> Any:
    """Each source's state, how files are given, and what to download."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, pad_edge=False, show_edge=False, highlight=False)
    for column in ("source", "status", "what"):
        table.add_column(column)
    for row in listing["sources"]:
        table.add_row(Text(row["source"]), Text(row["status"]), Text(row["what"]))
    lines = [f"download {r['name']} with: nncalc data fetch {r['name']}" for r in listing["sources"] if r["download"]]
    return Group(table, Text("files: {csv: f.csv, target: column}, {npz: f.npz}, {idx: [images, labels]}"),
                 *(Text(line) for line in lines))


def data_table(listing: dict, style) -> Any:
    from rich.console import Group
    from rich.text import Text

    return Group(Text(data_header(listing)), data_body(listing))


def data_json(listing: dict, style) -> str:
    from .json import to_json

    return to_json(listing)
