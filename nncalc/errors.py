"""nncalc's own errors: each names the file, the place in it, and what was expected.

The package raises these; only the CLI turns them into a message and exit code 2.
"""

from __future__ import annotations


class NncalcError(Exception):
    """A user-facing error with the file and the place (key path, YAML line, sample index)."""

    kind = "error"

    def __init__(self, message: str, *, file: str | None = None, where: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.where = where
        self.line = line

    def located(self, *, file: str | None = None, line: int | None = None) -> "NncalcError":
        """Fill in the file or line if not already known, and return self (for re-raising)."""
        self.file = self.file or file
        self.line = self.line or line
        return self

    def __str__(self) -> str:
        place = ""
        if self.file:
            place = str(self.file)
            if self.line:
                place += f":{self.line}"
        if self.where:
            place = f"{place}: {self.where}" if place else self.where
        return f"{place}: {self.message}" if place else self.message


class ProblemError(NncalcError):
    """A problem file (network, data, loss) that cannot be used."""

    kind = "problem"


class AnswersError(NncalcError):
    """An answers file that cannot be checked."""

    kind = "answers"


class DataError(NncalcError):
    """A data source (CSV, NPZ, IDX, download, cache) that cannot be read. path: where the source is
    named in a problem file, as its key path (('data', 'train', 'csv')), so that the YAML line is
    found without reading `where` back; None for a data file's own errors."""

    kind = "data"

    def __init__(self, message: str, *, file: str | None = None, where: str | None = None,
                 line: int | None = None, path: tuple | None = None) -> None:
        super().__init__(message, file=file, where=where, line=line)
        self.path = path


class UsageError(NncalcError):
    """A command-line option that does not fit the problem (e.g. `--set` of an unknown name)."""

    kind = "usage"


class ComputeError(NncalcError):
    """A computation the problem asks for that is not defined (e.g. backprop through `step`)."""

    kind = "compute"


SUGGEST_SCAN = 5_000    # choices difflib compares a word with (about 20 µs each); past it, only look-alikes


def suggest(word: object, choices, *, n: int = 3, cutoff: float = 0.5) -> str:
    """' (did you mean 'x'?)' naming the choices closest to a mistyped word (the same letters in
    another case first), or '' when none is close; every module's messages use it. Among more than
    SUGGEST_SCAN choices (the 700,000 names of a deep network) only those starting with the word's
    first two letters and of about its length are compared, so that one typo costs a scan, not minutes."""
    import difflib

    word = str(word)
    low = word.lower()
    choices = [str(c) for c in choices]
    close = [c for c in choices if c.lower() == low]
    if not close and len(choices) > SUGGEST_SCAN:
        head = low[:2]
        choices = [c for c in choices if abs(len(c) - len(word)) <= 3 and c[:2].lower() == head][:SUGGEST_SCAN]
    close = close or difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
