"""The AI-study deck's names for a recurrent network's parameters: W_x, W_h, W_y, b_h, b_y, one
entry as W_h[1,2] (or W_h(1,2), W_h[1][2], W_h_12), counted from 1."""

from __future__ import annotations

import re
from dataclasses import dataclass


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
