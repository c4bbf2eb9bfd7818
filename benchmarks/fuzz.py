"""A seeded mutation fuzzer over nncalc's inputs: problem files, answers files, data files (CSV,
NPZ) and model files, run through the CLI in-process (Typer's CliRunner), each case under a time
limit.

    python benchmarks/fuzz.py --cases 5000 --seed 1            # the campaign
    python benchmarks/fuzz.py --cases 300 --seed 0 --json      # what tests/test_fuzz.py runs
    python benchmarks/fuzz.py --case 1234 --seed 1 --keep DIR  # one case again, its files kept in DIR/case-1234
    python benchmarks/fuzz.py --cases 2000 --seed 21 --seeds seq  # sequence problems and data only

Seeds: every bundled problem, the sequence problems below (recurrent and LSTM layers, null
targets, samples of different lengths, generated sine and parity data), an answers file of each
one's own values (a sequence's per-step [t] values among them), a CSV and an NPZ data file, a
trained model, and (n, T, d) sequence data in an NPZ file with a recurrent model trained on it. A case picks a seed, mutates it (the YAML tree: keys dropped or
duplicated, values swapped for odd numbers, strings, types; only its numbers, made extreme (1e308,
5e-324, -0.0), so that the file stays valid and the engine's checks are tried; the text itself;
or CSV cells, rows and quotes; or an archive's arrays, its meta data, its bytes) and runs one
or two commands on it. Counted: cases, exits by code, internal errors (exit 3, a traceback or an
exception out of the CLI), hangs (over --timeout CPU seconds, or 4 times that waiting), warnings
on stderr, and the promises of the error contract: an exit-2 stderr that is not one `nncalc: error:` line, a raw control
character in any output, JSON output that does not parse (or holds NaN). Goal: all but exits 0.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml

PROBLEM_COMMANDS = [
    ["forward", "{p}"], ["backprop", "{p}"], ["backprop", "{p}", "--explain"], ["backprop", "{p}", "--format", "json"],
    ["forward", "{p}", "--format", "markdown"], ["summary", "{p}"], ["check", "{p}"],
    ["train", "{p}", "--steps", "3", "-qq"], ["train", "{p}", "--steps", "2", "--format", "json"],
    ["backprop", "{p}", "-o", "{dir}/out.txt"],
]
ANSWERS_COMMANDS = [["check", "{a}"], ["check", "{a}", "--format", "json"]]

# Sequence problems (recurrent and LSTM layers; bundled ones, problems/rnn-*.yaml, are seeds anyway):
# many-to-one with null targets and samples of different lengths, softmax over steps, an LSTM.
SEQUENCE_PROBLEMS = {
    "seq-many-to-one": """\
name: many to one
network:
  inputs: [x1]
  layers:
    - units: [h1, h2]
      type: recurrent
      activation: tanh
      weights: [[0.5], [-0.3]]
      recurrent_weights: [[0.1, 0.2], [-0.2, 0.4]]
      bias: [0.0, 0.1]
      initial_state: [0.1, -0.1]
    - units: [y]
      activation: sigmoid
      weights: [[1.0, -1.0]]
loss: mse
learning_rate: 0.5
data:
  - input: [[1], [0.5], [-1]]
    target: [null, null, [1]]
  - input: [[0.2], [2]]
    target: [null, [0]]
""",
    "seq-two-step": """\
name: two-step RNN
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2]
      type: recurrent
      activation: tanh
      weights: [[0.5, -0.1], [0.2, 0.3]]
      recurrent_weights: [[0.1, 0.0], [-0.2, 0.4]]
      weight_names: [[wx1, wx2], [wx3, wx4]]
      recurrent_weight_names: [[wh1, wh2], [wh3, wh4]]
      bias: [0.0, 0.1]
    - units: [a, b]
      activation: softmax
      weights: [[2.0, -1.0], [0.5, 0.5]]
loss: cross_entropy
learning_rate: 0.1
data:
  - input: [[1, 0], [0.5, 2]]
    target: [[1, 0], [0, 1]]
""",
    "seq-lstm": """\
name: one LSTM step
network:
  inputs: [x1, x2]
  layers:
    - units: [h1, h2]
      type: lstm
      weights: {i: [[0.1, 0.2], [0.3, -0.1]], f: [[0.2, 0.1], [-0.3, 0.2]], g: [[0.5, -0.5], [0.1, 0.4]],
                o: [[0.3, 0.3], [-0.2, 0.1]]}
      recurrent_weights: {i: [[0.1, 0.0], [0.0, 0.1]], f: [[0.2, 0.0], [0.0, 0.2]],
                          g: [[0.1, -0.1], [0.1, 0.1]], o: [[0.0, 0.1], [0.1, 0.0]]}
      bias: {i: [0.0, 0.1], f: [1.0, 1.0], g: [0.0, 0.0], o: [0.1, -0.1]}
    - units: [y]
      activation: linear
      weights: [[1.0, -0.5]]
loss: half_sse
learning_rate: 0.1
data:
  - input: [[1, 0.5], [-0.5, 2]]
    target: [[0.5], [1]]
""",
}
SEQUENCE_TRAINABLE = """\
name: fuzz sequences
network:
  inputs: 1
  layers:
    - {units: 4, type: recurrent, activation: tanh}
    - {units: 1, activation: linear}
loss: mse
init: xavier
seed: 0
training: {epochs: 2, batch_size: 4}
data: DATA
"""
SEQUENCE_PROBLEMS["seq-sine"] = SEQUENCE_TRAINABLE.replace("DATA", "{generate: sine, samples: 12, seed: 1}")
SEQUENCE_PROBLEMS["seq-parity"] = (SEQUENCE_TRAINABLE.replace("{units: 1, activation: linear}", "{units: [even, odd], activation: softmax}")
                                   .replace("loss: mse", "loss: cross_entropy")
                                   .replace("DATA", "{generate: parity, samples: 12, seed: 2}"))
DATA_COMMANDS = [["train", "{t}", "--steps", "3", "-qq"], ["evaluate", "{m}", "--data", "{d}"],
                 ["predict", "{m}", "--data", "{d}", "--format", "json"]]
MODEL_COMMANDS = [["evaluate", "{m}", "--data", "{d}"], ["predict", "{m}", "--data", "{d}"],
                  ["train", "{t}", "--resume", "{m}", "--steps", "2", "-qq"]]

TRAINABLE = """\
name: fuzz classifier
network:
  inputs: [x1, x2]
  layers:
    - {units: 3, activation: tanh}
    - {units: [a, b], activation: softmax}
loss: cross_entropy
init: xavier
seed: 0
training: {epochs: 2, batch_size: 4}
data: DATA
"""

ODD_VALUES: list[Any] = [
    None, True, False, 0, -1, 1, 2, 3, 10**6, 10**9, 2**63, -(2**63), 10**400, 0.0, -0.0, 0.5, 1e-320, 1e308,
    -1e308, 1e300, math.inf, -math.inf, math.nan, "", " ", "x", "nan", "1e999", "0x10", "1_000", "\x1b[2J",
    "\x1b]0;t\x07", "a\nb", "\u202e", "é", "x" * 5000, "ReLU", "sigmoid", "softmax", "linear", "half_sse",
    "cross_entropy", "mnist:train", "spiral", "d.csv", "d.npz", "/dev/zero", "/dev/null", "../../nope.yaml",
    "a\x00b", [], {}, [1], [[1, 2], [3]], [None], {"name": ["linear"]}, {"name": "leaky_relu", "alpha": "x"},
    [0.1] * 50, {"generate": "xor"}, {"csv": "d.csv", "target": "label"},
    # sequences: a row per step, null targets, ragged steps, layer types
    [[1], [2]], [[1, 2], [3, 4], [5, 6]], [None, [1]], [[None]], [[[1]]], [[]], "recurrent", "lstm", "gru", "dense",
    {"generate": "sine"}, {"generate": "adding"}, {"generate": "parity"}, {"npz": "d.npz"},
]
CSV_VALUES = ["", " ", "nan", "inf", "-inf", "1e999", "abc", '"', '""', "1,2", "\n", "\r", "\x00", "\x1b[2J",
              "9" * 200_000, "0x1", "1_0", "  3  ", "é", "1e-400", "-0"]


# ---------------------------------------------------------------- mutations

def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    """Every key path into a YAML tree (the root excluded)."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append(at + (key,))
        out.extend(_paths(child, at + (key,)))
    return out


def _get(node: Any, path: tuple) -> Any:
    for key in path:
        node = node[key]
    return node


def _odd(rng: random.Random, old: Any) -> Any:
    """A value to put where `old` was: a near miss of it, or something from the odd list."""
    if isinstance(old, bool) or rng.random() < 0.6:
        return rng.choice(ODD_VALUES)
    if isinstance(old, (int, float)):
        return rng.choice([old * rng.choice([-1, 10, 1e10, 1e300, 0.5]), old + 1, str(old), [old], -old])
    if isinstance(old, str):
        return rng.choice([old.upper(), old[:-1], old + old, old + "\x1b[31m", " " + old, old * 1000, old + "\n"])
    if isinstance(old, list):
        return rng.choice([old[:-1], old + old[-1:], old * 10, [old], list(reversed(old))])
    return rng.choice(ODD_VALUES)


def mutate_tree(rng: random.Random, doc: Any) -> Any:
    """One to three edits of a parsed YAML document: drop, replace, duplicate or wrap a node."""
    for _ in range(rng.choices([1, 2, 3], weights=[60, 25, 15])[0]):
        paths = _paths(doc)
        if not paths:
            return rng.choice(ODD_VALUES)
        path = rng.choice(paths)
        parent, key = _get(doc, path[:-1]), path[-1]
        action = rng.random()
        if action < 0.15:
            del parent[key]
        elif action < 0.25 and isinstance(parent, dict):
            parent[rng.choice(["extra", "Name", "layers", "units", "weights", "init", "seed", "data", "answers"])] = \
                rng.choice(ODD_VALUES)
        elif action < 0.35 and isinstance(parent, list):
            parent.insert(key, parent[key])
        else:
            parent[key] = _odd(rng, parent[key])
    return doc


EXTREME_NUMBERS = [1e308, -1e308, 1e154, -1e154, 1e-320, 5e-324, -0.0, 0.0, 1e10, -1e10, 710.0, -745.0, 1e-8,
                   2**53 + 1, 123456789.123456789, 0.1, 1.0, -1.0]


def mutate_numbers(rng: random.Random, doc: Any) -> Any:
    """Only numbers changed, to extreme ones: the file stays valid and the engine's checks are tried."""
    numeric = [p for p in _paths(doc) if isinstance(_get(doc, p), (int, float)) and not isinstance(_get(doc, p), bool)]
    for path in rng.sample(numeric, min(len(numeric), rng.randint(1, 3))):
        _get(doc, path[:-1])[path[-1]] = rng.choice(EXTREME_NUMBERS)
    return doc


def mutate_text(rng: random.Random, text: str) -> str:
    """Edits of the text itself: characters, lines, indentation, truncation."""
    lines = text.splitlines(keepends=True) or [""]
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(lines))
        action = rng.random()
        if action < 0.2:
            lines[k] = lines[k][: rng.randint(0, len(lines[k]))] + "\n"
        elif action < 0.35:
            lines.insert(k, lines[k])
        elif action < 0.5:
            lines[k] = "  " + lines[k] if rng.random() < 0.5 else lines[k].lstrip()
        elif action < 0.6:
            del lines[k]
            lines = lines or [""]
        elif action < 0.7:
            lines = lines[: k + 1]
        else:
            pos = rng.randint(0, len(lines[k]))
            junk = rng.choice([":", "-", "[", "{", "&a", "*a", "!!python/object:os.system", "'", '"', "#", "\t",
                               "\x00", "\x1b", "9" * 5000, "%YAML 1.1", "---", "<<: *a", "é", "\ufeff"])
            lines[k] = lines[k][:pos] + junk + lines[k][pos:]
    return "".join(lines)


def mutate_yaml(rng: random.Random, text: str) -> str:
    choice = rng.random()
    if choice < 0.6:
        edit = mutate_numbers if choice < 0.2 else mutate_tree
        return yaml.safe_dump(edit(rng, yaml.safe_load(text)), sort_keys=False, allow_unicode=rng.random() < 0.5)
    return mutate_text(rng, text)


def mutate_csv(rng: random.Random, text: str) -> str:
    rows = [line.split(",") for line in text.splitlines()]
    for _ in range(rng.randint(1, 3)):
        r = rng.randrange(len(rows))
        action = rng.random()
        if action < 0.45:
            rows[r][rng.randrange(len(rows[r]))] = rng.choice(CSV_VALUES)
        elif action < 0.55:
            rows[r].append(rng.choice(["1", "x", ""]))
        elif action < 0.65 and len(rows[r]) > 1:
            rows[r].pop()
        elif action < 0.7:
            rows[r][0] = '"' + rows[r][0]
        elif action < 0.75:
            rows.insert(r, [""])
        elif action < 0.8:
            rows = rows[: r + 1]
        elif action < 0.85:
            rows[0][rng.randrange(len(rows[0]))] = rng.choice(["x1", "", "label", "é", "\x1b[2J"])
        else:
            rows[r] = [f'"{v}"' for v in rows[r]]
    sep = rng.choice(["\n", "\n", "\r\n", "\r"])
    out = sep.join(",".join(r) for r in rows) + sep
    return ("\ufeff" + out) if rng.random() < 0.05 else out


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        action = rng.random()
        pos = rng.randrange(max(len(raw), 1))
        if action < 0.5 and raw:
            raw[pos] = rng.randrange(256)
        elif action < 0.65:
            raw = raw[:pos]
        elif action < 0.8:
            raw[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            raw[pos:pos + 8] = rng.choice([b"\xff" * 8, b"\x00" * 8, b"\x7f\xff\xff\xff\xff\xff\xff\xff"])
    return bytes(raw)


def _npy(header: str, payload: bytes) -> bytes:
    head = header.encode("latin1")
    head += b" " * (63 - (10 + len(head)) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + payload


def mutate_archive(rng: random.Random, arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz of the seed's arrays edited: values, dtypes, shapes, entries, meta data, lying headers."""
    arrays = dict(arrays)
    entries: dict[str, bytes] = {}
    name = rng.choice(sorted(arrays))
    action = rng.random()
    if action < 0.15:
        arrays[name] = arrays[name].astype(rng.choice([np.float32, np.int64, np.uint8, np.bool_, "U3", np.complex64]))
    elif action < 0.3:
        a = arrays[name].astype(np.float64) if arrays[name].dtype.kind in "biuf" else arrays[name]
        a = a.copy().reshape(-1)
        if a.size and a.dtype.kind == "f":
            a[rng.randrange(a.size)] = rng.choice([math.nan, math.inf, -math.inf, 1e308, -1e308, 1e-320])
        arrays[name] = a.reshape(arrays[name].shape)
    elif action < 0.45:
        arrays[name] = arrays[name].reshape(-1)[: rng.randint(0, arrays[name].size)]
    elif action < 0.55:
        del arrays[name]
    elif action < 0.6:
        arrays[name] = np.array([{"a": 1}], dtype=object)
    elif action < 0.75 and "meta" in arrays:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        meta = mutate_tree(rng, meta)
        arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=True).encode("utf-8"), dtype=np.uint8)
    elif action < 0.85:
        shape = rng.choice(["(1000000000000,)", "(4, 1000000000000)", "(-1,)", "(2, 2)", "()", "(0,)"])
        del arrays[name]
        entries[f"{name}.npy"] = _npy(f"{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}", b"\0" * 32)
    else:
        n = 70 << 20
        del arrays[name]
        entries[f"{name}.npy"] = _npy(f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({n},), }}", bytes(n))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    if entries:
        with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
            for key, data in entries.items():
                archive.writestr(key, data)
    data = buffer.getvalue()
    return mutate_bytes(rng, data) if rng.random() < 0.2 else data


# ---------------------------------------------------------------- seeds and cases

@dataclass
class Seeds:
    problems: dict[str, str]                  # bundled name -> text
    answers: dict[str, str]                   # bundled name -> answers file text (problem: p.yaml)
    csv: str
    npz: dict[str, np.ndarray]
    model: dict[str, np.ndarray]
    seq_npz: dict[str, np.ndarray] | None = None       # (n, T, d) inputs, (n, T, 1) targets
    seq_model: dict[str, np.ndarray] | None = None     # a recurrent network trained on them
    untrained: frozenset[str] = frozenset()             # sequence seeds `train` fails on unmutated (reported)


def make_seeds(runner, app, work: Path, only: str = "") -> Seeds:
    """The seeds; only: problem (and answers) seeds whose names start with it (e.g. 'seq', 'rnn')."""
    from nncalc.bundled import bundled_problems

    problems = {name: path.read_text(encoding="utf-8") for name, path in bundled_problems().items()
                if name.startswith(only)}
    untrained: set[str] = set()
    for name, text in SEQUENCE_PROBLEMS.items():       # those the installed nncalc reads (lstm: once it lands)
        if not name.startswith(only):
            continue
        (work / f"{name}.yaml").write_text(text)
        works = ["forward"] if "data:\n  -" in text else ["train", "--steps", "1", "-qq"]
        if runner.invoke(app, [works[0], str(work / f"{name}.yaml"), *works[1:]]).exit_code == 0:
            problems[name] = text
            if runner.invoke(app, ["train", str(work / f"{name}.yaml"), "--steps", "1", "-qq"]).exit_code == 3:
                untrained.add(name)
                print(f"fuzz: seed {name}: `train` ends in an internal error unmutated; its cases skip train",
                      file=sys.stderr)
    answers = {}
    for name in problems:
        ref = str(work / f"{name}.yaml") if name in SEQUENCE_PROBLEMS else name
        result = runner.invoke(app, ["backprop", ref, "--format", "json"])
        if result.exit_code == 0:
            values = json.loads(result.stdout).get("values", {})
            stepped = [k for k in values if "[" in k]          # a sequence's: its per-step values too
            keys = list(values)[:12] if not stepped else list(values)[:4] + stepped[:: max(len(stepped) // 8, 1)][:8]
            picked = {k: values[k] for k in keys}
            if picked:
                answers[name] = yaml.safe_dump({"problem": "p.yaml", "answers": picked}, sort_keys=False)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2)).round(3)
    labels = (X[:, 0] * X[:, 1] > 0).astype(int)
    csv = "x1,x2,label\n" + "".join(f"{a},{b},{'ab'[c]}\n" for (a, b), c in zip(X, labels))
    (work / "d.csv").write_text(csv)
    (work / "t.yaml").write_text(TRAINABLE.replace("DATA", "d.csv"))
    result = runner.invoke(app, ["train", str(work / "t.yaml"), "--save", str(work / "m.npz"), "-qq"])
    if result.exit_code != 0:
        raise SystemExit(f"fuzz: cannot train the seed model: {result.output}")
    with np.load(work / "m.npz") as archive:            # nncalc's own file: trusted
        model = {k: archive[k] for k in archive.files}
    seq_npz, seq_model = _sequence_seeds(runner, app, work)
    return Seeds(problems, answers, csv, {"x": X, "y": labels}, model, seq_npz, seq_model, frozenset(untrained))


def _sequence_seeds(runner, app, work: Path) -> tuple[dict | None, dict | None]:
    """Sequence data (a sine's next value, (n, T, 1)) and a recurrent model trained on it, where the
    installed nncalc trains sequences from an .npz file."""
    rng = np.random.default_rng(1)
    phase = rng.uniform(0, 2 * np.pi, (8, 1))
    wave = np.sin(0.8 * np.arange(7) + phase).round(4)
    arrays = {"x": wave[:, :-1, None], "y": wave[:, 1:, None]}
    np.savez(work / "s.npz", **arrays)
    (work / "st.yaml").write_text(SEQUENCE_TRAINABLE.replace("DATA", "s.npz"))
    result = runner.invoke(app, ["train", str(work / "st.yaml"), "--save", str(work / "sm.npz"), "-qq"])
    if result.exit_code != 0:
        return None, None
    with np.load(work / "sm.npz") as archive:           # nncalc's own file: trusted
        return arrays, {k: archive[k] for k in archive.files}


@dataclass
class Case:
    kind: str
    seed_name: str
    files: dict[str, bytes]
    commands: list[list[str]]


def make_case(seeds: Seeds, rng: random.Random, narrowed: bool = False) -> Case:
    """One case; narrowed (seeds chosen with --seeds): problem, answers and sequence data files only."""
    kind = rng.choices(["problem", "answers", "csv", "npz", "model", "seq-npz", "seq-model"],
                       weights=[45, 15, 0, 0, 0, 8, 6] if narrowed else [45, 15, 15, 10, 15, 8, 6])[0]
    if kind.startswith("seq-") and seeds.seq_model is None:
        kind = kind[4:]
    base = {"d.csv": seeds.csv.encode(), "t.yaml": TRAINABLE.replace("DATA", "d.csv").encode()}
    buffer = io.BytesIO()
    np.savez(buffer, **seeds.model)
    base["m.npz"] = buffer.getvalue()
    if kind == "problem" or (kind == "answers" and not seeds.answers):
        name = rng.choice(sorted(seeds.problems))
        files = {**base, "p.yaml": mutate_yaml(rng, seeds.problems[name]).encode("utf-8", "surrogatepass")}
        commands = [c for c in PROBLEM_COMMANDS if c[0] != "train" or name not in seeds.untrained]
        return Case("problem", name, files, rng.sample(commands, 2))
    if kind == "answers":
        name = rng.choice(sorted(seeds.answers))
        files = {**base, "p.yaml": seeds.problems[name].encode(), "a.yaml": mutate_yaml(rng, seeds.answers[name]).encode()}
        return Case("answers", name, files, [rng.choice(ANSWERS_COMMANDS)])
    if kind == "csv":
        files = {**base, "d.csv": mutate_csv(rng, seeds.csv).encode("utf-8", "surrogatepass")}
        return Case("csv", "d.csv", files, [rng.choice(DATA_COMMANDS)])
    if kind == "npz":
        files = {**base, "d.npz": mutate_archive(rng, seeds.npz), "t.yaml": TRAINABLE.replace("DATA", "d.npz").encode()}
        commands = [rng.choice(DATA_COMMANDS)]
        return Case("npz", "d.npz", files, [[a.replace("{d}", "{dir}/d.npz") for a in c] for c in commands])
    if kind.startswith("seq-"):      # sequences: (n, T, d) data and a recurrent model
        buffer = io.BytesIO()
        np.savez(buffer, **seeds.seq_model)
        data = mutate_archive(rng, seeds.seq_npz) if kind == "seq-npz" else _npz_bytes(seeds.seq_npz)
        model = buffer.getvalue() if kind == "seq-npz" else mutate_archive(rng, seeds.seq_model)
        files = {**base, "d.npz": data, "m.npz": model, "t.yaml": SEQUENCE_TRAINABLE.replace("DATA", "d.npz").encode()}
        commands = [rng.choice(DATA_COMMANDS if kind == "seq-npz" else MODEL_COMMANDS)]
        return Case(kind, "sequences", files, [[a.replace("{d}", "{dir}/d.npz") for a in c] for c in commands])
    files = {**base, "m.npz": mutate_archive(rng, seeds.model)}
    return Case("model", "m.npz", files, [rng.choice(MODEL_COMMANDS)])


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


# ---------------------------------------------------------------- running and counting

class Hang(BaseException):
    """Raised by the alarm: the command ran past its time limit."""


RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
WARNING = re.compile(r"\b\w*Warning\b[:(]")


@dataclass
class Tally:
    cases: int = 0
    runs: int = 0
    exits: Counter = field(default_factory=Counter)
    problems: Counter = field(default_factory=Counter)   # internal, hang, warning, error_line, control, json
    examples: dict[str, list[str]] = field(default_factory=dict)
    slowest: float = 0.0

    def note(self, what: str, case_no: int, case: Case, args: list[str], detail: str) -> None:
        self.problems[what] += 1
        shown = self.examples.setdefault(what, [])
        if len(shown) < 8:
            shown.append(f"case {case_no} ({case.kind} {case.seed_name}): nncalc {' '.join(args)}: {detail[:300]!r}")


WALL_FACTOR = 4     # a command waiting (a FIFO, a lock) hangs past this many times the CPU limit in wall time


def run_command(runner, app, args: list[str], timeout: float):
    """The command's result, or 'hang' past `timeout` seconds of CPU time (work that runs away) or
    WALL_FACTOR times that of wall time (waiting for ever): on a shared machine the wall clock of
    a busy command says more about the neighbours than about nncalc."""
    def alarm(signum, frame):
        raise Hang()

    previous = {sig: signal.signal(sig, alarm) for sig in (signal.SIGALRM, signal.SIGPROF)}
    signal.setitimer(signal.ITIMER_PROF, timeout)
    signal.setitimer(signal.ITIMER_REAL, WALL_FACTOR * timeout)
    try:
        return runner.invoke(app, args), None
    except Hang:
        return None, "hang"
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def judge(tally: Tally, case_no: int, case: Case, args: list[str], result, failure: str | None, seconds: float) -> None:
    tally.runs += 1
    tally.slowest = max(tally.slowest, seconds)
    if failure:
        tally.exits["hang"] += 1
        tally.note("hang", case_no, case, args, f"over the time limit ({seconds:.1f} s)")
        return
    code = result.exit_code
    tally.exits[str(code)] += 1
    if code not in (0, 2, 3) and not (code == 1 and args[0] == "check"):    # check: 1 when an answer is wrong
        tally.note(f"exit_{code}", case_no, case, args, (result.stderr or result.stdout).strip())
    out, err = result.stdout, result.stderr
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        tally.note("internal", case_no, case, args, f"{type(result.exception).__name__}: {result.exception}")
    elif code == 3 or "internal error" in err or "Traceback" in out + err:
        tally.note("internal", case_no, case, args, err.strip())
    if WARNING.search(err):
        tally.note("warning", case_no, case, args, err.strip())
    if code == 2 and (len(err.strip().splitlines()) != 1 or not err.startswith("nncalc: error: ")):
        tally.note("error_line", case_no, case, args, err.strip())
    if code == 2 and "out of memory" in err:
        tally.note("out_of_memory", case_no, case, args, err.strip())
    if RAW_CONTROL.search(out + err):
        tally.note("control", case_no, case, args, (out + err)[:300])
    if code == 0 and "json" in args:
        try:
            json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
        except ValueError as exc:
            tally.note("json", case_no, case, args, str(exc))


def run_case(runner, app, case_no: int, case: Case, folder: Path, tally: Tally, timeout: float) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, data in case.files.items():
        (folder / name).write_bytes(data)
    names = {"p": folder / "p.yaml", "a": folder / "a.yaml", "t": folder / "t.yaml", "m": folder / "m.npz",
             "d": folder / "d.csv", "dir": folder}
    tally.cases += 1
    for command in case.commands:
        args = [part.format(**names) for part in command]
        start = time.perf_counter()
        result, failure = run_command(runner, app, args, timeout)
        judge(tally, case_no, case, args, result, failure, time.perf_counter() - start)


def campaign(cases: int, seed: int, timeout: float, only: int | None = None, keep: Path | None = None,
             seeds_from: str = "") -> Tally:
    """Run `cases` cases (or only case number `only`) and count what happened; seeds_from: see make_seeds."""
    from typer.testing import CliRunner

    from nncalc.cli import app

    work = Path(tempfile.mkdtemp(prefix="nncalc-fuzz-"))
    os.environ["NNCALC_DATA"] = str(work / "cache")      # never the user's cache, never a download
    os.environ["COLUMNS"] = "100"
    os.environ["NO_COLOR"] = "1"
    runner = CliRunner()
    tally = Tally()
    try:
        seeds = make_seeds(runner, app, work, seeds_from)
        if not seeds.problems:
            raise SystemExit(f"fuzz: no seed problem's name starts with {seeds_from!r}")
        numbers = [only] if only is not None else range(cases)
        for case_no in numbers:
            case = make_case(seeds, random.Random(seed * 1_000_003 + case_no), narrowed=bool(seeds_from))
            folder = keep / f"case-{case_no}" if keep is not None else work / "case"
            run_case(runner, app, case_no, case, folder, tally, timeout)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tally


def report(tally: Tally, seconds: float) -> str:
    exits = ", ".join(f"{code}: {n}" for code, n in sorted(tally.exits.items()))
    lines = [f"cases {tally.cases}, commands {tally.runs} in {seconds:.0f} s (slowest {tally.slowest:.2f} s)",
             f"exits by code: {exits}"]
    odd_exits = sorted(k for k in tally.problems if k.startswith("exit_"))
    for what in ("internal", "hang", "warning", "error_line", "control", "json", "out_of_memory", *odd_exits):
        lines.append(f"{what}: {tally.problems.get(what, 0)}")
        lines += [f"  {example}" for example in tally.examples.get(what, [])]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=20.0,
                        help=f"CPU seconds one command may take ({WALL_FACTOR} times that of wall time)")
    parser.add_argument("--case", type=int, default=None, help="run only this case number")
    parser.add_argument("--keep", type=Path, default=None, help="with --case: keep its files in this folder")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--seeds", default="", metavar="PREFIX",
                        help="only the problem seeds whose names start with PREFIX (seq: the sequence problems)")
    options = parser.parse_args(argv)
    start = time.perf_counter()
    tally = campaign(options.cases, options.seed, options.timeout, options.case, options.keep, options.seeds)
    seconds = time.perf_counter() - start
    if options.json:
        print(json.dumps({"cases": tally.cases, "runs": tally.runs, "exits": dict(tally.exits),
                          "problems": dict(tally.problems), "examples": tally.examples, "seconds": seconds}))
    else:
        print(report(tally, seconds))
    bad = sum(n for k, n in tally.problems.items() if k != "out_of_memory")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
