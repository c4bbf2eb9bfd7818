"""MNIST training speed, accuracy and memory: nncalc beside scikit-learn and PyTorch (CPU), side by side.

    NNCALC_DATA=../shared/datasets .venv/bin/python benchmarks/bench_mnist.py --paired   # the speed table
    .venv/bin/python benchmarks/bench_mnist.py                                           # memory and accuracy
    .venv/bin/python benchmarks/bench_mnist.py --config slide --epochs 2 --tools nncalc,torch
    .venv/bin/python benchmarks/bench_mnist.py --config slide-sgd,slide --interleaved 40  # nncalc vs bare loop

All tools get the same data (60,000 training and 10,000 test images, pixels scaled to 0..1, float32),
architecture, batch size, optimizer and number of epochs, and 2 threads:

- slide-sgd: the slide's configuration as the issue states it: 784-100-10, logistic hidden units,
  softmax + cross-entropy, batch 50, plain SGD learning rate 0.1 (scikit-learn: momentum=0), no L2.
- slide: the same with Nesterov momentum 0.9 (scikit-learn's sgd default, given to all), no L2.
- slide-l2: the same with all of scikit-learn's sgd defaults given to all: Nesterov momentum 0.9 and
  L2 alpha 1e-4 (per batch: nncalc's l2 = alpha / 50, PyTorch's weight_decay the same).
- modern: 784-256-128-10 ReLU, softmax + cross-entropy, batch 128, Adam learning rate 1e-3, no L2.

--paired trains every tool in one process, taking turns epoch by epoch (the order reversed every other
round). On a shared machine the speed of a process can change by half within a minute; taking turns
exposes every tool to the same moments, and nncalc's time relative to a peer is the median of the
per-epoch ratios (each nncalc epoch against the peer's epoch of the same round). This is the figure
for the speed bars. scikit-learn's fit runs on a helper thread that waits, using no CPU, at the end
of each epoch (in the method scikit-learn calls there) until its next turn.

Without --paired every tool runs in a fresh subprocess, so that each one's peak memory (the process's
peak RSS) is its own; `--rounds R` runs every tool R times, taking turns, and shows medians.

An epoch's time: nncalc, the wall-clock time until the trainer reports the epoch (its updates, counting
the epoch's loss and accuracy, and handing each update's event to the loop, as the command line does);
scikit-learn, from the epoch's start to the end of its loop (its own loss included); PyTorch and the bare
loop, their loops. Tables show medians over epochs. Accuracy is on the test set after the last epoch.
PyTorch runs with its defaults (torch.set_flush_denormal(True) made it no faster here). The peers are
not dependencies of nncalc: `pip install torch==2.13.0 scikit-learn` to compare.
Requires the four MNIST files in $NNCALC_DATA/mnist/ (default: ../shared/datasets beside the repo).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREADS = "2"
CONFIGS = {
    "slide-sgd": dict(hidden=(100,), activation="sigmoid", batch=50, optimizer="sgd", lr=0.1, alpha=0.0,
                      problem="mnist-mlp"),
    "slide": dict(hidden=(100,), activation="sigmoid", batch=50, optimizer="nesterov", lr=0.1, alpha=0.0,
                  problem="mnist-mlp"),
    "slide-l2": dict(hidden=(100,), activation="sigmoid", batch=50, optimizer="nesterov", lr=0.1, alpha=1e-4,
                     problem="mnist-mlp"),
    "modern": dict(hidden=(256, 128), activation="relu", batch=128, optimizer="adam", lr=1e-3, alpha=0.0,
                   problem="mnist-modern"),
}
SETTINGS = {"slide-sgd": "plain SGD lr 0.1 (no momentum), no L2, batch 50",
            "slide": "SGD lr 0.1, Nesterov momentum 0.9, no L2, batch 50",
            "slide-l2": "SGD lr 0.1, Nesterov momentum 0.9, L2 alpha 1e-4 (all scikit-learn's sgd defaults), batch 50",
            "modern": "Adam lr 1e-3 (0.9, 0.999, 1e-8), no L2, batch 128"}


def _data():
    from nncalc.data import load_source

    base = Path.cwd()
    train, test = load_source("mnist:train", base_dir=base), load_source("mnist:test", base_dir=base)
    return train.X, train.y, test.X, test.y


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class BareLoop:
    """The floor: the slide network as a bare hand-written NumPy loop (float32, in place where it
    helps), with none of an engine's generality; plain SGD or Nesterov momentum, no L2."""

    def __init__(self, cfg: dict, X, labels, seed: int = 0) -> None:
        import numpy as np

        self.np, self.X, self.T = np, X, np.eye(10, dtype=np.float32)[labels]
        self.rng = np.random.default_rng(seed)
        h, self.B = cfg["hidden"][0], cfg["batch"]
        self.lr, self.mu = np.float32(cfg["lr"]), np.float32(0.9 if cfg["optimizer"] == "nesterov" else 0.0)
        W1 = self.rng.uniform(-1, 1, (h, 784)).astype(np.float32) * np.float32(np.sqrt(6 / (784 + h)))
        W2 = self.rng.uniform(-1, 1, (10, h)).astype(np.float32) * np.float32(np.sqrt(6 / (h + 10)))
        self.params = [W1, W2, np.zeros(h, np.float32), np.zeros(10, np.float32)]
        self.velocity = [np.zeros_like(a) for a in self.params]

    @staticmethod
    def supports(cfg: dict) -> bool:
        return (cfg["optimizer"] in ("sgd", "nesterov") and cfg["activation"] == "sigmoid" and len(cfg["hidden"]) == 1
                and cfg["alpha"] == 0)

    def _sigmoid(self, z):
        np = self.np
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1
        return np.reciprocal(z, out=z)

    def updates(self):
        """Endless: yields after every update, reshuffling at each epoch."""
        np, X, T, B, lr, mu = self.np, self.X, self.T, self.B, self.lr, self.mu
        W1, W2, b1, b2 = self.params
        while True:
            perm = self.rng.permutation(len(X))
            for lo in range(0, len(X), B):
                idx = perm[lo:lo + B]
                xb, tb = X[idx], T[idx]
                a1 = self._sigmoid(xb @ W1.T + b1)
                z2 = a1 @ W2.T + b2
                e = np.exp(z2 - z2.max(axis=1, keepdims=True))
                e /= e.sum(axis=1, keepdims=True)
                float(-(tb * np.log(np.maximum(e, 1e-30))).sum())      # the loss, as every tool reports it
                d2 = (e - tb) / B
                d1 = d2 @ W2
                d1 *= a1 * (1 - a1)
                for w, v, g in zip(self.params, self.velocity, (d1.T @ xb, d2.T @ a1, d1.sum(0), d2.sum(0))):
                    g *= lr
                    if mu:
                        v *= mu
                        v -= g
                        w -= g
                        g = v * mu
                        w += g          # Nesterov: w + mu v - lr g
                    else:
                        w -= g
                yield

    def accuracy(self, X, labels) -> float:
        W1, W2, b1, b2 = self.params
        return float(((self._sigmoid(X @ W1.T + b1) @ W2.T + b2).argmax(1) == labels).mean())


# ---------------------------------------------------------------- the tools, one epoch at a time

class NncalcTool:
    """nncalc's trainer on the bundled problem (`problems/mnist-mlp.yaml` or `mnist-modern.yaml`). It
    reads MNIST through its own loader, as a user's run does, not from the peers' `data`."""

    def __init__(self, cfg: dict, epochs: int, data=None) -> None:
        from dataclasses import replace

        from nncalc.bundled import resolve
        from nncalc.data import load_data
        from nncalc.problem import load_problem
        from nncalc.train import Trainer, data_for, settings_from_problem

        p = load_problem(resolve(cfg["problem"]))
        settings = replace(settings_from_problem(p), epochs=epochs, validation_split=0.0, patience=None,
                           l2=cfg["alpha"] / cfg["batch"])      # scikit-learn's alpha is per batch
        if cfg["optimizer"] == "sgd":
            settings = replace(settings, optimizer="sgd", options={})
        data = data_for(p, load_data(p.data_source, base_dir=ROOT / "problems", file=p.source), 0.0, settings.dtype)
        self.trainer = Trainer(p, settings, data)
        self.events, self.test = self.trainer.run(), data.test

    def epoch(self) -> float:
        """Wall-clock time until the epoch's report: the updates, counting the epoch's loss and
        accuracy, and handing every update's event to this loop, as the command line does."""
        t0 = time.perf_counter()
        for event in self.events:
            if hasattr(event, "record"):
                return time.perf_counter() - t0
        raise RuntimeError("nncalc's run ended early")

    def accuracy(self) -> float:
        return self.trainer.evaluate(self.test)[1]


class BareTool:
    def __init__(self, cfg: dict, epochs: int, data) -> None:
        Xtr, ytr, self.Xte, self.yte = data
        self.loop, self.per_epoch = BareLoop(cfg, Xtr, ytr), -(-len(Xtr) // cfg["batch"])
        self.updates = self.loop.updates()

    def epoch(self) -> float:
        t0 = time.perf_counter()
        for _ in range(self.per_epoch):
            next(self.updates)
        return time.perf_counter() - t0

    def accuracy(self) -> float:
        return self.loop.accuracy(self.Xte, self.yte)


class TorchTool:
    def __init__(self, cfg: dict, epochs: int, data) -> None:
        import numpy as np
        import torch

        torch.set_num_threads(int(THREADS))
        torch.manual_seed(0)
        self.torch = torch
        Xtr, ytr, self.Xte, self.yte = data
        self.X, self.y = torch.from_numpy(Xtr), torch.from_numpy(ytr.astype(np.int64))
        sizes = (784, *cfg["hidden"], 10)
        act = torch.nn.Sigmoid if cfg["activation"] == "sigmoid" else torch.nn.ReLU
        layers: list = []
        for a, b in zip(sizes[:-1], sizes[1:]):
            layers += [torch.nn.Linear(a, b), act()]
        self.model = torch.nn.Sequential(*layers[:-1])
        weights = [p for n, p in self.model.named_parameters() if n.endswith("weight")]
        biases = [p for n, p in self.model.named_parameters() if n.endswith("bias")]
        decay = cfg["alpha"] / cfg["batch"]
        groups = [{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}]
        if cfg["optimizer"] == "sgd":
            self.opt = torch.optim.SGD(groups, lr=cfg["lr"])
        elif cfg["optimizer"] == "nesterov":
            self.opt = torch.optim.SGD(groups, lr=cfg["lr"], momentum=0.9, nesterov=True)
        else:
            self.opt = torch.optim.Adam(groups, lr=cfg["lr"])
        self.loss_fn, self.B = torch.nn.CrossEntropyLoss(), cfg["batch"]

    def epoch(self) -> float:
        torch, X, y, model, opt, B = self.torch, self.X, self.y, self.model, self.opt, self.B
        t0 = time.perf_counter()
        perm = torch.randperm(X.shape[0])
        for lo in range(0, X.shape[0], B):
            idx = perm[lo:lo + B]
            opt.zero_grad(set_to_none=True)
            loss = self.loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        return time.perf_counter() - t0

    def accuracy(self) -> float:
        with self.torch.no_grad():
            return float((self.model(self.torch.from_numpy(self.Xte)).argmax(1).numpy() == self.yte).mean())


class SklearnTool:
    """MLPClassifier.fit on a helper thread that pauses at the end of every epoch (in the hook
    scikit-learn calls there), so that its epochs can take turns with the other tools' epochs; the
    paused thread waits on a lock and uses no CPU. An epoch is timed from its release to its end."""

    def __init__(self, cfg: dict, epochs: int, data) -> None:
        import queue
        import threading

        from sklearn.neural_network import MLPClassifier

        Xtr, ytr, self.Xte, self.yte = data
        act = "logistic" if cfg["activation"] == "sigmoid" else "relu"
        solver = "adam" if cfg["optimizer"] == "adam" else "sgd"
        momentum = 0.0 if cfg["optimizer"] == "sgd" else 0.9
        self.clf = MLPClassifier(hidden_layer_sizes=cfg["hidden"], activation=act, solver=solver,
                                 learning_rate_init=cfg["lr"], alpha=cfg["alpha"], batch_size=cfg["batch"],
                                 momentum=momentum, nesterovs_momentum=momentum > 0, max_iter=epochs, tol=0.0,
                                 n_iter_no_change=epochs + 1, shuffle=True, random_state=0)
        self.go, self.ends = threading.Semaphore(0), queue.SimpleQueue()
        at_end = self.clf._update_no_improvement_count

        def epoch_ends(*args, **kwargs):
            self.ends.put(time.perf_counter())
            self.go.acquire()
            return at_end(*args, **kwargs)

        self.clf._update_no_improvement_count = epoch_ends
        self.thread = threading.Thread(target=self._fit, args=(Xtr, ytr), daemon=True)

    def _fit(self, X, y) -> None:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from threadpoolctl import threadpool_limits

        try:
            with threadpool_limits(int(THREADS)), warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                self.clf.fit(X, y)
        finally:
            self.ends.put(None)         # fit's end, or its failure: the waiting epoch() must not hang

    def epoch(self) -> float:
        t0 = time.perf_counter()
        if self.thread.ident is None:
            self.thread.start()
        else:
            self.go.release()
        end = self.ends.get()
        if end is None:
            raise RuntimeError("scikit-learn's fit ended before its last epoch")
        return end - t0

    def accuracy(self) -> float:
        self.go.release()
        self.ends.get()
        self.thread.join()
        return float((self.clf.predict(self.Xte) == self.yte).mean())


TOOLS = {"nncalc": NncalcTool, "numpy": BareTool, "torch": TorchTool, "sklearn": SklearnTool}
LABELS = {"nncalc": "nncalc", "numpy": "bare NumPy loop (the floor)", "torch": "PyTorch 2 threads (CPU)",
          "sklearn": "scikit-learn MLPClassifier"}


def make(tool: str, cfg: dict, epochs: int, data=None):
    """The tool ready to train `epochs` epochs, or None where it has no such configuration."""
    if tool == "numpy" and not BareLoop.supports(cfg):
        return None
    return TOOLS[tool](cfg, epochs, data if data is not None or tool == "nncalc" else _data())


def child(tool: str, config: str, epochs: int) -> None:
    runner = make(tool, CONFIGS[config], epochs)
    if runner is None:
        print("SKIP")
        return
    times = [runner.epoch() for _ in range(epochs)]
    print("RESULT " + json.dumps({"epoch_seconds": times, "accuracy": runner.accuracy(), "peak_mb": _peak_mb()}))


def paired(config: str, tools: list[str], epochs: int) -> list[str]:
    """Every tool in one process, taking turns epoch by epoch (the order reversed every other
    round): each epoch of nncalc is compared with each peer's epoch of the same round, a few
    seconds apart. Returns the table's rows."""
    cfg, data = CONFIGS[config], _data()
    runners = {t: r for t in tools if (r := make(t, cfg, epochs, data)) is not None}
    times: dict[str, list[float]] = {t: [] for t in runners}
    order = list(runners)
    for e in range(epochs):
        for t in order if e % 2 == 0 else order[::-1]:
            times[t].append(runners[t].epoch())
        print(f"{config} epoch {e + 1}: " + "  ".join(f"{t} {times[t][-1]:.3f} s" for t in order),
              file=sys.stderr, flush=True)
    rows = []
    for t, runner in runners.items():
        ratio = ""
        if t != "nncalc" and "nncalc" in times:
            r = [a / b for a, b in zip(times["nncalc"], times[t])]
            ratio = f"{statistics.median(r):.2f}x"
            if len(r) > 1:
                q = statistics.quantiles(r, n=4)
                ratio += f" ({q[0]:.2f}-{q[2]:.2f})"
        rows.append(f"| {config}: {SETTINGS[config]} | {LABELS[t]} | {statistics.median(times[t]):.3f} | {ratio} | "
                    f"{100 * runner.accuracy():.2f}% |")
    return rows


def interleaved(config: str, chunks: int, size: int = 300) -> None:
    """nncalc's trainer and the bare loop in one process, taking turns every `size` updates: both see
    the same moments of a noisy machine. Prints microseconds per update and the paired ratio."""
    cfg = CONFIGS[config]
    if not BareLoop.supports(cfg):
        sys.exit(f"--interleaved needs a config the bare loop runs (slide-sgd or slide), not {config}")
    ours = NncalcTool(cfg, 10**6)
    data = ours.trainer.data.train
    runs = {"nncalc": ours.events, "bare": BareLoop(cfg, data.X, data.labels).updates()}
    per: dict[str, list[float]] = {k: [] for k in runs}
    for c in range(chunks + 1):
        for name, run in runs.items():
            t0 = time.perf_counter()
            for _ in range(size):
                next(run)
            if c:                                   # the first chunk warms up
                per[name].append((time.perf_counter() - t0) / size * 1e6)
    ratios = [a / b for a, b in zip(per["nncalc"], per["bare"])]
    for name, times in per.items():
        print(f"{config}: {name:6s} median {statistics.median(times):6.1f} µs per update "
              f"({statistics.median(times) * 1200 / 1e6:.3f} s per epoch of 1,200 updates)")
    print(f"{config}: nncalc / bare loop, paired by chunk: median {statistics.median(ratios):.3f} "
          f"(quartiles {statistics.quantiles(ratios, n=4)[0]:.3f}-{statistics.quantiles(ratios, n=4)[2]:.3f}, "
          f"{chunks} chunks of {size})")


# ---------------------------------------------------------------- the parent: run all, print the table

def _env() -> dict[str, str]:
    """2 threads for every BLAS, and the data folder beside the repository unless NNCALC_DATA says."""
    return {"OMP_NUM_THREADS": THREADS, "OPENBLAS_NUM_THREADS": THREADS, "MKL_NUM_THREADS": THREADS,
            "NNCALC_DATA": os.environ.get("NNCALC_DATA", str(ROOT.parent / "shared" / "datasets"))}


def spawn(tool: str, config: str, epochs: int) -> dict | None:
    env = {**os.environ, **_env()}
    proc = subprocess.run([sys.executable, __file__, "--child", tool, "--config", config, "--epochs", str(epochs)],
                          env=env, capture_output=True, text=True, cwd=ROOT)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
        if line == "SKIP":
            return None
    print(f"{tool} {config} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", default="slide-sgd,slide,slide-l2,modern")
    ap.add_argument("--tools", default="nncalc,numpy,torch,sklearn")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1, help="run every tool this many times, taking turns")
    ap.add_argument("--interleaved", type=int, metavar="CHUNKS",
                    help="instead: nncalc and the bare loop in one process, taking turns CHUNKS times")
    ap.add_argument("--paired", action="store_true",
                    help="instead: every tool in one process, taking turns epoch by epoch (no memory figures)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.config, args.epochs)
        return
    if args.interleaved or args.paired:
        for name, value in _env().items():
            os.environ.setdefault(name, value)         # before NumPy is first imported
    if args.interleaved:
        for config in args.config.split(","):
            interleaved(config, args.interleaved)
        return
    if args.paired:
        rows = [f"MNIST, {args.epochs} epochs, every tool in one process taking turns epoch by epoch, 2 threads", "",
                "| config | tool | s/epoch (median) | nncalc's time / this, epoch by epoch: median (quartiles) "
                "| test accuracy |", "| --- | --- | ---: | ---: | ---: |"]
        for config in args.config.split(","):
            rows += paired(config, args.tools.split(","), args.epochs)
        print("\n".join(rows))
        return
    dataset_mb = 70_000 * 784 * 4 / 2**20
    results: dict = {}
    lines = [f"MNIST, {args.epochs} epochs, {args.rounds} round{'s' if args.rounds != 1 else ''}, 2 threads; "
             f"dataset as float32: {dataset_mb:.0f} MB "
             f"(memory target: 1.3 x that + 150 MB = {1.3 * dataset_mb + 150:.0f} MB)", "",
             "| config | tool | s/epoch | nncalc's time / this (range over rounds) | test accuracy | peak memory |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for config in args.config.split(","):
        rounds: dict[str, list[dict]] = {}
        for r in range(args.rounds):
            for tool in args.tools.split(","):
                res = spawn(tool, config, args.epochs)
                if res is None:
                    continue
                res["median"] = statistics.median(res["epoch_seconds"])
                rounds.setdefault(tool, []).append(res)
                print(f"{config:9s} {tool:8s} round {r + 1}: {res['median']:.3f} s/epoch (median)  epochs "
                      f"{[round(t, 3) for t in res['epoch_seconds']]}  accuracy {100 * res['accuracy']:.2f}%  "
                      f"peak {res['peak_mb']:.0f} MB", file=sys.stderr, flush=True)
        results[config] = {tool: {"rounds": runs, "median": statistics.median(x["median"] for x in runs),
                                  "accuracy": runs[-1]["accuracy"], "peak_mb": max(x["peak_mb"] for x in runs)}
                           for tool, runs in rounds.items()}
        ours = rounds.get("nncalc")
        for tool, r in results[config].items():
            ratio = ""
            if ours and tool != "nncalc":
                pairs = [a["median"] / b["median"] for a, b in zip(ours, rounds[tool])]
                r["ratios"] = pairs
                ratio = f"{statistics.median(pairs):.2f}x" + (
                    f" ({min(pairs):.2f}-{max(pairs):.2f})" if len(pairs) > 1 else "")
            lines.append(f"| {config}: {SETTINGS[config]} | {LABELS[tool]} | {r['median']:.3f} | {ratio} | "
                         f"{100 * r['accuracy']:.2f}% | {r['peak_mb']:.0f} MB |")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
