"""What every renderer shares: number formatting, the slides' symbols for trace names, plain
tables that Rich and Markdown both draw, and when a network is too big to show unit by unit."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..notation import Symbols, slide_name  # noqa: F401  (the renderers' notation)
from ..problem import Problem
from ..trace import Trace

# Past these sizes, tables switch to the layer-level matrix form: a table of more rows than this
# is not read, it is scrolled past.
DETAIL_MAX_PARAMS = 200
DETAIL_MAX_VALUES = 400      # per-sample unit values (samples x units): rows of the per-unit tables
# A derivation writes about one line per computed quantity; past this many it is a listing, not an
# explanation (the 2-2-2 slide network needs 40, XOR over its truth table about 110).
EXPLAIN_MAX_LINES = 600


def unit_values(trace: Trace | Problem) -> int:
    """Samples x units: how many per-sample rows the unit-by-unit tables would have."""
    p = trace.problem if isinstance(trace, Trace) else trace
    return p.n_samples * getattr(p, "n_steps", 1) * sum(len(layer.units) for layer in p.network.layers)


def too_large(trace: Trace | Problem) -> bool:
    """True when unit-by-unit tables would be too long to read (known from the problem alone)."""
    p = trace.problem if isinstance(trace, Trace) else trace
    return p.network.n_params > DETAIL_MAX_PARAMS or unit_values(p) > DETAIL_MAX_VALUES


def explain_size(trace: Trace) -> int:
    """About how many lines a unit-by-unit derivation of this trace would take."""
    return sum(1 for q in trace.quantities.values() if q.op != "leaf")


def too_large_to_explain(trace: Trace) -> bool:
    """True when a unit-by-unit derivation would be too long to read."""
    return too_large(trace) or explain_size(trace) > EXPLAIN_MAX_LINES


def fmt(x: float, decimals: int = 9) -> str:
    """Fixed decimals as the slides print them; scientific only where fixed would hide the value."""
    if x != 0 and (abs(x) >= 1e12 or abs(x) < 0.5 * 10.0 ** -decimals):
        return f"{x:.{max(decimals - 3, 3)}e}"
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


GIVEN_DECIMALS = 9      # given numbers keep this many decimals even when --decimals asks for fewer
GIVEN_KINDS = ("input", "target", "param", "rate", "state")     # trace kinds of the numbers a problem gives


def fmt_short(x: float, decimals: int = 9) -> str:
    """fmt without trailing zeros: 0.4, not 0.400000000."""
    s = fmt(x, decimals)
    if "e" in s or "." not in s:
        return s
    return s.rstrip("0").rstrip(".") or "0"


def fmt_given(x: float, decimals: int = 9) -> str:
    """A number the problem gives (weight, input, target, rate) as written: 0.4, not 0.400000000,
    and 0.12 still 0.12 at --decimals 1 (fewer decimals round computed values, never given ones)."""
    return fmt_short(x, max(decimals, GIVEN_DECIMALS))


def shape_text(trace_or_network) -> str:
    """'2-2-2' for a network's layer sizes (inputs first); long runs of equal layers are shortened."""
    net = getattr(getattr(trace_or_network, "problem", None), "network", trace_or_network)
    return sizes_text([len(net.inputs)] + [len(layer.units) for layer in net.layers])


def sizes_text(sizes: list[int]) -> str:
    """[2, 2, 2] -> '2-2-2'; more than six sizes: the first two and the last."""
    if len(sizes) <= 6:
        return "-".join(map(str, sizes))
    return f"{sizes[0]}-{sizes[1]}-…-{sizes[-1]}"


def header_lines(trace: Trace) -> list[str]:
    """The problem's name and one line saying what network, loss and data it is (or what graph)."""
    from ..graph import is_graph

    if is_graph(trace):
        from ..graph.render import header_lines as graph_header

        return graph_header(trace)
    p = trace.problem
    acts = ", ".join(dict.fromkeys("lstm" if layer.kind == "lstm" else layer.activation.describe()
                                   for layer in p.network.layers))
    n = p.n_samples
    samples = f"{n} sample{'s' if n != 1 else ''}"
    if p.lengths is not None:
        low, high = int(p.lengths.min()), int(p.lengths.max())
        samples += f" of {low if low == high else f'{low} to {high}'} step{'s' if high != 1 else ''}"
    if p.targets is None:
        return [p.name, f"{shape_text(p.network)} network ({acts}), {samples} without targets"]
    return [p.name, f"{shape_text(p.network)} network ({acts}), loss {p.loss}, "
                    f"learning rate {p.learning_rate:g}, {samples}"]


def source_line(problem) -> str | None:
    """'source: ...': where the problem file says its example comes from (its `source:` key), if it does."""
    doc = getattr(problem, "doc", None)
    cited = doc.data.get("source") if doc is not None and isinstance(doc.data, dict) else None
    return None if cited is None else f"source: {' '.join(str(cited).split())}"


# ---------------------------------------------------------------- plain tables

@dataclass
class Tab:
    """A table as plain strings, drawn by Rich for the terminal and as a pipe table for Markdown.

    rows: lists of cells, or None for a section break; `keys` leading columns name the row and are
    repeated when the table is split to fit the width; columns before `numeric_from` are text
    (left-aligned, may wrap), the rest numbers (right-aligned, never wrapped or cut)."""

    title: str
    columns: list[str]
    rows: list[list[str] | None] = field(default_factory=list)
    numeric_from: int = 1
    keys: int = 1

    def add(self, *cells: str) -> None:
        self.rows.append(list(cells))

    def section(self) -> None:
        if self.rows and self.rows[-1] is not None:
            self.rows.append(None)

    def _width(self, i: int) -> int:
        cells = [self.columns[i]] + [r[i] for r in self.rows if r is not None]
        if i >= self.numeric_from:
            return max(map(len, cells))
        return max(len(word) for c in cells for word in (c.split() or [""]))  # text may wrap at spaces

    def split(self, width: int | None) -> list["Tab"]:
        """This table, or several with the key columns repeated, each fitting in `width` columns
        as `rich_table` draws it (no cell squeezed or wrapped past its longest word)."""
        if width is None:
            return [self]
        widths = [self._width(i) for i in range(len(self.columns))]
        if drawn_width(widths) <= width or len(self.columns) <= self.keys + 1:
            return [self]
        key_width = drawn_width(widths[:self.keys])
        chunks: list[list[int]] = [[]]
        used = key_width
        for i in range(self.keys, len(self.columns)):
            if chunks[-1] and used + COLUMN_GAP + widths[i] > width:
                chunks.append([])
                used = key_width
            chunks[-1].append(i)
            used += COLUMN_GAP + widths[i]
        out = []
        for n, chunk in enumerate(chunks):
            cols = list(range(self.keys)) + chunk
            title = self.title if n == 0 else f"{self.title} (continued)"
            part = Tab(title, [self.columns[i] for i in cols], numeric_from=self.numeric_from, keys=self.keys)
            part.numeric_from = sum(1 for i in cols if i < self.numeric_from)
            part.rows = [None if r is None else [r[i] for i in cols] for r in self.rows]
            out.append(part)
        return out


COLUMN_GAP = 3      # what rich_table draws between two columns: padding, the rule's blank, padding


def drawn_width(widths: list[int]) -> int:
    """How wide `rich_table` draws columns of these content widths (no padding at the edges)."""
    return sum(widths) + COLUMN_GAP * max(len(widths) - 1, 0)


def head_rule():
    """Rich's SIMPLE_HEAD box (a rule under the header, nothing else), drawn with '-' on a terminal
    that cannot show '─' (or with NNCALC_ASCII=1) instead of Rich's boxed ASCII grid."""
    global _HEAD_RULE
    if _HEAD_RULE is None:
        from rich.box import Box

        class HeadRule(Box):
            def substitute(self, options, safe: bool = True) -> Box:
                return _ASCII_RULE if options.ascii_only else self

        _ASCII_RULE = Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)
        _HEAD_RULE = HeadRule("    \n    \n ── \n    \n    \n    \n    \n    \n")
    return _HEAD_RULE


_HEAD_RULE = None


def titled_table(title: str | None, *columns: str, numeric_from: int = 1):
    """A Rich Table drawn as the worked examples' are: its title a bold line of its own above it
    (never wrapped to the table's width), a rule under the header (head_rule()), no edge; columns
    from `numeric_from` on right-aligned, no column wrapped."""
    global _TITLED_TABLE
    if _TITLED_TABLE is None:
        from rich.table import Table
        from rich.text import Text

        class TitledTable(Table):
            def __rich_console__(self, console, options):
                title, self.title = self.title, None
                try:
                    if title:
                        yield Text("")
                        yield Text(title, style="bold")
                    yield from super().__rich_console__(console, options)
                finally:
                    self.title = title

        _TITLED_TABLE = TitledTable
    table = _TITLED_TABLE(title=title, box=head_rule(), pad_edge=False, show_edge=False)
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i >= numeric_from else "left", no_wrap=True)
    return table


_TITLED_TABLE = None


def rich_table(tab: Tab):
    """A Rich Table for a Tab (without its title, which the caller prints as a line of its own so
    that it is not wrapped to the table's width): numbers right-aligned and never wrapped."""
    from rich.table import Table

    table = Table(box=head_rule(), pad_edge=False, show_edge=False)
    for i, col in enumerate(tab.columns):
        numeric = i >= tab.numeric_from
        table.add_column(col, justify="right" if numeric else "left", no_wrap=numeric,
                         overflow="fold")
    rows = tab.rows
    for n, row in enumerate(rows):
        if row is None:
            continue
        end = n + 1 < len(rows) and rows[n + 1] is None
        table.add_row(*row, end_section=end)
    return table


def aligned_lines(columns: list[str], rows: list[list[str]], left: frozenset[int] | range = frozenset(),
                  rule: bool = False) -> list[str]:
    """A table as plain text, the header then one line a row (with `rule`, a line of '-' under the
    header): columns aligned, those in `left` to the left, the rest to the right; no trailing spaces.
    Prints in no time where Rich would lay out a huge table for minutes."""
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    ruled = ["-" * (sum(widths) + 2 * (len(widths) - 1))] if rule else []
    return [line(columns), *ruled, *(line(r) for r in rows)]


def markdown_table(tab: Tab) -> str:
    """A GitHub pipe table with the title in bold above it (section breaks are dropped)."""
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|") or " "

    align = [("---:" if i >= tab.numeric_from else ":---") for i in range(len(tab.columns))]
    lines = [f"**{tab.title}**", "", "| " + " | ".join(esc(c) for c in tab.columns) + " |",
             "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in tab.rows if row is not None]
    return "\n".join(lines)
