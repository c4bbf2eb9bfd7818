"""Training (`nncalc.train`, a `Training` run), evaluating and predicting with saved models,
and export to other frameworks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple, Sequence

from .problems import Problem, Source, load, problem_path

if TYPE_CHECKING:
    from .. import problem as _problem
    from ..export import Exported
    from ..model import Model
    from ..render.evaluation import Evaluation
    from ..trace import Trace
    from ..train import Report, Step, TrainResult, Trainer


def train(problem: Source, *, epochs: int | None = None, steps: int | None = None,
          batch_size: int | str | None = None, learning_rate: float | None = None,
          seed: int | None = None, every: int | None = None, resume: str | Path | None = None) -> "Training":
    """A training run of the problem's `training:` settings (options override them), not yet
    started: iterate over it for the trainer's events, or call `.run()`. `resume`: a checkpoint
    saved by an interrupted run (`save_checkpoint`): its settings and state, continued."""
    from ..model import checkpoint_settings, load_checkpoint, restore_checkpoint
    from ..train import Trainer, settings_from_problem, training_data, with_cli_overrides

    p = load(problem).problem
    model = load_checkpoint(resume) if resume is not None else None
    settings = checkpoint_settings(model, resume) if model is not None else settings_from_problem(p)
    settings = with_cli_overrides(settings, epochs=epochs, steps=steps,
                                  batch_size=None if batch_size is None else str(batch_size),
                                  learning_rate=learning_rate, seed=seed)
    trainer = Trainer(p, settings, training_data(p, settings), report_every=every)
    if model is not None:
        restore_checkpoint(trainer, model, resume)
    return Training(trainer)


class Training:
    """One training run: iterate for the trainer's events (`Step` after each update, `Report` per
    history row); afterwards `result`, `history` and `problem` (the trained network)."""

    def __init__(self, trainer: "Trainer") -> None:
        self.trainer = trainer
        self._events: Iterator[Step | Report] | None = None

    def __iter__(self) -> Iterator["Step | Report"]:
        if self._events is None:
            self._events = self.trainer.run()
        return self._events

    def run(self, progress: bool = False) -> "TrainResult":
        """Train to the end; with `progress`, a live display (a notebook's cell, or a terminal bar)."""
        if progress:
            from ..notebook import live_progress

            with live_progress(self.trainer) as show:
                for event in self:
                    show(event)
        else:
            for _ in self:
                pass
        return self.result

    @property
    def done(self) -> bool:
        return self.trainer.result is not None

    @property
    def result(self) -> "TrainResult":
        if self.trainer.result is None:
            from ..errors import UsageError

            raise UsageError("the run has not finished: iterate over it or call .run() first")
        return self.trainer.result

    @property
    def history(self) -> list[dict[str, Any]]:
        """One record per history row: epoch, step, loss (and accuracy, validation, ...)."""
        return self.trainer.history

    @property
    def problem(self) -> Problem:
        """The problem with the weights as trained so far."""
        return Problem(replace(self.trainer.problem, network=self.trainer.network()))

    def outputs(self, X: Any) -> Any:
        """The network's outputs (n, m) for inputs X (n, inputs; any array-like) at the weights so far."""
        import numpy as np

        from ..train import predictions

        return predictions(self.trainer.params.layers, np.asarray(X, dtype=self.trainer.dtype), self.trainer.dtype)

    def labels(self, Y: Any) -> Any:
        """Class indices of outputs Y: the largest output, or one output above its midpoint."""
        from ..train import predicted_labels

        return predicted_labels(Y, self.trainer.problem.network)

    def worked_example(self, X: Any = None, T: Any = None, batch: Any = None, named: bool = True,
                       times: int = 1) -> "Trace":
        """Every value `backprop` shows at the weights so far, on samples X, T (default: the problem's),
        or on a batch (a Split: sequences with their mask and lengths); named=False: arrays only (a
        network shown layer by layer); named, `times` such traces are held to nncalc.limits' size rule."""
        from ..train import worked_example

        return worked_example(self.trainer, X, T, batch, named=named, times=times)

    def save(self, path: str | Path) -> None:
        """Save the trained network: .npz (any size) or .yaml (a problem file with these weights)."""
        from ..model import model_from_trainer, save_model

        save_model(path, model_from_trainer(self.trainer), self.trainer.problem)

    def save_checkpoint(self, path: str | Path) -> None:
        """Save the weights and the training state, for `train(..., resume=path)` (`--resume`)."""
        from ..model import model_from_trainer, save_npz

        save_npz(path, model_from_trainer(self.trainer, with_state=True))

    def __repr__(self) -> str:
        state = self.result.reason if self.done else "not finished"
        return f"<nncalc.Training of {self.trainer.problem.name!r}: {len(self.history)} history rows, {state}>"

    def _ipython_display_(self) -> None:
        """Shown in a notebook: runs (with a live progress display) if not yet run, then the history."""
        from IPython.display import HTML, display

        if not self.done:
            self.run(progress=True)
        from ..notebook import history_html

        display(HTML(history_html(self.trainer)))


def training_problem(name: str | None, sets: Sequence[str] | None = None, seed: int | None = None) -> Problem:
    """The problem `nncalc train PROBLEM --set ... --seed N` trains: drawn weights (`init:`) are
    drawn anew with the seed given, then the `--set` values apply."""
    from ..problem import load_problem, parse_assignments, problem_from_doc, with_overrides

    p = load_problem(problem_path(name))
    if seed is not None and seed >= 0 and p.init is not None and p.doc is not None:
        p = problem_from_doc(replace(p.doc, data={**p.doc.data, "seed": seed}))   # draw the weights anew
    return Problem(with_overrides(p, parse_assignments(list(sets or []))))


def check_model_path(path: str | Path, problem: Problem | None = None) -> None:
    """Refuse, before any training, a model file name `save` cannot write (.npz or .yaml; a network
    a .yaml file cannot hold)."""
    from ..model import check_savable, model_kind

    model_kind(path)
    if problem is not None:
        check_savable(path, problem.problem.network)


def evaluate(model: str | Path, data: str | None = None) -> "Evaluation":
    """Loss and accuracy of a saved model (`nncalc evaluate`) on `data` (a source: mnist:test, a
    .csv/.npz file, a generator; None: a problem file's own samples), with the confusion matrix."""
    from ..errors import UsageError
    from ..model_data import model_and_data
    from ..render.evaluation import Evaluation
    from ..train import evaluate_outputs, final_outputs, predicted_labels, predictions
    from ..train.metrics import labelled_confusion

    m, split, name = model_and_data(model, data)
    if split.T.shape[-1] == 0:
        raise UsageError(f"{name} has no targets to compare with: use `nncalc predict`", where="--data")
    Y = predictions(m.network.layers, split.X, m.dtype)
    loss, acc = evaluate_outputs(Y, m.loss, split, m.network)
    cm, classes = None, m.classes
    if split.labels is not None:
        cm, classes = labelled_confusion(split.labels, predicted_labels(final_outputs(Y, split), m.network),
                                         classes, Y.shape[-1])
    return Evaluation(str(model), m.name, name, split.n, m.loss, loss, acc, cm, classes)


class Predictions(NamedTuple):
    """A saved model's output for every sample (`nncalc predict`): one record per sample."""

    model: str
    data: str
    records: list[dict[str, Any]]
    outputs: tuple[str, ...]         # the output units' names
    classified: bool                 # records hold a predicted class


def predict(model: str | Path, data: str | None = None) -> Predictions:
    """The model's output for every sample of `data` (as `evaluate`): the predicted class and its
    probability for a classifier, else the output values; for sequences, at each one's last step."""
    from ..model_data import model_and_data
    from ..render.evaluation import prediction_records
    from ..train import final_outputs, predicted_labels, predictions

    m, split, name = model_and_data(model, data)
    Y = final_outputs(predictions(m.network.layers, split.X, m.dtype), split)
    pred = predicted_labels(Y, m.network) if m.classes is not None else None
    outputs = tuple(m.network.outputs)
    return Predictions(str(model), name, prediction_records(Y, pred, split.labels, m.classes, outputs), outputs,
                       pred is not None)


def export(model: "Source | Training", to: str, output: str | Path) -> "Exported":
    """Write a network for another framework: `to` is 'pytorch' (OUTPUT.py, and OUTPUT.pt where
    torch is installed) or 'onnx' (OUTPUT.onnx). `model`: a saved model (.npz), a problem (file,
    bundled name, dict or Problem) with its weights, or a finished Training."""
    from ..export import export_model

    return export_model(as_model(model), to, output)


def as_model(model: "Source | Training") -> "Model":
    """A model from an .npz or .yaml model file, a problem (its weights as given) or a training run."""
    from ..model import load_model, model_from_problem, model_from_trainer

    if isinstance(model, Training):
        return model_from_trainer(model.trainer)
    if isinstance(model, (str, Path)) and Path(model).suffix.lower() == ".npz":
        return load_model(model)
    return model_from_problem(load(model).problem)
