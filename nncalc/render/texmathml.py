"""LaTeX math as MathML: the subset nncalc writes (its names, `\\frac`, scripts, the operations'
own `out_latex`/`term_latex` formulas) translated once, so that a web page shows exactly the
notation the PDF does and a new operation's LaTeX reaches MathML with no entry of its own.

`tex_mathml(tex)` returns the inside of a <math> element; a command outside the subset is kept
as text (or, with `strict`, refused: the tests hold every registered operation to the subset).
"""

from __future__ import annotations

import re
from html import escape

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]+|\s+|.", re.S)

SYMBOLS = {"sigma": "σ", "delta": "δ", "eta": "η", "alpha": "α", "lambda": "λ", "beta": "β", "gamma": "γ",
           "mu": "μ", "theta": "θ", "epsilon": "ε", "phi": "φ", "tau": "τ", "omega": "ω", "Delta": "Δ"}
OPERATORS = {"cdot": "·", "le": "≤", "ge": "≥", "to": "→", "odot": "⊙", "dots": "…", "partial": "∂", "sum": "∑",
             "times": "×", "pm": "±", "lvert": "|", "rvert": "|", "{": "{", "}": "}", "|": "‖", "infty": "∞",
             "prod": "∏", "approx": "≈", "neq": "≠", "ne": "≠", "in": "∈", "mid": "|"}
FUNCTIONS = {"ln", "log", "exp", "tanh", "sin", "cos", "max", "min", "sinh", "cosh", "sign"}
SPACES = {"quad": "1em", "qquad": "2em", ",": "0.17em", ";": "0.28em", " ": "0.25em", "!": "0"}
PLAIN_OPERATORS = {"-": "−", "+": "+", "=": "=", "(": "(", ")": ")", "[": "[", "]": "]", ",": ",", "/": "/",
                   ":": ":", "|": "|", "<": "&lt;", ">": "&gt;", "!": "!", "'": "′", ".": ".", ";": ";"}
# what latex_text writes in \text{...}, read back
_TEXT_ESCAPES = {r"\textbackslash{}": "\\", r"\textless{}": "<", r"\textgreater{}": ">", r"\textbar{}": "|",
                 r"\textasciitilde{}": "~", r"\textasciicircum{}": "^", r"\dots{}": "…", r"$\times$": "×", "~": "\u00a0",
                 "---": "—", "--": "–", "``": "“", "''": "”"}


class NoMathML(ValueError):
    """A LaTeX command outside the subset this translator knows (strict mode)."""


class _Reader:
    def __init__(self, tex: str, strict: bool):
        self.toks = _TOKEN.findall(tex)
        self.i = 0
        self.strict = strict

    def peek(self) -> str | None:
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        self.i += 1
        return tok

    def raw_group(self) -> str:
        """The text of a {...} group, braces balanced, spaces kept."""
        if self.peek() != "{":
            return self.take() or ""
        self.i += 1
        depth, out = 1, []
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            self.i += 1
            depth += {"{": 1, "}": -1}.get(tok, 0)
            if depth == 0:
                break
            out.append(tok)
        return "".join(out)

    def sequence(self, until: str | None = None) -> list[str]:
        """Atoms up to `until` (a '}' or '\\right'), each with its sub- and superscripts attached."""
        atoms: list[str] = []
        while (tok := self.peek()) is not None and tok != until:
            if tok in ("^", "_"):
                self.i += 1
                base = atoms.pop() if atoms else "<mrow></mrow>"
                atoms.append(self.scripted(base, tok))
            else:
                atoms.append(self.atom())
        if tok == until:
            self.i += 1
        return atoms

    def scripted(self, base: str, first: str) -> str:
        scripts = {first: self.script()}
        other = "^" if first == "_" else "_"
        if self.peek() == other:
            self.i += 1
            scripts[other] = self.script()
        if "_" in scripts and "^" in scripts:
            return f"<msubsup>{base}{scripts['_']}{scripts['^']}</msubsup>"
        return f"<msub>{base}{scripts['_']}</msub>" if "_" in scripts else f"<msup>{base}{scripts['^']}</msup>"

    def script(self) -> str:
        """A script's argument: a group of letters and digits alone is one name (h1 of out_h1)."""
        if self.peek() == "{":
            start = self.i + 1
            end = start
            while end < len(self.toks) and self.toks[end] != "}" and re.fullmatch(r"[A-Za-z0-9]+", self.toks[end]):
                end += 1
            if end < len(self.toks) and self.toks[end] == "}" and end > start:
                self.i = end + 1
                name = "".join(self.toks[start:end])
                return f"<mn>{name}</mn>" if name.isdigit() else f"<mi>{name}</mi>"
        return self.atom()

    def atom(self) -> str:
        tok = self.take()
        if tok is None:         # a script or fraction with its argument missing
            return "<mrow></mrow>"
        if tok == "{":
            return _row(self.sequence("}"))
        if tok[0].isdigit():
            return f"<mn>{tok}</mn>"
        if tok[0].isalpha():
            return f"<mi>{escape(tok)}</mi>"
        if tok.startswith("\\"):
            return self.command(tok[1:])
        if tok in PLAIN_OPERATORS:
            return f"<mo>{PLAIN_OPERATORS[tok]}</mo>"
        return f"<mo>{escape(tok)}</mo>"

    def command(self, name: str) -> str:
        if name == "frac":
            top = self.atom()
            return f"<mfrac>{top}{self.atom()}</mfrac>"
        if name == "left":
            opening = self._delimiter()
            inner = self.sequence("\\right")
            return _row([opening, *inner, self._delimiter()])
        if name == "text":      # MathML trims an mtext's edges: keep one space around a word
            text = escape(_plain(self.raw_group()))
            before, after = ("&#160;" if edge else "" for edge in (text.startswith(" "), text.endswith(" ")))
            return f"<mtext>{before}{text.strip(' ')}{after}</mtext>"
        if name in ("operatorname", "mathrm"):
            return f"<mi>{escape(self.raw_group())}</mi>"
        if name == "hat":
            return f"<mover accent=\"true\">{self.atom()}<mo>^</mo></mover>"
        if name == "sqrt":
            return f"<msqrt>{self.atom()}</msqrt>"
        if name in SYMBOLS:
            return f"<mi>{SYMBOLS[name]}</mi>"
        if name in OPERATORS:
            return f"<mo>{escape(OPERATORS[name])}</mo>"
        if name in FUNCTIONS:
            return f"<mi>{name}</mi>"
        if name in SPACES:
            return f'<mspace width="{SPACES[name]}"/>'
        if self.strict:
            raise NoMathML(f"no MathML for \\{name}")
        return f"<mtext>\\{escape(name)}</mtext>"

    def _delimiter(self) -> str:
        tok = self.take() or "."
        if tok == ".":
            return ""
        return self.command(tok[1:]) if tok.startswith("\\") else f"<mo>{PLAIN_OPERATORS.get(tok, escape(tok))}</mo>"


def _row(atoms: list[str]) -> str:
    return atoms[0] if len(atoms) == 1 else "<mrow>" + "".join(atoms) + "</mrow>"


def _plain(text: str) -> str:
    """What `latex_text` escaped, as the text it was (\\_ is _, \\ensuremath{\\partial} is ∂)."""
    text = re.sub(r"\\ensuremath\{\\?([A-Za-z]+|.)\}", lambda m: SYMBOLS.get(m.group(1), OPERATORS.get(m.group(1), m.group(1))),
                  text)
    for tex, plain in _TEXT_ESCAPES.items():
        text = text.replace(tex, plain)
    return re.sub(r"\\([{}$&#_%])", r"\1", text)


def tex_mathml(tex: str, strict: bool = False) -> str:
    """LaTeX math (without the $...$) as MathML: one <mrow> for the inside of a <math> element."""
    return "<mrow>" + "".join(_Reader(tex, strict).sequence()) + "</mrow>"
