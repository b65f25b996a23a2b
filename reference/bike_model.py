"""The reference model for the bike-sharing data: far past the classic pass mark.

What it adds to the students' protocol (``reference.bikes``), and why:

* **Features** (110 instead of 56): the classic 56, plus the hour crossed with working day
  (48 one-hots: commuter peaks at 8 am and 5 pm on working days, a midday hump at weekends,
  a shape one additive hour feature cannot draw), plus the signed distance to the nearest
  public holiday, -3 … +3 days (6 one-hots: the bridge days around Thanksgiving and
  Christmas are quiet although they are not holidays themselves). Holidays are the data's
  own ``holiday`` flags plus pandas' US federal calendar for dates past the data's end.
* **Weight averaging**: each network's weights are averaged over the epochs after a
  warm-up (stochastic weight averaging), which smooths the noise of mini-batch Adam.
* **A small ensemble**: three such networks (128-64 ReLU) from different seeds, averaged.
  Their average is itself one network (the three side by side, block-diagonal), so the
  saved model is a single :class:`~reference.Network` that ``reference.load`` reads back.

The target stays the standardised count, the loss is the lecture's mean squared error.
"""
from __future__ import annotations

import json
import math
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from . import Adam, Dense, Identity, MeanSquaredError, MiniBatches, Network, ReLU, save
from .bikes import (FEATURE_COLUMNS, Scaling, load_hourly, prepare_features, split_by_date,
                    standardise, unscale)

HIDDEN = (128, 64)
MEMBERS = 3
EPOCHS = 30
AVERAGE_FROM = 11         # average the weights after epochs 11 … EPOCHS
LEARNING_RATE = 1e-3
BATCH_SIZE = 64
HOLIDAY_WINDOW = 3        # days before/after a holiday that get their own one-hot
SPLITS = ("train", "validation", "test")

CROSS_COLUMNS = [f"hr_{hour}_workingday_{w}" for w in (0, 1) for hour in range(24)]
HOLIDAY_COLUMNS = [f"holiday_{d:+d}" for d in range(-HOLIDAY_WINDOW, HOLIDAY_WINDOW + 1) if d]
MODEL_COLUMNS = FEATURE_COLUMNS + CROSS_COLUMNS + HOLIDAY_COLUMNS


# ---------------------------------------------------------------------------- features

def holiday_distance(dates: pd.Series, holiday_dates) -> pd.Series:
    """Signed days from each date to the nearest holiday (negative: the holiday is ahead)."""
    holidays = np.array(sorted(pd.DatetimeIndex(holiday_dates).normalize().unique()), dtype="datetime64[D]")
    days = pd.to_datetime(dates).dt.normalize().to_numpy().astype("datetime64[D]")
    unique, inverse = np.unique(days, return_inverse=True)
    gaps = (unique[:, None] - holidays[None, :]).astype(int)
    nearest = gaps[np.arange(len(unique)), np.abs(gaps).argmin(axis=1)]
    return pd.Series(nearest[inverse], index=dates.index)


def holidays_of(hourly: pd.DataFrame) -> pd.DatetimeIndex:
    """The data's holidays plus the US federal ones from a month before to a month after it."""
    from pandas.tseries.holiday import USFederalHolidayCalendar

    start, stop = hourly["dteday"].min(), hourly["dteday"].max()
    federal = USFederalHolidayCalendar().holidays(start - pd.Timedelta(days=31), stop + pd.Timedelta(days=31))
    own = pd.DatetimeIndex(hourly.loc[hourly["holiday"] == 1, "dteday"].unique())
    return own.union(federal)


def model_features(hourly: pd.DataFrame) -> pd.DataFrame:
    """``prepare_features`` plus the hour × working-day and holiday-distance one-hots."""
    prepared = prepare_features(hourly)
    extra = {}
    for column in CROSS_COLUMNS:
        _, hour, _, w = column.split("_")
        extra[column] = ((hourly["hr"] == int(hour)) & (hourly["workingday"] == int(w))).astype(np.int64)
    distance = holiday_distance(hourly["dteday"], holidays_of(hourly))
    for column, d in zip(HOLIDAY_COLUMNS, [d for d in range(-HOLIDAY_WINDOW, HOLIDAY_WINDOW + 1) if d]):
        extra[column] = (distance == d).astype(np.int64)
    return pd.concat([prepared, pd.DataFrame(extra, index=prepared.index)], axis=1)


@dataclass
class BikeData:
    """The three standardised splits, the scaling, and the model's arrays (one sample per column)."""

    frames: dict[str, pd.DataFrame]
    scaling: Scaling
    columns: list[str]
    inputs: dict[str, np.ndarray] = field(init=False)
    targets: dict[str, np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.inputs = {k: np.ascontiguousarray(f[self.columns].to_numpy(np.float64).T) for k, f in self.frames.items()}
        self.targets = {k: f[["cnt"]].to_numpy(np.float64).T for k, f in self.frames.items()}


def prepare(hourly: pd.DataFrame | None = None, columns: list[str] = MODEL_COLUMNS) -> BikeData:
    """Load (if needed), add the model's features, split by date, standardise on training rows."""
    hourly = load_hourly() if hourly is None else hourly
    train, validation, test, scaling = standardise(*split_by_date(model_features(hourly)))
    return BikeData({"train": train, "validation": validation, "test": test}, scaling, list(columns))


# ---------------------------------------------------------------------------- training

@dataclass
class TrainingLog:
    """Per epoch, averaged over the ensemble's members: training loss (mean of the batch
    losses), validation loss of the current weights, and of the running weight average."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_loss_averaged: list[float] = field(default_factory=list)  # nan before AVERAGE_FROM


def _single_blas_thread():
    """Small matrices train much faster on one BLAS thread, above all on a busy machine."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: without it numpy keeps its own thread count
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def train_member(inputs: np.ndarray, targets: np.ndarray, seed: int, *, validation=None,
                 hidden=HIDDEN, epochs: int = EPOCHS, average_from: int = AVERAGE_FROM,
                 learning_rate: float = LEARNING_RATE, batch_size: int = BATCH_SIZE,
                 bar=None) -> tuple[Network, TrainingLog]:
    """One ReLU network trained with mini-batch Adam; returns it with its weights averaged
    over epochs ``average_from`` … ``epochs`` (stochastic weight averaging)."""
    if not 1 <= average_from <= epochs:
        raise ValueError(f"train_member: average_from must be between 1 and epochs ({epochs}), got {average_from}")
    network = Network.mlp([inputs.shape[0], *hidden, 1], activation="relu", seed=seed)
    loss, optimizer = MeanSquaredError(), Adam(learning_rate)
    batches = MiniBatches(inputs, targets, batch_size, seed=seed)
    layers = network.trainable_layers
    average = [(np.zeros_like(layer.weights), np.zeros_like(layer.biases)) for layer in layers]
    log, averaged = TrainingLog(), 0
    for epoch in range(1, epochs + 1):
        total = 0.0
        for batch_inputs, batch_targets in batches:
            # As in fit: the data were checked once, and the data's own gradient is never needed.
            value = loss.forward_pass(network.forward_pass(batch_inputs, check_values=False), batch_targets)
            if not math.isfinite(value):
                raise FloatingPointError(f"train_member: the loss became {value} in epoch {epoch}; "
                                         f"lower the learning rate (now {learning_rate})")
            network.backward_pass(loss.backward_pass(), compute_dinputs=False)
            optimizer.step(network)
            total += value * batch_inputs.shape[1]
        log.loss.append(total / batches.n_samples)
        if epoch >= average_from:
            averaged += 1
            for layer, (weights, biases) in zip(layers, average):
                weights += (layer.weights - weights) / averaged
                biases += (layer.biases - biases) / averaged
        if validation is not None:
            log.val_loss.append(loss.forward_pass(network.forward_pass(validation[0]), validation[1]))
            log.val_loss_averaged.append(
                loss.forward_pass(_with_weights(network, average).forward_pass(validation[0]), validation[1])
                if averaged else float("nan"))
        if bar is not None:
            bar.update(1)
            bar.set_postfix(loss=f"{log.loss[-1]:.4f}",
                            val_loss=f"{log.val_loss[-1]:.4f}" if log.val_loss else "-")
    return _with_weights(network, average), log


def _with_weights(network: Network, parameters) -> Network:
    """A copy of ``network``'s architecture holding the given (weights, biases) per Dense layer."""
    source = iter(parameters)
    layers = []
    for layer in network.layers:
        if isinstance(layer, Dense):
            weights, biases = next(source)
            layers.append(Dense.from_arrays(weights.copy(), biases.copy()))
        else:
            layers.append(type(layer)())
    return Network(layers)


def merge(networks: list[Network]) -> Network:
    """The average of same-shaped ``Dense-ReLU-…-Dense`` networks as ONE wider network:
    first layers stacked, hidden layers block-diagonal, output weights divided by the count.
    Its output equals the mean of the members' outputs (exactly, up to rounding)."""
    dense = [[layer for layer in n.layers if isinstance(layer, Dense)] for n in networks]
    k, merged = len(networks), []
    for depth in range(len(dense[0])):
        parts = [d[depth] for d in dense]
        if depth == 0:
            weights = np.vstack([p.weights for p in parts])
        else:
            rows, cols = parts[0].weights.shape
            weights = np.zeros((rows * k, cols * k))
            for i, p in enumerate(parts):
                weights[i * rows:(i + 1) * rows, i * cols:(i + 1) * cols] = p.weights
        biases = np.vstack([p.biases for p in parts])
        if depth == len(dense[0]) - 1:  # output: average instead of stacking
            weights = np.hstack([p.weights for p in parts]) / k
            biases = sum(p.biases for p in parts) / k
        merged.append(Dense.from_arrays(weights, biases))
        merged.append(ReLU() if depth < len(dense[0]) - 1 else Identity())
    return Network(merged)


def train_reference(data: BikeData, seed: int = 0, *, members: int = MEMBERS, epochs: int = EPOCHS,
                    average_from: int = AVERAGE_FROM, hidden=HIDDEN, progress: bool = True
                    ) -> tuple[Network, TrainingLog]:
    """Train the ensemble (seeded) and return it merged into one network, with the mean log."""
    validation = (data.inputs["validation"], data.targets["validation"])
    networks, logs = [], []
    with _single_blas_thread(), tqdm(total=members * epochs, desc="training the reference model",
                                     unit="epoch", disable=not progress, leave=False) as bar:
        for member in range(members):
            network, log = train_member(data.inputs["train"], data.targets["train"], seed * 1000 + member,
                                        validation=validation, hidden=hidden, epochs=epochs,
                                        average_from=average_from, bar=bar)
            networks.append(network)
            logs.append(log)
    mean = TrainingLog(*(list(np.mean([getattr(log, name) for log in logs], axis=0))
                         for name in ("loss", "val_loss", "val_loss_averaged")))
    return merge(networks), mean


# ---------------------------------------------------------------------------- results

def predict(network: Network, data: BikeData, split: str) -> np.ndarray:
    """Standardised count predictions ``(1, n)`` for one split."""
    with _single_blas_thread():
        return network.forward_pass(data.inputs[split])


def evaluate(network: Network, data: BikeData) -> dict[str, dict[str, float]]:
    """Per split: MSE on the standardised count, and the RMSE in rentals per hour."""
    std = data.scaling["cnt"][1]
    results = {}
    for split in SPLITS:
        mse = float(np.mean((predict(network, data, split) - data.targets[split]) ** 2))
        results[split] = {"mse": mse, "rmse_rentals": math.sqrt(mse) * std}
    return results


def plot_predictions(network: Network, data: BikeData, path: Path) -> Path:
    """Predicted vs. real rentals per hour over the validation and test days."""
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(14, 8), constrained_layout=True)
    for ax, split in zip(axes, ("validation", "test")):
        frame = data.frames[split]
        when = pd.DatetimeIndex(frame["dteday"] + pd.to_timedelta(_hours(frame), unit="h"))
        hours = pd.date_range(when.min(), when.max(), freq=pd.Timedelta(hours=1))  # missing hours break the lines
        real = pd.Series(unscale(data.targets[split][0], data.scaling), index=when).reindex(hours)
        predicted = pd.Series(unscale(predict(network, data, split)[0], data.scaling), index=when).reindex(hours)
        when = hours
        ax.plot(when, real, color="black", linewidth=1.0, label="real")
        ax.plot(when, predicted, color="tab:orange", linewidth=1.0, alpha=0.85, label="predicted")
        mse = float(np.mean((predict(network, data, split) - data.targets[split]) ** 2))
        ax.set_title(f"{split} days ({frame['dteday'].min():%d %b} – {frame['dteday'].max():%d %b %Y}): "
                     f"MSE {mse:.3f} on the standardised count")
        ax.set_ylabel("rentals per hour")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _hours(frame: pd.DataFrame) -> np.ndarray:
    """The hour of each row, recovered from the one-hot ``hr_*`` columns."""
    return frame[[f"hr_{h}" for h in range(24)]].to_numpy().argmax(axis=1)


def plot_losses(log: TrainingLog, path: Path, *, pass_mark: dict[str, float] | None = None,
                final: dict[str, float] | None = None) -> Path:
    """Training and validation loss per epoch (mean over the ensemble's members); ``final``
    marks the merged ensemble's losses after the last epoch."""
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(log.loss) + 1)
    fig, ax = plt.subplots(figsize=(8, 5), constrained_layout=True)
    ax.plot(epochs, log.loss, marker="o", markersize=3, label="training loss")
    ax.plot(epochs, log.val_loss, marker="o", markersize=3, label="validation loss")
    ax.plot(epochs, log.val_loss_averaged, marker="o", markersize=3, label="validation loss, averaged weights")
    for name, value in (pass_mark or {}).items():
        ax.axhline(value, color="grey", linestyle="--", linewidth=1)
        ax.annotate(f"pass mark, {name} {value}", (epochs[len(epochs) // 2], value), ha="center",
                    va="bottom", color="grey")
    for (name, value), marker in zip((final or {}).items(), "*P"):
        ax.plot([epochs[-1]], [value], marker=marker, markersize=12, linestyle="none",
                label=f"the ensemble of {MEMBERS}, {name}: {value:.3f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("MSE on the standardised count (one network)")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


PASS_MARK = {"training": 0.09, "validation": 0.18}


def run(out: str | Path, *, seed: int = 0, epochs: int = EPOCHS, members: int = MEMBERS,
        progress: bool = True, data: BikeData | None = None) -> dict:
    """Train, evaluate, and save ``bike_model.npz`` (weights), ``bike_model.json`` (features
    and scaling), ``predictions.png`` and ``losses.png`` into ``out``."""
    out = Path(out)
    data = prepare() if data is None else data
    network, log = train_reference(data, seed, members=members, epochs=epochs,
                                   average_from=min(AVERAGE_FROM, epochs), progress=progress)
    results = evaluate(network, data)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "weights": save(network, out / "bike_model.npz"),
        "predictions": plot_predictions(network, data, out / "predictions.png"),
        "losses": plot_losses(log, out / "losses.png", pass_mark=PASS_MARK,
                              final={"training": results["train"]["mse"],
                                     "validation": results["validation"]["mse"]}),
    }
    about = {"columns": data.columns, "scaling": data.scaling, "seed": seed, "members": members,
             "epochs": epochs, "hidden": list(HIDDEN), "results": results}
    files["about"] = out / "bike_model.json"
    files["about"].write_text(json.dumps(about, indent=2) + "\n")
    return {"results": results, "files": files, "log": log, "network": network}
