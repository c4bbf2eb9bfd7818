"""The trainer's renderers (nncalc.render.train) on fixed inputs: curve, decision map, evaluation."""

import numpy as np
import pytest
from rich.console import Console

from nncalc.render.evaluation import class_report
from nncalc.render.plot import decision_map, loss_curve
from nncalc.render.train import duration, history_rows
from nncalc.train.metrics import confusion_matrix, per_class


def render(renderable, width=80):
    console = Console(width=width, no_color=True, highlight=False, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


def test_loss_curve_spans_the_range_on_a_log_scale():
    history = [{"epoch": e, "step": e, "loss": 10.0 ** -e} for e in range(1, 7)]
    text = loss_curve(history, width=30, height=6, unicode=False)
    lines = text.splitlines()
    assert lines[0] == "loss (log scale): * loss"
    assert lines[1].startswith("1.00e-01 +*")          # the first point at the top left
    assert lines[6].startswith("1.00e-06 +") and lines[6].endswith("*")   # the last at the bottom right
    assert lines[-1].split() == ["1", "epoch", "6"]
    assert loss_curve(history[:2]) == ""


def test_decision_map_without_colour_letters_regions_and_marks_samples():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    labels = np.array([0, 1])
    # class 1 right of x1 = 0.5
    text = decision_map(lambda P: (P[:, 0] > 0.5).astype(int), X, labels, ("0", "1"), width=20, height=6,
                        colour=False).plain
    rows = text.splitlines()[1:7]
    assert all(r[:9] == "." * 9 or r.startswith("o") for r in rows)       # left half: region '.'
    assert rows[-1].startswith("o") and rows[0].rstrip().endswith("x")    # samples in their corners
    assert "o class 0 (region '.')" in text and "x class 1 (region ' ')" in text


def test_confusion_matrix_and_per_class_by_hand():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 2, 2])
    cm = confusion_matrix(y_true, y_pred, 3)
    assert cm.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    stats = per_class(cm)
    # class 0: precision 2/2, recall 2/3; class 1: 1/2, 1/2; class 2: 1/2, 1/1
    assert stats[0][:2] == (1.0, pytest.approx(2 / 3))
    assert stats[1][:2] == (0.5, 0.5)
    assert stats[2][:2] == (0.5, 1.0)
    assert stats[0][2] == pytest.approx(0.8)            # F1 = 2 * 1 * 2/3 / (1 + 2/3)
    text = render(class_report(cm, ("a", "b", "c")))
    assert "66.67%" in text and "macro average" in text


def test_history_rows_line_up():
    rows = history_rows(by_step=False, total=10, loss_name="loss", accuracy=True, validation=True)
    header = rows.header()
    line = rows.row({"epoch": 3, "loss": 0.25, "accuracy": 0.9, "val_loss": 0.3, "val_accuracy": 0.875, "seconds": 1.5})
    assert header.split() == ["epoch", "loss", "accuracy", "val", "loss", "val", "acc", "time"]
    assert line.split() == ["3/10", "0.250000", "90.00%", "0.300000", "87.50%", "1.50", "s"]
    assert len(line) == len(header)


def test_duration():
    assert duration(0.41) == "0.41 s"
    assert duration(0.0032) == "3.2 ms"
    assert duration(0.00025) == "0.25 ms"
    assert duration(0.000085) == "85 µs"


def test_confusion_matrix_of_ten_classes_fits_80_columns_without_cutting_a_count():
    import io

    import numpy as np
    from rich.console import Console

    from nncalc.render.evaluation import confusion_table

    cm = np.full((10, 10), 7) + np.diag(np.full(10, 1128))     # MNIST-sized diagonal: 1,135 per class
    buffer = io.StringIO()
    Console(file=buffer, width=80, no_color=True).print(confusion_table(cm, [str(c) for c in range(10)]))
    text = buffer.getvalue()
    assert "…" not in text
    assert text.count("1135") == 10


def test_progress_metrics_show_the_running_loss_accuracy_and_speed_mid_epoch():
    from nncalc.bundled import resolve
    from nncalc.data import load_data
    from nncalc.problem import load_problem
    from nncalc.render.train import progress_metrics
    from nncalc.train import Step, Trainer, data_for, settings_from_problem

    p = load_problem(resolve("spiral"))
    s = settings_from_problem(p)
    data = data_for(p, load_data(p.data_source, base_dir=resolve("spiral").parent, file=p.source),
                    s.validation_split, s.dtype)
    trainer = Trainer(p, s, data)
    for event in trainer.run():
        if isinstance(event, Step) and event.epoch == 2 and event.batch == 5:
            text = progress_metrics(event, trainer)
            break
    loss, acc = event.loss, event.accuracy
    assert 0 < loss < 1 and 0 < acc <= 1 and event.samples == 5 * trainer.batch_size
    assert text.startswith(f"loss {loss:.4g}  acc {100 * acc:.2f}%  ") and text.endswith(" samples/s")


def test_the_coloured_decision_maps_legend_shows_each_class_region_colour():
    from nncalc.render.plot import REGION_COLOURS

    X, labels = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    text = decision_map(lambda P: (P[:, 0] > 0.5).astype(int), X, labels, ("a", "b"), width=20, height=5,
                        colour=True, names=("x1", "x2"))
    legend = text.divide([text.plain.rindex("\n") + 1])[1]       # the last line
    assert legend.plain == "samples: o class a (region   ),  x class b (region   )"
    swatches = [str(span.style) for span in legend.spans if str(span.style).startswith("on ")]
    assert swatches == [f"on {REGION_COLOURS[0]}", f"on {REGION_COLOURS[1]}"]
