"""The slides' math as the explainer and the tables write it (`∂E_total/∂w5 = 0.6 * 0.2`,
`1/(1 + e^-net_h1)`, `w5+`), read into tokens once and written as LaTeX; MathML is that LaTeX
translated (`render/texmathml.py`), so both come from one notation.

The notation itself stays with the operations (nncalc.ops: an activation's or loss's formula in
its own LaTeX) and the names (nncalc.notation): this module reads their text and fills their
LaTeX, so a new activation's formula reaches a PDF or a web page unchanged. Anything it does not
recognise is kept as escaped text, so every string converts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# a name: a letter, then letters, digits, '_' (out_h1, E_total, w5, dot_3, ŷ); '[t]' right after it
# is the time step (h1[2], cell[t+1]), '+' the updated value (w5+), '@k' the sample
_NAME = r"[^\W\d_][\w\u0302]*"
_STEP = r"\[(?P<{}>\d+|t(?:[+-]\d+)?)\]"     # the group's name filled in below
_TOKEN = re.compile(rf"""
    (?P<frac>∂(?P<top>{_NAME}(?:{_STEP.format("top_step")})?(?:@\d+)?)
            /∂(?P<bottom>{_NAME}(?:{_STEP.format("bottom_step")})?(?:@\d+)?))
  | (?P<name>{_NAME})(?:{_STEP.format("step")})?(?P<new>\+(?=$|[\s),]))?(?:@(?P<sample>\d+))?
  | (?P<num>\d+(?:\.\d+)?(?:e[+-]?\d+)?)
  | (?P<space>\s+)
  | (?P<op>.)""", re.VERBOSE)

GREEK = {"σ": r"\sigma", "δ": r"\delta", "η": r"\eta", "Σ": r"\sum", "α": r"\alpha", "λ": r"\lambda",
         "ŷ": r"\hat{y}"}
OPERATORS = {"*": r"\cdot", "·": r"\cdot", "×": r"\times", "≤": r"\le", "≥": r"\ge", "…": r"\dots", "⊙": r"\odot",
             "→": r"\to", "-": "-", "+": "+", "=": "=", "/": "/", "(": "(", ")": ")", ",": ",",
             ":": ":", "[": "[", "]": "]", "|": "|", "<": "<", ">": ">"}
FUNCTIONS = {"exp", "log", "ln", "tanh", "sin", "cos", "max", "min", "abs", "sqrt"}
SLIDE_WORDS = {"net", "out", "in", "target", "cell"}      # names the slides write as math without a subscript
_SHAPE_X = re.compile(r"(?<=\d)x(?=\d)")      # a shape, '100x100', is 100 × 100 (not x with subscript 100)
PROSE = {"via", "and", "for", "of", "sum", "with", "if", "else"}    # words read as text inside math


@dataclass(frozen=True)
class Token:
    """One piece of math: kind is name, frac, num, op, text or sup (a '^' starting a superscript)."""

    kind: str
    text: str
    sub: str = ""          # a name's subscript (h1 of out_h1, 5 of w5)
    new: bool = False      # w5+: the updated weight
    sample: str = ""       # @k
    step: str = ""         # [t]: the time step, as written inside the brackets (2, t+1)
    top: "Token | None" = None
    bottom: "Token | None" = None


def _name(text: str, new: bool = False, sample: str = "", step: str = "") -> Token:
    """out_h1 -> out, h1; w5 -> w, 5; E_total -> E, total."""
    head, sep, sub = text.partition("_")
    if not sep:
        m = re.fullmatch(r"([^\W\d_]+)(\d+)", text)
        head, sub = (m.group(1), m.group(2)) if m else (text, "")
    return Token("name", head, sub, new, sample, step=step)


def tokens(text: str) -> list[Token]:
    """The math text as tokens (spaces dropped: math sets its own spacing)."""
    out: list[Token] = []
    for m in _TOKEN.finditer(_SHAPE_X.sub("×", unicodedata.normalize("NFC", text))):
        if m.group("frac"):
            top, bottom = (_split_suffixes(m.group(g)) for g in ("top", "bottom"))
            out.append(Token("frac", "", top=_name(*top), bottom=_name(*bottom)))
        elif m.group("name"):
            word = m.group("name")
            if word in PROSE:
                out.append(Token("text", word))
            else:
                out.append(_name(word, bool(m.group("new")), m.group("sample") or "", m.group("step") or ""))
        elif m.group("num"):
            out.append(Token("num", m.group("num")))
        elif m.group("op"):
            c = m.group("op")
            if c == "^":
                out.append(Token("sup", c))
            elif c == "ᵀ":
                out += [Token("sup", "^"), Token("name", "T")]
            elif c in OPERATORS or c in GREEK:
                out.append(Token("op", c) if c in OPERATORS else _name(c))
            else:
                out.append(Token("text", c))
    return out


def is_math(text: str) -> bool:
    """Whether a text reads as math (names with subscripts, single letters, numbers, operators,
    functions), not prose ('b2 is shared by o1, o2': 'is' and 'shared' are words)."""
    toks = tokens(text)
    return bool(toks) and all(t.kind in ("num", "op", "frac", "sup") or
                              (t.kind == "name" and (t.sub or len(t.text) == 1 or t.text in FUNCTIONS | SLIDE_WORDS or t.new))
                              for t in toks)


def _split_suffixes(s: str) -> tuple[str, bool, str, str]:
    """'out_h1[3]@1' -> ('out_h1', False, '1', '3'): the name, not updated, its sample and step."""
    s, _, k = s.partition("@")
    name, _, step = s.partition("[")
    return name, False, k, step.rstrip("]")


def _groups(toks: list[Token]) -> list[list[Token] | Token]:
    """Tokens with each superscript's argument gathered: ['e', sup, [-, net_h1]] (the argument is
    an optional sign and one atom, or a parenthesised group)."""
    out: list[list[Token] | Token] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "sup":
            out.append(t)
            i += 1
            continue
        j = i + 1
        arg: list[Token] = []
        if j < len(toks) and toks[j].kind == "op" and toks[j].text == "-":
            arg.append(toks[j])
            j += 1
        if j < len(toks) and toks[j].kind == "op" and toks[j].text == "(":
            depth, k = 0, j
            while k < len(toks):
                depth += {"(": 1, ")": -1}.get(toks[k].text, 0) if toks[k].kind == "op" else 0
                k += 1
                if depth == 0:
                    break
            arg += toks[j:k]
            j = k
        elif j < len(toks):
            arg.append(toks[j])
            j += 1
        out.append(t)
        out.append(arg)
        i = j
    return out


# ---------------------------------------------------------------- LaTeX

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                  "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}"}
_LATEX_SYMBOLS = {"∂": r"\partial", "·": r"\cdot", "≤": r"\le", "≥": r"\ge", "→": r"\to", "⊙": r"\odot",
                  "ᵀ": r"^{T}", "−": "-", **GREEK}
_TEXT_SYMBOLS = {"…": r"\dots{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''",
                 "×": r"$\times$", "\u00a0": "~"}


def latex_text(text: str) -> str:
    """Text (from a problem file, or prose) as ASCII LaTeX source: specials escaped, the slides'
    symbols as math, accents dropped, control characters and anything else pdfLaTeX cannot set
    shown as '?'."""
    out = []
    for c in unicodedata.normalize("NFC", text):
        if c in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[c])
        elif c in _LATEX_SYMBOLS:
            out.append(f"\\ensuremath{{{_LATEX_SYMBOLS[c]}}}")
        elif c in _TEXT_SYMBOLS:
            out.append(_TEXT_SYMBOLS[c])
        elif c == "\n" or c == "\t":
            out.append(" ")
        elif " " <= c <= "~":
            out.append(c)
        else:
            plain = unicodedata.normalize("NFKD", c).encode("ascii", "ignore").decode()
            out.append(plain if plain.isprintable() and plain.strip() else "?")
    return "".join(out)


def _latex_name(t: Token) -> str:
    head = _LATEX_SYMBOLS.get(t.text)
    if head is None:
        head = latex_text(t.text)
        if len(t.text) > 1 and t.text.isalpha() and t.text in FUNCTIONS:
            head = f"\\{t.text}" if t.text != "abs" else r"\operatorname{abs}"
    s = head + (f"_{{{latex_text(t.sub)}}}" if t.sub else "") + (f"[{latex_text(t.step)}]" if t.step else "")
    sup = ([r"+"] if t.new else []) + ([f"({t.sample})"] if t.sample else [])
    return s + (f"^{{{''.join(sup)}}}" if sup else "")


def _latex_items(items: list[list[Token] | Token], next_is_paren: list[bool]) -> str:
    out: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, list):
            out.append("{" + _latex_items(_groups(item), [False] * len(item)) + "}")
            continue
        if item.kind == "frac":
            out.append(f"\\frac{{\\partial {_latex_name(item.top)}}}{{\\partial {_latex_name(item.bottom)}}}")
        elif item.kind == "name":
            multi = len(item.text) > 1 and item.text.isalpha() and not item.sub
            if multi and next_is_paren[i] and item.text not in FUNCTIONS:
                out.append(f"\\operatorname{{{latex_text(item.text)}}}")
            else:
                out.append(_latex_name(item))
        elif item.kind == "num":
            out.append(item.text)
        elif item.kind == "sup":
            out.append("^")
        elif item.kind == "op":
            out.append(OPERATORS[item.text])
        else:
            out.append(f"\\text{{ {latex_text(item.text)} }}")
    return " ".join(out).replace("( ", "(").replace(" )", ")")


def _parens_next(items: list[list[Token] | Token]) -> list[bool]:
    return [i + 1 < len(items) and isinstance(items[i + 1], Token) and items[i + 1].kind == "op"
            and items[i + 1].text == "(" for i in range(len(items))]


def latex_math(text: str) -> str:
    """Math text as LaTeX math (without the $ ... $)."""
    items = _groups(tokens(text))
    return _latex_items(items, _parens_next(items))


# ---------------------------------------------------------------- how wide it sets

_WIDE_OPS = set("+-=<>≤≥→")


def _name_width(t: Token) -> float:
    return (5.5 * len(t.text) + 3.5 * len(t.sub) + (4.0 if t.new else 0.0) + (3.5 * len(t.sample) + 4 if t.sample else 0.0)
            + (5.0 * len(t.step) + 6 if t.step else 0.0))


def _items_width(items: list[list[Token] | Token]) -> float:
    w = 0.0
    for item in items:
        if isinstance(item, list):
            w += 0.7 * _items_width(_groups(item))
        elif item.kind == "frac":
            w += max(_name_width(item.top), _name_width(item.bottom)) + 8
        elif item.kind == "name":
            w += _name_width(item)
        elif item.kind == "num":
            w += 5.0 * len(item.text)
        elif item.kind == "op":
            w += 13.0 if item.text in _WIDE_OPS else 8.0 if item.text in "*·" else 4.0
        elif item.kind == "text":
            w += 5.0 * len(item.text) + 7
    return w


def math_width(text: str) -> float:
    """About how wide the math text sets at 10 pt, in points (a fraction as its wider line): enough
    to break a chain before it runs past the page."""
    return _items_width(_groups(tokens(text)))


def text_width(text: str) -> float:
    """About how wide prose sets at 10 pt, in points."""
    return 5.0 * len(text)


# ---------------------------------------------------------------- MathML

def mathml(text: str) -> str:
    """Math text as the inside of a MathML <math> element: its LaTeX (`latex_math`), translated."""
    from .texmathml import tex_mathml

    return tex_mathml(latex_math(text))


def part_mathml(step: "Step", part: str) -> str:
    """One part of an equation as MathML: its LaTeX (`latex_part`: the operation's own where it
    is its formula), translated, so the page shows what the PDF does."""
    from .texmathml import tex_mathml

    return tex_mathml(latex_part(step, part))


# ---------------------------------------------------------------- the derivation, as steps

@dataclass(frozen=True)
class Step:
    """One line of the derivation: a heading, prose, or an equation lhs = parts[0] = parts[1] ...
    (note), with the name of the quantity it works out."""

    kind: str                     # "heading", "prose" or "eq"
    text: str = ""
    parts: tuple[str, ...] = ()
    note: str = ""
    of: str | None = None
    forms: tuple[tuple[str, str], ...] = ()    # its operation's formulas: (as the text writes it, in LaTeX)


_NOTE = re.compile(r"^(.*?) {3}\((.*)\)$")


def derivation_steps(trace, decimals: int = 9) -> list[Step]:
    """The explainer's derivation (network or graph) as steps: each owned line an equation, split
    at its ' = ' signs; headings and prose as they are. Read off the explainer, so nothing is
    worked out twice."""
    from .explain import explain_owned_lines

    return steps_of(explain_owned_lines(trace, decimals, unicode=True), trace)


def forms_of(trace, name: str | None) -> tuple[tuple[str, str], ...]:
    """The formulas of the operation that computes `name`, each as the explainer's text writes it
    and as the operation's own LaTeX: an activation's out and dout/dnet (nncalc.ops.activations),
    a loss's term and dE/dout (nncalc.ops.losses)."""
    from ..graph import is_graph

    if trace is None or name is None or is_graph(trace) or name not in trace:
        return ()
    q = trace[name]
    if q.op in ("act", "dact"):
        fn = trace.problem.network.layers[q.layer].activation.fn
        branches, latex = (fn.out_text, fn.out_latex) if q.op == "act" else (fn.dout_text, fn.dout_latex)
        return tuple((text, tex) for (_, _, text), tex in zip(branches, latex))
    if q.op in ("loss", "dloss"):
        from ..ops import LOSSES

        loss = LOSSES[trace.problem.loss]
        text, tex = (loss.term_text, loss.term_latex) if q.op == "loss" else (loss.dterm_text, loss.dterm_latex)
        by = loss.divisor_text()
        return ((text + by, tex + by),) if tex else ()
    return ()


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _form_pattern(text: str) -> re.Pattern:
    """A formula's text as a pattern, each placeholder ({net}, {t}) a group: the same name twice
    must be the same text."""
    out, seen = [], set()
    for i, piece in enumerate(_PLACEHOLDER.split(text)):
        if i % 2 == 0:
            out.append(re.escape(piece))
        else:
            out.append(f"(?P={piece})" if piece in seen else f"(?P<{piece}>.+?)")
            seen.add(piece)
    return re.compile("".join(out))


def latex_part(step: Step, part: str) -> str:
    """One part of an equation in LaTeX: where it is its operation's formula (with names or with
    numbers), the operation's own LaTeX with those filled in; anything else read from the text."""
    for text, tex in step.forms:
        m = _form_pattern(text).fullmatch(part)
        if m:
            return _PLACEHOLDER.sub(lambda p: _filled(latex_math(m.group(p.group(1))), tex, p.end())
                                    if p.group(1) in m.groupdict() else p.group(0), tex)
    return latex_math(part)


def _filled(value: str, tex: str, end: int) -> str:
    """A placeholder's LaTeX, braced where the formula raises it to a power and it has a
    superscript of its own (out_{h1}^{(1)} squared: {out_{h1}^{(1)}}^{2}, not a double superscript)."""
    return f"{{{value}}}" if tex.startswith("^", end) and "^" in value else value


def steps_of(owned_lines, trace=None) -> list[Step]:
    """Unwrapped derivation lines, each with the quantity it works out (None: a heading or prose),
    as steps; with the trace, each equation knows its operation's formulas (`forms_of`)."""
    steps: list[Step] = []
    for owner, line in owned_lines:
        text = line.strip()
        if not text:
            continue
        if owner is None or (text.startswith("(") and text.endswith(")")) or " = " not in text:
            kind = "heading" if owner is None and line == text and not text.startswith("(") else "prose"
            steps.append(Step(kind, text, of=owner))
            continue
        m = _NOTE.match(text)
        body, note = (m.group(1), m.group(2)) if m else (text, "")
        lhs, *parts = body.split(" = ")
        steps.append(Step("eq", lhs, tuple(parts), note, owner, forms_of(trace, owner)))
    return steps
