"""Speed of the reference against PyTorch (CPU) and against its own matrix products.

Trains the bike-sharing MLP 56 -> 128 -> 64 -> 1 (ReLU, Adam, MSE, float32) on synthetic data of the
bike-sharing training size (15,435 samples) at batch 64 and 512, and prints per batch size:

- seconds per epoch of the reference (``reference.fit``) and of PyTorch (the usual training loop:
  shuffle, ``zero_grad``, forward, loss, ``backward``, ``Adam.step``), and their ratio;
- the same for a plain numpy prototype (no input checks, Adam per array), the calibration peer: the
  targets were set from such a prototype measured elsewhere, and its ratio shows how this machine
  splits time between numpy and PyTorch;
- the reference's epoch time divided by the sum of its own matrix products (the 8 ``np.dot`` calls
  per batch that forward and backward make in ``fit``, same shapes and memory layouts) timed in
  isolation in the same run: how far the reference is from what BLAS can do on this machine.

Threads: both libraries use the same number. With threadpoolctl installed (it comes with
scikit-learn, or ``pip install threadpoolctl``) numpy's BLAS threads are read, or set with
``--threads N``, and PyTorch gets ``torch.set_num_threads`` of the same number. Without it, pass
``--threads 1``: the script then sets OMP/OPENBLAS/MKL_NUM_THREADS=1 before importing numpy.

Targets (issue 2): reference <= 0.5x PyTorch at both batch sizes, <= 1.5x the isolated matrix
products at batch 512. Timings are medians (or ``--stat min``) over ``--repeats`` epochs after one
warm-up epoch, the three measurements taken in turns (so a change in the machine's load hits them
alike). On a shared, busy machine multi-threaded BLAS/OpenMP timings swing wildly (threads wait for
busy cores); ``--threads 1 --clock cpu --stat min`` is then the steadiest comparison.

    python bench/reference_speed.py [--threads N] [--repeats 7] [--batch-sizes 64 512]
    python bench/reference_speed.py --threads 1 --clock cpu --stat min --repeats 15
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="threads for numpy's BLAS and PyTorch (default: numpy's current BLAS threads)")
    parser.add_argument("--repeats", type=int, default=7, help="timed epochs per measurement (median)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 512])
    parser.add_argument("--samples", type=int, default=15_435)
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="wall: elapsed time (default); cpu: this process's CPU time, steadier on a "
                             "busy machine, meaningful with --threads 1 only")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="summary of the timed epochs: median (default) or min (least disturbed by other load)")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    return parser.parse_args(argv)


ARGS = parse_args()
try:
    import threadpoolctl
except ImportError:
    threadpoolctl = None
    if ARGS.threads is not None:
        # Only possible before numpy loads its BLAS.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(ARGS.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from nncourse.reference import Adam, MeanSquaredError, Network, fit  # noqa: E402

SIZES = (56, 128, 64, 1)
DTYPE = np.float32


def blas_threads() -> int | None:
    if threadpoolctl is None:
        return ARGS.threads
    counts = [pool["num_threads"] for pool in threadpoolctl.threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


def synthetic_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (56, n) and a smooth nonlinear target (1, n), float32, one sample per column."""
    rng = np.random.default_rng(seed)
    inputs = rng.standard_normal((SIZES[0], n)).astype(DTYPE)
    mix = rng.standard_normal((1, SIZES[0])) / np.sqrt(SIZES[0])
    targets = np.tanh(mix @ inputs) + 0.1 * np.sin(3 * inputs[:1])
    return inputs, targets.astype(DTYPE)


def interleaved_times(epochs: dict, repeats: int) -> dict:
    """Seconds per epoch of each epoch function, timed in turns so that a load change hits all alike."""
    for run_epoch in epochs.values():
        run_epoch()  # warm-up: allocations, BLAS threads, optimizer state
    clock = time.process_time if ARGS.clock == "cpu" else time.perf_counter
    times: dict = {name: [] for name in epochs}
    for _ in range(repeats):
        for name, run_epoch in epochs.items():
            start = clock()
            run_epoch()
            times[name].append(clock() - start)
    summary = min if ARGS.stat == "min" else statistics.median
    return {name: summary(values) for name, values in times.items()}


def reference_epoch(inputs, targets, batch_size: int):
    network = Network.mlp(list(SIZES), "relu", seed=0, dtype=DTYPE)
    loss, optimizer = MeanSquaredError(), Adam(learning_rate=1e-3)
    seeds = iter(range(10_000))
    return lambda: fit(network, loss, optimizer, inputs, targets, epochs=1,
                       batch_size=batch_size, seed=next(seeds), progress=False)


def matmuls_epoch(n: int, batch_size: int):
    """The reference's 8 matrix products per batch, alone, summed over one epoch's batches.

    Per layer: forward W·X, d-weights D·Xᵀ, d-inputs Wᵀ·D, except the first layer's d-inputs,
    which ``fit`` skips (as PyTorch does for inputs that need no gradient).
    """
    rng = np.random.default_rng(1)
    layers = list(zip(SIZES, SIZES[1:]))

    def products(b: int):
        # Same layouts as in training: a batch is a column slice of the epoch's gathered inputs
        # (Fortran-ordered), layer outputs and d-values are C-ordered.
        x = np.asfortranarray(rng.standard_normal((SIZES[0], b)).astype(DTYPE))
        acts = [x] + [rng.standard_normal((n_out, b)).astype(DTYPE) for _, n_out in layers[:-1]]
        calls = []
        for i, ((n_in, n_out), a) in enumerate(zip(layers, acts)):
            w = rng.standard_normal((n_out, n_in)).astype(DTYPE)
            d = rng.standard_normal((n_out, b)).astype(DTYPE)
            calls.append((w, a, np.empty((n_out, b), DTYPE)))            # forward  W · X
            calls.append((d, a.T, np.empty((n_out, n_in), DTYPE)))       # d-weights = D · Xᵀ
            if i > 0:
                calls.append((w.T, d, np.empty((n_in, b), DTYPE)))       # d-inputs = Wᵀ · D
        return calls

    full, last = divmod(n, batch_size)
    batches = [(products(batch_size), full)] + ([(products(last), 1)] if last else [])

    def epoch():
        for calls, count in batches:
            for _ in range(count):
                for a, b, out in calls:
                    np.dot(a, b, out=out)

    return epoch


def plain_numpy_epoch(inputs, targets, batch_size: int):
    """The calibration peer: a plain numpy MLP of the kind one writes in an afternoon (the issue's
    "throwaway prototype"), in the lecture's layout, with no input checks and Adam per array.

    It shows how this machine splits numpy's time against PyTorch's: the targets were set from a
    prototype like this one measured on another machine (0.30x and 0.52x PyTorch there).
    """
    rng = np.random.default_rng(0)
    weights = [(rng.standard_normal((n_out, n_in)) * np.sqrt(2 / n_in)).astype(DTYPE)
               for n_in, n_out in zip(SIZES, SIZES[1:])]
    biases = [np.zeros((n_out, 1), DTYPE) for n_out in SIZES[1:]]
    params = weights + biases
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    steps = [0]
    n = inputs.shape[1]

    def adam(grads, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        steps[0] += 1
        c1, c2 = 1 - beta1 ** steps[0], 1 - beta2 ** steps[0]
        for p, g, (m, v) in zip(params, grads, moments):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= lr * (m / c1) / (np.sqrt(v / c2) + eps)

    def epoch():
        order = rng.permutation(n)
        x_all, y_all = inputs[:, order], targets[:, order]
        for start in range(0, n, batch_size):
            x, y = x_all[:, start:start + batch_size], y_all[:, start:start + batch_size]
            z1 = weights[0] @ x + biases[0]
            a1 = np.maximum(z1, 0)
            z2 = weights[1] @ a1 + biases[1]
            a2 = np.maximum(z2, 0)
            out = weights[2] @ a2 + biases[2]
            d3 = 2 * (out - y) / out.size
            d2 = (weights[2].T @ d3) * (z2 > 0)
            d1 = (weights[1].T @ d2) * (z1 > 0)
            adam([d1 @ x.T, d2 @ a1.T, d3 @ a2.T,
                  d1.sum(axis=1, keepdims=True), d2.sum(axis=1, keepdims=True), d3.sum(axis=1, keepdims=True)])

    return epoch


def torch_epoch(inputs, targets, batch_size: int, threads: int | None):
    try:
        import torch
    except ImportError:
        return None
    if threads is not None:
        torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(),
        torch.nn.Linear(SIZES[1], SIZES[2]), torch.nn.ReLU(),
        torch.nn.Linear(SIZES[2], SIZES[3]),
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.MSELoss()
    x_all = torch.from_numpy(np.ascontiguousarray(inputs.T))  # PyTorch's layout: one sample per row
    y_all = torch.from_numpy(np.ascontiguousarray(targets.T))
    n = x_all.shape[0]

    def epoch():
        order = torch.randperm(n)
        x, y = x_all[order], y_all[order]
        for start in range(0, n, batch_size):
            optimizer.zero_grad(set_to_none=True)
            value = loss_fn(model(x[start:start + batch_size]), y[start:start + batch_size])
            value.backward()
            optimizer.step()

    return epoch


def main() -> int:
    if ARGS.clock == "cpu" and ARGS.threads != 1:
        print("reference_speed: --clock cpu adds up the CPU time of all threads; use it with --threads 1",
              file=sys.stderr)
        return 2
    if threadpoolctl is not None and ARGS.threads is not None:
        threadpoolctl.threadpool_limits(ARGS.threads, user_api="blas")
    threads = blas_threads()
    inputs, targets = synthetic_data(ARGS.samples)
    how = "threadpoolctl" if threadpoolctl is not None else "environment variables"
    print(f"MLP {' -> '.join(map(str, SIZES))}, ReLU, Adam, MSE, float32, {ARGS.samples} samples; "
          f"threads: {threads if threads is not None else 'library default'} (numpy BLAS and torch, via {how}); "
          f"numpy {np.__version__}; {ARGS.stat} of {ARGS.repeats} epochs, {ARGS.clock} clock")
    header = f"{'batch':>6} {'reference s/epoch':>18} {'torch s/epoch':>14} {'ref/torch':>10} " \
             f"{'matmuls s/epoch':>16} {'ref/matmuls':>12} {'plain numpy s/epoch':>20} {'plain/torch':>12}"
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores - 0.5:
        print(f"note: the machine is busy (load {load:.1f} on {cores} cores): timings vary; "
              f"--threads 1 --clock cpu --stat min is the steadiest comparison")
    print(header)
    for batch_size in ARGS.batch_sizes:
        epochs = {"reference": reference_epoch(inputs, targets, batch_size),
                  "matmuls": matmuls_epoch(ARGS.samples, batch_size),
                  "plain": plain_numpy_epoch(inputs, targets, batch_size)}
        peer = None if ARGS.no_torch else torch_epoch(inputs, targets, batch_size, threads)
        if peer is not None:
            epochs["torch"] = peer
        t = interleaved_times(epochs, ARGS.repeats)
        ref, mm, plain = t["reference"], t["matmuls"], t["plain"]
        torch_cols = (f"{t['torch']:14.4f} {ref / t['torch']:10.2f}" if "torch" in t else f"{'n/a':>14} {'n/a':>10}")
        plain_vs_torch = f"{plain / t['torch']:12.2f}" if "torch" in t else f"{'n/a':>12}"
        print(f"{batch_size:6d} {ref:18.4f} {torch_cols} {mm:16.4f} {ref / mm:12.2f} {plain:20.4f} {plain_vs_torch}",
              flush=True)
    print("targets: ref/torch <= 0.5 at every batch size; ref/matmuls <= 1.5 at batch 512")
    return 0


if __name__ == "__main__":
    sys.exit(main())
