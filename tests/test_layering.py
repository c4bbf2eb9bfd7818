"""No module imports from a layer above it: YAML -> problem -> engine -> trace -> renderers -> CLI.
Read from the source (every import, lazy ones too; `if TYPE_CHECKING:` hints aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nncalc

ROOT = Path(nncalc.__file__).parent

# the package's core: what renderers, the API and the CLI build on
CORE = ("errors", "yamlio", "schema", "notation", "ops", "layers", "problem", "engine", "trace", "trace_ops", "answers",
        "mistakes", "check", "data", "train", "model", "model_meta", "fileio", "bundled")
# below the API too, though not the core's: they may use renderers (a graph's tables, a quiz's
# statement), never the API, the command line or the notebook
BELOW_API = ("graph", "export", "platforms", "variants", "limits", "finite", "npz", "loss_mistakes",
             "alternatives", "grading", "names", "recompute", "roster", "slide_matrices", "variant_folder",
             "verdicts", "vary", "model_data", "worked")
RULES = {   # a module (or package) -> the top-level modules it must never import
    **{below: ("cli", "api", "notebook") for below in BELOW_API},
    **{core: ("render", "cli", "api", "notebook") for core in CORE},
    "problem": ("engine", "trace", "train", "model", "answers", "check", "mistakes", "render", "cli", "api"),
    "schema": ("problem", "engine", "trace", "train", "render", "cli"),
    "data": ("problem", "train", "engine", "trace", "render", "cli", "api"),
    "train": ("model", "render", "cli", "api", "notebook"),     # model.py stores a trainer's checkpoint, not back
    "render": ("engine", "api", "cli", "notebook"),               # renderers read the trace; they never run the engine
    "pictures": ("cli", "api", "notebook"),     # the one way to a trace is nncalc.worked.trace_of
    "new": ("cli", "api", "notebook"),
    "notebook": ("cli",),
}
ABOVE = {"api", "cli"}      # the top: the API (below the CLI) and the CLI (tested on their own below)


def imports(path: Path) -> set[str]:
    """The nncalc top-level modules a file imports (relative imports resolved)."""
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hints = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
             for n in ast.walk(node)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in hints:
            continue
        if isinstance(node, ast.ImportFrom):
            base = list(package[:len(package) - node.level + 1]) if node.level else []
            parts = base + (node.module.split(".") if node.module else [])
            names = [parts] if node.module else [parts + [a.name] for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name.split(".") for a in node.names]
        else:
            continue
        found |= {p[1] for p in names if len(p) > 1 and p[0] == "nncalc"}
    return found


def files_of(module: str) -> list[Path]:
    folder = ROOT / module
    return sorted(folder.rglob("*.py")) if folder.is_dir() else [ROOT / f"{module}.py"]


@pytest.mark.parametrize("module", sorted(RULES))
def test_no_module_imports_from_a_layer_above_it(module):
    for path in files_of(module):
        if path.exists():
            above = imports(path) & set(RULES[module])
            assert not above, f"{path.relative_to(ROOT.parent)} imports {sorted(above)}"


def top_level_modules() -> set[str]:
    return {p.stem for p in ROOT.iterdir()
            if (p.suffix == ".py" and p.stem not in ("__init__", "__main__", "__version__")) or (p / "__init__.py").is_file()}


def test_every_module_has_a_rule():
    """A new top-level module or package states what it must never import (a row of RULES above)."""
    unruled = top_level_modules() - set(RULES) - ABOVE
    assert not unruled, f"add a row to RULES in tests/test_layering.py for {sorted(unruled)}"


def test_the_api_never_imports_the_command_line():
    for path in files_of("api"):
        assert "cli" not in imports(path), f"{path.relative_to(ROOT.parent)} imports cli"


# The command line is a thin layer over nncalc.api: a command parses its options, calls the API and
# prints what the renderers make of the result. It may import these, and nothing else of nncalc:
CLI_MAY_IMPORT = {
    "api": "the package's one door: everything a command computes, checks, trains or writes",
    "errors": "the error kinds a command turns into one line and exit code 2",
    "render": "renderers shape the API's results into text; commands print it (--format reads the registry)",
    "fileio": "-o FILE and --log FILE are written atomically (temp + rename), as every regular file",
    "limits": "without_gc: a command's modules are imported at start-up with the collector paused",
}


def test_the_command_line_imports_nothing_past_the_api():
    modules = top_level_modules()
    for path in files_of("cli"):
        past = (imports(path) & modules) - set(CLI_MAY_IMPORT) - {"cli"}
        assert not past, f"{path.relative_to(ROOT.parent)} imports {sorted(past)}: call (or add) a function of nncalc/api/"
