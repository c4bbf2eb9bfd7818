"""The `nncalc` command line. Commands only parse options, call into the package and print."""

from __future__ import annotations

from .common import LazyTyper, OneLineGroup, tidy_help

# The modules that register commands, in the order `nncalc -h` lists them, and the module of each
# command and group: `nncalc CMD ...` imports only CMD's (and discover's: --version, the examples).
MODULES = ("foundation", "check", "train", "data", "instructors", "export", "graph", "pictures", "discover")
COMMANDS = {
    "backprop": "foundation", "forward": "foundation", "problems": "foundation", "summary": "foundation",
    "check": "check", "train": "train", "evaluate": "train", "predict": "train", "data": "data",
    "variants": "instructors", "quiz": "instructors", "autograder": "instructors", "export": "export",
    "grad": "graph", "draw": "pictures", "sweep": "pictures", "gradients": "pictures", "plot": "pictures",
    "show": "discover", "names": "discover", "new": "discover", "help": "discover",
}

# Every command but `help` reads a problem, a data set or a model, so NumPy: imported with the
# command's module, before Click's call chain (see LazyTyper).
LIBRARIES = {name: ("numpy",) for name in COMMANDS if name != "help"}


def _finish(typer_app) -> None:
    """Each command's --help: its examples at the end, no trailing spaces."""
    from .discover import attach_examples

    attach_examples(typer_app)
    tidy_help(typer_app)


app = LazyTyper(
    name="nncalc",
    cls=OneLineGroup,
    help="Forward and backward passes of small neural networks, every value shown in the slides' notation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    package=__name__, modules=MODULES, commands=COMMANDS, always=("discover",), libraries=LIBRARIES, finish=_finish,
)
