"""Finding one's way: `--version`, `show`, `names`, `new`, `help`, and the examples that end every
command's `--help` (one table, EXAMPLES, attached to the commands once they are registered)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from . import app
from .common import PROBLEM_HELP, Decimals, Output, ProblemArg, Sets, emit, emit_as, format_option, handle_errors, make_console

NamesFormat = format_option("names")

# Two or three examples per command, shown at the end of its --help; each runs as written in a
# folder holding hw.yaml and answers.yaml (tests/test_discover.py runs the bundled-only ones).
EXAMPLES: dict[str, list[str]] = {
    "backprop": ["nncalc backprop nnbasic", "nncalc backprop nnbasic --explain --set w5=0.3",
                 "nncalc backprop hw.yaml --format markdown -o worked.md"],
    "forward": ["nncalc forward nnbasic", "nncalc forward xor-20 --explain", "nncalc forward hw.yaml --format json"],
    "problems": ["nncalc problems", "nncalc problems --format json"],
    "summary": ["nncalc summary mnist-mlp", "nncalc summary hw.yaml --format markdown"],
    "check": ["nncalc check nnbasic", "nncalc check hw.yaml answers.yaml --explain",
              "nncalc check hw.yaml submissions/ --format csv -o grades.csv"],
    "train": ["nncalc train xor-20", "nncalc train nnbasic --steps 1 --explain",
              "nncalc train mnist-mlp --epochs 5 --save model.npz"],
    "evaluate": ["nncalc evaluate model.npz --data mnist:test", "nncalc evaluate hw.yaml"],
    "predict": ["nncalc predict model.npz --data digits.csv", "nncalc predict hw.yaml --format csv"],
    "export": ["nncalc export model.npz --to pytorch -o model.py", "nncalc export nnbasic --to onnx -o nnbasic.onnx"],
    "data": ["nncalc data fetch mnist", "nncalc data list"],
    "show": ["nncalc show nnbasic", "nncalc show xor-20 -o xor.yaml"],
    "names": ["nncalc names nnbasic", "nncalc names hw.yaml --format json"],
    "new": ["nncalc new 2-2-2 --activation sigmoid --loss half_sse -o hw.yaml",
            "nncalc new 3-4-2 --activation relu --output-activation softmax --loss cross_entropy",
            "nncalc new answers hw.yaml -o answers.yaml"],
    "help": ["nncalc help format", "nncalc help"],
    "grad": ['nncalc grad "f = x^2 + x*y + y^2" x=1 y=2', 'nncalc grad "z = x*y" x=2 y=3 --upstream 5 --explain',
             'nncalc grad "yhat = x*w; s = yhat - y; L = s^2" x=1 w=1 y=2 -p w --explain'],
    "draw": ["nncalc draw nnbasic -o net.svg", "nncalc draw nnbasic --show grad --format mermaid",
             "nncalc draw graph-sigmoid-neuron --format dot -o neuron.dot"],
    "sweep": ["nncalc sweep nnbasic w5=-3:3:61", "nncalc sweep nnbasic w5=-3:3:41 w6=-3:3:41 --path",
              "nncalc sweep nnbasic w5=-3:3:61 --of grad.w5 --format csv -o sweep.csv"],
    "gradients": ["nncalc gradients deep-10x100-sigmoid", "nncalc gradients deep-10x100-relu --format csv",
                  "nncalc gradients nnbasic --format json"],
    "plot": ["nncalc plot activations sigmoid tanh relu --derivative", "nncalc plot activations",
             "nncalc plot activations leaky_relu elu --range -3:3 --format csv -o act.csv"],
    "variants": ["nncalc variants hw.yaml -n 30 -o variants/", "nncalc variants hw.yaml --roster class.csv -o variants/"],
    "quiz": ["nncalc quiz moodle variants/ -o quiz.xml", "nncalc quiz prairielearn variants/ -o questions/hw3"],
    "autograder": ["nncalc autograder hw.yaml -o autograder.zip", "nncalc autograder hw.yaml --carried-credit 0.5"],
}


def attach_examples(typer_app: typer.Typer) -> None:
    """End each registered command's --help with its EXAMPLES."""
    from rich.markup import escape

    infos = list(typer_app.registered_commands) + list(typer_app.registered_groups)
    for info in infos:
        name = info.name or (info.callback.__name__ if getattr(info, "callback", None) else None)
        if name in EXAMPLES and getattr(info.epilog, "value", info.epilog) is None:   # unset (a Typer default)
            info.epilog = "Examples:\n\n" + "\n\n".join(f"  {escape(e)}" for e in EXAMPLES[name])


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        print(f"nncalc {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", "-V", is_eager=True, callback=_version,
                                      help="Show nncalc's version and exit.")) -> None:
    """Forward and backward passes of small neural networks, every value shown in the slides' notation."""


# ---------------------------------------------------------------- show, names

@app.command()
@handle_errors
def show(
    problem: str = typer.Argument(..., help=PROBLEM_HELP, show_default=False, metavar="PROBLEM"),
    output: Output = None,
) -> None:
    """Print a bundled problem's YAML file (a start for your own: -o mine.yaml)."""
    from ..api import problem_path
    from ..errors import ProblemError

    path = problem_path(problem)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProblemError(f"cannot read: {exc}", file=str(path)) from None
    emit(make_console(), text if output is not None else printable(text), output)


def printable(text: str) -> str:
    """Text from a file, with control characters (terminal escapes) shown as \\xNN, never sent."""
    return "".join(c if c in "\n\t" or c.isprintable() else f"\\x{ord(c):02x}" for c in text)


@app.command()
@handle_errors
def names(
    problem: ProblemArg = None,
    fmt: NamesFormat = "table",
    decimals: Decimals = 9,
    set_: Sets = None,
    output: Output = None,
) -> None:
    """Every named quantity of a problem: the name answers files and --format json use, the
    slides' spelling (also accepted in answers files) and its value."""
    from ..api import names_result

    emit_as(make_console(), "names", fmt, names_result(problem, set_).trace, output, decimals=decimals)


# ---------------------------------------------------------------- new

class Init(str, Enum):
    """How `new` sets the starting weights."""

    written = "written"
    xavier = "xavier"
    he = "he"
    normal = "normal"
    uniform = "uniform"


@app.command()
@handle_errors
def new(
    what: str = typer.Argument(..., metavar="SHAPE|answers", show_default=False,
                               help="The layer sizes, inputs first (2-2-2), or `answers` for an answers template."),
    problem: Optional[str] = typer.Argument(None, metavar="[PROBLEM]", show_default=False,
                                            help="With `answers`: the problem the template is for."),
    activation: str = typer.Option("sigmoid", "--activation", "-a", help="Every layer's activation."),
    output_activation: Optional[str] = typer.Option(None, "--output-activation",
                                                    help="The output layer's, if not --activation's."),
    loss: str = typer.Option("half_sse", "--loss", "-l", help="The loss (half_sse, mse, cross_entropy, ...)."),
    init: Init = typer.Option(Init.written, "--init",
                              help="written: weights drawn now and written in the file (two decimals); "
                                   "xavier, he, normal, uniform: drawn when the file is loaded."),
    samples: int = typer.Option(1, "--samples", min=1, max=1000, help="How many samples to draw."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed for the drawn weights and samples."),
    output: Output = None,
) -> None:
    """Write a new problem file, commented key by key (`nncalc new 2-2-2`), or an answers template
    naming every quantity of a problem (`nncalc new answers hw.yaml`)."""
    from ..api import new_answers_text, new_problem_text

    if what == "answers":
        if problem is None:
            from ..errors import UsageError

            raise UsageError("give the problem the answers are for: nncalc new answers PROBLEM")
        text = new_answers_text(problem)
    else:
        if problem is not None:
            from ..errors import UsageError

            raise UsageError(f"unexpected argument {problem!r}: `nncalc new SHAPE` takes options only")
        text = new_problem_text(what, activation=activation, output_activation=output_activation, loss=loss,
                                init=None if init is Init.written else init.value, samples=samples, seed=seed)
    emit(make_console(), text, output)
    if output is not None:
        hint = f"nncalc check {problem} {output}" if what == "answers" else f"nncalc backprop {output}"
        print(f"wrote {output}; next: {hint}")


# ---------------------------------------------------------------- help

TOPICS = {"format": ("problem-format.md", "the problem file format, key by key"),
          "api": ("api.md", "nncalc as a Python library and in notebooks")}


def docs_dir() -> Path:
    """Where the documentation is: `nncalc/docs/` in an installed wheel, `docs/` in a checkout."""
    here = Path(__file__).resolve().parent.parent
    installed, source = here / "docs", here.parent / "docs"
    return installed if installed.is_dir() else source


@app.command("help")
@handle_errors
def help_(
    topic: Optional[str] = typer.Argument(None, show_default=False, help=f"One of: {', '.join(TOPICS)}."),
    output: Output = None,
) -> None:
    """Documentation that comes with nncalc: `nncalc help format` is the problem file format."""
    console = make_console()
    if topic is None:
        lines = ["Topics (nncalc help TOPIC):"] + [f"  {name:<8} {about}" for name, (_, about) in TOPICS.items()]
        lines.append("Each command's own: nncalc COMMAND --help")
        emit(console, "\n".join(lines), output)
        return
    if topic not in TOPICS:
        from ..errors import UsageError, suggest

        raise UsageError(f"no help topic {topic!r}{suggest(topic, TOPICS)}; topics: {', '.join(TOPICS)}")
    path = docs_dir() / TOPICS[topic][0]
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        from ..errors import NncalcError

        raise NncalcError(f"the documentation is not installed here ({path} is missing); it is online in "
                          "the repository's docs/ folder") from None
    if output is not None:
        emit(console, text, output)
        return
    from rich.markdown import Markdown

    emit(console, Markdown(text, code_theme="ansi_dark"))
