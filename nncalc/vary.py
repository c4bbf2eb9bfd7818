"""`vary:` and `ask:` in a problem file: what is drawn anew for each student's variant, and what every
student must give. Validated once, with the rest of the file, by `nncalc.problem`.

```yaml
vary:
  weights: {low: -0.5, high: 0.5, decimals: 2}   # every weight and bias
  inputs: {low: 0, high: 1, decimals: 2}
  targets: {choices: [0.01, 0.99]}
  w5: {low: 0.1, high: 0.9, decimals: 1}         # a name overrides its group
  learning_rate: {choices: [0.1, 0.5]}
ask:
  quantities: [out.h1, E.total, grad.w5, new.w5]
  decimals: 4
```
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .errors import suggest
from .schema import Invalid, number
from .yamlio import Path_

GROUPS = ("weights", "biases", "inputs", "targets", "learning_rate")
GRAPH_GROUPS = ("values", "learning_rate")
RATE_NAMES = ("learning_rate", "eta")
MAX_DECIMALS = 12
DEFAULT_DRAW_DECIMALS = 2


@dataclass(frozen=True)
class Draw:
    """How one value is drawn: uniform on [low, high] rounded to `decimals`, or one of `choices`."""

    low: float = 0.0
    high: float = 0.0
    decimals: int = DEFAULT_DRAW_DECIMALS
    choices: tuple[float, ...] = ()

    def sample(self, rng) -> float:
        """One draw from the generator (the same generator state always gives the same number)."""
        if self.choices:
            return self.choices[int(rng.integers(len(self.choices)))]
        x = round(float(rng.uniform(self.low, self.high)), self.decimals)
        return x + 0.0 if x != 0 else 0.0      # never -0.0 in a handout


@dataclass(frozen=True)
class Vary:
    """The draws of a `vary:` block: by group, and by name (a name overrides its group)."""

    groups: dict[str, Draw]
    names: dict[str, Draw]

    def rule(self, name: str, group: str, also: str | None = None) -> Draw | None:
        """The draw for one value: its own name's, else the group's (biases fall back to weights)."""
        if name in self.names:
            return self.names[name]
        base = name.partition("@")[0]
        if base in self.names:
            return self.names[base]
        if group in self.groups:
            return self.groups[group]
        return self.groups.get(also) if also else None


@dataclass(frozen=True)
class Ask:
    """What every student must give: quantity names as written (resolved against the trace by the
    variants module) and how many decimals they are asked for (None: as written decides)."""

    quantities: tuple[str, ...]
    decimals: int | None = None
    lines: tuple[int | None, ...] = ()      # where each name was written, for later messages

    @property
    def tolerance(self) -> float | None:
        """The checker's rule for `decimals`: one unit of the last decimal asked for."""
        return None if self.decimals is None else 10.0 ** -self.decimals


# ---------------------------------------------------------------- validation

def _decimals(value: Any, path: Path_) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DECIMALS:
        raise Invalid(path, f"expected a whole number of decimals from 0 to {MAX_DECIMALS}, got {value!r}")
    return value


def _draw(value: Any, path: Path_) -> Draw:
    keys = ("low", "high", "decimals", "choices")
    if not isinstance(value, dict):
        raise Invalid(path, "expected {low: ..., high: ..., decimals: ...} or {choices: [...]}")
    for key in value:
        if key not in keys:
            raise Invalid(path + (key,), f"unknown key '{key}'{suggest(key, keys)}; expected one of "
                                             f"{', '.join(keys)}")
    if "choices" in value:
        if set(value) - {"choices"}:
            raise Invalid(path, "give either choices or low/high/decimals, not both")
        choices = value["choices"]
        if not isinstance(choices, list) or not choices:
            raise Invalid(path + ("choices",), "expected a non-empty list of numbers")
        return Draw(choices=tuple(number(c, path + ("choices", i)) for i, c in enumerate(choices)))
    for key in ("low", "high"):
        if key not in value:
            raise Invalid(path, f"missing '{key}' (or give choices: [...])")
    low, high = number(value["low"], path + ("low",)), number(value["high"], path + ("high",))
    if not low < high:
        raise Invalid(path, f"expected low < high, got low {low:g}, high {high:g}")
    decimals = _decimals(value.get("decimals", DEFAULT_DRAW_DECIMALS), path + ("decimals",))
    scale = 10.0 ** decimals
    if math.isfinite(high * scale) and math.isfinite(low * scale) and math.floor(high * scale) < math.ceil(low * scale):
        raise Invalid(path, f"no number with {decimals} decimals lies between {low:g} and {high:g}")
    return Draw(low, high, decimals)


def vary_names(network, n_samples: int, has_targets: bool) -> list[str]:
    """Every name a `vary:` entry may give besides the groups: weights, biases, inputs (and i1@k),
    targets (target.o1, target.o1@k) and the learning rate."""
    names = [p.name for p in network.parameters()] + list(network.inputs)
    if has_targets:
        names += [f"target.{o}" for o in network.outputs]
    if n_samples > 1:
        names += [f"{i}@{k}" for k in range(1, n_samples + 1) for i in network.inputs]
        if has_targets:
            names += [f"target.{o}@{k}" for k in range(1, n_samples + 1) for o in network.outputs]
    return names + list(RATE_NAMES)


def parse_vary(value: Any, network, n_samples: int, has_targets: bool) -> Vary | None:
    """The `vary:` block of a network problem, checked against the network and samples it varies."""
    if value is None:
        return None
    if isinstance(value, dict):
        for key in value:
            if key in ("inputs", "targets") and n_samples == 0:
                raise Invalid(("vary", key), "the problem has no samples written out (data: [{input: ..., target: ...}])")
            if key == "targets" and not has_targets:
                raise Invalid(("vary", key), "the samples have no targets to vary")
    return _vary(value, GROUPS, vary_names(network, n_samples, has_targets), "a weight, bias, input or target name")


def parse_graph_vary(value: Any, leaves: tuple[str, ...]) -> Vary | None:
    """The `vary:` block of a computational graph: `values` (every leaf), a leaf's name, the learning rate."""
    return _vary(value, GRAPH_GROUPS, list(leaves) + list(RATE_NAMES), "a leaf of the graph")


def _vary(value: Any, groups_allowed: tuple[str, ...], known: list[str], what: str) -> Vary | None:
    path: Path_ = ("vary",)
    if value is None:
        return None
    if not isinstance(value, dict) or not value:
        raise Invalid(path, f"expected a mapping of groups ({', '.join(groups_allowed)}) or names to "
                            "{low, high, decimals} or {choices}")
    groups: dict[str, Draw] = {}
    names: dict[str, Draw] = {}
    for key, spec in value.items():
        where = path + (key,)
        if not isinstance(key, str):
            raise Invalid(where, f"expected a group or a name, got {key!r}")
        if key in groups_allowed or key == "eta":
            groups["learning_rate" if key == "eta" else key] = _draw(spec, where)
        elif key in known:
            names[key] = _draw(spec, where)
        else:
            raise Invalid(where, f"unknown group or name '{key}'{suggest(key, list(groups_allowed) + known)}; "
                                 f"expected one of {', '.join(groups_allowed)}, or {what}")
    return Vary(groups, names)


def parse_ask(value: Any, doc=None) -> Ask | None:
    """The `ask:` block: a non-empty list of distinct quantity names, and optionally decimals."""
    path: Path_ = ("ask",)
    if value is None:
        return None
    if isinstance(value, list):
        value = {"quantities": value}
    if not isinstance(value, dict):
        raise Invalid(path, "expected {quantities: [names], decimals: N}")
    for key in value:
        if key not in ("quantities", "decimals"):
            raise Invalid(path + (key,), f"unknown key '{key}'{suggest(key, ('quantities', 'decimals'))}; "
                                             "expected quantities, decimals")
    quantities = value.get("quantities")
    if not isinstance(quantities, list) or not quantities:
        raise Invalid(path + ("quantities",), "expected a non-empty list of quantity names, e.g. [out.h1, grad.w5]")
    seen: set[str] = set()
    for i, q in enumerate(quantities):
        if not isinstance(q, str) or not q.strip():
            raise Invalid(path + ("quantities", i), f"expected a quantity name, got {q!r}")
        if q in seen:
            raise Invalid(path + ("quantities", i), f"'{q}' is asked twice")
        seen.add(q)
    decimals = _decimals(value["decimals"], path + ("decimals",)) if "decimals" in value else None
    lines = tuple(doc.line_of(path + ("quantities", i)) if doc is not None else None for i in range(len(quantities)))
    return Ask(tuple(quantities), decimals, lines)
