"""`nncalc train`, `evaluate` and `predict`: parse options, run the trainer, show what it yields.

The trainer (nncalc.train) never prints; this module owns the progress bar, the rows, the tables and
the exit codes: 2 for bad input or a diverging loss, 130 after Ctrl-C (with a checkpoint saved).
"""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer

from . import app
from .common import EXIT_INTERRUPTED, PROBLEM_HELP, SET_HELP, handle_errors, make_console, unicode_ok

MAX_EXPLAIN_STEPS = 50
TARGET_ROWS = 20            # without --every, long runs show about this many rows
SMALL_OUTPUTS = 8           # rows show every output value up to this many (samples x outputs)
BAR_REFRESH = 0.05          # seconds between progress bar updates


class TrainFormat(str, Enum):
    table = "table"
    json = "json"


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
    explain: bool = typer.Option(False, "--explain", help="With --steps N: every value of each update, as tables and derivation."),
    save: Optional[Path] = typer.Option(None, "--save", "-s", help="Save the trained model: .npz (any size) or .yaml (a problem file).", dir_okay=False),
    resume: Optional[Path] = typer.Option(None, "--resume", help="Continue from a checkpoint saved by Ctrl-C.", dir_okay=False),
    checkpoint: Optional[Path] = typer.Option(None, "--checkpoint", help="Where Ctrl-C saves the checkpoint (default: NAME.checkpoint.npz).", dir_okay=False),
    log: Optional[Path] = typer.Option(None, "--log", help="Write one JSON line per history entry to this file.", dir_okay=False),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Draw the loss curve to a PNG (needs matplotlib: pip install 'nncalc\\[plot]').", dir_okay=False),
    fmt: TrainFormat = typer.Option(TrainFormat.table, "--format", "-f", help="table or json."),
    quiet: int = typer.Option(0, "--quiet", "-q", count=True, help="-q: plain rows, no bar or pictures; -qq: only the result."),
    decimals: Optional[int] = typer.Option(None, "--decimals", "-d", min=0, max=17,
                                           help="Decimals shown (default 6; 9 with --explain, as the slides)."),
    set_: Optional[list[str]] = typer.Option(None, "--set", help=SET_HELP, metavar="NAME=VALUE"),
) -> None:
    """Train a network: the slides' small examples step by step, or MNIST with mini-batches."""
    from ..train import Trainer, data_for, settings_from_problem, with_cli_overrides

    is_json = fmt is TrainFormat.json
    decimals = decimals if decimals is not None else (9 if explain else 6)
    out = make_console()
    console = make_console(stderr=True) if is_json else out     # progress and pictures
    _check_outputs(save, plot, log)
    p = _load_problem(problem, set_, seed)
    model = None
    if resume is not None:
        model = _load_checkpoint(resume)
        from ..train import Settings

        settings = Settings.from_dict(model.training)
    else:
        settings = settings_from_problem(p)
    settings = with_cli_overrides(settings, epochs=epochs, steps=steps, batch_size=batch_size,
                                  learning_rate=learning_rate, seed=seed)
    if explain and (settings.steps is None or settings.steps > MAX_EXPLAIN_STEPS):
        raise _fail(f"--explain prints every value of every update: give --steps N (N at most {MAX_EXPLAIN_STEPS})")
    data = data_for(p, _datasets(p), settings.validation_split, settings.dtype)
    watched = _watched(p, watch)
    view = _View(console, p, settings, data, quiet=2 if is_json and not console.is_terminal else quiet,
                 decimals=decimals, watched=watched)
    trainer = Trainer(p, settings, data, report_every=None, before_step=view.before_step if explain else None)
    trainer.report_every = _report_every(every, trainer)
    view.start(trainer, explain)
    if model is not None:
        _restore(trainer, model, resume)
    log_file = open(log, "w", encoding="utf-8") if log is not None else None
    try:
        interrupted_inside = _run(trainer, view, log_file)
    finally:
        view.stop()
        if log_file is not None:
            log_file.close()
    result = trainer.result
    if result is None or result.reason == "interrupted" or interrupted_inside:
        _interrupted(trainer, p, data, console, checkpoint, save, problem, interrupted_inside)
    final = _final_rows(trainer, data)
    trained = _trained_model(trainer, p, data)
    if save is not None:
        _save(save, trained, p)
    if plot is not None:
        _plot(plot, trainer.history)
    if is_json:
        out.file.write(json.dumps(_json(trainer, p, final, save), indent=2, allow_nan=False) + "\n")
        return
    view.finish(result, final, save, plot)


def _check_outputs(save: Optional[Path], plot: Optional[Path], log: Optional[Path]) -> None:
    """Refuse before training what would fail after it: a bad model name, a missing folder, no matplotlib."""
    from ..model import model_kind

    for option, path in (("--save", save), ("--plot", plot), ("--log", log)):
        if path is not None and not (path.parent if str(path.parent) else Path(".")).is_dir():
            raise _fail(f"{option} {path}: folder {path.parent} does not exist")
    if save is not None:
        model_kind(save)
    if plot is not None:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise _fail("--plot needs matplotlib, an optional extra: pip install 'nncalc[plot]' "
                        "(or pip install matplotlib)") from None


def _load_problem(name: Optional[str], sets: Optional[list[str]], seed: Optional[int]):
    from ..bundled import resolve
    from ..problem import load_problem, parse_assignments, problem_from_doc, with_overrides

    p = load_problem(resolve(name))
    if seed is not None and seed >= 0 and p.init is not None and p.doc is not None:
        p = problem_from_doc(replace(p.doc, data={**p.doc.data, "seed": seed}))   # draw the weights anew
    return with_overrides(p, parse_assignments(sets or []))


def _datasets(p):
    if p.inputs is not None or p.data_source is None:
        return None
    from ..data import load_data

    base = Path(p.source).parent if p.source else Path.cwd()
    return load_data(p.data_source, base_dir=base, file=p.source)


def _watched(p, names: Optional[list[str]]) -> list[str]:
    from ..problem import _suggest

    params = [q.name for q in p.network.parameters()]
    for name in names or []:
        if name not in params:
            raise _fail(f"--watch {name}: no weight or bias has that name{_suggest(name, params)}")
    return list(names or [])


def _report_every(every: Optional[int], trainer) -> Optional[int]:
    """--every K, else one row per epoch, else (long runs) about TARGET_ROWS rows: every few epochs
    with mini-batches, every few (round numbers of) updates with full batches."""
    if every is not None:
        if every < 1:
            raise _fail(f"--every: expected a whole number of at least 1, got {every}")
        return every
    epochs = math.ceil(trainer.target_steps / trainer.batches)
    if epochs <= 2 * TARGET_ROWS:
        return None
    unit = trainer.batches if trainer.batches > 1 else 1
    raw = epochs / TARGET_ROWS
    nice = 10 ** math.floor(math.log10(raw))
    m = next(m for m in (1, 2, 5, 10) if m * nice >= raw)
    return int(m * nice) * unit


def _load_checkpoint(path: Path):
    from ..model import load_npz

    model = load_npz(path)
    if model.checkpoint is None:
        raise _fail("this is a trained model, not a checkpoint (no training state in it); "
                    "to train further from its weights, save it as .yaml and train that", file=str(path))
    return model


def _restore(trainer, model, path: Path) -> None:
    shapes = [l.weights.shape for l in trainer.params.layers]
    if [l.weights.shape for l in model.network.layers] != shapes:
        raise _fail("the checkpoint's network does not match this problem's: resume with the problem it "
                    f"was trained on ({model.source or model.name})", file=str(path))
    trainer.restore(model.flat_values.astype(trainer.dtype), model.checkpoint)


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
                        log_file.write(json.dumps(event.record, allow_nan=True) + "\n")
                        log_file.flush()
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


def _interrupted(trainer, p, data, console, checkpoint: Optional[Path], save: Optional[Path],
                 problem: Optional[str], inside: bool) -> None:
    from ..model import save_npz

    if inside:
        console.print("nncalc: interrupted in the middle of a batch: no checkpoint saved", markup=False,
                      highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED)
    if checkpoint is None:
        stem = save.stem if save is not None else Path(p.source or "model").stem
        folder = save.parent if save is not None else Path(".")
        checkpoint = folder / f"{stem}.checkpoint.npz"
    save_npz(checkpoint, _trained_model(trainer, p, data, with_state=True))
    again = f"nncalc train {problem or 'nnbasic'} --resume {checkpoint}"
    print(f"nncalc: interrupted in epoch {trainer.epoch + 1} after update {trainer.step:,}; "
          f"checkpoint saved to {checkpoint}; continue with: {again}", file=sys.stderr)
    raise typer.Exit(EXIT_INTERRUPTED)


def _trained_model(trainer, p, data, with_state: bool = False):
    from ..model import Model
    from ..problem import Network

    layers = tuple(replace(t, weights=l.weights.copy(), bias=None if l.bias is None else l.bias.copy())
                   for t, l in zip(p.network.layers, trainer.params.layers))
    return Model(p.name, Network(p.network.inputs, layers), p.loss, trainer.settings.learning_rate,
                 data.classes, trainer.settings.to_dict(), p.source, list(trainer.history),
                 trainer.checkpoint() if with_state else None)


def _save(path: Path, model, p) -> None:
    from ..model import model_kind, save_npz, save_yaml

    if model_kind(path) == "npz":
        save_npz(path, model)
    else:
        save_yaml(path, model, p)


def _final_rows(trainer, data) -> list[tuple[str, int, float, float | None]]:
    rows = []
    for name, split in (("train", data.train), ("validation", data.validation), ("test", data.test)):
        if split is not None:
            loss, acc = trainer.evaluate(split)
            rows.append((name, split.n, loss, acc))
    return rows


def _plot(path: Path, history: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..fileio import atomic_open

    x_key = "step" if len({r["epoch"] for r in history}) < len(history) else "epoch"
    xs = [r[x_key] for r in history]
    has_acc = any("accuracy" in r for r in history)
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 6, 4), squeeze=False)
    ax = axes[0][0]
    ax.plot(xs, [r["loss"] for r in history], label="training")
    if any("val_loss" in r for r in history):
        ax.plot(xs, [r.get("val_loss") for r in history], label="validation")
    losses = [r["loss"] for r in history if r["loss"] > 0]
    if losses and max(losses) / min(losses) > 100:
        ax.set_yscale("log")
    ax.set_xlabel(x_key)
    ax.set_ylabel("loss")
    ax.legend()
    if has_acc:
        ax = axes[0][1]
        ax.plot(xs, [r.get("accuracy") for r in history], label="training")
        if any("val_accuracy" in r for r in history):
            ax.plot(xs, [r.get("val_accuracy") for r in history], label="validation")
        ax.set_xlabel(x_key)
        ax.set_ylabel("accuracy")
        ax.legend()
    fig.tight_layout()
    with atomic_open(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=100)
    plt.close(fig)


def _json(trainer, p, final, save: Optional[Path]) -> dict[str, Any]:
    result = trainer.result
    data: dict[str, Any] = {
        "problem": p.name, "source": p.source, "settings": trainer.settings.to_dict(),
        "result": {"reason": result.reason, "message": result.message, "epochs": result.epochs,
                   "steps": result.steps, "seconds": result.seconds, "seconds_per_epoch": result.seconds_per_epoch,
                   **{name: {"samples": n, "loss": loss, **({"accuracy": acc} if acc is not None else {})}
                      for name, n, loss, acc in final}},
        "history": trainer.history,
    }
    if save is not None:
        data["saved"] = str(save)
    if _problem_sized(p):
        from ..trace import build_trace

        net = trainer.network()
        trace = build_trace(replace(p, network=net, learning_rate=trainer.settings.learning_rate))
        data["values"] = trace.values()
        data["weights"] = net.parameter_values()
    return data


def _problem_sized(p) -> bool:
    """Networks whose every value the foundation's tables show (the slides' examples)."""
    from ..render.common import DETAIL_MAX_PARAMS

    return p.inputs is not None and p.targets is not None and p.network.n_params <= DETAIL_MAX_PARAMS


# ---------------------------------------------------------------- what the user sees while training

class _View:
    """Rows, the progress bar, --explain's tables and the closing pictures, on one console."""

    def __init__(self, console, p, settings, data, *, quiet: int, decimals: int, watched: list[str]) -> None:
        self.console, self.p, self.settings, self.data = console, p, settings, data
        self.quiet, self.decimals, self.watched = quiet, decimals, watched
        self.unicode = unicode_ok(console)
        self.bar = None
        self.task = None
        self.rows = None
        self.trainer = None
        self.last_bar = 0.0
        self.explaining = False
        self.before_values = None
        n_out = data.train.n * len(p.network.outputs)
        self.show_outputs = p.inputs is not None and n_out <= SMALL_OUTPUTS

    def say(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def start(self, trainer, explain: bool) -> None:
        from ..render.train import history_rows

        self.trainer, self.explaining = trainer, explain
        p, s, t = self.p, self.settings, trainer
        extra = self._output_names() + self.watched
        by_step = t.report_every is not None and (t.batches == 1 or t.report_every % t.batches != 0)
        total = t.target_steps if by_step else (s.epochs if s.steps is None else math.ceil(s.steps / t.batches))
        loss_name = "E_total" if p.loss == "half_sse" else "loss"
        self.rows = history_rows(by_step=by_step, total=total, loss_name=loss_name,
                                 accuracy=self.data.train.labels is not None,
                                 validation=self.data.validation is not None, extra=extra,
                                 decimals=self.decimals,
                                 seconds=t.batches > 1 and s.optimizer != "perceptron")
        if self.quiet >= 2:
            return
        self.say(self._header())
        if not explain:
            self.say(self.rows.header())
        if self.quiet == 0 and self.console.is_terminal and not explain:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[metrics]}"), TimeRemainingColumn(),
                                console=self.console, transient=True)
            per_epoch = t.batches > 1
            self.task = self.bar.add_task("epoch 1" if per_epoch else "updates",
                                          total=t.batches if per_epoch else t.target_steps, metrics="")
            self.bar.start()

    def _output_names(self) -> list[str]:
        if not self.show_outputs:
            return []
        n = self.data.train.n
        return [f"out.{o}" + (f"@{k}" if n > 1 else "") for k in range(1, n + 1) for o in self.p.network.outputs]

    def _header(self) -> str:
        from ..render.train import plural

        p, s, t = self.p, self.settings, self.trainer
        shape = "-".join(str(n) for n in [len(p.network.inputs)] + [len(l.units) for l in p.network.layers])
        n = self.data.train.n
        batch = "full batch" if t.batch_size == n else f"batches of {t.batch_size}"
        if s.optimizer == "perceptron":
            batch = "one sample at a time"
        limit = plural(s.steps, "update") if s.steps is not None else plural(s.epochs, "epoch")
        extras = []
        if s.l2:
            extras.append(f"L2 {s.l2:g}")
        if not s.update_biases:
            extras.append("biases fixed")
        if s.update_order != "simultaneous":
            extras.append(f"{s.update_order} updates")
        if t.dtype.name != "float64":
            extras.append(t.dtype.name)
        more = f", {', '.join(extras)}" if extras else ""
        return (f"Training {p.name}: {shape} network, {p.loss}, {s.describe_optimizer()}; {plural(n, 'sample')}, "
                f"{batch}, {limit}{more}")

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    # ---- events

    def before_step(self, trainer, idx) -> None:
        """--explain: the foundation's tables and derivation for this update, from the current weights."""
        from ..render.explain import explain_text
        from ..render.table import backprop_view, forward_view
        from ..trace import build_trace

        X = self.data.train.X[idx].astype("float64")
        T = self.data.train.T[idx].astype("float64")
        problem = replace(self.p, network=trainer.network(), inputs=X, targets=T,
                          learning_rate=self.settings.learning_rate)
        gradients = self.settings.optimizer != "perceptron"     # step and sign units have none
        trace = build_trace(problem, with_backward=gradients)
        self.console.rule(f"update {trainer.step + 1} of {trainer.target_steps}", characters="─" if self.unicode else "-")
        view = backprop_view if gradients else forward_view
        self.console.print(view(trace, self.decimals, unicode=self.unicode, width=self.console.width))
        if gradients:
            self.say("")
            self.say(explain_text(trace, self.decimals, unicode=self.unicode, width=self.console.width))
        self.before_values = trainer.network().parameter_values()

    def step(self, event) -> None:
        if self.explaining and self.before_values is not None:
            self._applied()
        if self.bar is None:
            return
        now = time.monotonic()
        end_of_epoch = event.batch == event.batches
        if now - self.last_bar < BAR_REFRESH and not end_of_epoch:
            return
        self.last_bar = now
        metrics = f"loss {event.loss:.4g}"
        if event.accuracy is not None:
            metrics += f"  acc {100 * event.accuracy:.2f}%"
        if event.seconds > 0:
            metrics += f"  {event.step * self.trainer.batch_size / event.seconds:,.0f} samples/s" \
                if self.trainer.batches > 1 else ""
        if self.trainer.batches > 1:
            self.bar.update(self.task, completed=event.batch, description=f"epoch {event.epoch}", metrics=metrics)
            if end_of_epoch:
                self.bar.reset(self.task, total=event.batches, description=f"epoch {event.epoch + 1}", metrics="")
        else:
            self.bar.update(self.task, completed=event.step, metrics=metrics)

    def _applied(self) -> None:
        """After an explained update: what the optimizer actually did, when it differs from the
        trace's plain gradient-descent step (other optimizers, fixed biases, L2, sequential order)."""
        s = self.settings
        plain = s.optimizer == "sgd" and s.update_order == "simultaneous" and s.update_biases and not s.l2
        after = self.trainer.network().parameter_values()
        before, self.before_values = self.before_values, None
        if plain:
            return
        from rich.table import Table
        from rich import box

        from ..render.common import fmt

        why = []
        if s.optimizer == "perceptron":
            why.append(f"the perceptron rule: w = w + {s.learning_rate:g} (t - y) x, b = b + {s.learning_rate:g} (t - y)")
        elif s.optimizer != "sgd":
            why.append(s.describe_optimizer())
        if not s.update_biases:
            why.append("biases held fixed (update_biases: false)")
        if s.l2:
            why.append(f"L2 {s.l2:g}")
        if s.update_order == "sequential":
            why.append("sequential order: hidden deltas from the already-updated weights above")
        differs = ", which differs from the plain gradient step above" if s.optimizer != "perceptron" else ""
        self.say(f"Applied update ({'; '.join(why)}){differs}:")
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for col in ("parameter", "before", "after", "change"):
            table.add_column(col, justify="left" if col == "parameter" else "right")
        for name, v in before.items():
            table.add_row(name, fmt(v, self.decimals), fmt(after[name], self.decimals), fmt(after[name] - v, self.decimals))
        self.console.print(table)

    def report(self, record: dict[str, Any]) -> None:
        t = self.trainer
        if self.show_outputs or self.watched:
            record.update(self._extras())
        if self.quiet >= 2 or self.explaining:
            return
        line = self.rows.row(record)
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            self.say(line)

    def _extras(self) -> dict[str, float]:
        from ..engine import forward

        values: dict[str, float] = {}
        if self.show_outputs:
            Y = forward(self.trainer.params.layers, self.data.train.X.astype(self.trainer.dtype)).output
            values.update({name: float(v) for name, v in zip(self._output_names(), Y.ravel().tolist())})
        if self.watched:
            params = self.trainer.network().parameter_values()
            values.update({name: params[name] for name in self.watched})
        return values

    # ---- the end

    def finish(self, result, final, save: Optional[Path], plot: Optional[Path]) -> None:
        from ..render.train import decision_map, final_table, loss_curve

        if result.message:
            self.say(result.message)
        self.console.print(final_table(final, self.p.loss, result.seconds_per_epoch, result.epochs,
                                       result.steps, self.decimals))
        if self.quiet == 0 and not self.explaining:
            curve = loss_curve(self.trainer.history, width=min(64, max(self.console.width - 14, 20)),
                               unicode=self.unicode)
            if curve:
                self.say(curve)
            if len(self.p.network.inputs) == 2 and self.data.train.n > 1:
                self.say("")
                self.say("Decision map (what the network predicts over the plane of its two inputs):")
                self.console.print(self._map())
        if save is not None:
            self.say(f"saved the trained model to {save}")
        if plot is not None:
            self.say(f"saved the loss curve to {plot}")

    def _map(self):
        from ..engine import forward
        from ..render.train import decision_map
        from ..train import predicted_labels

        t, d = self.trainer, self.data
        classes = d.classes or (("0", "1") if d.train.labels is not None else None)

        def predict(points):
            Y = forward(t.params.layers, points.astype(t.dtype)).output
            return predicted_labels(Y, self.p.network) if classes is not None else Y[:, 0]

        width = max(min(self.console.width - 4, 64), 20)
        colour = self.console.is_terminal and not self.console.no_color
        return decision_map(predict, d.train.X, d.train.labels, classes, width=width, height=width * 3 // 8,
                            colour=colour, names=tuple(self.p.network.inputs[:2]))


# ---------------------------------------------------------------- evaluate and predict

def _model_and_split(model_path: Path, data: Optional[str]):
    from ..model import load_model, model_kind
    from ..train import Split, listed_labels, split_of

    model = load_model(model_path)
    if data is None:
        if model_kind(model_path) == "yaml":
            from ..problem import load_problem

            p = load_problem(model_path)
            if p.inputs is not None and p.targets is not None:
                labels, _ = listed_labels(p.targets, p.network)
                return model, Split(p.inputs, p.targets, labels), p.name
        raise _fail("--data is required: e.g. --data mnist:test, --data digits.csv, --data spiral")
    from ..data import load_source

    ds = load_source(data, base_dir=Path.cwd(), where="--data")
    split = split_of(ds, model.network, "--data", None, targets_required=False)
    if split.labels is None and model.classes is not None and split.T.shape[1]:
        # a classifier's targets read as numbers (a CSV column of 0 and 1): class indices again
        split = Split(split.X, split.T, listed_labels(split.T, model.network)[0])
    return model, split, ds.name


@app.command()
@handle_errors
def evaluate(
    model_path: Path = typer.Argument(..., metavar="MODEL", help="A model saved by `train --save` (.npz or .yaml).",
                                      show_default=False, dir_okay=False),
    data: Optional[str] = typer.Option(None, "--data", help="Data to evaluate on: mnist:test, a .csv/.npz file, a generator."),
    fmt: TrainFormat = typer.Option(TrainFormat.table, "--format", "-f", help="table or json."),
    decimals: int = typer.Option(6, "--decimals", "-d", min=0, max=17, help="Decimals shown."),
) -> None:
    """Loss and accuracy of a trained model; per-class precision/recall and the confusion matrix."""
    from ..render.train import class_report, confusion_matrix, confusion_table, per_class, results_table
    from ..train import evaluate_layers, predicted_labels, predictions

    model, split, name = _model_and_split(model_path, data)
    if split.T.shape[1] == 0:
        raise _fail(f"{name} has no targets to compare with: use `nncalc predict`", where="--data")
    layers = model.network.layers
    loss, acc = evaluate_layers(layers, model.loss, split, model.network, model.dtype)
    console = make_console()
    result: dict[str, Any] = {"model": str(model_path), "data": name, "samples": split.n, "loss": loss}
    cm = None
    classes = model.classes
    if split.labels is not None:
        Y = predictions(layers, split.X, model.dtype)
        k = max(len(classes or ()), int(split.labels.max()) + 1, Y.shape[1] if Y.shape[1] > 1 else 2)
        classes = tuple(classes or ()) + tuple(str(c) for c in range(len(classes or ()), k))
        cm = confusion_matrix(split.labels, predicted_labels(Y, model.network), k)
        result["accuracy"] = acc
        result["classes"] = {c: {"precision": p_, "recall": r, "f1": f1, "samples": n}
                             for c, (p_, r, f1, n) in zip(classes, per_class(cm))}
        result["confusion_matrix"] = cm.tolist()
    if fmt is TrainFormat.json:
        console.file.write(json.dumps(result, indent=2, allow_nan=False) + "\n")
        return
    console.print(results_table([(name, split.n, loss, acc)], model.loss, f"{model.name} on {name}", decimals))
    if cm is not None:
        console.print(class_report(cm, classes))
        console.print(confusion_table(cm, classes, colour=console.is_terminal and not console.no_color))


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
    from ..render.common import fmt as fmt_num
    from ..render.train import predictions_table
    from ..train import predicted_labels, predictions
    from .common import emit

    model, split, name = _model_and_split(model_path, data)
    Y = predictions(model.network.layers, split.X, model.dtype)
    outputs = list(model.network.outputs)
    classes = model.classes
    records: list[dict[str, Any]] = []
    pred = predicted_labels(Y, model.network) if classes is not None else None
    for k in range(Y.shape[0]):
        rec: dict[str, Any] = {"sample": k + 1}
        if pred is not None:
            c = int(pred[k])
            rec["class"] = classes[c] if c < len(classes) else str(c)
            rec["probability"] = float(Y[k, c] if Y.shape[1] > 1 else (Y[k, 0] if c == 1 else 1 - Y[k, 0]))
        if split.labels is not None:
            c = int(split.labels[k])
            rec["true"] = classes[c] if classes is not None and c < len(classes) else str(c)
        rec.update({o: float(v) for o, v in zip(outputs, Y[k].tolist())} if Y.shape[1] <= 12 or pred is None else {})
        records.append(rec)
    console = make_console()
    if fmt is PredictFormat.json:
        emit(console, json.dumps({"model": str(model_path), "data": name, "predictions": records}, indent=2), output)
        return
    columns = list(records[0]) if records else ["sample"]
    if fmt is PredictFormat.csv:
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
        emit(console, buffer.getvalue(), output)
        return
    if pred is not None and len(outputs) > 4:
        columns = [c for c in columns if c not in outputs]     # the table stays readable; csv/json hold all
    shown = records if output is not None else records[:max(limit, 0)]
    cell = lambda v: fmt_num(v, decimals) if isinstance(v, float) else str(v)  # noqa: E731
    rows = [[cell(r.get(c, "")) for c in columns] for r in shown]
    emit(console, predictions_table(rows, columns, more=len(records) - len(shown)), output)
