"""Recurrent training speed: nncalc's recurrent and LSTM layers beside PyTorch CPU's nn.RNN and nn.LSTM.

    .venv/bin/python benchmarks/bench_rnn.py                      # both cells, 10 rounds each
    .venv/bin/python benchmarks/bench_rnn.py --cell rnn --rounds 20 --dtype float32
    .venv/bin/python benchmarks/bench_rnn.py --profile            # where nncalc's epoch goes (cProfile)

The issue's setting (#11, "Bars"): one recurrent layer of 64 tanh units (or an LSTM of 64 units)
and a linear output unit, the sine task (`{generate: sine}`: predict the next value at each of 50
steps), mse, batch 32, plain SGD (learning rate 0.05), float64 (the data's type) unless --dtype.
Both tools start from the same weights (PyTorch's initialisation, copied into nncalc's problem; its
second bias b_hh is held at 0, since nncalc's layer has one bias per unit) and see the same
batches in the same order (no shuffling), so the losses agree too: the script prints both.

The two take turns in one process, epoch by epoch, the order reversed every other round; the figure
is the median of the per-round ratios nncalc / PyTorch (and the median epoch of each). An epoch:
nncalc, its trainer's own training time for the epoch (updates and counting the epoch's loss; the
exact loss each epoch's report recomputes is not counted); PyTorch, its loop of zero_grad, forward,
loss, backward and step. Both run on `--threads` threads (default 1: the machine is shared).
The bars: RNN at most 0.8x PyTorch, LSTM at most 1.0x.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SAMPLES, STEPS, UNITS, BATCH, LR = 512, 50, 64, 32, 0.05
BARS = {"rnn": 0.8, "lstm": 1.0}
GATES = "ifgo"                 # PyTorch's order of the LSTM's gates in weight_ih / weight_hh


def _matrix(a) -> list:
    return [[float(v) for v in row] for row in a]


def problem_text(cell: str, params: dict, dtype: str) -> str:
    """The nncalc problem file with PyTorch's initial weights (params: numpy arrays by name)."""
    import yaml

    if cell == "rnn":
        layer = {"units": UNITS, "type": "recurrent", "activation": "tanh",
                 "weights": _matrix(params["weight_ih_l0"]), "recurrent_weights": _matrix(params["weight_hh_l0"]),
                 "bias": [float(v) for v in params["bias_ih_l0"]]}
    else:
        split = lambda a: {g: a[k * UNITS:(k + 1) * UNITS] for k, g in enumerate(GATES)}  # noqa: E731
        layer = {"units": UNITS, "type": "lstm",
                 "weights": {g: _matrix(w) for g, w in split(params["weight_ih_l0"]).items()},
                 "recurrent_weights": {g: _matrix(w) for g, w in split(params["weight_hh_l0"]).items()},
                 "bias": {g: [float(v) for v in b] for g, b in split(params["bias_ih_l0"]).items()}}
    doc = {"name": f"bench {cell}", "network": {"inputs": ["x"], "layers": [
        layer, {"units": ["y"], "activation": "linear", "weights": _matrix(params["out.weight"]),
                "bias": [float(v) for v in params["out.bias"]]}]},
        "loss": "mse",
        "training": {"optimizer": {"name": "sgd", "learning_rate": LR}, "batch_size": BATCH,
                     "shuffle": False, "dtype": dtype, "epochs": 10_000},
        "data": {"generate": "sine", "samples": SAMPLES, "length": STEPS, "seed": 1}}
    return yaml.safe_dump(doc)


class TorchRun:
    """nn.RNN / nn.LSTM + nn.Linear trained with SGD on the same batches, one epoch per call."""

    def __init__(self, torch, cell: str, X, T, dtype: str) -> None:
        self.torch = torch
        kind = torch.float64 if dtype == "float64" else torch.float32
        torch.manual_seed(0)
        make = torch.nn.RNN if cell == "rnn" else torch.nn.LSTM
        self.rnn = make(1, UNITS, batch_first=True).to(kind)
        self.out = torch.nn.Linear(UNITS, 1).to(kind)
        with torch.no_grad():
            self.rnn.bias_hh_l0.zero_()
        self.rnn.bias_hh_l0.requires_grad_(False)
        params = [p for p in self.rnn.parameters() if p.requires_grad] + list(self.out.parameters())
        self.opt = torch.optim.SGD(params, lr=LR)
        self.X, self.T = torch.tensor(X, dtype=kind), torch.tensor(T, dtype=kind)
        self.loss_fn = torch.nn.MSELoss()

    def initial(self) -> dict:
        named = {k: v.detach().double().numpy() for k, v in self.rnn.named_parameters()}
        named.update({f"out.{k}": v.detach().double().numpy() for k, v in self.out.named_parameters()})
        return named

    def epoch(self) -> tuple[float, float]:
        """(seconds, mean loss over the epoch's batches)."""
        t0 = time.perf_counter()
        total = 0.0
        for lo in range(0, self.X.shape[0], BATCH):
            x, t = self.X[lo:lo + BATCH], self.T[lo:lo + BATCH]
            self.opt.zero_grad()
            h, _ = self.rnn(x)
            loss = self.loss_fn(self.out(h), t)
            loss.backward()
            self.opt.step()
            total += float(loss.detach())
        return time.perf_counter() - t0, total / -(-self.X.shape[0] // BATCH)


class NncalcRun:
    """The same network as an nncalc problem, trained by nncalc's Trainer, one epoch per call."""

    def __init__(self, text: str) -> None:
        from nncalc.train import training_datasets
        from nncalc.problem import load_problem
        from nncalc.train import Trainer, data_for, settings_from_problem

        folder = Path(tempfile.mkdtemp())
        (folder / "bench.yaml").write_text(text)
        p = load_problem(folder / "bench.yaml")
        settings = settings_from_problem(p)
        self.trainer = Trainer(p, settings, data_for(p, training_datasets(p), 0.0, settings.dtype))
        self.events = self.trainer.run()

    def epoch(self) -> tuple[float, float]:
        """(seconds, the epoch's running loss: the mean over its batches' targets)."""
        from nncalc.train import Report

        before = self.trainer.seconds
        for event in self.events:
            if isinstance(event, Report):
                break
        return self.trainer.seconds - before, self.trainer.counter.running()[0]


def data(dtype: str):
    from nncalc.data import load_source

    ds = load_source({"generate": "sine", "samples": SAMPLES, "length": STEPS, "seed": 1}, base_dir=Path("."))
    return ds.X.astype(dtype), ds.y.astype(dtype)


def compare(cell: str, rounds: int, dtype: str) -> dict:
    import numpy as np
    import torch

    X, T = data(dtype)
    theirs = TorchRun(torch, cell, X, T, dtype)
    ours = NncalcRun(problem_text(cell, theirs.initial(), dtype))
    ours.epoch(), theirs.epoch()                              # warm-up round, not counted
    times = {"nncalc": [], "torch": []}
    losses = {"nncalc": [], "torch": []}
    ratios = []
    for r in range(rounds):
        order = ("nncalc", "torch") if r % 2 == 0 else ("torch", "nncalc")
        got = {}
        for tool in order:
            got[tool] = (ours if tool == "nncalc" else theirs).epoch()
        for tool in got:
            times[tool].append(got[tool][0])
            losses[tool].append(got[tool][1])
        ratios.append(got["nncalc"][0] / got["torch"][0])
    return {"cell": cell, "nncalc": statistics.median(times["nncalc"]), "torch": statistics.median(times["torch"]),
            "ratio": statistics.median(ratios), "bar": BARS[cell],
            "loss": (losses["nncalc"][-1], losses["torch"][-1]),
            "agree": bool(np.isclose(losses["nncalc"][-1], losses["torch"][-1], rtol=1e-6))}


def profile(cell: str, dtype: str) -> None:
    import cProfile
    import pstats

    import torch

    X, T = data(dtype)
    run = NncalcRun(problem_text(cell, TorchRun(torch, cell, X, T, dtype).initial(), dtype))
    run.epoch()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(3):
        run.epoch()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(18)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell", choices=("rnn", "lstm", "both"), default="both")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    ap.add_argument("--threads", default="1")
    ap.add_argument("--profile", action="store_true", help="cProfile three nncalc epochs instead")
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = args.threads
    import torch

    torch.set_num_threads(int(args.threads))
    cells = ("rnn", "lstm") if args.cell == "both" else (args.cell,)
    if args.profile:
        for cell in cells:
            profile(cell, args.dtype)
        return 0
    print(f"{SAMPLES} sine sequences of {STEPS} steps, {UNITS} units, batch {BATCH}, SGD {LR}, {args.dtype}, "
          f"{args.threads} thread(s), {args.rounds} rounds taking turns; torch {torch.__version__}")
    print(f"{'cell':6} {'nncalc s/epoch':>15} {'torch s/epoch':>14} {'ratio':>7} {'bar':>5}  {'last loss (nncalc, torch)'}")
    failed = False
    for cell in cells:
        r = compare(cell, args.rounds, args.dtype)
        ok = r["ratio"] <= r["bar"]
        failed |= not ok
        print(f"{cell:6} {r['nncalc']:15.4f} {r['torch']:14.4f} {r['ratio']:6.2f}x {r['bar']:4.1f}x  "
              f"{r['loss'][0]:.6g}, {r['loss'][1]:.6g}{'' if r['agree'] else '  (losses differ!)'}"
              f"{'' if ok else '  OVER THE BAR'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
