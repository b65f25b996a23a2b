"""The training loop: mini-batches, forward, loss, backward, optimizer step; repeat for each epoch."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from ._validate import NonFiniteError, as_batch, check_finite
from .batching import MiniBatches
from .layers import Dense
from .network import Network


@dataclass
class History:
    """Losses per epoch; ``loss`` is the sample-weighted mean of the epoch's batch losses."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    stopped: str | None = None  # why training stopped early, if it did


def fit(network, loss, optimizer, inputs: np.ndarray, targets: np.ndarray, *, epochs: int,
        batch_size: int = 64, validation: tuple[np.ndarray, np.ndarray] | None = None,
        seed: int | None = 0, progress: bool = True, initial_epoch: int = 0) -> History:
    """Train ``network`` in place and return its :class:`History`.

    ``initial_epoch``: resume a run that stopped after that many epochs (with the network and the
    optimizer's state as they were, see :func:`save` and :func:`load`): the epochs then run from there
    with the same shuffles, so the result equals the uninterrupted run's.

    ``validation`` is ``(inputs, targets)`` in the same layout, scored after every epoch.
    The data are checked once up front (shapes, NaN/inf). If training diverges (the loss or a
    layer's values become NaN or inf), training stops with a warning that says where, and the
    history so far is returned (the reason is in ``history.stopped``).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive whole number, got {epochs!r}")
    batches = MiniBatches(inputs, targets, batch_size, seed=seed)
    batches.skip_epochs(initial_epoch)
    if validation is not None:
        validation = _checked_validation(validation)
    # The reference's Network skips two things training never needs: the first layer's d-inputs (the
    # gradient of the data), and the NaN/inf scan of every layer's inputs on every batch (the data are
    # checked once here; a NaN/inf that appears later reaches the loss, and then we find its layer).
    ours = isinstance(network, Network)
    forward_options = {"check_values": False} if ours else {}
    backward_options = {"compute_dinputs": False} if ours else {}
    history = History()
    bar = tqdm(range(initial_epoch, epochs), desc="training", unit="epoch", disable=not progress, leave=False)
    where = ""
    # numpy's own overflow/invalid warnings would only repeat, less clearly, what the stop message says.
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in bar:
                total = 0.0
                for b, (batch_inputs, batch_targets) in enumerate(batches):
                    where = f"epoch {epoch + 1}, batch {b + 1}"
                    value = loss.forward_pass(network.forward_pass(batch_inputs, **forward_options), batch_targets)
                    if not math.isfinite(value):
                        raise NonFiniteError(f"the training loss became {value}")
                    network.backward_pass(loss.backward_pass(), **backward_options)
                    optimizer.step(network)
                    total += value * batch_inputs.shape[1]
                history.loss.append(total / batches.n_samples)
                postfix = {"loss": f"{history.loss[-1]:.4g}"}
                if validation is not None:
                    where = f"epoch {epoch + 1}, validation"
                    val_inputs, val_targets = validation
                    value = loss.forward_pass(network.forward_pass(val_inputs, **forward_options), val_targets)
                    if not math.isfinite(value):
                        raise NonFiniteError(f"the validation loss became {value}")
                    history.val_loss.append(value)
                    postfix["val_loss"] = f"{value:.4g}"
                bar.set_postfix(postfix)
    except NonFiniteError as err:
        # The data were checked up front, so a NaN/inf here means training diverged.
        what = _first_non_finite_layer(network) if ours else None
        history.stopped = (f"training stopped in {where}: {what or err.what}. Try a smaller learning rate "
                           f"(now {getattr(optimizer, 'learning_rate', '?')}) or scale the inputs.")
        warnings.warn(history.stopped, RuntimeWarning, stacklevel=2)
    finally:
        bar.close()
    return history


def _first_non_finite_layer(network: Network) -> str | None:
    """Where a NaN/inf first entered: the first Dense layer whose saved inputs hold one, if any."""
    for i, layer in enumerate(network.layers):
        if isinstance(layer, Dense) and getattr(layer, "inputs", None) is not None:
            try:
                check_finite(layer.inputs, "inputs", f"Network layer {i}, {layer.name}")
            except NonFiniteError as err:
                return err.what
    return None


def _checked_validation(validation) -> tuple[np.ndarray, np.ndarray]:
    """Validation data as arrays, with NaN/inf reported now rather than mistaken for divergence later."""
    try:
        val_inputs, val_targets = validation
    except (TypeError, ValueError):
        raise TypeError("fit: validation must be a pair (inputs, targets)") from None
    val_inputs = as_batch(val_inputs, "validation inputs", "fit")
    val_targets = np.asarray(val_targets)
    if val_targets.shape[-1:] != val_inputs.shape[1:]:
        raise ValueError(f"fit: validation inputs have shape {val_inputs.shape} but validation targets have "
                         f"shape {val_targets.shape}; targets need {val_inputs.shape[1]} columns")
    check_finite(val_inputs, "validation inputs", "fit")
    check_finite(val_targets, "validation targets", "fit")
    return val_inputs, val_targets
