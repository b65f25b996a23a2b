"""Bike sharing: the reference model against what a user would reach for, on the same split.

Prints one table (MSE on the standardised count, mean ± std over seeds) and each row's ratio
to the reference model measured in the same run, then checks the issue's target: the
reference's mean validation MSE <= 0.11 and test MSE <= 0.14. Exit status 1 if it misses.

    pip install -e '.[bench]'        # scikit-learn, for ridge and gradient boosting
    python bench/bikes_compare.py    # about 3 minutes on 2 cores; --seeds 2 for a quick look
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from nncourse.reference import SGD, Adam, Dense, MeanSquaredError, Network, Sigmoid, fit
from nncourse.reference import bike_model as bm
from nncourse.reference.bikes import load_hourly, prepare_features, split_by_date, standardise, to_arrays

TARGET = {"validation": 0.11, "test": 0.14}
SPLITS = ("train", "validation", "test")


def mse(predictions, targets) -> float:
    return float(np.mean((np.ravel(predictions) - np.ravel(targets)) ** 2))


def classic_arrays(hourly):
    """The students' protocol: 56 features, standardised on the training rows."""
    frames = standardise(*split_by_date(prepare_features(hourly)))[:3]
    return {split: to_arrays(frame) for split, frame in zip(SPLITS, frames)}


def scores(predict, arrays) -> dict[str, float]:
    return {split: mse(predict(arrays[split][0]), arrays[split][1]) for split in SPLITS}


# Each model: seed -> {split: MSE}. Networks use the reference library; the rest scikit-learn.

def ridge(arrays, seed):
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=1.0).fit(arrays["train"][0].T, arrays["train"][1][0])
    return scores(lambda x: model.predict(x.T), arrays)


def classic_sigmoid(arrays, seed):
    """The classic project's network: one hidden sigmoid layer, plain SGD on batches of 128
    (5,000 steps, about 41 epochs)."""
    x, y = arrays["train"]
    network = Network([Dense(56, 20, seed=seed, init="glorot"), Sigmoid(), Dense(20, 1, seed=seed + 1, init="glorot")])
    fit(network, MeanSquaredError(), SGD(learning_rate=0.25), x, y, epochs=41, batch_size=128, seed=seed,
        progress=False)
    return scores(network.forward_pass, arrays)


def relu_adam(arrays, seed):
    """A modern default: 128-64 ReLU, Adam 1e-3, batches of 64, 30 epochs, classic features."""
    x, y = arrays["train"]
    network = Network.mlp([56, 128, 64, 1], activation="relu", seed=seed)
    fit(network, MeanSquaredError(), Adam(1e-3), x, y, epochs=30, batch_size=64, seed=seed, progress=False)
    return scores(network.forward_pass, arrays)


def boosting(arrays, seed):
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(random_state=seed).fit(arrays["train"][0].T, arrays["train"][1][0])
    return scores(lambda x: model.predict(x.T), arrays)


def reference_model(data, seed):
    network, _ = bm.train_reference(data, seed, progress=False)
    return {split: values["mse"] for split, values in bm.evaluate(network, data).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per model (default 5)")
    args = parser.parse_args(argv)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("bikes_compare needs scikit-learn: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    hourly = load_hourly()
    classic = classic_arrays(hourly)
    rich = bm.prepare(hourly)
    rich_arrays = {split: (rich.inputs[split], rich.targets[split]) for split in SPLITS}
    rows = [
        ("ridge regression (56 features)", ridge, classic, 1),
        ("classic: 1 hidden sigmoid layer (20), SGD", classic_sigmoid, classic, args.seeds),
        ("128-64 ReLU, Adam (56 features)", relu_adam, classic, args.seeds),
        ("HistGradientBoosting, defaults (56 features)", boosting, classic, args.seeds),
        (f"HistGradientBoosting, defaults ({len(rich.columns)} features)", boosting, rich_arrays, args.seeds),
        (f"reference: 3 x 128-64 ReLU, Adam, SWA ({len(rich.columns)} features)", reference_model, rich, args.seeds),
    ]
    table = []
    with threadpool_limits(limits=1, user_api="blas"):
        for name, model, data, seeds in rows:
            start = time.perf_counter()
            runs = [model(data, seed) for seed in range(seeds)]
            seconds = (time.perf_counter() - start) / seeds
            table.append((name, {s: np.array([r[s] for r in runs]) for s in SPLITS}, seeds, seconds))
            print(f"  measured {name} ({seeds} seed{'s' * (seeds > 1)}, {seconds:.1f} s each)", file=sys.stderr)

    reference = table[-1][1]
    width = max(len(name) for name, *_ in table)
    print(f"\nBike sharing, split by date: train {rich.inputs['train'].shape[1]:,} / validation "
          f"{rich.inputs['validation'].shape[1]:,} / test {rich.inputs['test'].shape[1]:,} hours. "
          f"MSE on the standardised count, mean ± std over seeds; 'x ref' = this row's mean / the reference's.")
    header = (f"{'model':<{width}}  {'seeds':>5}  {'train':>7}  {'validation':>15}  {'x ref':>6}  "
              f"{'test':>15}  {'x ref':>6}  {'s/run':>6}")
    print(header)
    print("-" * len(header))
    for name, values, seeds, seconds in table:
        v, t = values["validation"], values["test"]
        print(f"{name:<{width}}  {seeds:>5}  {values['train'].mean():>7.3f}  "
              f"{v.mean():>7.3f} ± {v.std():.3f}  {v.mean() / reference['validation'].mean():>6.2f}  "
              f"{t.mean():>7.3f} ± {t.std():.3f}  {t.mean() / reference['test'].mean():>6.2f}  {seconds:>6.1f}")
    print(f"\nclassic pass mark: training < 0.09, validation < 0.18. Target for the reference: "
          f"validation <= {TARGET['validation']}, test <= {TARGET['test']} (mean over seeds).")
    ok = all(reference[split].mean() <= limit for split, limit in TARGET.items())
    print(f"reference: validation {reference['validation'].mean():.4f}, test {reference['test'].mean():.4f} "
          f"-> {'target met' if ok else 'TARGET MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
