"""MNIST training speed, accuracy and memory: nncalc beside scikit-learn and PyTorch (CPU), side by side.

    NNCALC_DATA=../shared/datasets .venv/bin/python benchmarks/bench_mnist.py            # all configs, 10 epochs
    .venv/bin/python benchmarks/bench_mnist.py --rounds 3                                # each tool 3 times, in turns
    .venv/bin/python benchmarks/bench_mnist.py --config slide --epochs 2 --tools nncalc,torch
    .venv/bin/python benchmarks/bench_mnist.py --config slide-sgd,slide --interleaved 40  # nncalc vs bare loop, one process

Every run is a fresh subprocess (so each tool's peak memory is its own) limited to 2 threads, on the
same data (60,000 training and 10,000 test images, pixels scaled to 0..1, float32), architecture,
batch size, optimizer and number of epochs:

- slide-sgd: the slide's configuration as the issue states it: 784-100-10, logistic hidden units,
  softmax + cross-entropy, batch 50, plain SGD learning rate 0.1 (scikit-learn: momentum=0), no L2.
- slide: the same with Nesterov momentum 0.9 (scikit-learn's sgd default, given to all), no L2 (scikit-learn's
  default alpha 1e-4 is set to 0 so that all three do the same work).
- modern: 784-256-128-10 ReLU, softmax + cross-entropy, batch 128, Adam learning rate 1e-3, no L2.

PyTorch runs with its defaults (torch.set_flush_denormal(True) made it no faster here).

Seconds per epoch are the median over all epochs of the training loop alone (scikit-learn: fit time /
epochs); accuracy is on the test set after the last epoch; memory is the process's peak RSS. The
peers are not dependencies of nncalc: `pip install torch==2.13.0 scikit-learn` to compare.

On a shared machine the speed of one process can change by half within a minute. `--rounds R` runs
every tool R times, taking turns (nncalc, then each peer, then nncalc again, ...); the table then
shows each tool's median over the rounds, and nncalc's time relative to a peer as the median of the
R ratios of the same round, whose two runs were a few seconds apart.
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
    "modern": dict(hidden=(256, 128), activation="relu", batch=128, optimizer="adam", lr=1e-3, alpha=0.0,
                   problem="mnist-modern"),
}
SETTINGS = {"slide-sgd": "plain SGD lr 0.1 (no momentum), no L2, batch 50",
            "slide": "SGD lr 0.1, Nesterov momentum 0.9, no L2, batch 50",
            "modern": "Adam lr 1e-3 (0.9, 0.999, 1e-8), no L2, batch 128"}


def _data():
    from nncalc.data import load_source

    base = Path.cwd()
    train, test = load_source("mnist:train", base_dir=base), load_source("mnist:test", base_dir=base)
    return train.X, train.y, test.X, test.y


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------- one tool, in a child process

def run_nncalc(cfg: dict, epochs: int) -> dict:
    from dataclasses import replace

    from nncalc.bundled import resolve
    from nncalc.data import load_data
    from nncalc.problem import load_problem
    from nncalc.train import Trainer, data_for, settings_from_problem

    p = load_problem(resolve(cfg["problem"]))
    settings = replace(settings_from_problem(p), epochs=epochs, validation_split=0.0, patience=None)
    if cfg["optimizer"] == "sgd":
        settings = replace(settings, optimizer="sgd", options={})
    data = data_for(p, load_data(p.data_source, base_dir=ROOT / "problems", file=p.source), 0.0, settings.dtype)
    trainer = Trainer(p, settings, data)
    times, last = [], 0.0
    for event in trainer.run():
        if hasattr(event, "record"):
            times.append(event.record["seconds"] - last)
            last = event.record["seconds"]
    _, acc = trainer.evaluate(data.test)
    return {"epoch_seconds": times, "accuracy": acc}


def run_torch(cfg: dict, epochs: int) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(int(THREADS))
    torch.manual_seed(0)
    Xtr, ytr, Xte, yte = _data()
    X, y = torch.from_numpy(Xtr), torch.from_numpy(ytr.astype(np.int64))
    sizes = (784, *cfg["hidden"], 10)
    act = torch.nn.Sigmoid if cfg["activation"] == "sigmoid" else torch.nn.ReLU
    layers: list = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), act()]
    model = torch.nn.Sequential(*layers[:-1])
    weights = [p for n, p in model.named_parameters() if n.endswith("weight")]
    biases = [p for n, p in model.named_parameters() if n.endswith("bias")]
    decay = cfg["alpha"] / cfg["batch"]
    groups = [{"params": weights, "weight_decay": decay}, {"params": biases, "weight_decay": 0.0}]
    if cfg["optimizer"] == "sgd":
        opt = torch.optim.SGD(groups, lr=cfg["lr"])
    elif cfg["optimizer"] == "nesterov":
        opt = torch.optim.SGD(groups, lr=cfg["lr"], momentum=0.9, nesterov=True)
    else:
        opt = torch.optim.Adam(groups, lr=cfg["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    n, B = X.shape[0], cfg["batch"]
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for lo in range(0, n, B):
            idx = perm[lo:lo + B]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = (model(torch.from_numpy(Xte)).argmax(1).numpy() == yte).mean()
    return {"epoch_seconds": times, "accuracy": float(acc)}


def run_sklearn(cfg: dict, epochs: int) -> dict:
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits

    Xtr, ytr, Xte, yte = _data()
    act = "logistic" if cfg["activation"] == "sigmoid" else "relu"
    solver = "adam" if cfg["optimizer"] == "adam" else "sgd"
    momentum = 0.0 if cfg["optimizer"] == "sgd" else 0.9
    clf = MLPClassifier(hidden_layer_sizes=cfg["hidden"], activation=act, solver=solver,
                        learning_rate_init=cfg["lr"], alpha=cfg["alpha"], batch_size=cfg["batch"],
                        momentum=momentum, nesterovs_momentum=momentum > 0, max_iter=epochs, tol=0.0,
                        n_iter_no_change=epochs + 1, shuffle=True, random_state=0)
    with threadpool_limits(int(THREADS)), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        clf.fit(Xtr, ytr)
        total = time.perf_counter() - t0
    acc = float((clf.predict(Xte) == yte).mean())
    return {"epoch_seconds": [total / clf.n_iter_] * clf.n_iter_, "accuracy": acc}


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
        return cfg["optimizer"] in ("sgd", "nesterov") and cfg["activation"] == "sigmoid" and len(cfg["hidden"]) == 1

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


def run_numpy(cfg: dict, epochs: int) -> dict | None:
    if not BareLoop.supports(cfg):
        return None
    Xtr, ytr, Xte, yte = _data()
    loop = BareLoop(cfg, Xtr, ytr)
    updates, per_epoch = loop.updates(), -(-len(Xtr) // cfg["batch"])
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        for _ in range(per_epoch):
            next(updates)
        times.append(time.perf_counter() - t0)
    return {"epoch_seconds": times, "accuracy": loop.accuracy(Xte, yte)}


def interleaved(config: str, chunks: int, size: int = 300) -> None:
    """nncalc's trainer and the bare loop in one process, taking turns every `size` updates: both see
    the same moments of a noisy machine. Prints microseconds per update and the paired ratio."""
    from dataclasses import replace

    from nncalc.bundled import resolve
    from nncalc.data import load_data
    from nncalc.problem import load_problem
    from nncalc.train import Trainer, data_for, settings_from_problem

    cfg = CONFIGS[config]
    if not BareLoop.supports(cfg):
        sys.exit(f"--interleaved needs a config the bare loop runs (slide-sgd or slide), not {config}")
    p = load_problem(resolve(cfg["problem"]))
    settings = replace(settings_from_problem(p), epochs=10**6, validation_split=0.0, patience=None)
    if cfg["optimizer"] == "sgd":
        settings = replace(settings, optimizer="sgd", options={})
    data = data_for(p, load_data(p.data_source, base_dir=ROOT / "problems", file=p.source), 0.0, settings.dtype)
    runs = {"nncalc": Trainer(p, settings, data).run(), "bare": BareLoop(cfg, data.train.X, data.train.labels).updates()}
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


RUNNERS = {"nncalc": run_nncalc, "numpy": run_numpy, "torch": run_torch, "sklearn": run_sklearn}
LABELS = {"nncalc": "nncalc", "numpy": "bare NumPy loop (the floor)", "torch": "PyTorch 2 threads (CPU)",
          "sklearn": "scikit-learn MLPClassifier"}


def child(tool: str, config: str, epochs: int) -> None:
    result = RUNNERS[tool](CONFIGS[config], epochs)
    if result is None:
        print("SKIP")
        return
    result["peak_mb"] = _peak_mb()
    print("RESULT " + json.dumps(result))


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
    ap.add_argument("--config", default="slide-sgd,slide,modern")
    ap.add_argument("--tools", default="nncalc,numpy,torch,sklearn")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1, help="run every tool this many times, taking turns")
    ap.add_argument("--interleaved", type=int, metavar="CHUNKS",
                    help="instead: nncalc and the bare loop in one process, taking turns CHUNKS times")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="also write the results to this file")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.config, args.epochs)
        return
    if args.interleaved:
        for name, value in _env().items():
            os.environ.setdefault(name, value)         # before NumPy is first imported
        for config in args.config.split(","):
            interleaved(config, args.interleaved)
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
                paired = [a["median"] / b["median"] for a, b in zip(ours, rounds[tool])]
                r["ratios"] = paired
                ratio = f"{statistics.median(paired):.2f}x" + (
                    f" ({min(paired):.2f}-{max(paired):.2f})" if len(paired) > 1 else "")
            lines.append(f"| {config}: {SETTINGS[config]} | {LABELS[tool]} | {r['median']:.3f} | {ratio} | "
                         f"{100 * r['accuracy']:.2f}% | {r['peak_mb']:.0f} MB |")
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
