"""The public Python API that notebooks, scripts and the command line share.

```python
import nncalc
p = nncalc.load("nnbasic")                 # a bundled name, a path, or a dict in the file format
r = p.backprop()                           # or p.forward(); p.with_values(w5=0.3) is --set
r["grad.w5"]                               # 0.0841550408...
r.table(); r.explain()                     # Rich renderables (and rich displays in a notebook)
r.to_json(); r.to_markdown(); r.to_html()  # the registered formats, as text
nncalc.check(p, {"grad.w5": 0.0842})       # a Verdicts object: one Verdict per answer
for event in nncalc.train(p, epochs=5): ...
```
Everything here calls the same loader, engine, trace and renderers as the command line; nothing
is computed twice. Errors are `nncalc.NncalcError`s naming the file and place, as on the CLI.

The modules hold: `problems` (loading and working a problem through), `results` (a pass's values
and renders), `checking` (answers), `training` (training, evaluate, predict, export), `pictures`,
`datasets` and `courses` (what the commands of those names call). Every name is listed here
(`_MODULES`) and its module imported when the name is first read: `nncalc.api.X` is the one way in,
for the command line too. Each module imports only the standard library at load time, so `import
nncalc.api` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

# module -> the names it gives nncalc.api; a module is imported when one of its names is first read
# (start-up: `nncalc backprop` imports problems and results only; tests/test_startup.py)
_MODULES = {
    "checking": ("Graded", "Verdicts", "answers_files", "check", "check_arguments", "check_report", "check_run",
                 "gradescope", "tolerance_words"),
    "courses": ("VariantsWritten", "autograder", "quiz", "variants"),
    "datasets": ("data_home", "data_listing", "data_set", "fetch_data"),
    "pictures": ("PNG_WRITERS", "activation_curves", "drawing", "drawing_format", "gradient_sizes", "save_png", "sweep"),
    "problems": ("Problem", "Source", "catalogue", "check_usable", "grad", "is_graph", "load", "names_result",
                 "new_answers_text", "new_problem_text", "open_problem", "problem_path", "symbolic", "trace_of"),
    "results": ("TEXT_WIDTH", "Explanation", "Result", "plain_text"),
    "training": ("Predictions", "Training", "as_model", "check_model_path", "evaluate", "export", "predict", "train",
                 "training_problem"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = ["Explanation", "Problem", "Result", "Training", "Verdicts", "check", "export", "load", "train"]


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))
