"""Rosters: the students variants are drawn for, from a CSV (id, optional name and email) or
numbered (variant-01 ...), and a variants folder's index (the same columns and each one's file)."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError

ROSTER_COLUMNS = ("id", "name", "email")
MAX_ROSTER_BYTES = 10_000_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,99}$")


@dataclass(frozen=True)
class Student:
    """One roster row (or one numbered variant: id only)."""

    id: str
    name: str = ""
    email: str = ""
    file: str = ""           # the variant file, in a variants folder's index
    number: int | None = None    # a numbered variant's number (its seed does not depend on the id's width)

    @property
    def seed_key(self) -> str:
        """What, with the seed, draws this student's numbers: their id, or the variant's number."""
        return f"variant:{self.number}" if self.number is not None else f"student:{self.id}"


def numbered(count: int) -> list[Student]:
    """variant-01 ... variant-NN (two digits at least)."""
    width = max(2, len(str(count)))
    return [Student(f"variant-{n:0{width}d}", number=n) for n in range(1, count + 1)]


def read_roster(path: str | Path, index: bool = False) -> list[Student]:
    """A roster CSV (columns id, optional name and email; other columns ignored), or a variants
    folder's index (with file). Every bad row is an error naming the file and line."""
    file = str(path)
    p = Path(path)
    if not p.is_file():
        raise DataError("not found, or not a regular file" if not p.is_dir() else "is a folder, expected a CSV file",
                        file=file)
    if p.stat().st_size > MAX_ROSTER_BYTES:
        raise DataError(f"over {MAX_ROSTER_BYTES // 1_000_000} MB; a roster needs far less", file=file)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise DataError(f"cannot read as UTF-8 text ({type(exc).__name__})", file=file) from None
    try:
        rows = list(csv.reader(text.splitlines()))
    except csv.Error as exc:      # a NUL byte, a field over csv's limit
        raise DataError(f"not a readable CSV ({exc})", file=file) from None
    header = rows[0] if rows else None
    if not header:
        raise DataError("empty; expected a header row with an 'id' column", file=file, line=1)
    columns = [c.strip().lower() for c in header]
    if "id" not in columns:
        raise DataError(f"no 'id' column (the header has {', '.join(columns) or 'nothing'})", file=file, line=1)
    at = {c: columns.index(c) for c in (*ROSTER_COLUMNS, "file") if c in columns}
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise DataError(f"{len(row)} fields, the header has {len(columns)}", file=file, line=line)
        cell = {c: row[i].strip() if i < len(row) else "" for c, i in at.items()}
        bad = next((c for c, v in cell.items() if not v.isprintable()), None)
        if bad:
            raise DataError(f"the {bad} holds a control character", file=file, line=line)
        sid = cell["id"]
        if not _ID.match(sid):
            raise DataError(f"id {sid!r}: expected letters, digits and . _ @ + - (it names the student's file)",
                            file=file, line=line)
        if sid in seen:
            raise DataError(f"id {sid!r} also on line {seen[sid]}", file=file, line=line)
        seen[sid] = line
        students.append(Student(sid, cell.get("name", ""), cell.get("email", ""), cell.get("file", "")))
    if not students:
        raise DataError("no students (only a header)", file=file)
    if index and any(not s.file for s in students):
        raise DataError("an index row without a file", file=file)
    return students


def index_csv(students: list[Student]) -> str:
    """A variants folder's index: id, name, email, file."""
    import io

    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\n")
    out.writerow([*ROSTER_COLUMNS, "file"])
    for s in students:
        out.writerow([s.id, s.name, s.email, s.file])
    return buffer.getvalue()
