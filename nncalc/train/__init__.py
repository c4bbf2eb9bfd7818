"""The trainer: settings from a problem's `training:` block, the data as the network sees it, the
parameters in one flat array, the optimizers, one training loop that yields its progress (it never
prints), checkpoints and metrics. Every forward and backward pass is `nncalc.engine`'s.

| module | holds |
| --- | --- |
| settings | the Settings checked at load (their table: nncalc.problem.training), with command-line options |
| batches | Split and TrainData: inputs, targets, class indices; loading a problem's data; validation split; epoch order |
| parameters | FlatParams: every weight then every bias in one array, the layers viewing it |
| optimizers/ | the update contract (base) and one module per optimizer |
| steps | one update: a gradient step, or the perceptron rule |
| loop | Trainer: the loop over epochs and updates, stopping, the result |
| events | what a run yields and returns: Step, Report, TrainResult; TrainingError |
| monitor | the epoch's running loss and accuracy; a loss or weight that is not finite |
| history | the history entries and early stopping's best weights |
| checkpoint | what a checkpoint holds, taken, checked and restored |
| metrics | loss and accuracy of a split, and the epoch's running values |
"""

from __future__ import annotations

from .batches import (Split, TrainData, class_targets, data_for, listed_labels, split_of, training_data,
                      training_datasets, with_problem_line)
from .events import Report, Step, TrainingError, TrainResult
from .loop import Trainer, train
from .metrics import (evaluate_layers, evaluate_outputs, final_outputs, predicted_labels, predictions,
                      worked_example)
from .optimizers import OPTIMIZERS, Optimizer, make_optimizer
from .parameters import FlatParams
from .settings import (DEFAULT_EPOCHS, FULL, Settings, checked_settings, settings_from_problem,
                       with_cli_overrides)

__all__ = ["DEFAULT_EPOCHS", "FULL", "FlatParams", "OPTIMIZERS", "Optimizer", "Report", "Settings", "Split", "Step",
           "TrainData", "TrainResult", "Trainer", "TrainingError", "checked_settings", "class_targets", "data_for",
           "evaluate_layers", "evaluate_outputs", "final_outputs", "listed_labels", "make_optimizer",
           "predicted_labels", "predictions", "settings_from_problem", "split_of", "train",
           "training_data", "training_datasets", "with_cli_overrides",
           "with_problem_line", "worked_example"]
