"""Text from files made safe for a terminal: control characters shown as escapes, never sent raw.

A problem name, unit name, answer key or a value echoed in an error message comes from a file that
a student may have written; sent raw, `\\x1b[2J` clears the instructor's terminal, `\\x1b]0;...\\x07`
retitles it, a carriage return or a right-to-left override hides text. `printable` writes every
such character as a visible escape (`\\x1b`, `\\u202e`); `SafeConsole` applies it to everything
Rich draws, strings before they are measured (so tables stay aligned) and all other text as it is
rendered; error lines and plain-text output call `printable` themselves.
"""

from __future__ import annotations

import re
from typing import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.text import Text

# C0 and C1 controls, DEL, and the invisible characters that reorder or break lines
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def printable(text: str, *, newlines: bool = False) -> str:
    """`text` with each control character written as an escape; `newlines` keeps line breaks."""
    return (_CONTROL_BUT_NEWLINE if newlines else _CONTROL).sub(_escape, text)


class SafeConsole(Console):
    """A Rich Console that never writes a control character it was given as text (its own colour
    and cursor codes are segments marked as control, and pass), and shows `:name:` as written
    rather than as an emoji (a unit named `:fire:` stays that; start-up: Rich's emoji table, ~4,000
    entries, is never imported)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("emoji", False)
        super().__init__(*args, **kwargs)

    def render_str(self, text: str, **kwargs) -> Text:
        return super().render_str(printable(text, newlines=True), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            if segment.control is None and _CONTROL_BUT_NEWLINE.search(segment.text):
                segment = Segment(printable(segment.text, newlines=True), segment.style)
            yield segment
