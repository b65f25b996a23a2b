"""Save a trained network (and its optimizer's state, to resume training) to one ``.npz`` file and load it back."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .layers import Dense
from .network import ACTIVATIONS, Network

_NAMES = {cls.__name__: cls for cls in ACTIVATIONS.values()}


def save(network: Network, path: str | Path, optimizer=None) -> Path:
    """Write the architecture and every weight and bias to ``path`` (``.npz`` is added if missing);
    with ``optimizer``, its settings, step count and state too."""
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
    if optimizer is not None:
        state = optimizer.state_dict()
        saved = state.pop("state")
        for name, values in saved.items():
            arrays.update({f"optimizer_{name}_{i}": value for i, value in enumerate(values)})
        state["state"] = {name: len(values) for name, values in saved.items()}  # the arrays are beside it
        arrays["optimizer"] = np.array(json.dumps(state))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, architecture=np.array(json.dumps(architecture)), **arrays)
    return path


def load(path: str | Path, *, with_optimizer: bool = False):
    """Rebuild a network written by :func:`save`; with ``with_optimizer``, (network, optimizer), the
    optimizer as it was saved (None if none was)."""
    from . import optimizers
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
            optimizer = None
            if with_optimizer and "optimizer" in data:
                state = json.loads(str(data["optimizer"]))
                state["state"] = {name: [data[f"optimizer_{name}_{i}"] for i in range(count)]
                                  for name, count in state["state"].items()}
                optimizer = getattr(optimizers, state["optimizer"])()
                optimizer.load_state_dict(state)
    except (KeyError, ValueError, OSError) as err:
        raise ValueError(f"load: {path} is not a network saved by nncourse.reference.save ({err})") from None
    return (Network(layers), optimizer) if with_optimizer else Network(layers)
