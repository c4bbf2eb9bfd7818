"""`nncalc train`, `evaluate` and `predict`: parse options, run the trainer, show what it yields.

The trainer (nncalc.train) never prints; nncalc.cli.train_view shows its progress, nncalc.render
shapes the results, and this module chooses the exit codes: 2 for bad input or a diverging loss,
130 after Ctrl-C (with a checkpoint saved).
"""

from __future__ import annotations

import json
import signal
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from . import app
from .common import (EXIT_INTERRUPTED, PROBLEM_HELP, SET_HELP, Output, emit_as, format_enum, format_option,
                     handle_errors, make_console)

if TYPE_CHECKING:
    from .train_view import _View

MAX_EXPLAIN_STEPS = 50


EvaluateFormat = format_option("evaluate")
PredictFormat = format_option("predict")
TrainFormat = format_enum("train")
LIVE = "table"          # the format shown as the run goes; the others are documents written at its end




def _fail(message: str, **kw: Any):
    from ..errors import UsageError

    return UsageError(message, **kw)


# ---------------------------------------------------------------- train

@app.command()
@handle_errors
def train(
    problem: Optional[str] = typer.Argument(None, help=PROBLEM_HELP, show_default=False),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Passes over the training data (overrides the file)."),
    steps: Optional[int] = typer.Option(None, "--steps", help="Stop after this many updates (overrides --epochs)."),
    batch_size: Optional[str] = typer.Option(None, "--batch-size", "-b", help="Samples per update, or 'full'."),
    learning_rate: Optional[float] = typer.Option(None, "--learning-rate", "--eta", "-l", help="The optimizer's learning rate."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed for drawn weights and shuffling (overrides the file)."),
    every: Optional[int] = typer.Option(None, "--every", help="A row every K updates (default: every epoch, or about 20 rows)."),
    watch: Optional[list[str]] = typer.Option(None, "--watch", "-w", help="A weight or bias to show in each row (repeatable)."),
    explain: bool = typer.Option(False, "--explain", "-e", help="With --steps N: every value of each update, as tables and derivation."),
    save: Optional[Path] = typer.Option(None, "--save", "-s", help="Save the trained model: .npz (any size) or .yaml (a problem file).", dir_okay=False),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue from a checkpoint saved by Ctrl-C.", dir_okay=False),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Where Ctrl-C saves the checkpoint (default: NAME.checkpoint.npz).", dir_okay=False),
    log: Optional[Path] = typer.Option(None, "--log", help="Write one JSON line per history entry to this file (complete when training ends).", dir_okay=False),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the loss curve to a PNG (needs matplotlib: pip install 'nncalc\\[plot]').", dir_okay=False),
    fmt: TrainFormat = typer.Option(LIVE, "--format", "-f", metavar="FORMAT",
                                    help="table, json, or with --explain a document of every update: "
                                         "latex, latex-fragment, html or beamer."),
    quiet: int = typer.Option(0, "--quiet", "-q", count=True, metavar="", help="-q: plain rows, no bar or pictures; -qq: only the result."),
    decimals: Optional[int] = typer.Option(None, "--decimals", "-d", min=0, max=17,
                                           help="Decimals shown (default 6; 9 with --explain, as the slides)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP, metavar="NAME=VALUE"),
    output: Output = None,
) -> None:
    """Train a network: the slides' small examples step by step, or MNIST with mini-batches.
    With -o FILE the result (the rows and the closing table, or the JSON) goes to FILE."""
    from ..api import check_model_path, train as training_run, training_problem
    from ..fileio import atomic_open
    from .train_view import _View

    document = fmt.value != LIVE       # json, latex: the document alone on stdout; progress and pictures on stderr
    if fmt.value not in (LIVE, "json") and not explain:
        raise _fail(f"--format {fmt.value} writes the worked example of each update: give --explain --steps N")
    decimals = decimals if decimals is not None else (9 if explain else 6)
    out = make_console()
    console = make_console(stderr=True) if document else out
    _check_outputs(save, plot, log)
    p = training_problem(problem, set_, seed)
    if save is not None:
        check_model_path(save, p)
    run = training_run(p, epochs=epochs, steps=steps, batch_size=batch_size, learning_rate=learning_rate,
                       seed=seed, resume=resume)
    trainer = run.trainer
    if explain and (trainer.settings.steps is None or trainer.settings.steps > MAX_EXPLAIN_STEPS):
        raise _fail(f"--explain prints every value of every update: give --steps N (N at most {MAX_EXPLAIN_STEPS})")
    view = _View(console, run, quiet=2 if document and not console.is_terminal else quiet, decimals=decimals,
                 watched=_watched(p, watch), collect=explain and document)
    if explain:
        trainer.before_step = view.before_step
    trainer.report_every = _report_every(every, trainer)
    view.start(explain)
    try:
        with atomic_open(log) if log is not None else nullcontext() as log_file:
            interrupted_inside = _run(trainer, view, log_file)
    finally:
        view.stop()
    result = trainer.result
    if result is None or result.reason == "interrupted" or interrupted_inside:
        _interrupted(run, console, checkpoint, save, problem, interrupted_inside)
    final = _results(run, view, save, plot, shown=not document or view.quiet < 2)
    if document or output is not None:
        emit_as(out, "train", fmt, _report(run, view, final, save), output, decimals=decimals)
    if output is not None and not document:
        view.tell(f"wrote the result to {output}")


def _results(run, view: "_View", save: Optional[Path], plot: Optional[Path], shown: bool) -> list:
    """After training: save the model and the plot, show (if `shown`) the closing table and
    pictures; the rows of that table (data, samples, loss, accuracy)."""
    from ..render.train import final_rows

    final = final_rows(run.trainer)
    if save is not None:
        run.save(save)
    if plot is not None:
        from ..render.plot import write_loss_plot

        write_loss_plot(plot, run.trainer.history)
    if shown:
        view.finish(run.trainer.result, final, save, plot)
    return final


def _report(run, view: "_View", final: list, save: Optional[Path]):
    """What --format and -o write: the run, its rows as shown, the explained updates and, for the
    slides' small networks, the trained weights' worked example."""
    from ..render.train import problem_sized
    from ..render.train_report import TrainingReport

    example = run.worked_example() if problem_sized(run.trainer.problem) else None
    return TrainingReport(run.trainer, final, view.rows, save, view.updates, view.traces, example)


def _check_outputs(save: Optional[Path], plot: Optional[Path], log: Optional[Path]) -> None:
    """Refuse before training what would fail after it: a bad model name, a missing folder, no matplotlib."""
    from ..api import check_model_path

    for option, path in (("--save", save), ("--plot", plot), ("--log", log)):
        if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise _fail(f"{option} {path}: folder {path.parent} does not exist")
    if save is not None:
        check_model_path(save)
    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()


def _watched(p, names: Optional[list[str]]) -> list[str]:
    from ..errors import suggest

    params = list(p.parameters())
    for name in names or []:
        if name not in params:
            raise _fail(f"--watch {name}: no weight or bias has that name{suggest(name, params)}")
    return list(names or [])


def _report_every(every: Optional[int], trainer) -> Optional[int]:
    """--every K, else one row per epoch, or about 20 rows in long runs."""
    from ..render.train import default_report_every

    if every is None:
        return default_report_every(trainer.target_steps, trainer.batches)
    if every < 1:
        raise _fail(f"--every: expected a whole number of at least 1, got {every}")
    return every


def _run(trainer, view: "_View", log_file) -> bool:
    """Drive the trainer; the first Ctrl-C asks it to stop after the current batch, a second one
    stops at once. Returns True when stopped inside a batch (the weights may be half updated)."""
    def on_sigint(signum, frame):
        if trainer.stop_requested:
            raise KeyboardInterrupt
        trainer.request_stop()
        view.say("stopping after this batch (Ctrl-C again to quit at once, without a checkpoint)")

    try:
        previous = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:          # not the main thread (e.g. under a test runner's thread)
        previous = None
    run = trainer.run()
    try:
        while True:
            try:
                event = next(run)
            except StopIteration:
                return False
            except KeyboardInterrupt:
                return True
            try:
                record = getattr(event, "record", None)      # a Report (a history row), else a Step
                if record is not None:
                    view.report(record)
                    if log_file is not None:
                        log_file.write(json.dumps(record, allow_nan=False) + "\n")
                else:
                    view.step(event)
            except KeyboardInterrupt:
                # raised while showing progress: the generator is paused between two batches
                trainer.stop_here()
                return False
    finally:
        run.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _interrupted(run, console, checkpoint: Optional[Path], save: Optional[Path],
                 problem: Optional[str], inside: bool) -> None:
    trainer = run.trainer
    if inside:
        console.print("nncalc: interrupted in the middle of a batch: no checkpoint saved", markup=False,
                      highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if checkpoint is None:
        stem = save.stem if save is not None else Path(trainer.problem.source or "model").stem
        folder = save.parent if save is not None else Path(".")
        checkpoint = folder / f"{stem}.checkpoint.npz"
    run.save_checkpoint(checkpoint)
    again = f"nncalc train {problem or 'nnbasic'} --resume {checkpoint}"
    print(f"nncalc: interrupted in epoch {trainer.epoch + 1} after update {trainer.step:,}; "
          f"checkpoint saved to {checkpoint}; continue with: {again}", file=sys.stderr)
    raise typer.Exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------- evaluate and predict

ModelFile = Annotated[Path, typer.Argument(metavar="MODEL", help="A model saved by `train --save` (.npz or .yaml).",
                                           show_default=False, dir_okay=False)]
ShownDecimals = Annotated[int, typer.Option("--decimals", "-d", min=0, max=17, help="Decimals shown.")]


@app.command()
@handle_errors
def evaluate(
    model_path: ModelFile,
    data: Optional[str] = typer.Option(None, "--data", help="Data to evaluate on: mnist:test, a .csv/.npz file, a generator."),
    fmt: EvaluateFormat = "table",
    decimals: ShownDecimals = 6,
    output: Output = None,
) -> None:
    """Loss and accuracy of a trained model; per-class precision/recall and the confusion matrix."""
    from ..api import evaluate as evaluation

    emit_as(make_console(), "evaluate", fmt, evaluation(model_path, data), output, decimals=decimals)


@app.command()
@handle_errors
def predict(
    model_path: ModelFile,
    data: Optional[str] = typer.Option(None, "--data", help="Inputs: a .csv/.npz file, mnist:test, a generator."),
    fmt: PredictFormat = "table",
    limit: int = typer.Option(20, "--limit", help="Rows shown in the table (csv and json hold all)."),
    output: Output = None,
    decimals: ShownDecimals = 6,
) -> None:
    """The model's output for every sample: the predicted class and its probability, or the values."""
    from ..api import predict as predictions
    from ..render.evaluation import Shown

    found = predictions(model_path, data)
    emit_as(make_console(), "predict", fmt, Shown(found, None if output is not None else limit), output,
            decimals=decimals)
