"""No module imports from a layer above it: YAML -> problem -> engine -> trace -> renderers -> CLI.
Read from the source (every import, lazy ones too; `if TYPE_CHECKING:` hints aside)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nncalc

ROOT = Path(nncalc.__file__).parent

# the package's core: what renderers, the API and the CLI build on
CORE = ("errors", "yamlio", "schema", "notation", "ops", "layers", "problem", "engine", "trace", "answers",
        "mistakes", "check", "data", "train", "model", "fileio", "bundled")
RULES = {   # a module (or package) -> the top-level modules it must never import
    **{core: ("render", "cli", "api", "notebook") for core in CORE},
    "problem": ("engine", "trace", "train", "model", "answers", "check", "mistakes", "render", "cli", "api"),
    "schema": ("problem", "engine", "trace", "train", "render", "cli"),
    "data": ("problem", "train", "engine", "trace", "render", "cli", "api"),
    "render": ("cli",),
}


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


# The command line is a thin layer over nncalc.api: a command parses its options, calls the API and
# prints what the renderers make of the result. It may import these, and nothing else of nncalc:
CLI_MAY_IMPORT = {
    "api": "the package's one door: everything a command computes, checks, trains or writes",
    "errors": "the error kinds a command turns into one line and exit code 2",
    "render": "renderers shape the API's results into text; commands print it (--format reads the registry)",
    "fileio": "-o FILE and --log FILE are written atomically (temp + rename), as every regular file",
}


def test_the_command_line_imports_nothing_past_the_api():
    modules = {p.stem for p in ROOT.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
    for path in files_of("cli"):
        past = (imports(path) & modules) - set(CLI_MAY_IMPORT) - {"cli"}
        assert not past, f"{path.relative_to(ROOT.parent)} imports {sorted(past)}: call (or add) a function of nncalc/api/"
