"""Variants: a problem with `vary:` drawn anew for each student, with its answer key for `ask:`.

Each variant's numbers come from a generator seeded by (seed, the variant's id) alone, so the same
seed always gives a student the same numbers, whatever the roster's order or size. A draw that makes
the problem degenerate (see `degenerate`) is replaced by the generator's next draw. The numbers are
then worked out by the one engine (`build_trace`): the key is the trace's values, nothing else.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import ProblemError, UsageError
from .problem import Problem, with_overrides
from .trace import Trace

MAX_DRAWS = 100                # degenerate draws in a row before giving up
SATURATION = 1e-6              # an output this close to its activation's bound is saturated
INDEX_FILE = "variants.csv"    # the roster of a variants folder: id, name, email, file
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


@dataclass(frozen=True)
class Variant:
    """One student's problem: the drawn numbers, their trace, and the key of the asked quantities."""

    student: Student
    problem: Problem
    trace: Trace
    asked: tuple[str, ...]              # canonical names, in `ask:` order
    draws: int = 1                      # 1: the first draw was used; more: degenerate ones were redrawn
    drawn: frozenset[str] = frozenset()  # the names `vary:` drew

    @property
    def id(self) -> str:
        return self.student.id


# ---------------------------------------------------------------- drawing

def generator(seed: int, key: str) -> np.random.Generator:
    """The generator of one variant: seeded by (seed, key) only, never by its place in a roster."""
    words = np.frombuffer(hashlib.sha256(key.encode("utf-8")).digest(), dtype="<u4").tolist()
    return np.random.default_rng(np.random.SeedSequence([seed, *words]))


def drawn_values(problem: Problem, rng: np.random.Generator) -> dict[str, float]:
    """One draw of every value `vary:` covers, in a fixed order: weights and biases, the learning rate,
    then each sample's inputs and targets."""
    from .graph import is_graph_problem

    vary = problem.vary
    out: dict[str, float] = {}
    if is_graph_problem(problem):
        for leaf in problem.graph.leaves:
            rule = vary.rule(leaf, "values")
            if rule is not None:
                out[leaf] = rule.sample(rng)
        rule = vary.rule("eta", "learning_rate") or vary.rule("learning_rate", "learning_rate")
        if rule is not None:
            out["eta"] = rule.sample(rng)
        return out
    net = problem.network
    for prm in net.parameters():
        rule = vary.rule(prm.name, "biases", "weights") if prm.kind == "bias" else vary.rule(prm.name, "weights")
        if rule is not None:
            out[prm.name] = rule.sample(rng)
    rule = vary.rule("eta", "learning_rate")
    if rule is None:
        rule = vary.rule("learning_rate", "learning_rate")
    if rule is not None:
        out["eta"] = rule.sample(rng)
    n = problem.n_samples
    for k in range(n):
        at = f"@{k + 1}" if n > 1 else ""
        for i in net.inputs:
            rule = vary.rule(i + at, "inputs")
            if rule is not None:
                out[i + at] = rule.sample(rng)
        if problem.targets is not None:
            for o in net.outputs:
                rule = vary.rule(f"target.{o}{at}", "targets")
                if rule is not None:
                    out[f"target.{o}{at}"] = rule.sample(rng)
    return out


def apply(problem: Problem, values: dict[str, float], vid: str) -> Problem:
    """The problem with the drawn values in place (targets too), no `vary:`, and its variant id."""
    from .graph import is_graph_problem

    if is_graph_problem(problem):
        from .graph.load import with_overrides as graph_overrides

        return replace(graph_overrides(problem, values), vary=None, variant=vid, answers=None)
    targets = {k: v for k, v in values.items() if k.startswith("target.")}
    drawn = with_overrides(problem, {k: v for k, v in values.items() if k not in targets})
    T = drawn.targets
    if targets:
        T = T.copy()
        outputs = problem.network.outputs
        for name, value in targets.items():
            unit, _, k = name.removeprefix("target.").partition("@")
            T[int(k or 1) - 1, outputs.index(unit)] = value
    return replace(drawn, targets=T, vary=None, variant=vid, answers=None)


def degenerate(trace: Trace) -> str | None:
    """Why a drawn problem is unfit to hand out, or None. The rule: any value not finite, any
    gradient exactly 0, or any sigmoid, softmax or tanh output within 1e-6 of its bound."""
    layers = getattr(trace.problem, "network", None)
    layers = layers.layers if layers is not None else ()
    for q in trace.quantities.values():
        if not math.isfinite(q.value):
            return f"{q.name} is not finite"
        if q.kind == "grad" and q.value == 0.0:
            return f"{q.name} is exactly 0"
        if q.kind == "out" and q.layer is not None and layers:
            bounds = layers[q.layer].activation.fn.asymptotes
            if bounds and min(q.value - bounds[0], bounds[1] - q.value) < SATURATION:
                return f"{q.name} = {q.value:.9g} is saturated"
    return None


def asked_names(trace: Trace, resolver=None) -> tuple[str, ...]:
    """`ask:`'s names resolved to the trace's canonical names (a name it does not know is an error
    naming the file and line); `resolver`: the trace's, if already built."""
    from .answers import name_resolver

    p = trace.problem
    if p.ask is None:
        return ()
    resolver = resolver or name_resolver(trace)
    names = []
    for i, written in enumerate(p.ask.quantities):
        name = resolver.resolve(written)
        if name is None:
            raise ProblemError(resolver.why_unknown(written), file=p.source, where=f"ask.quantities[{i}]",
                               line=p.ask.lines[i] if p.ask.lines else None)
        names.append(name)
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise ProblemError(f"{dup} is asked twice (under two spellings)", file=p.source, where="ask.quantities")
    return tuple(names)


def make_variant(problem: Problem, student: Student, seed: int, asked: tuple[str, ...] | None = None) -> Variant:
    """One student's variant: draws until one is not degenerate (at most MAX_DRAWS)."""
    from .check import checking_trace

    rng = generator(seed, student.seed_key)
    why = None
    for attempt in range(1, MAX_DRAWS + 1):
        values = drawn_values(problem, rng)
        drawn = apply(problem, values, student.id)
        trace = checking_trace(drawn)
        why = degenerate(trace)
        if why is None:
            return Variant(student, drawn, trace, asked if asked is not None else asked_names(trace), attempt,
                           frozenset(values))
    line = problem.doc.line_of(("vary",)) if problem.doc is not None else None
    raise ProblemError(f"{MAX_DRAWS} draws in a row were degenerate (the last: {why}); change the ranges "
                       "(or the fixed numbers) so that draws avoid it",
                       file=problem.source, where="vary", line=line)


def make_variants(problem: Problem, students: list[Student], seed: int) -> Iterator[Variant]:
    """Every student's variant, in the roster's order (each independent of the others)."""
    if problem.vary is None:
        raise ProblemError("the problem has no 'vary:' block saying what to draw for each variant",
                           file=problem.source)
    if problem.ask is None:
        raise ProblemError("the problem has no 'ask:' block saying what every student must give",
                           file=problem.source)
    from .graph import is_graph_problem

    if not is_graph_problem(problem) and problem.n_samples == 0:
        raise ProblemError("the problem has no samples written out (data: [{input: ..., target: ...}])",
                           file=problem.source, where="data")
    if not is_graph_problem(problem):
        from .limits import require_nameable

        require_nameable(problem, "each variant", times=len(students))
    asked = None
    for student in students:
        variant = make_variant(problem, student, seed, asked)
        asked = variant.asked
        yield variant


def numbered(count: int) -> list[Student]:
    """variant-01 ... variant-NN (two digits at least)."""
    width = max(2, len(str(count)))
    return [Student(f"variant-{n:0{width}d}", number=n) for n in range(1, count + 1)]


# ---------------------------------------------------------------- the roster

def read_roster(path: str | Path, index: bool = False) -> list[Student]:
    """A roster CSV (columns id, optional name and email; other columns ignored), or a variants
    folder's index (with file). Every bad row is an error naming the file and line."""
    from .errors import DataError

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


# ---------------------------------------------------------------- the variant as a problem file

def variant_yaml(variant: Variant, seed: int) -> str:
    """The variant as a complete problem file: the original with the drawn numbers written in, no
    `vary:`, its `variant:` id and an `answers:` block holding the key (every float64 digit)."""
    import yaml

    p, base = variant.problem, variant.problem.doc
    data: dict[str, Any] = copy.deepcopy(base.data)
    drawn = variant.drawn
    out: dict[str, Any] = {k: data[k] for k in ("name", "description", "source") if k in data}
    out["variant"] = variant.id
    for key, value in data.items():
        if key in out or key in ("vary", "answers", "variant"):
            continue
        out[key] = value
    if "graph" in out:
        out["values"] = {**(out.get("values") or {}), **{leaf: p.values[leaf] for leaf in p.graph.leaves if leaf in drawn}}
        if "eta" in drawn:
            out.pop("eta", None)
            out["learning_rate"] = p.learning_rate
    else:
        _write_network(out, variant, base.data)
    out["answers"] = {name: variant.trace[name].value for name in variant.asked}
    text = yaml.dump(out, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    origin = Path(base.file).name if base.file else "the problem"
    head = (f"# Variant {variant.id} of {origin} (nncalc variants, seed {seed}). A complete problem file:\n"
            f"# `nncalc backprop` works it, `answers:` is its key for `ask:`.\n")
    return head + text


def _write_network(out: dict[str, Any], variant: Variant, original: dict[str, Any]) -> None:
    """The drawn weights, biases, learning rate and samples written into a network problem's data."""
    p, drawn = variant.problem, variant.drawn
    layers = out["network"]["layers"]
    for li, layer in enumerate(p.network.layers):
        spec = layers[li]
        names = {n for row in layer.weight_names for n in row} | set(layer.bias_names)
        if "weights" not in spec or names & drawn:
            spec["weights"] = layer.weights.tolist()
        if layer.bias is not None and ("weights" not in original["network"]["layers"][li] or names & drawn):
            spec["bias"] = float(layer.bias[0]) if layer.bias_shared else layer.bias.tolist()
    out.pop("init", None)        # every layer's weights are written out now
    if "eta" in drawn:
        out["learning_rate"] = p.learning_rate
    n = p.n_samples
    for k, sample in enumerate(out["data"]):
        at = f"@{k + 1}" if n > 1 else ""
        if any(i + at in drawn for i in p.network.inputs):
            sample["input"] = p.inputs[k].tolist()
        if p.targets is not None and any(f"target.{o}{at}" in drawn for o in p.network.outputs):
            sample["target"] = p.targets[k].tolist()


def _flow_lists():
    """A safe YAML dumper writing lists of numbers (and of such lists) on one line, mappings in blocks."""
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc, valid-type]
        pass

    def represent_list(dumper, data):
        flat = all(not isinstance(x, (dict, list)) or (isinstance(x, list) and
                                                        all(not isinstance(y, (dict, list)) for y in x)) for x in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)

    def represent_dict(dumper, data):
        return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)

    Dumper.add_representer(list, represent_list)
    Dumper.add_representer(dict, represent_dict)
    return Dumper


_Dumper = _flow_lists()


# ---------------------------------------------------------------- a variants folder

@dataclass(frozen=True)
class VariantSet:
    """A folder written by `nncalc variants`: its index of students and their variant files."""

    folder: Path
    students: tuple[Student, ...]

    def path(self, student: Student) -> Path:
        return self.folder / student.file

    def find(self, sid: str) -> Student | None:
        return next((s for s in self.students if s.id == sid), None)


def is_variant_set(path: str | Path) -> bool:
    """A folder holding a variants index."""
    p = Path(path)
    return p.is_dir() and (p / INDEX_FILE).is_file()


def open_variant_set(folder: str | Path) -> VariantSet:
    """A variants folder's index, each file checked to be in the folder."""
    folder = Path(folder)
    index = folder / INDEX_FILE
    if not is_variant_set(folder):
        raise UsageError(f"not a variants folder: no {INDEX_FILE} in it (`nncalc variants ... -o FOLDER` writes one)",
                         file=str(folder))
    students = read_roster(index, index=True)
    for s in students:
        if Path(s.file).name != s.file:
            raise UsageError(f"file {s.file!r} of {s.id}: expected a file name in the folder", file=str(index))
    return VariantSet(folder, tuple(students))


HANDOUT_SUFFIXES = {"markdown": ".md", "latex": ".tex", "html": ".html"}


def write_variants(problem: Problem, students: list[Student], seed: int, out: Path,
                   handouts: bool = True, handout_format: str = "markdown") -> list[Variant]:
    """Every variant's problem file, handout and worked solution (in `handout_format`, a format of
    the registry's subjects `handout` and `solution`), and the folder's index."""
    from .fileio import write_text_atomic
    from .render.formats import renderer

    suffix = HANDOUT_SUFFIXES[handout_format]
    handout, solution = renderer("handout", handout_format), renderer("solution", handout_format)

    variants = list(make_variants(problem, students, seed))    # every draw first: a failure writes nothing
    for folder in (out, out / "handouts", out / "solutions") if handouts else (out,):
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot make the folder: {exc.strerror or exc}", file=str(folder)) from None
    listed = []
    for variant in variants:
        file = f"{variant.id}.yaml"
        write_text_atomic(out / file, variant_yaml(variant, seed), durable=False)
        if handouts:
            write_text_atomic(out / "handouts" / f"{variant.id}{suffix}", handout(variant, None), durable=False)
            write_text_atomic(out / "solutions" / f"{variant.id}{suffix}", solution(variant, None), durable=False)
        listed.append(replace(variant.student, file=file))
    write_text_atomic(out / INDEX_FILE, index_csv(listed))     # last, and synced: the folder is complete
    return variants


def load_variant(vs: VariantSet, student: Student) -> Variant:
    """A variant back from its file (the key as the engine gives it for those numbers)."""
    from .check import checking_trace
    from .problem import load_problem

    problem = load_problem(vs.path(student))
    trace = checking_trace(problem)
    return Variant(student, problem, trace, asked_names(trace))
