"""Safe YAML reading that remembers where each value was written, for error messages.

Only PyYAML's safe loader is used (the C one when present). Aliases are refused: no nncalc file
needs them, and refusing them is what defuses an alias bomb. Duplicate keys are refused too, since
YAML would silently keep the last one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import NncalcError

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Path_ = tuple[str | int, ...]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The safe loader, keeping the root node and refusing aliases and duplicate keys."""

    root: yaml.Node | None = None

    def get_single_data(self) -> Any:
        self.root = self.get_single_node()
        return None if self.root is None else self.construct_document(self.root)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise _YamlRefused("a YAML anchor (&name) used again by an alias (*name); nncalc refuses "
                               "aliases (a file of them can expand without bound): write the values out",
                               node.start_mark.line + 1)
        return super().construct_object(node, deep)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise _YamlRefused(f"duplicate key '{key_node.value}'", key_node.start_mark.line + 1)
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


# YAML 1.1 reads 1e-06 (no '.') as a string; Python, NumPy and most tools print floats that way,
# so such a scalar is a float here too.
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"))


class _YamlRefused(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file: its data, and its node tree for finding where a key path was written."""

    file: str
    data: Any
    root: yaml.Node | None

    def line_of(self, path: Path_) -> int | None:
        """The 1-based line where the value at `path` starts (or its nearest written parent)."""
        node, line = self.root, None
        for key in path:
            if node is None:
                break
            line = node.start_mark.line + 1
            node = _child(node, key)
        if node is not None:
            line = node.start_mark.line + 1
        return line

    def node_at(self, path: Path_) -> yaml.Node | None:
        """The node written at `path`, or None."""
        node = self.root
        for key in path:
            node = _child(node, key) if node is not None else None
        return node

    def text_at(self, path: Path_) -> str | None:
        """The scalar exactly as written at `path` (e.g. '0.050'), or None."""
        node = self.node_at(path)
        return node.value if isinstance(node, yaml.ScalarNode) else None


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


MAX_DEPTH = 1000
_BRACKET = re.compile(r"[][{}]")
_BLOCK = re.compile(r"^( *)((?:[-?] +)*)", re.M)


def _too_deep(text: str) -> int | None:
    """The line where the text may nest collections more than MAX_DEPTH deep, or None.

    The C composer recurses once per level and overflows the stack past about 50,000 levels, so
    this is checked before parsing, from an upper bound: flow collections open with [ or {, and a
    block collection needs a deeper indent or a leading '- ' / '? ' (at most two levels a column:
    a mapping and an indentless sequence in it)."""
    depth = flow = 0
    for match in _BRACKET.finditer(text):
        flow += 1 if match.group() in "[{" else -1
        depth = max(depth, flow)
        if depth > MAX_DEPTH // 2:
            return text.count("\n", 0, match.start()) + 1
    for match in _BLOCK.finditer(text):
        indent, indicators = match.group(1), match.group(2)
        if 2 * (len(indent) + indicators.count(" ") + 1) > MAX_DEPTH // 2:
            return text.count("\n", 0, match.start()) + 1
    return None


def read_yaml(path: str | Path, error: type[NncalcError] = NncalcError) -> YamlDoc:
    """Read and safely parse a YAML file; every failure is an `error` naming the file and line."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error("file not found", file=file) from None
    except IsADirectoryError:
        raise error("is a folder, expected a YAML file", file=file) from None
    except UnicodeDecodeError:
        raise error("not a text file (expected UTF-8 YAML)", file=file) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", file=file) from None
    deep = _too_deep(text)
    if deep:
        raise error(f"YAML nested more than {MAX_DEPTH} levels deep; a problem file needs a handful",
                    file=file, line=deep)
    loader = None
    try:
        loader = _Loader(text)     # the pure-Python loader already reads (and can refuse) here
        data = loader.get_single_data()
        return YamlDoc(file, data, loader.root)
    except _YamlRefused as exc:
        raise error(exc.message, file=file, line=exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        raise error(f"YAML syntax error: {what}", file=file,
                    line=mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if exc.position is not None else None
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise error(f"YAML error: {exc.reason} ({char})", file=file, line=line) from None
    except yaml.YAMLError as exc:
        raise error(f"YAML error: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise error("YAML nested too deeply", file=file) from None
    finally:
        if loader is not None:
            loader.dispose()


def format_path(path: Path_) -> str:
    """('network', 'layers', 1, 'weights') -> 'network.layers[1].weights'."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out
