"""Save a trained network to one ``.npz`` file and load it back."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .layers import Dense
from .network import ACTIVATIONS, Network

_NAMES = {cls.__name__: cls for cls in ACTIVATIONS.values()}


def save(network: Network, path: str | Path) -> Path:
    """Write the architecture and every weight and bias to ``path`` (``.npz`` is added if missing)."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    architecture, arrays = [], {}
    for i, layer in enumerate(network.layers):
        kind = type(layer).__name__
        if isinstance(layer, Dense):
            arrays[f"layer{i}_weights"], arrays[f"layer{i}_biases"] = layer.weights, layer.biases
        elif kind not in _NAMES:
            raise TypeError(f"save: cannot save layer {i} of type {kind}")
        architecture.append(kind)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, architecture=np.array(json.dumps(architecture)), **arrays)
    return path


def load(path: str | Path) -> Network:
    """Rebuild a network written by :func:`save`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"load: no saved network at {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            architecture = json.loads(str(data["architecture"]))
            layers = []
            for i, kind in enumerate(architecture):
                if kind == "Dense":
                    layers.append(Dense.from_arrays(data[f"layer{i}_weights"], data[f"layer{i}_biases"]))
                else:
                    layers.append(_NAMES[kind]())
    except (KeyError, ValueError, OSError) as err:
        raise ValueError(f"load: {path} is not a network saved by reference.save ({err})") from None
    return Network(layers)
