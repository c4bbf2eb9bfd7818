"""Start-up: a command imports only what it needs (issue 10's bar, `nncalc backprop` not slower than
the base commit). A list of modules, not a timing: the timings are benchmarks/bench_startup.py's.

Each test runs the command in a fresh interpreter, as a user would, and reads `sys.modules` as it
exits. The modules named here are the ones a dense network's worked example never needs: the
sequence layers, the graph package's modules, the training settings and loop, the LaTeX/HTML/document
renderers, the checker, and standard-library or Rich modules the base commit did not import either.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

# modules a dense `backprop`/`forward` must not import (a prefix covers the package's modules)
NOT_FOR_A_DENSE_NETWORK = (
    "nncalc.layers.recurrent", "nncalc.layers.lstm", "nncalc.problem.lstm",
    "nncalc.graph.",                       # the package's __init__ (is_graph_doc) is cheap and allowed
    "nncalc.train", "nncalc.problem.training",
    "nncalc.render.latex", "nncalc.render.html", "nncalc.render.document", "nncalc.render.mathtext",
    "nncalc.render.explain", "nncalc.render.steps", "nncalc.render.lstm", "nncalc.render.json",
    "nncalc.render.markdown", "nncalc.render.matrix",
    "nncalc.api.checking", "nncalc.api.courses", "nncalc.api.datasets", "nncalc.api.pictures",
    "nncalc.api.training",
    "nncalc.check", "nncalc.answers", "nncalc.mistakes", "nncalc.variants", "nncalc.vary", "nncalc.model",
    "nncalc.data", "nncalc.pictures", "nncalc.export", "nncalc.platforms", "nncalc.notebook", "nncalc.new",
    "nncalc.cli.check", "nncalc.cli.train", "nncalc.cli.data", "nncalc.cli.graph", "nncalc.cli.pictures",
    "json", "tempfile", "email", "hashlib", "logging",
    "rich._emoji_codes", "rich.markdown", "rich.syntax", "rich.progress", "pygments", "markdown_it",
)


def modules_after(*argv: str) -> set[str]:
    """The modules a fresh `nncalc ARGV` has imported when it exits (it must succeed)."""
    code = ("import atexit, sys\n"
            "atexit.register(lambda: sys.stderr.write('\\n'.join(sorted(sys.modules))))\n"
            f"sys.argv = ['nncalc', *{list(argv)!r}]\n"
            "from nncalc.cli import app\n"
            "app()\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return set(run.stderr.split())


def imported(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The modules of `names` (a name ending in '.' is a package's submodules) that were imported."""
    def hit(module: str, name: str) -> bool:
        if name.endswith("."):
            return module.startswith(name)
        return module == name or module.startswith(name + ".")

    return sorted(m for m in modules if any(hit(m, name) for name in names))


@pytest.mark.parametrize("argv", [("backprop", "nnbasic"), ("forward", "xor-20"), ("backprop",)])
def test_a_dense_worked_example_imports_only_what_it_needs(argv):
    modules = modules_after(*argv)
    assert "nncalc.layers.dense" in modules and "nncalc.render.table" in modules    # it did run
    assert imported(modules, NOT_FOR_A_DENSE_NETWORK) == []


def test_a_layer_type_is_imported_when_a_file_uses_it():
    modules = modules_after("backprop", "rnn-scalar")
    assert "nncalc.layers.recurrent" in modules and "nncalc.problem.lstm" not in modules
    assert {"nncalc.layers.lstm", "nncalc.problem.lstm"} <= modules_after("backprop", "rnn-lstm-one-step")


def test_every_lazily_listed_name_resolves():
    """The tables that stand for imports (nncalc.api's names, the layer types) name real objects."""
    from nncalc import api, layers

    for module, names in api._MODULES.items():
        for name in names:
            assert getattr(api, name) is getattr(importlib.import_module(f"nncalc.api.{module}"), name)
    for kind in layers.TYPES:
        assert layers.layer_class(kind).kind == kind
    assert layers.Recurrent is layers.layer_class("recurrent") and layers.LSTM is layers.layer_class("lstm")
    with pytest.raises(AttributeError):
        layers.Convolution
