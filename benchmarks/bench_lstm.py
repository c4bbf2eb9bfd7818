"""The LSTM layer's forward and backward pass against PyTorch's nn.LSTM, taking turns in one process.

    .venv/bin/python benchmarks/bench_lstm.py                      # 64 units, T = 50, batch 32, 2 inputs
    .venv/bin/python benchmarks/bench_lstm.py --dtype float32 --threads 2 --clock wall
    .venv/bin/python benchmarks/bench_lstm.py --update      # one training update of the adding task's net

One update of each: the forward pass over the batch of sequences, the loss 1/2 Σ (h_t - y_t)² over
every step, and the backward pass to every parameter's gradient (nncalc: LSTM.run,
backward_in_time, grads into preallocated arrays; PyTorch: nn.LSTM forward, the loss, backward,
zero_grad). With --update, one training update of the network the adding problem trains (LSTM, then
one linear unit reading the last step; MSE on the last step; SGD): nncalc's engine.forward and
backward (into the trainer's flat buffer, the step folded in as the trainer does) and the optimizer
step, against nn.LSTM + nn.Linear + MSELoss + backward + torch.optim.SGD. Both get the same data, sizes, dtype and number of threads (BLAS threads are set
before NumPy loads). They take turns every `--chunk` updates (order reversed every other round), so
that both see the same moments of a shared machine; the figure is the median over rounds of the
per-round ratio nncalc / PyTorch, with the medians of each side's time per update. `--clock cpu`
(the default) counts process CPU time: on a busy machine wall time mostly measures the neighbours.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=64)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--inputs", type=int, default=2)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--chunk", type=int, default=10)
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    p.add_argument("--update", action="store_true", help="a whole training update through the engine")
    return p.parse_args()


def main() -> None:
    args = _args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy as np
    import torch

    from nncalc.layers.lstm import LSTM

    torch.set_num_threads(args.threads)
    n, T, d, u = args.batch, args.steps, args.inputs, args.units
    dtype = np.dtype(args.dtype)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, T, d)).astype(dtype)
    Y = rng.normal(size=(n, T, u)).astype(dtype)
    names = lambda r, c: tuple(tuple(f"w{i}_{j}" for j in range(c)) for i in range(r))  # noqa: E731
    layer = LSTM(tuple(f"h{j}" for j in range(u)), (rng.normal(size=(4 * u, d)) * 0.3).astype(dtype), names(4 * u, d),
                 (rng.normal(size=(4 * u, u)) * 0.1).astype(dtype), names(4 * u, u),
                 np.zeros(4 * u, dtype), tuple(f"b{i}" for i in range(4 * u)))
    state = (np.zeros(u, dtype), np.zeros(u, dtype))
    into = [np.empty_like(p.array) for p in layer.parameters()]

    def ours() -> None:
        net, out, cache = layer.run(X, state=state)
        _, _, delta = layer.backward_in_time(net, out, out - Y, cache)
        layer.grads(X, delta, into, cache)

    lstm = torch.nn.LSTM(d, u, batch_first=True).to(getattr(torch, args.dtype))
    Xt, Yt = torch.tensor(X), torch.tensor(Y)

    def theirs() -> None:
        lstm.zero_grad()
        out, _ = lstm(Xt)
        (0.5 * ((out - Yt) ** 2).sum()).backward()

    if args.update:
        ours, theirs = _updates(layer, X, rng, dtype, torch, lstm)

    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    for fn in (ours, theirs):      # warm up
        for _ in range(3):
            fn()
    times: dict[str, list[float]] = {"nncalc": [], "torch": []}
    ratios = []
    for r in range(args.rounds):
        order = [("nncalc", ours), ("torch", theirs)]
        for name, fn in order if r % 2 == 0 else order[::-1]:
            start = clock()
            for _ in range(args.chunk):
                fn()
            times[name].append((clock() - start) / args.chunk)
        ratios.append(times["nncalc"][-1] / times["torch"][-1])
    q = statistics.quantiles(ratios, n=4)
    what = "one SGD update of LSTM + linear output" if args.update else "LSTM forward+backward"
    print(f"{what}: {u} units, T={T}, batch {n}, {d} inputs, {args.dtype}, {args.threads} thread(s), "
          f"{args.clock} clock, {args.rounds} rounds of {args.chunk}")
    for name, ts in times.items():
        print(f"  {name:7s} {statistics.median(ts) * 1e3:7.2f} ms each (median)")
    print(f"  nncalc / torch: {statistics.median(ratios):.2f}x (quartiles {q[0]:.2f}-{q[2]:.2f})")


def _updates(layer, X, rng, dtype, torch, lstm):
    """(ours, theirs): one SGD update of LSTM -> linear unit on the last step, MSE, learning rate 0.01."""
    import numpy as np

    from nncalc.engine import backward, forward
    from nncalc.layers import Dense
    from nncalc.ops import Activation

    n, T, _ = X.shape
    u = len(layer.units)
    out_layer = Dense(("y",), Activation("linear"), (rng.normal(size=(1, u)) * 0.1).astype(dtype), (("wy",) * u,),
                      np.zeros(1, dtype), ("by",))
    layers = [layer, out_layer]
    into = [[np.empty_like(p.array) for p in l.parameters()] for l in layers]
    Y = np.zeros((n, T, 1), dtype)
    Y[:, -1, 0] = rng.normal(size=n)
    mask = np.zeros((n, T), dtype=bool)
    mask[:, -1] = True
    eta = 0.01

    def ours() -> None:
        fwd = forward(layers, X)
        backward(layers, "mse", fwd, Y, into, -eta, check=False, mask=mask)
        for l, grads in zip(layers, into):
            for prm, g in zip(l.parameters(), grads):
                np.add(prm.array, g, out=prm.array)

    linear = torch.nn.Linear(u, 1).to(lstm.weight_ih_l0.dtype)
    opt = torch.optim.SGD([*lstm.parameters(), *linear.parameters()], lr=eta)
    Xt, Yt = torch.tensor(X), torch.tensor(Y[:, -1])

    def theirs() -> None:
        opt.zero_grad()
        out, _ = lstm(Xt)
        torch.nn.functional.mse_loss(linear(out[:, -1]), Yt).backward()
        opt.step()

    return ours, theirs


if __name__ == "__main__":
    sys.exit(main())
