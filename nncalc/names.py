"""Written names to the trace's canonical names: `NameResolver`, which knows the slide notation
(`net_h1`, `dE/dout_o1`, `∂E_total/∂w5`, `w5+`, `w5_new`, `δ_o1`, `dE_o1/dnet_o1`, `@k`, ...) and,
in a recurrent problem, time steps (`out.h1[2]`, `h1[2]`, `h_2`, `h_{2}`, `y_2`, `δ_h[1]`) and the
AI-study deck's matrices (`W_x`, `W_h`, `W_y`, `b_h`, `b_y`, one entry as `W_h[1,2]`, `dL/dW_h`:
`nncalc.slide_matrices`). Answers files, `ask:` and the API's answers all read names through it.
"""

from __future__ import annotations

import re

from .errors import AnswersError
from .errors import suggest
from .slide_matrices import slide_matrices
from .trace import Trace

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
        self._stems = _stems(trace)       # net.h1 -> its (step, sample)s
        self.steps = {t for found in self._stems.values() for t, _ in found}
        self._inputs = _fold_map(net.inputs) if self.steps else {}
        self._inputs_all = tuple(net.inputs)
        self._weight_between, self._recurrent_between = _weights_between(net)
        self._slide = slide_matrices(net)
        self._gate_prefixes = _gate_prefixes(trace)
        self._lstm_unit = _lone_lstm_unit(net)
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
            why = _why_not_in_time(self, written, base, name, sample)
            if why:
                return why
        if name is not None and sample is None and f"{name}@1" in self.names:
            return f"'{written}': the problem has {self.n_samples} samples; say which with @k, e.g. {name}@1"
        if name is not None and sample is not None and name in self.names:
            return f"'{written}': {name} is over the whole batch, it takes no @k"
        if name is not None and sample is not None and f"{name}@1" in self.names:
            return f"'{written}': sample {sample} does not exist (the problem has {self.n_samples}, numbered from 1)"
        return f"unknown quantity '{written}'{self.suggest(written)}"

    def suggest(self, written: str) -> str:
        hint = suggest(written.replace(" ", ""), self.spellings(), cutoff=0.6)
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
                rest = s[len(prefix):].lstrip("_.")
                found = self._unit_at(rest) or (self._gate_unit_at(rest) if kind in ("net", "delta") else None)
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

    def _gate_unit_at(self, rest: str) -> tuple[str, str] | None:
        """('i.h1', '[1]') for an LSTM gate's unit after net or delta: 'i.h1[1]' or 'i_h1[1]' (the
        trace's net.i.h1[1], delta.i.h1[1] as the slides write them: net_i.h1[1], δ_i_h1[1])."""
        low = rest.lower()
        for prefix, kind in self._gate_prefixes:
            if kind != "cell" and low.startswith(prefix) and rest[len(prefix):len(prefix) + 1] in (".", "_"):
                found = self._unit_at(rest[len(prefix) + 1:])
                if found:
                    return f"{kind}.{found[0]}", found[1]
        return None

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

    def spellings(self) -> dict[str, str]:
        """Every canonical name and its slide spelling, spelling -> canonical: what suggestions offer
        (each resolves back to its canonical name)."""
        if self._spelled is None:
            from .notation import Symbols, slide_name

            ascii_ = Symbols.for_unicode(False)
            spelled: dict[str, str] = {}
            for name in sorted(self.names):
                spelled.setdefault(name, name)
                spelled.setdefault(slide_name(name, ascii_), name)
            self._spelled = spelled
        return self._spelled


def _why_not_in_time(r: NameResolver, written: str, base: str, name: str | None,
                     sample: str | None) -> str | None:
    """Why a name of a recurrent problem does not resolve: a step written as a letter, a unit
    without its step, a step the sequence does not have, or a whole vector h_t named."""
    last = max(r.steps)
    if _SYMBOLIC_STEP.search(base):
        return f"'{written}': give the time step as a number (1 to {last}), e.g. h_1 or out.h1[1]"
    m = _STEP.match(base)
    if m:
        letter, t = m.group("s").rstrip("_"), _step_text(m)
        units = {"h": r._slide.state_units, "y": r.outputs}.get(letter.lower(), ())
        if len(units) > 1 and r._unit(letter) is None:
            return (f"'{written}': {letter}_{t[1:-1]} is a vector of {len(units)} values ({', '.join(units)} "
                    f"at step {t[1:-1]}); name one, e.g. {units[0]}{t}")
    hint = r._slide.hint(base)
    if hint:
        return hint
    if name is not None and name in r._stems:
        return f"'{written}': {name} changes over time; say which step (1 to {last}), e.g. {name}[1]"
    if name is not None and name.endswith("]"):
        stem, _, t = name[:-1].rpartition("[")
        steps = [k for k, at in r._stems.get(stem, ()) if sample is None or str(at) == sample]
        if steps and int(t) not in steps:
            whose = f"sample {sample}" if sample and r.n_samples > 1 else "the sequence"
            state = "; step 0 is the initial state" if 0 in steps else ""
            count = max(steps)
            return (f"'{written}': step {t} does not exist ({whose} has {count} step{'s' * (count != 1)}, "
                    f"numbered from 1{state})")
    return None


def _stems(trace: Trace) -> dict[str, list[tuple[int, int | None]]]:
    """Every per-step name without its step (net.h1 for net.h1[2]) and the (step, sample)s it has."""
    stems: dict[str, list[tuple[int, int | None]]] = {}
    for q in trace.quantities.values():
        if q.step is not None and q.base.endswith("]"):
            stems.setdefault(q.base[:q.base.rindex("[")], []).append((q.step, q.sample))
    return stems


def _weights_between(net) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """The weight between a unit and the unit or input it reads, (unit, input) -> name, and a
    recurrent layer's between a unit at t and one at t-1 (the deck's ∂net_h1/∂out_h2 = w)."""
    between: dict[tuple[str, str], str] = {}
    recurrent_between: dict[tuple[str, str], str] = {}
    below: tuple[str, ...] = net.inputs
    for layer in net.layers:
        rows = getattr(layer, "weight_names", None)
        if isinstance(rows, tuple):           # a dense or recurrent layer (an LSTM's are by gate)
            for r, u in enumerate(layer.units):
                for c, name in enumerate(rows[r]):
                    between[(u, below[c])] = name
        recurrent = getattr(layer, "recurrent_weight_names", None)
        if isinstance(recurrent, tuple):
            for r, u in enumerate(layer.units):
                for c, name in enumerate(recurrent[r]):
                    recurrent_between[(u, layer.units[c])] = name
        below = layer.units
    return between, recurrent_between


def _gate_prefixes(trace: Trace) -> tuple[tuple[str, str], ...]:
    """The written prefixes of the trace's LSTM gates and cell (i.h1[t], cell.h1[t] as i_h1[1], c_1)."""
    gates = {q.base.partition(".")[0] for q in trace.quantities.values() if q.kind in ("gate", "cell")}
    return tuple((p, kind) for p, kind in _GATE_PREFIXES if kind in gates)


def _lone_lstm_unit(net) -> str | None:
    """The unit of a network's one LSTM layer of one unit (its gates may be written c_1, i_1), else None."""
    lstm = [layer.units for layer in net.layers if getattr(layer, "kind", "") == "lstm"]
    return lstm[0][0] if len(lstm) == 1 and len(lstm[0]) == 1 else None


def _step_text(m: re.Match) -> str:
    """The canonical step suffix of a _STEP match: '[2]'."""
    return f"[{int(next(g for g in m.group('a', 'b', 'c') if g))}]"


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
    """A folded name and its sample: 'out_h1@2' -> ('out_h1', '2'); a fraction's sides may each carry
    it, as slide_name writes them: 'dnet_h1@2/dw1', 'dout_h1@2/dnet_h1@2' -> ('dout_h1/dnet_h1', '2')
    (two different samples: left as written, so nothing resolves)."""
    num, slash, den = s.partition("/")
    if not slash:
        return _split_one(s)
    (num, at_num), (den, at_den) = _split_one(num), _split_one(den)
    if at_num and at_den and at_num != at_den:
        return s, None
    return f"{num}/{den}", at_num or at_den


def _split_one(s: str) -> tuple[str, str | None]:
    base, at, sample = s.rpartition("@")
    return (base, sample) if at and sample.isdigit() else (s, None)


def name_resolver(trace: Trace):
    """The resolver of a trace's names: a network's NameResolver, or a computational graph's GraphNames."""
    from .graph import is_graph

    if is_graph(trace):
        from .graph.names import GraphNames

        return GraphNames(trace)
    return NameResolver(trace)
