"""A variants folder, as `nncalc variants -o FOLDER` writes it: each variant as a complete problem
file (its key in `answers:`), its handout and worked solution, and the index `variants.csv`; and
the folder read back for grading."""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .problem import Problem
from .roster import Student, index_csv, read_roster
from .variants import Variant, make_variants

INDEX_FILE = "variants.csv"    # the roster of a variants folder: id, name, email, file


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
    from .check import asked_names, checking_trace
    from .problem import load_problem

    problem = load_problem(vs.path(student))
    trace = checking_trace(problem)
    return Variant(student, problem, trace, asked_names(trace))
