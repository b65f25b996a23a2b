"""The lecture's worked examples, read from ``data/worked_examples.json`` (their one home)."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from .activations import Identity
from .layers import Dense
from .losses import MeanSquaredError
from .network import ACTIVATIONS, Network
from .paths import DATA_DIR

EXAMPLES_FILE = DATA_DIR / "worked_examples.json"


@lru_cache(maxsize=None)
def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def load_examples(path: str | Path | None = None) -> dict:
    """The whole file as a dict (a fresh copy each call, so callers may modify it)."""
    path = Path(path or EXAMPLES_FILE)
    if not path.is_file():
        raise FileNotFoundError(f"worked examples not found at {path}")
    return json.loads(_read(str(path)))


def example(name: str) -> dict:
    """One example by name: ``"example1"``, ``"example2"`` or ``"example3"``."""
    examples = load_examples()["examples"]
    if name not in examples:
        raise KeyError(f"no worked example {name!r}; there are {sorted(examples)}")
    return examples[name]


def example_network(name: str) -> tuple[Network, np.ndarray, np.ndarray, MeanSquaredError]:
    """``(network, inputs, targets, loss)`` built from the example's parameters."""
    ex = example(name)
    layers: list = []
    for spec in ex["layers"]:
        layers.append(Dense.from_arrays(spec["weights"], spec["biases"]))
        activation = ACTIVATIONS[spec.get("activation", "identity")]
        if activation is not Identity:
            layers.append(activation())
    if ex["loss"] != "mse":
        raise ValueError(f"{name}: unsupported loss {ex['loss']!r}")
    return Network(layers), np.array(ex["inputs"]), np.array(ex["targets"]), MeanSquaredError()


def numbered(layers, attribute: str = "weights") -> dict[str, float]:
    """Parameters (or gradients) in the lecture's numbering, w1, w2, … then b1, b2, ….

    ``attribute="weights"`` reads ``weights``/``biases``; ``"gradients"`` reads ``dweights``/``dbiases``.
    Weights are numbered column by column (``flatten(order="F")``), layer after layer.
    """
    names = {"weights": ("weights", "biases"), "gradients": ("dweights", "dbiases")}[attribute]
    dense = [layer for layer in getattr(layers, "layers", layers) if getattr(layer, "trainable", False)]
    weights = np.concatenate([np.asarray(getattr(l, names[0])).flatten(order="F") for l in dense])
    biases = np.concatenate([np.asarray(getattr(l, names[1])).flatten() for l in dense])
    out = {f"w{k}": float(v) for k, v in enumerate(weights, start=1)}
    out.update({f"b{k}": float(v) for k, v in enumerate(biases, start=1)})
    return out
