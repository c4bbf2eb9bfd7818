"""nncalc: forward and backward passes of small neural networks, every value shown.

The Python API (see docs/api.md) is loaded on first use, so `import nncalc` stays as cheap as the
command line's start-up needs::

    import nncalc
    r = nncalc.load("nnbasic").backprop()
    r["grad.w5"]        # 0.08415504...
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False        # typing itself costs ~2 ms (it imports re); type checkers read this name
_Module = type(sys)          # types.ModuleType, without importing types

__version__ = "0.1.0"

__all__ = ["Explanation", "NncalcError", "Problem", "Result", "Training", "Verdicts", "__version__",
           "check", "export", "load", "train"]

if TYPE_CHECKING:
    from typing import Any

    from .api import Explanation, Problem, Result, Training, Verdicts, load
    from .errors import NncalcError

_API = {"Explanation", "Problem", "Result", "Training", "Verdicts", "load"}
# `nncalc.check`, `nncalc.export` and `nncalc.train` are submodules and also the API's functions:
# the modules are made callable, so both `nncalc.train(p, epochs=5)` and `nncalc.train.Trainer` work.


class _CallableModule(_Module):
    """A submodule that, called, runs the API function of the same name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from . import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


def _callable_module(name: str) -> _Module:
    import importlib

    module = importlib.import_module(f"{__name__}.{name}")
    if not isinstance(module, _CallableModule):
        module.__class__ = _CallableModule
    return module


class _Package(_Module):
    """The nncalc package: `check`, `export` and `train` always read as the callable submodules,
    whichever import reached them first (the import system sets a submodule as an attribute once
    loaded; the setter lets it, the module itself stays in sys.modules)."""

    check = property(lambda self: _callable_module("check"), lambda self, module: None)
    export = property(lambda self: _callable_module("export"), lambda self, module: None)
    train = property(lambda self: _callable_module("train"), lambda self, module: None)


def __getattr__(name: str) -> Any:
    if name in _API:
        from . import api

        return getattr(api, name)
    if name == "NncalcError":
        from .errors import NncalcError

        return NncalcError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


sys.modules[__name__].__class__ = _Package
