"""The bundled example problems (the slide gallery), found by name after any kind of install."""

from __future__ import annotations

from pathlib import Path

from .errors import ProblemError

DEFAULT_PROBLEM = "nnbasic"


def bundled_dir() -> Path:
    """The folder holding the bundled problems: `nncalc/problems/` in an installed wheel (setuptools
    maps the source tree's top-level `problems/` there), the top-level folder in a source checkout."""
    here = Path(__file__).resolve().parent
    installed, source = here / "problems", here.parent / "problems"
    return installed if installed.is_dir() else source


def bundled_problems() -> dict[str, Path]:
    """Name (file stem) -> path of every bundled problem, sorted by name."""
    return {p.stem: p for p in sorted(bundled_dir().glob("*.yaml"))}


def resolve(problem: str | None) -> Path:
    """A problem argument as a path: an existing file, else a bundled name, else an error."""
    problem = problem or DEFAULT_PROBLEM
    path = Path(problem)
    try:
        if path.is_file():
            return path
        exists = path.exists()
    except (OSError, ValueError) as exc:     # a name too long for the system, a NUL byte
        raise ProblemError(f"cannot read: {getattr(exc, 'strerror', None) or exc}", file=problem) from None
    bundled = bundled_problems()
    name = path.name.removesuffix(".yaml").removesuffix(".yml")
    if name in bundled and (path.parent == Path(".") or path.parent.name == "problems"):
        return bundled[name]
    if exists:
        return path  # a folder, a FIFO, a device: the loader says why it cannot be read
    raise ProblemError(f"no such file, and no bundled problem of that name "
                       f"(bundled: {', '.join(bundled)}; see `nncalc problems`)", file=problem)


def open_problem(problem: str | None, sets: list[str] | None = None):
    """A problem by path or bundled name (none: the default), with `--set NAME=VALUE` overrides applied."""
    from .problem import load_problem, parse_assignments, with_overrides

    return with_overrides(load_problem(resolve(problem)), parse_assignments(sets or []))
