"""Safe YAML reading that remembers where each value was written, for error messages.

The file is read from libyaml's event stream (PyYAML's C parser when present, its pure-Python one
otherwise) into plain data, with a light record of each value's line; nothing but YAML's standard
scalars, lists and mappings is ever built (the safe loader's rules, no Python objects, no tags of
its own). Before a byte is read the file must be a regular file of at most MAX_BYTES, so a FIFO, a
device or a folder is refused at once. Anchors and aliases (which PyYAML's own `yaml.dump` writes
for shared objects) are read, each alias standing for its anchor's value, and the values they add
are bounded by MAX_ALIAS_VALUES, which defuses an alias bomb. Duplicate keys are refused, since YAML
would silently keep the last one; so are integers of more digits than Python reads.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import NncalcError
from .fileio import require_regular, unreadable
from .limits import without_gc

_Parser = getattr(yaml, "CBaseLoader", yaml.BaseLoader)   # only its parser is used: events, not objects

Path_ = tuple[str | int, ...]

MAX_BYTES = 16 * 2 ** 20         # the largest YAML file read (a problem file typed in full is far smaller)
MAX_DEPTH = 1000                 # collections nested deeper are refused (a problem file needs a handful)
MAX_ALIAS_VALUES = 1_000_000     # values that aliases may add to a file beyond those written out
MAX_INT_DIGITS = 4300            # Python's own limit on reading an integer (sys.int_info.default_max_str_digits)


class _YamlRefused(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message, self.line = message, line


# ---------------------------------------------------------------- scalars: the safe loader's rules

_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$")
# YAML 1.1 reads 1e-06 (no '.') as a string; Python, NumPy and most tools print floats that way,
# so such a scalar is a float here too.
_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
_FLOAT_EXP = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_TAG = "tag:yaml.org,2002:"
_NUMERIC_START = frozenset("0123456789-+.")
_constructor = yaml.constructor.SafeConstructor()


@functools.lru_cache(maxsize=4096)       # keys and words repeat: input, target, sigmoid, ...
def _implicit_tag(value: str) -> str:
    """The tag YAML 1.1 resolves a plain scalar to (the common numbers first, without a table walk)."""
    if _INT.match(value):
        return _TAG + "int"
    if _FLOAT.match(value) and ("." in value or "e" in value or "E" in value):
        return _TAG + "float"
    for tag, regexp in yaml.resolver.Resolver.yaml_implicit_resolvers.get(value[:1], []):
        if regexp.match(value):
            return tag
    if _FLOAT_EXP.match(value):
        return _TAG + "float"
    return _TAG + "str"


def _scalar(event: yaml.ScalarEvent) -> Any:
    tag, value = event.tag, event.value
    if tag is None and event.implicit[0] and value[:1] in _NUMERIC_START and _FLOAT.match(value):
        if "." in value or "e" in value or "E" in value:
            return float(value)
        if len(value) <= 20 and _INT.match(value):
            return int(value)
    if tag is None or tag == "!":
        tag = _implicit_tag(value) if event.implicit[0] else _TAG + "str"
    if tag == _TAG + "str":
        return value
    if tag == _TAG + "float":
        return float(value) if _FLOAT.match(value) else _constructor.construct_yaml_float(_node(event, tag))
    if tag == _TAG + "int":
        digits = len(value.lstrip("+-"))
        if digits > MAX_INT_DIGITS:
            raise _YamlRefused(f"an integer of {digits:,} digits; nncalc reads at most {MAX_INT_DIGITS:,} "
                               "(and a float64 holds about 309)", _line(event))
        return int(value) if _INT.match(value) else _constructor.construct_yaml_int(_node(event, tag))
    if tag == _TAG + "bool":
        return _constructor.construct_yaml_bool(_node(event, tag))
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "timestamp":
        return value        # a date is text to nncalc (a name, a student's id)
    raise _YamlRefused(f"YAML tag {tag!r} is not supported (plain numbers, text, lists and mappings only)",
                       _line(event))


def _node(event: yaml.ScalarEvent, tag: str) -> yaml.ScalarNode:
    return yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)


def _line(event: yaml.Event) -> int | None:
    return event.start_mark.line + 1 if event.start_mark is not None else None


# ---------------------------------------------------------------- collections, aliases, marks

class _Open:
    """A collection being read: its value, its marks, its line, and its size with aliases expanded."""

    __slots__ = ("value", "line", "marks", "anchor", "size", "key", "has_key", "is_list")

    def __init__(self, value: Any, line: int | None, marks: Any, anchor: str | None) -> None:
        self.value, self.line, self.marks, self.anchor = value, line, marks, anchor
        self.size, self.key, self.has_key = 1, None, False
        self.is_list = isinstance(value, list)


def _build(parser) -> tuple[Any, Any]:
    """(data, marks) of the one document a parser's events describe. marks: for a scalar its line;
    for a collection (line, {key: marks}) or (line, [marks, ...]). One loop over the events, so
    that a 5 MB file is read in about a second."""
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, Any, int]] = {}
    result: list[tuple[Any, Any]] = []
    added = 0               # values aliases add beyond those written
    documents = 0
    top: _Open | None = None
    Scalar, Alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)

    for event in iter(parser.get_event, None):
        cls = event.__class__
        size = 1
        if cls is Scalar:
            value = _scalar(event)
            marks = line = event.start_mark.line + 1
            if event.anchor is not None:
                anchors[event.anchor] = (value, line, 1)
        elif cls in ends:
            done = stack.pop()
            top = stack[-1] if stack else None
            value, marks, size, line = done.value, done.marks, done.size, done.line
            if done.anchor is not None:
                anchors[done.anchor] = (value, marks, size)
        elif cls in starts:
            _check_collection(event, len(stack))
            line = event.start_mark.line + 1
            seq = cls is yaml.SequenceStartEvent
            top = _Open([] if seq else {}, line, (line, [] if seq else {}), event.anchor)
            stack.append(top)
            continue
        elif cls is Alias:
            line = event.start_mark.line + 1
            if event.anchor not in anchors:
                inside = any(o.anchor == event.anchor for o in stack)
                raise _YamlRefused(f"alias *{event.anchor} " + ("inside its own anchor (a value that contains "
                                   "itself)" if inside else "names no anchor (&name) written before it"), line)
            value, marks, size = anchors[event.anchor]
            added += size
            if added > MAX_ALIAS_VALUES:
                raise _YamlRefused(f"YAML aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values beyond "
                                   "those written (an alias bomb?)", line)
        elif cls is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _YamlRefused("more than one YAML document (a second '---'); a file holds one", _line(event))
            continue
        elif cls is yaml.StreamEndEvent:
            break
        else:
            continue
        if top is None:
            result.append((value, marks))
            continue
        top.size += size
        if top.is_list:
            top.value.append(value)
            top.marks[1].append(marks)
        elif not top.has_key:
            if isinstance(value, (list, dict)):
                raise _YamlRefused("a list or mapping used as a mapping key; keys are names", line)
            if value in top.value:
                raise _YamlRefused(f"duplicate key '{value}'", line)
            top.key, top.has_key = value, True
        else:
            top.value[top.key] = value
            top.marks[1][top.key] = marks
            top.has_key = False
    return result[0] if result else (None, None)


def _check_collection(event: yaml.CollectionStartEvent, depth: int) -> None:
    if event.tag not in (None, "!", _TAG + "seq", _TAG + "map"):
        raise _YamlRefused(f"YAML tag {event.tag!r} is not supported (plain numbers, text, lists "
                           "and mappings only)", _line(event))
    if depth >= MAX_DEPTH:
        raise _YamlRefused(f"YAML nested more than {MAX_DEPTH} levels deep; a problem file needs a "
                           "handful", _line(event))


# ---------------------------------------------------------------- the parsed file

@dataclass(frozen=True)
class YamlDoc:
    """A parsed YAML file: its data, and where each value was written (for messages).

    marks come from reading the file; root, a PyYAML node tree, is composed from text on demand (for
    answers, which need numbers exactly as written) or given by a caller that built one."""

    file: str
    data: Any
    root: yaml.Node | None = None
    marks: Any = field(default=None, repr=False)
    text: str | None = field(default=None, repr=False)

    def line_of(self, path: Path_) -> int | None:
        """The 1-based line where the value at `path` starts (or its nearest written parent)."""
        if self.marks is not None:
            marks, line = self.marks, None
            for key in path:
                if not isinstance(marks, tuple):
                    break
                line, children = marks
                try:
                    marks = children[key]
                except (KeyError, IndexError, TypeError):
                    marks = None
                    break
            if marks is not None:
                line = marks[0] if isinstance(marks, tuple) else marks
            return line
        node, line = self.node_at(()), None
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
        if node is None and self.text is not None:
            node = yaml.compose(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
            object.__setattr__(self, "root", node)
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


def parse_yaml(text: str, file: str = "<text>") -> YamlDoc:
    """Parse YAML text safely; a failure is a _YamlRefused or a PyYAML error (read_yaml words them)."""
    parser = _Parser(text)
    try:
        with without_gc():
            data, marks = _build(parser)
    finally:
        parser.dispose()
    return YamlDoc(file, data, None, marks, text)



def read_text(path: str | Path, error: type[NncalcError] = NncalcError, what: str = "a YAML file",
              limit: int | None = None) -> str:
    """The text of a regular file of at most `limit` bytes, checked before a byte is read: a folder,
    a FIFO or a device is refused at once (a FIFO would wait for a writer, /dev/urandom never ends)."""
    file = str(path)
    limit = MAX_BYTES if limit is None else limit
    try:        # non-blocking, so that opening a FIFO never waits for a writer
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as exc:
        raise unreadable(exc, file, error, what) from None
    try:
        info = require_regular(file, error=error, expected=what, fd=fd)
        if info.st_size > limit:
            raise error(f"is {info.st_size / 2 ** 20:.1f} MiB; nncalc reads YAML files of at most "
                        f"{limit / 2 ** 20:g} MiB", file=file)
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", file=file) from None
    finally:
        os.close(fd)
    if len(data) > limit:       # grew while being read
        raise error(f"is over {limit / 2 ** 20:g} MiB; nncalc reads YAML files of at most that", file=file)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise error("not a text file (expected UTF-8 YAML)", file=file) from None


def read_yaml(path: str | Path, error: type[NncalcError] = NncalcError) -> YamlDoc:
    """Read and safely parse a YAML file; every failure is an `error` naming the file and line."""
    file = str(path)
    text = read_text(path, error)
    try:
        return parse_yaml(text, file)
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
    except (RecursionError, ValueError) as exc:
        raise error(f"YAML error: {exc}", file=file) from None


def format_path(path: Path_) -> str:
    """('network', 'layers', 1, 'weights') -> 'network.layers[1].weights'."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else str(key))
    return out
