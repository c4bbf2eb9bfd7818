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
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from . import app
from .common import (EXIT_INTERRUPTED, PROBLEM_HELP, SET_HELP, Output, emit, emit_as, format_option, handle_errors,
                     make_console)

if TYPE_CHECKING:
    from .train_view import _View

MAX_EXPLAIN_STEPS = 50


EvaluateFormat = format_option("evaluate")


class TrainFormat(str, Enum):
    table = "table"
    json = "json"
    latex = "latex"


class PredictFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


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
    fmt: TrainFormat = typer.Option(TrainFormat.table, "--format", "-f",
                                    help="table, json or latex (with --explain: a document of every update)."),
    quiet: int = typer.Option(0, "--quiet", "-q", count=True, metavar="", help="-q: plain rows, no bar or pictures; -qq: only the result."),
    decimals: Optional[int] = typer.Option(None, "--decimals", "-d", min=0, max=17,
                                           help="Decimals shown (default 6; 9 with --explain, as the slides)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP, metavar="NAME=VALUE"),
    output: Output = None,
) -> None:
    """Train a network: the slides' small examples step by step, or MNIST with mini-batches.
    With -o FILE the result (the rows and the closing table, or the JSON) goes to FILE."""
    from ..fileio import atomic_open
    from ..model import checkpoint_settings, load_checkpoint, restore_checkpoint
    from ..model import check_savable
    from ..train import Trainer, settings_from_problem, training_data, with_cli_overrides
    from .train_view import _View

    is_json = fmt is not TrainFormat.table      # json or latex: the document on stdout, the rest on stderr
    decimals = decimals if decimals is not None else (9 if explain else 6)
    out = make_console()
    console = make_console(stderr=True) if is_json else out     # progress and pictures
    _check_outputs(save, plot, log)
    p = _load_problem(problem, set_, seed)
    if save is not None:
        check_savable(save, p.network)
    model = load_checkpoint(resume) if resume is not None else None
    settings = checkpoint_settings(model, resume) if model is not None else settings_from_problem(p)
    settings = with_cli_overrides(settings, epochs=epochs, steps=steps, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed)
    if explain and (settings.steps is None or settings.steps > MAX_EXPLAIN_STEPS):
        raise _fail(f"--explain prints every value of every update: give --steps N (N at most {MAX_EXPLAIN_STEPS})")
    if fmt is TrainFormat.latex and not explain:
        raise _fail("--format latex writes the worked example of each update: give --explain --steps N")
    data = training_data(p, settings)
    watched = _watched(p, watch)
    explained = [] if explain and is_json else None        # --explain's values go into the JSON
    view = _View(console, p, settings, data, quiet=2 if is_json and not console.is_terminal else quiet,
                 decimals=decimals, watched=watched, explained=explained)
    trainer = Trainer(p, settings, data, report_every=None, before_step=view.before_step if explain else None)
    trainer.report_every = _report_every(every, trainer)
    view.start(trainer, explain)
    if model is not None:
        restore_checkpoint(trainer, model, resume)
    try:
        with atomic_open(log) if log is not None else nullcontext() as log_file:
            interrupted_inside = _run(trainer, view, log_file)
    finally:
        view.stop()
    result = trainer.result
    if result is None or result.reason == "interrupted" or interrupted_inside:
        _interrupted(trainer, console, checkpoint, save, problem, interrupted_inside)
    if fmt is TrainFormat.latex:
        from ..render.latex import training_latex
        from ..render.train import training_header

        _results(trainer, view, None, save, plot, explained, None, None)
        emit(out, training_latex(training_header(trainer), view.traces, decimals), output)
        return
    _results(trainer, view, out if is_json else None, save, plot, explained, out, output)


def _results(trainer, view: "_View", json_out, save: Optional[Path], plot: Optional[Path],
             explained: Optional[list], out, output: Optional[Path] = None) -> None:
    """After training: save the model and the plot, then the result as JSON (to json_out) or the view's
    tables; with -o, the JSON or the rows and closing table go to that file."""
    from ..model import model_from_trainer, save_model
    from ..render.json import to_json
    from ..render.train import final_rows, problem_sized, train_json
    from ..train import worked_example

    final = final_rows(trainer)
    if save is not None:
        save_model(save, model_from_trainer(trainer), trainer.problem)
    if plot is not None:
        from ..render.plot import write_loss_plot

        write_loss_plot(plot, trainer.history)
    if json_out is not None:
        example = worked_example(trainer) if problem_sized(trainer.problem) else None
        emit(json_out, to_json(train_json(trainer, final, save, explained, example)) + "\n", output)
        return
    view.finish(trainer.result, final, save, plot)
    if output is not None:
        emit(out, view.result_report(trainer.result, final), output)
        view.tell(f"wrote the result to {output}")


def _check_outputs(save: Optional[Path], plot: Optional[Path], log: Optional[Path]) -> None:
    """Refuse before training what would fail after it: a bad model name, a missing folder, no matplotlib."""
    from ..model import model_kind

    for option, path in (("--save", save), ("--plot", plot), ("--log", log)):
        if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise _fail(f"{option} {path}: folder {path.parent} does not exist")
    if save is not None:
        model_kind(save)
    if plot is not None:
        from ..render.plot import require_matplotlib

        require_matplotlib()


def _load_problem(name: Optional[str], sets: Optional[list[str]], seed: Optional[int]):
    from ..bundled import resolve
    from ..problem import load_problem, parse_assignments, problem_from_doc, with_overrides

    p = load_problem(resolve(name))
    if seed is not None and seed >= 0 and p.init is not None and p.doc is not None:
        p = problem_from_doc(replace(p.doc, data={**p.doc.data, "seed": seed}))   # draw the weights anew
    return with_overrides(p, parse_assignments(sets or []))


def _watched(p, names: Optional[list[str]]) -> list[str]:
    from ..errors import suggest

    params = [q.name for q in p.network.parameters()]
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
    from ..train import Report

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
                if isinstance(event, Report):
                    view.report(event.record)
                    if log_file is not None:
                        log_file.write(json.dumps(event.record, allow_nan=False) + "\n")
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


def _interrupted(trainer, console, checkpoint: Optional[Path], save: Optional[Path],
                 problem: Optional[str], inside: bool) -> None:
    from ..model import model_from_trainer, save_npz

    if inside:
        console.print("nncalc: interrupted in the middle of a batch: no checkpoint saved", markup=False,
                      highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if checkpoint is None:
        stem = save.stem if save is not None else Path(trainer.problem.source or "model").stem
        folder = save.parent if save is not None else Path(".")
        checkpoint = folder / f"{stem}.checkpoint.npz"
    save_npz(checkpoint, model_from_trainer(trainer, with_state=True))
    again = f"nncalc train {problem or 'nnbasic'} --resume {checkpoint}"
    print(f"nncalc: interrupted in epoch {trainer.epoch + 1} after update {trainer.step:,}; "
          f"checkpoint saved to {checkpoint}; continue with: {again}", file=sys.stderr)
    raise typer.Exit(EXIT_INTERRUPTED)


# ---------------------------------------------------------------- evaluate and predict

@app.command()
@handle_errors
def evaluate(
    model_path: Path = typer.Argument(..., metavar="MODEL", help="A model saved by `train --save` (.npz or .yaml).",
                                      show_default=False, dir_okay=False),
    data: Optional[str] = typer.Option(None, "--data", help="Data to evaluate on: mnist:test, a .csv/.npz file, a generator."),
    fmt: EvaluateFormat = "table",
    decimals: int = typer.Option(6, "--decimals", "-d", min=0, max=17, help="Decimals shown."),
    output: Output = None,
) -> None:
    """Loss and accuracy of a trained model; per-class precision/recall and the confusion matrix."""
    from ..model_data import model_and_data
    from ..render.evaluation import Evaluation
    from ..train import evaluate_outputs, predicted_labels, predictions
    from ..train.metrics import labelled_confusion

    model, split, name = model_and_data(model_path, data)
    if split.T.shape[1] == 0:
        raise _fail(f"{name} has no targets to compare with: use `nncalc predict`", where="--data")
    Y = predictions(model.network.layers, split.X, model.dtype)
    loss, acc = evaluate_outputs(Y, model.loss, split, model.network)
    cm, classes = None, model.classes
    if split.labels is not None:
        cm, classes = labelled_confusion(split.labels, predicted_labels(Y, model.network), classes, Y.shape[1])
    found = Evaluation(str(model_path), model.name, name, split.n, model.loss, loss, acc, cm, classes)
    emit_as(make_console(), "evaluate", fmt, found, output, decimals=decimals)


@app.command()
@handle_errors
def predict(
    model_path: Path = typer.Argument(..., metavar="MODEL", help="A model saved by `train --save` (.npz or .yaml).",
                                      show_default=False, dir_okay=False),
    data: Optional[str] = typer.Option(None, "--data", help="Inputs: a .csv/.npz file, mnist:test, a generator."),
    fmt: PredictFormat = typer.Option(PredictFormat.table, "--format", "-f", help="table, json or csv."),
    limit: int = typer.Option(20, "--limit", help="Rows shown in the table (csv and json hold all)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file (atomically).", dir_okay=False),
    decimals: int = typer.Option(6, "--decimals", "-d", min=0, max=17, help="Decimals shown."),
) -> None:
    """The model's output for every sample: the predicted class and its probability, or the values."""
    from ..model_data import model_and_data
    from ..render.evaluation import prediction_records, predictions_csv, predictions_view
    from ..render.json import to_json
    from ..train import predicted_labels, predictions
    from .common import emit

    model, split, name = model_and_data(model_path, data)
    Y = predictions(model.network.layers, split.X, model.dtype)
    outputs = model.network.outputs
    pred = predicted_labels(Y, model.network) if model.classes is not None else None
    records = prediction_records(Y, pred, split.labels, model.classes, outputs)
    shown = None if output is not None else limit
    render = {
        PredictFormat.json: lambda: to_json({"model": str(model_path), "data": name, "predictions": records}),
        PredictFormat.csv: lambda: predictions_csv(records),
        PredictFormat.table: lambda: predictions_view(records, outputs, pred is not None, decimals, shown),
    }
    emit(make_console(), render[fmt](), output)
