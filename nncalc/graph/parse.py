"""Assignments such as `s = yhat - y` parsed with Python's `ast` against a whitelist (never eval).

Each operation becomes one node. A subexpression without a name of its own gets a generated one:
the assigned name, `_` and a number counting that assignment's unnamed subexpressions in the order
they are computed (innermost first, left to right): `f = x^2 + x*y` makes `f_1 = x^2`, `f_2 = x·y`
and `f = f_1 + f_2`. `^` is a power, as on the slides (Python's `**` works too).

The walk over the syntax tree is iterative, so a deeply nested expression cannot exhaust Python's
stack here; one too deep for Python's own parser is refused with a message.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from ..errors import suggest
from .ops import FUNCTIONS, OPS

Arg = str | float          # a node's argument: another node's name, or a number written in the expression

_BINARY = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED = ("eta", "learning_rate")


class ParseError(Exception):
    """A malformed assignment; `column` is 1-based in the text as written (None: the whole text)."""

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message, self.column = message, column

    def __str__(self) -> str:
        return f"column {self.column}: {self.message}" if self.column else self.message


@dataclass(frozen=True)
class Node:
    """One operation of the graph: `name = op(args)`; `generated` for an unnamed subexpression."""

    name: str
    op: str
    args: tuple[Arg, ...]
    generated: bool = False
    statement: int = 0          # which assignment it came from (0-based)


def split_assignment(text: str) -> tuple[str, str, int]:
    """'L = s^2' -> ('L', 's^2', column where the expression starts, 0-based)."""
    name, eq, expr = text.partition("=")
    if not eq or not name.strip():
        raise ParseError("expected an assignment NAME = EXPRESSION, e.g. 's = yhat - y'")
    target = name.strip()
    if not NAME.match(target):
        raise ParseError(f"'{target}' is not a name (letters, digits and _, starting with a letter)",
                         len(name) - len(name.lstrip()) + 1)
    return target, expr, len(name) + 1


def parse_expression(target: str, expr: str, offset: int, statement: int, taken: set[str]) -> list[Node]:
    """The nodes computing `expr`, the last one named `target`. Columns in errors count from the start
    of the assignment (`offset`: where `expr` starts). `taken`: names already in use."""
    python, shift = _python_syntax(expr)
    try:
        tree = ast.parse(python.strip(), mode="eval")
    except SyntaxError as exc:
        lead = len(python) - len(python.lstrip())
        if not exc.offset:          # Python's parser ran out of text: say where the text ends
            raise ParseError("the expression ends too early", offset + len(expr.rstrip()) + 1) from None
        raise ParseError(_syntax_message(exc), shift(exc.offset - 1 + lead) + offset + 1) from None
    except (RecursionError, MemoryError):
        raise ParseError("the expression is nested too deeply for Python's parser; split it into "
                         "several named assignments") from None
    lead = len(python) - len(python.lstrip())
    return _Builder(target, statement, taken, lambda c: shift(c + lead) + offset + 1).build(tree.body)


def _python_syntax(expr: str):
    """The expression with `^` as `**`, and a map from a column there back to the text as written."""
    marks = [i for i, ch in enumerate(expr) if ch == "^"]
    python = expr.replace("^", "**")

    def shift(col: int) -> int:
        return col - sum(1 for k, m in enumerate(marks) if m + k < col)

    return python, shift


def _syntax_message(exc: SyntaxError) -> str:
    msg = exc.msg or "invalid syntax"
    if msg.startswith("too many nested parentheses"):
        return "too many nested parentheses (Python's parser stops at 200); split it into named assignments"
    return msg.replace("invalid syntax", "not a valid expression")


class _Builder:
    """Turns one expression's syntax tree into nodes, post-order, with an explicit stack."""

    def __init__(self, target: str, statement: int, taken: set[str], column) -> None:
        self.target, self.statement, self.taken, self.column = target, statement, taken, column
        self.nodes: list[Node] = []
        self.count = 0

    def fail(self, node: ast.AST, message: str):
        raise ParseError(message, self.column(getattr(node, "col_offset", 0)))

    def build(self, root: ast.expr) -> list[Node]:
        result: dict[int, Arg] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, ready = stack.pop()
            children = self.children(node)
            if not ready:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(children))
                continue
            result[id(node)] = self.make(node, [result.pop(id(c)) for c in children], node is root)
        top = result[id(root)]
        if not self.nodes or self.nodes[-1].name != self.target:      # `f = x` or `f = 3`
            self.nodes.append(Node(self.target, "id", (top,), statement=self.statement))
        return self.nodes

    def children(self, node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp):
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            return [] if self.literal(node) is not None else [node.operand]
        if isinstance(node, ast.Call):
            return self.call_args(node)
        if isinstance(node, (ast.Name, ast.Constant)):
            return []
        self.fail(node, f"{self.describe(node)} is not allowed; use + - * / ^ (or **), numbers, names and "
                        f"{', '.join(FUNCTIONS)}")

    def call_args(self, node: ast.Call) -> list[ast.expr]:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = f"'{name}'" if name else "this call"
            self.fail(node, f"unknown function {shown}{suggest(name or '', FUNCTIONS)}; "
                            f"expected one of {', '.join(FUNCTIONS)}")
        if node.keywords:
            self.fail(node.keywords[0].value, f"{name}() takes no keyword arguments")
        arity = OPS[name].arity
        if len(node.args) != arity or any(isinstance(a, ast.Starred) for a in node.args):
            self.fail(node, f"{name}() takes {arity} argument{'s' if arity > 1 else ''}, got {len(node.args)}")
        return list(node.args)

    @staticmethod
    def literal(node: ast.UnaryOp) -> float | None:
        """-2 and +2 are numbers, not operations."""
        if isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(node.operand, ast.Constant):
            value = node.operand.value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(-value if isinstance(node.op, ast.USub) else value)
        return None

    def make(self, node: ast.expr, args: list[Arg], is_root: bool) -> Arg:
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(node, f"{value!r} is not a number")
            try:
                return float(value)
            except OverflowError:
                self.fail(node, "the number is too large for float64")
        if isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                self.fail(node, f"'{node.id}' is a function; call it as {node.id}(...)")
            if not NAME.match(node.id):
                self.fail(node, f"'{node.id}' is not a name of ASCII letters, digits and _ (write yhat for ŷ)")
            return node.id
        if isinstance(node, ast.UnaryOp):
            number = self.literal(node)
            if number is not None:
                return number
            if isinstance(node.op, ast.UAdd):
                return args[0]
            if not isinstance(node.op, ast.USub):
                self.fail(node, f"{self.describe(node)} is not allowed")
            return self.emit("neg", args, is_root)
        if isinstance(node, ast.BinOp):
            op = _BINARY.get(type(node.op))
            if op is None:
                self.fail(node, f"{self.describe(node)} is not allowed; use + - * / ^ (or **)")
            return self.emit(op, args, is_root)
        return self.emit(node.func.id, args, is_root)

    def emit(self, op: str, args: list[Arg], is_root: bool) -> str:
        if is_root:
            name, generated = self.target, False
        else:
            self.count += 1
            name, generated = f"{self.target}_{self.count}", True
            if name in self.taken:
                raise ParseError(f"'{name}' is already a name, and {self.target}'s unnamed subexpressions are "
                                 f"named {self.target}_1, {self.target}_2, ...; rename '{name}'")
        self.nodes.append(Node(name, op, tuple(args), generated, self.statement))
        return name

    @staticmethod
    def describe(node: ast.AST) -> str:
        words = {ast.BitXor: "^", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
                 ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not"}
        op = getattr(node, "op", None)
        if op is not None and type(op) in words:
            return f"the operator '{words[type(op)]}'"
        return {ast.Compare: "a comparison", ast.BoolOp: "and/or", ast.IfExp: "if/else",
                ast.Attribute: "an attribute (a.b)", ast.Subscript: "indexing (a[i])", ast.Lambda: "lambda",
                ast.Tuple: "a tuple", ast.List: "a list"}.get(type(node), f"'{type(node).__name__}'")
