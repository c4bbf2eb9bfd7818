"""Answers files: a student's numbers by quantity name, read with the precision they were written in.

```yaml
problem: hw3.yaml        # optional; the command line's PROBLEM wins
student: Kim             # optional
answers:
  out.h1: 0.613962657    # canonical names (see nncalc.trace) ...
  dE_total/dw5: 0.08415504   # ... or the slides' notation
  w5+: 0.19792248
```
Names resolve to the trace's canonical names through `NameResolver`, which knows the slide notation
(`net_h1`, `dE/dout_o1`, `∂E_total/∂w5`, `w5+`, `w5_new`, `δ_o1`, `dE_o1/dnet_o1`, `@k`, ...) and,
in a recurrent problem, time steps (`out.h1[2]`, `h1[2]`, `h_2`, `h_{2}`, `y_2`, `δ_h[1]`) and the
AI-study deck's matrices (`W_x`, `W_h`, `W_y`, `b_h`, `b_y`, one entry as `W_h[1,2]`, `dL/dW_h`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import AnswersError
from .errors import suggest
from .schema import answer_number
from .trace import Trace
from .yamlio import Path_, YamlDoc, format_path, read_yaml

ANSWERS_KEYS = ("problem", "student", "answers")
ANSWERS_SUFFIXES = (".yaml", ".yml")
NAME_MAX, PATH_MAX = 255, 4096        # the longest file name (one part) and path Linux and macOS accept


@dataclass(frozen=True)
class Answer:
    """One answered quantity: its canonical name, the key as written, the number and its written form."""

    name: str
    written: str
    value: float
    text: str              # the number exactly as written, e.g. '0.050'
    decimals: int          # decimal places as written ('0.050': 3, '7.5e-4': 5)
    line: int | None = None


@dataclass(frozen=True)
class AnswerSheet:
    """An answers file (or a problem's own `answers:` block), names already resolved."""

    file: str
    answers: tuple[Answer, ...]
    student: str | None = None
    problem: str | None = None     # the `problem:` key, resolved against the file's folder

    def given(self) -> dict[str, float]:
        return {a.name: a.value for a in self.answers}


# ---------------------------------------------------------------- numbers as written

_DECIMAL = re.compile(r"^[+-]?(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?$")


def written_decimals(text: str) -> int:
    """Decimal places of a number as written: '0.050' -> 3, '2' -> 0, '7.52411e-4' -> 9."""
    m = _DECIMAL.match(text.strip().replace("_", ""))
    if not m:
        return 0
    exponent = m.group("exp") or "0"
    digits = exponent.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 6:                        # an absurd exponent: the value is 0 or inf anyway
        return 0
    return max(len(m.group("frac") or "") - int(digits) * (-1 if exponent.startswith("-") else 1), 0)


# ---------------------------------------------------------------- names

_FOLD = str.maketrans({"∂": "d", "⁺": "+", "{": None, "}": None})
_SPELLED = (("δ", "delta"), ("η", "eta"), ("^+", "+"))
_TERM_PREFIXES = (("target", "target"), ("delta", "delta"), ("net", "net"), ("out", "out"),
                  ("e", "E"), ("t", "target"))
_TOTAL = {"e", "etotal", "e_total", "e.total", "etot", "e_tot", "e.tot", "mse", "loss", "cost", "l", "l_total",
          "ltotal"}
_NEW_PATTERNS = (re.compile(r"^(?P<p>.+?)(?:\+|_new|new|_plus|_updated)$"), re.compile(r"^new[_.]?(?P<p>.+)$"))
_GRAD_PATTERN = re.compile(r"^(?:grad|g|∇)[_.]?(?P<p>.+)$")
# a time step written after a unit: h1[2], h1(2), h_2 (h_{2} once braces are folded away)
_STEP = re.compile(r"^(?P<s>.+?)(?:\[(?P<a>\d{1,9})\]|\((?P<b>\d{1,9})\)|_(?P<c>\d{1,9}))$", re.ASCII)
# an LSTM's gates and cell: the written prefix and the trace's name for it (longest prefixes first)
_GATE_PREFIXES = (("cell", "cell"), ("c", "cell"), ("i", "i"), ("f", "f"), ("g", "g"), ("o", "o"))
_GATE_KINDS = {kind for _, kind in _GATE_PREFIXES}
# a step written as a letter, as the slides' formulas do: h_t, h_{t-1}, out.h1[t+1]
_SYMBOLIC_STEP = re.compile(r"(?:_|\[|\()t(?:[-+]\d+)?[\])]?(?:@\d+)?$")


class NameResolver:
    """Canonical quantity names of one trace, and the slide notation that names them."""

    def __init__(self, trace: Trace) -> None:
        p = trace.problem
        net = p.network
        self.n_samples = p.n_samples
        self.names = set(trace.quantities)
        self.params = {prm.name for prm in net.parameters()}
        last = getattr(net.layers[-1], "activation", None)
        self.joint_out = last is not None and last.fn.joint     # E_o depends on every net (softmax)
        # unit lookup: as written, lower-case and without underscores, where that stays unambiguous
        units = [u for layer in net.layers for u in layer.units]
        self._units = _fold_map(units)
        self._params = _fold_map(sorted(self.params))
        self.outputs = tuple(net.layers[-1].units)
        self._stems: dict[str, list[tuple[int, int | None]]] = {}   # net.h1 -> its (step, sample)s
        for q in trace.quantities.values():
            if q.step is not None and q.base.endswith("]"):
                self._stems.setdefault(q.base[:q.base.rindex("[")], []).append((q.step, q.sample))
        self.steps = {t for found in self._stems.values() for t, _ in found}
        self._inputs = _fold_map(net.inputs) if self.steps else {}
        self._inputs_all = tuple(net.inputs)
        self._weight_between: dict[tuple[str, str], str] = {}      # (unit, unit or input it reads) -> weight
        self._recurrent_between: dict[tuple[str, str], str] = {}   # (unit at t, unit at t-1) -> weight
        below: tuple[str, ...] = net.inputs
        for layer in net.layers:
            rows = getattr(layer, "weight_names", None)
            if isinstance(rows, tuple):           # a dense or recurrent layer (an LSTM's are by gate)
                for r, u in enumerate(layer.units):
                    for c, name in enumerate(rows[r]):
                        self._weight_between[(u, below[c])] = name
            recurrent = getattr(layer, "recurrent_weight_names", None)
            if isinstance(recurrent, tuple):
                for r, u in enumerate(layer.units):
                    for c, name in enumerate(recurrent[r]):
                        self._recurrent_between[(u, layer.units[c])] = name
            below = layer.units
        self._slide = slide_matrices(net)
        # an LSTM's gates and cell (i.h1[t], cell.h1[t]) as the slides write them: i_h1[1], c_1
        gates = {q.base.partition(".")[0] for q in trace.quantities.values() if q.kind in ("gate", "cell")}
        self._gate_prefixes = tuple((p, kind) for p, kind in _GATE_PREFIXES if kind in gates)
        lstm = [layer.units for layer in net.layers if getattr(layer, "kind", "") == "lstm"]
        self._lstm_unit = lstm[0][0] if len(lstm) == 1 and len(lstm[0]) == 1 else None
        self._cache: dict[str, str | None] = {}
        self._spelled: dict[str, str] | None = None

    # -- the public face

    def resolve(self, written: str) -> str | None:
        """The canonical name a written name stands for, or None."""
        if written not in self._cache:
            self._cache[written] = self._resolve(written)
        return self._cache[written]

    def require(self, written: str) -> str:
        """resolve, or an AnswersError saying why not and suggesting the nearest names."""
        name = self.resolve(written)
        if name is not None:
            return name
        raise AnswersError(self.why_unknown(written))

    def why_unknown(self, written: str) -> str:
        """Why a written name does not resolve (wrong or missing @k, or unknown with suggestions)."""
        base, sample = _split_sample(_fold(written))
        name = self._base(base)
        if self.steps:
            why = self._why_not_in_time(written, base, name, sample)
            if why:
                return why
        if name is not None and sample is None and f"{name}@1" in self.names:
            return f"'{written}': the problem has {self.n_samples} samples; say which with @k, e.g. {name}@1"
        if name is not None and sample is not None and name in self.names:
            return f"'{written}': {name} is over the whole batch, it takes no @k"
        if name is not None and sample is not None and f"{name}@1" in self.names:
            return f"'{written}': sample {sample} does not exist (the problem has {self.n_samples}, numbered from 1)"
        return f"unknown quantity '{written}'{self.suggest(written)}"

    def _why_not_in_time(self, written: str, base: str, name: str | None, sample: str | None) -> str | None:
        """Why a name of a recurrent problem does not resolve: a step written as a letter, a unit
        without its step, a step the sequence does not have, or a whole vector h_t named."""
        last = max(self.steps)
        if _SYMBOLIC_STEP.search(base):
            return f"'{written}': give the time step as a number (1 to {last}), e.g. h_1 or out.h1[1]"
        m = _STEP.match(base)
        if m:
            letter, t = m.group("s").rstrip("_"), _step_text(m)
            units = {"h": self._slide.state_units, "y": self.outputs}.get(letter.lower(), ())
            if len(units) > 1 and self._unit(letter) is None:
                return (f"'{written}': {letter}_{t[1:-1]} is a vector of {len(units)} values ({', '.join(units)} "
                        f"at step {t[1:-1]}); name one, e.g. {units[0]}{t}")
        hint = self._slide.hint(base)
        if hint:
            return hint
        if name is not None and name in self._stems:
            return f"'{written}': {name} changes over time; say which step (1 to {last}), e.g. {name}[1]"
        if name is not None and name.endswith("]"):
            stem, _, t = name[:-1].rpartition("[")
            steps = [k for k, at in self._stems.get(stem, ()) if sample is None or str(at) == sample]
            if steps and int(t) not in steps:
                whose = f"sample {sample}" if sample and self.n_samples > 1 else "the sequence"
                state = "; step 0 is the initial state" if 0 in steps else ""
                count = max(steps)
                return (f"'{written}': step {t} does not exist ({whose} has {count} step{'s' * (count != 1)}, "
                        f"numbered from 1{state})")
        return None

    def suggest(self, written: str) -> str:
        hint = suggest(written.replace(" ", ""), self._spellings(), cutoff=0.6)
        return hint or "; see `nncalc backprop --format json` for every name"

    # -- resolution

    def _resolve(self, written: str) -> str | None:
        if written in self.names:
            return written
        base, sample = _split_sample(_fold(written))
        name = self._base(base)
        if name is None:
            return None
        if sample is None:
            return name if name in self.names else None
        if f"{name}@{sample}" in self.names:
            return f"{name}@{sample}"
        if sample == "1" and self.n_samples == 1 and name in self.names:
            return name          # @1 on a one-sample problem: harmless
        return None

    def _base(self, s: str) -> str | None:
        """Canonical name (without @k) for a folded name without its sample suffix."""
        if s in self.names or f"{s}@1" in self.names:
            return s
        if "/" in s:
            return self._fraction(*s.split("/", 1))
        return self._single(s)

    def _single(self, s: str) -> str | None:
        low = s.lower()
        if low in ("eta", "learning_rate", "lr", "alpha_lr"):
            return "eta"
        if s in self.params:
            return s
        for pattern in _NEW_PATTERNS:
            m = pattern.match(s)
            if m and self._param(m.group("p")):
                return f"new.{self._param(m.group('p'))}"
        m = _GRAD_PATTERN.match(s)
        if m and self._param(m.group("p")):
            return f"grad.{self._param(m.group('p'))}"
        kind, unit, step = self._term(s)
        if kind == "E":
            return "E.total" if unit is None else f"E.{unit}{step}"
        if kind in ("net", "out", "delta", "target") or kind in _GATE_KINDS:
            return f"{kind}.{unit}{step}"
        if self._slide.param(s):
            return self._slide.param(s)
        return self._input_at(s)

    def _fraction(self, num: str, den: str) -> str | None:
        if not (num.startswith(("d", "D")) and den.startswith(("d", "D"))):
            return None
        (nk, nu, nt), (dk, du, dt) = self._term(num[1:]), self._term(den[1:])
        dparam = self._param(den[1:])
        if nk == "E" and nu is None:                       # dE_total/d...
            if dk == "out":
                return f"dE/dout.{du}{dt}"
            if dk == "net":
                return f"delta.{du}{dt}"
            if dparam:
                return f"grad.{dparam}"
        same = nu == du and nt == dt
        if nk == "E" and nu is not None:                   # dE_o1/d...: one output's error
            if dk == "out" and same:
                return f"dE/dout.{du}{dt}"
            if dk == "net" and same and not self.joint_out:
                return f"delta.{du}{dt}"
            if dk == "out":
                return f"dE.{nu}{nt}/dout.{du}{dt}"
        if nk == "out" and dk == "net" and same:
            return f"dout/dnet.{nu}{nt}"
        if nk == "net" and dparam:
            return f"dnet.{nu}{nt}/d{dparam}"
        if nk == "net" and dk == "out":
            if nt == dt:
                return self._weight_between.get((nu, du))
            if nt and dt and int(dt[1:-1]) == int(nt[1:-1]) - 1:      # dnet_h1[2]/dout_h2[1]: a recurrent weight
                return self._recurrent_between.get((nu, du))
        return None

    def _term(self, s: str) -> tuple[str | None, str | None, str]:
        """'out_h1' -> ('out', 'h1', ''); 'E_total' -> ('E', None, ''); in a recurrent problem
        'out_h1[2]' and 'h1_2' -> ('out', 'h1', '[2]'), 'E_y[2]' -> ('E', 'y', '[2]'), and with one
        output unit 'L_2' -> ('E', 'y', '[2]'); anything else -> (None, None, '')."""
        low = s.lower()
        if low in _TOTAL:
            return "E", None, ""
        for prefix, kind in _TERM_PREFIXES:
            if low.startswith(prefix):
                found = self._unit_at(s[len(prefix):].lstrip("_."))
                if found:
                    return kind, *found
        for prefix, kind in self._gate_prefixes:
            if low.startswith(prefix):
                rest = s[len(prefix):]
                found = self._unit_at(rest.lstrip("_.")) or self._lone_lstm_step(rest)
                if found:
                    return kind, *found
        if self.steps:
            m = _STEP.match(s)
            if m and m.group("s").lower() in _TOTAL and len(self.outputs) == 1:
                return "E", self.outputs[0], _step_text(m)
            found = self._unit_at(s, stepped=True)
            if found:
                return "out", *found                       # h1[2]: the unit's output at step 2
        return None, None, ""

    def _unit_at(self, rest: str, stepped: bool = False) -> tuple[str, str] | None:
        """(unit, step) for 'h1', or in a recurrent problem 'h1[2]', 'h1_2', 'h_2' (the slides' h
        or y where that layer has one unit); stepped: a step is required."""
        if self.steps:
            m = _STEP.match(rest)
            if m:
                stem = m.group("s").rstrip("_")
                unit = self._unit(stem) or self._slide_unit(stem)
                if unit:
                    return unit, _step_text(m)
        if stepped:
            return None
        unit = self._unit(rest)
        return (unit, "") if unit else None

    def _lone_lstm_step(self, rest: str) -> tuple[str, str] | None:
        """'_1' or '[1]' after a gate's letter (c_1, i_1): the step of a network's one LSTM unit."""
        m = _STEP.match("x" + rest) if self._lstm_unit else None
        return (self._lstm_unit, _step_text(m)) if m and m.group("s") == "x" else None

    def _unit(self, s: str) -> str | None:
        return self._units.get(s) or self._units.get(s.lower().replace("_", ""))

    def _slide_unit(self, letter: str) -> str | None:
        """The slides' h (the recurrent layer) or y (the output layer), where it is one unit."""
        units = {"h": self._slide.state_units, "y": self.outputs}.get(letter.lower(), ())
        return units[0] if len(units) == 1 else None

    def _input_at(self, s: str) -> str | None:
        """An input at a step, x1[2] or x_2 (the slides' x_t where there is one input), if the trace has it."""
        m = _STEP.match(s) if self._inputs else None
        if not m:
            return None
        stem = m.group("s").rstrip("_")
        name = self._inputs.get(stem) or self._inputs.get(stem.lower().replace("_", ""))
        if name is None and stem.lower() == "x" and len(self._inputs_all) == 1:
            name = self._inputs_all[0]
        return f"{name}{_step_text(m)}" if name else None

    def _param(self, s: str) -> str | None:
        s = s.lstrip("_.")
        return self._params.get(s) or self._params.get(s.lower().replace("_", "")) or self._slide.param(s)

    def _spellings(self) -> dict[str, str]:
        """Every canonical name and its slide spelling (for suggestions), spelling -> canonical."""
        if self._spelled is None:
            from .notation import Symbols, slide_name

            ascii_ = Symbols.for_unicode(False)
            spelled: dict[str, str] = {}
            for name in sorted(self.names):
                spelled.setdefault(name, name)
                spelled.setdefault(slide_name(name, ascii_), name)
            self._spelled = spelled
        return self._spelled


def _step_text(m: re.Match) -> str:
    """The canonical step suffix of a _STEP match: '[2]'."""
    return f"[{int(next(g for g in m.group('a', 'b', 'c') if g))}]"


@dataclass(frozen=True)
class SlideMatrices:
    """The AI-study deck's names for a recurrent network's parameters (W_x, W_h, W_y, b_h, b_y; an
    entry as W_h[1,2] or W_h_12, counted from 1): folded spelling -> parameter name."""

    entries: dict[str, str]
    shapes: dict[str, tuple[str, str]]        # 'wh' -> (its first entry as written, its name) for a hint
    state_units: tuple[str, ...] = ()

    def param(self, written: str) -> str | None:
        return self.entries.get(_fold_entry(written))

    def hint(self, written: str) -> str | None:
        """For a whole matrix or vector named where one number is expected: which entry to name."""
        key = _fold_entry(written)
        for head, (first, name) in self.shapes.items():
            if key == head or key.endswith("/d" + head):
                return f"'{written}' names a whole matrix or vector; name one entry, e.g. {first} ({name})"
        return None


_SLIDE_HEADS = {"wx": "weights", "wh": "recurrent_weights", "bh": "bias", "b": "bias"}
_SLIDE_OUTPUT_HEADS = {"wy": "weights", "by": "bias"}
_SLIDE_SPELLING = {"wx": "W_x", "wh": "W_h", "bh": "b_h", "b": "b", "wy": "W_y", "by": "b_y"}


def slide_matrices(net) -> SlideMatrices:
    """W_x, W_h, b_h (b) of the network's one recurrent layer and W_y, b_y of the output layer above
    it; none where the network has no recurrent layer or several."""
    recurrent = [li for li, layer in enumerate(net.layers)
                 if isinstance(getattr(layer, "recurrent_weight_names", None), tuple)]
    if len(recurrent) != 1:
        return SlideMatrices({}, {})
    h, top = recurrent[0], len(net.layers) - 1
    heads = {head: (h, array) for head, array in _SLIDE_HEADS.items()}
    if top > h:
        heads |= {head: (top, array) for head, array in _SLIDE_OUTPUT_HEADS.items()}
    by_array: dict[tuple[int, str], list] = {}
    for prm in net.parameters():
        by_array.setdefault((prm.layer, prm.array), []).append(prm)
    entries: dict[str, str] = {}
    shapes: dict[str, tuple[str, str]] = {}
    for head, where in heads.items():
        prms = by_array.get(where, [])
        if len(prms) == 1:
            entries[head] = prms[0].name
            continue
        for prm in prms:
            if prm.row is None:                        # a shared bias: one number
                entries[head] = prm.name
                continue
            index = [prm.row + 1] + ([] if prm.col is None else [prm.col + 1])
            entries[f"{head}[{','.join(map(str, index))}]"] = prm.name
            if all(i < 10 for i in index):
                entries[head + "".join(map(str, index))] = prm.name
        if prms and head not in entries:
            first = prms[0]
            spelled = _SLIDE_SPELLING[head] + ("[1,1]" if first.col is not None else "[1]")
            shapes[head] = (spelled, first.name)
    return SlideMatrices(entries, shapes, tuple(net.layers[h].units))


_ENTRY_FORMS = ((re.compile(r"\((\d+),(\d+)\)$"), r"[\1,\2]"), (re.compile(r"\[(\d+)\]\[(\d+)\]$"), r"[\1,\2]"),
                (re.compile(r"\((\d+)\)$"), r"[\1]"))


def _fold_entry(written: str) -> str:
    """W_h(1,2), W_h[1][2], w_h[1,2] -> 'wh[1,2]'; W_h_12 -> 'wh12'."""
    s = written.lower().replace("_", "").replace(" ", "")
    for pattern, form in _ENTRY_FORMS:
        s = pattern.sub(form, s)
    return s


def _fold_map(names) -> dict[str, str]:
    out: dict[str, str] = {n: n for n in names}
    for variant in (str.lower, lambda n: n.lower().replace("_", "")):
        seen: dict[str, set[str]] = {}
        for n in names:
            seen.setdefault(variant(n), set()).add(n)
        for key, owners in seen.items():
            if len(owners) == 1:
                out.setdefault(key, next(iter(owners)))
    return out


def _fold(written: str) -> str:
    s = "".join(written.split()).translate(_FOLD)
    for old, new in _SPELLED:
        s = s.replace(old, new)
    return s


def _split_sample(s: str) -> tuple[str, str | None]:
    base, at, sample = s.rpartition("@")
    return (base, sample) if at and sample.isdigit() else (s, None)


# ---------------------------------------------------------------- reading

def read_answers(path: str | Path) -> YamlDoc:
    """Read an answers file's YAML, checking only that it is a mapping (sheet_from_doc does the rest)."""
    doc = read_yaml(path, AnswersError)
    data = doc.data
    if data is None:
        raise AnswersError("the file is empty; expected 'answers:' with one 'name: number' per line", file=doc.file)
    if not isinstance(data, dict):
        raise AnswersError("expected a mapping with 'answers:' (and optionally 'problem:' and 'student:')",
                           file=doc.file, line=doc.line_of(()))
    return doc


def is_answers_file(path: str | Path) -> bool:
    """True for an answers file (read to see its keys); a problem file, a folder or no file: False."""
    try:
        if not Path(path).is_file():
            return False
    except (OSError, ValueError):
        return False
    return is_answers_doc(read_yaml(path, AnswersError).data)


def is_answers_doc(data: Any) -> bool:
    """True for an answers file: no `network:` or `graph:`, and any of the keys only an answers file has."""
    return (isinstance(data, dict) and "network" not in data and "graph" not in data
            and any(k in data for k in ANSWERS_KEYS))


def name_resolver(trace: Trace):
    """The resolver of a trace's names: a network's NameResolver, or a computational graph's GraphNames."""
    from .graph import is_graph

    if is_graph(trace):
        from .graph.names import GraphNames

        return GraphNames(trace)
    return NameResolver(trace)


def sheet_from_doc(doc: YamlDoc, resolver: NameResolver, *, within: Path_ = ("answers",),
                   top_level: bool = True, rejected: list[AnswersError] | None = None) -> AnswerSheet:
    """Validate an answers mapping (an answers file's, or with top_level False a problem file's
    `answers:` block) into an AnswerSheet; every failure names the file, line and key. With a
    `rejected` list, a bad key goes there and the others are still read."""
    data = doc.data
    student = problem = None
    if top_level:
        if "network" in data or "graph" in data:
            raise AnswersError("this is a problem file, not an answers file (one with 'answers:'); "
                               "give the problem first: nncalc check PROBLEM ANSWERS", file=doc.file)
        for key in data:
            if key not in ANSWERS_KEYS:
                if isinstance(key, str) and resolver.resolve(key):
                    hint = "; put the numbers under 'answers:'"
                else:
                    hint = suggest(key, ANSWERS_KEYS, n=1)
                raise _error(doc, (key,), f"unknown key '{key}'{hint}; expected {', '.join(ANSWERS_KEYS)}")
        if "answers" not in data:
            raise AnswersError("missing 'answers:' (one 'name: number' per line under it)", file=doc.file)
        student = _scalar_text(doc, data, "student")
        problem = problem_ref(doc)
    block = _at(data, within)
    if not isinstance(block, dict):
        raise _error(doc, within, "expected a mapping of quantity names to numbers, e.g. 'out.h1: 0.614'")
    if not block:
        raise _error(doc, within, "no answers given")
    node = doc.node_at(within)
    texts = ({k.value: (v, k.start_mark.line + 1) for k, v in node.value}
             if isinstance(node, yaml.MappingNode) else {})
    answers: list[Answer] = []
    seen: dict[str, str] = {}
    for key, value in block.items():
        try:
            answers.append(_answer(doc, resolver, within, key, value, texts, seen))
        except AnswersError as exc:
            if rejected is None:
                raise
            rejected.append(exc)
    return AnswerSheet(doc.file, tuple(answers), student, problem)


def _answer(doc: YamlDoc, resolver: NameResolver, within: Path_, key: Any, value: Any, texts: dict,
            seen: dict[str, str]) -> Answer:
    """One `name: number` line of an answers block, resolved and checked."""
    path = within + (key,)
    if not isinstance(key, str):
        raise _error(doc, path, f"expected a quantity name, got {key!r}")
    vnode, line = texts[key] if key in texts else (None, doc.line_of(path))
    text = vnode.value if isinstance(vnode, yaml.ScalarNode) else None
    number = answer_number(value)
    if number is None:
        shown = "nothing" if value is None else repr(value) if not isinstance(value, (list, dict)) \
            else ("a list" if isinstance(value, list) else "a mapping")
        raise _error(doc, path, f"expected a number, got {shown}", line)
    if not math.isfinite(number):
        raise _error(doc, path, f"expected a finite number, got {text or value}", line)
    name = resolver.resolve(key)
    if name is None:
        raise _error(doc, path, resolver.why_unknown(key), line)
    if name in seen:
        raise _error(doc, path, f"'{key}' and '{seen[name]}' both name {name}; give it once", line)
    seen[name] = key
    text = text or repr(number)
    return Answer(name, key, number, text, written_decimals(text), line)


def problem_ref(doc: YamlDoc) -> str | None:
    """An answers file's `problem:`: a path relative to the file's folder if there is one, else as written
    (a bundled problem's name, or a path relative to the working folder)."""
    if not isinstance(doc.data, dict):
        return None
    problem = _scalar_text(doc, doc.data, "problem")
    if problem is None:
        return None
    longest = max(len(part.encode("utf-8", "replace")) for part in Path(problem).parts) if problem else 0
    if "\0" in problem or longest > NAME_MAX or len(problem) > PATH_MAX:
        what = "a NUL byte" if "\0" in problem else f"a name of {max(longest, len(problem)):,} characters"
        raise _error(doc, ("problem",), f"expected a problem file or bundled name; got {what}, longer than "
                                        f"a file name can be ({NAME_MAX} a part, {PATH_MAX:,} in all)"
                                        if "\0" not in problem else f"expected a problem file name; got {what}")
    here = Path(doc.file).parent / problem
    try:
        return str(here) if here.exists() else problem      # a folder or FIFO there: the loader says why not
    except OSError:
        return problem


def _error(doc: YamlDoc, path: Path_, message: str, line: int | None = None) -> AnswersError:
    return AnswersError(message, file=doc.file, where=format_path(path) or None,
                        line=line if line is not None else doc.line_of(path))


def _scalar_text(doc: YamlDoc, data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        raise _error(doc, (key,), f"expected a single {'name' if key == 'student' else 'file or problem name'}")
    return str(value)


def _at(data: Any, path: Path_) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


