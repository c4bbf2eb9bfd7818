"""The `nncalc` command line. Commands only parse options, call into the package and print."""

from __future__ import annotations

from .common import LazyTyper, OneLineGroup, tidy_help

app = LazyTyper(
    name="nncalc",
    cls=OneLineGroup,
    help="Forward and backward passes of small neural networks, every value shown in the slides' notation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

from . import foundation  # noqa: E402,F401  (registers the commands)
from . import check  # noqa: E402,F401
from . import train  # noqa: E402,F401
from . import data  # noqa: E402,F401
from . import instructors  # noqa: E402,F401
from . import export  # noqa: E402,F401
from . import graph  # noqa: E402,F401
from . import pictures  # noqa: E402,F401
from . import discover  # noqa: E402,F401

discover.attach_examples(app)
tidy_help(app)
