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
    from .errors import suggest

    close = suggest(name, bundled, n=1, cutoff=0.6)
    listed = close[:-1] + " the list: `nncalc problems`)" if close else \
        f" (bundled: {', '.join(bundled)}; see `nncalc problems`)"
    raise ProblemError(f"no such file, and no bundled problem of that name{listed}", file=problem)


def open_problem(problem: str | None, sets: list[str] | None = None):
    """A problem by path or bundled name (none: the default), with `--set NAME=VALUE` overrides applied."""
    from .errors import ProblemError
    from .problem import load_problem, parse_assignments, with_overrides

    path = resolve(problem)
    try:
        loaded = load_problem(path)
    except ProblemError as exc:
        raise _answers_file_hint(path) or exc from None
    return with_overrides(loaded, parse_assignments(sets or []))


def _answers_file_hint(path: Path) -> ProblemError | None:
    """For a file refused as a problem: the error saying it is an answers file, if it is one."""
    from .answers import is_answers_doc
    from .errors import NncalcError
    from .yamlio import read_yaml

    try:
        data = read_yaml(path).data
    except NncalcError:
        return None
    if not is_answers_doc(data):
        return None
    problem = data.get("problem")
    command = f"nncalc check {path}" if isinstance(problem, str) else f"nncalc check PROBLEM {path}"
    return ProblemError(f"this is an answers file, not a problem; check it with: {command}", file=str(path))


def catalogue() -> list[dict]:
    """Each bundled problem: name, network shape, title and the `source:` it cites; a file that
    cannot be loaded is listed with the reason (one broken file must not hide the others)."""
    from .errors import NncalcError
    from .problem import load_problem

    rows = []
    for name, path in bundled_problems().items():
        try:
            p = load_problem(path)
        except NncalcError as exc:
            rows.append({"name": name, "sizes": None, "title": None, "source": None, "error": exc.message})
            continue
        from .graph import is_graph_problem

        sizes = None if is_graph_problem(p) else [len(p.network.inputs)] + [len(layer.units) for layer in p.network.layers]
        cited = p.doc.data.get("source") if p.doc is not None and isinstance(p.doc.data, dict) else None
        rows.append({"name": name, "sizes": sizes, "title": p.name,
                     "source": None if cited is None else str(cited), "error": None})
    return rows
