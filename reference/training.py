"""The training loop: mini-batches, forward, loss, backward, optimizer step; repeat for each epoch."""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from tqdm.auto import tqdm

from .batching import MiniBatches


@dataclass
class History:
    """Losses per epoch; ``loss`` is the sample-weighted mean of the epoch's batch losses."""

    loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    stopped: str | None = None  # why training stopped early, if it did


def fit(network, loss, optimizer, inputs: np.ndarray, targets: np.ndarray, *, epochs: int,
        batch_size: int = 64, validation: tuple[np.ndarray, np.ndarray] | None = None,
        seed: int | None = 0, progress: bool = True) -> History:
    """Train ``network`` in place and return its :class:`History`.

    ``validation`` is ``(inputs, targets)`` in the same layout, scored after every epoch.
    If the loss becomes NaN or inf, training stops with a warning that says where, and the
    history so far is returned (the reason is in ``history.stopped``).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive whole number, got {epochs!r}")
    batches = MiniBatches(inputs, targets, batch_size, seed=seed)
    history = History()
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress, leave=False)
    for epoch in bar:
        total = 0.0
        for b, (batch_inputs, batch_targets) in enumerate(batches):
            value = loss.forward_pass(network.forward_pass(batch_inputs), batch_targets)
            if not math.isfinite(value):
                history.stopped = (f"the training loss became {value} in epoch {epoch + 1}, batch {b + 1}; "
                                   f"training stopped. Try a smaller learning rate "
                                   f"(now {getattr(optimizer, 'learning_rate', '?')}) or scale the inputs.")
                warnings.warn(history.stopped, RuntimeWarning, stacklevel=2)
                bar.close()
                return history
            network.backward_pass(loss.backward_pass())
            optimizer.step(network)
            total += value * batch_inputs.shape[1]
        history.loss.append(total / batches.n_samples)
        postfix = {"loss": f"{history.loss[-1]:.4g}"}
        if validation is not None:
            val_inputs, val_targets = validation
            history.val_loss.append(loss.forward_pass(network.forward_pass(val_inputs), val_targets))
            postfix["val_loss"] = f"{history.val_loss[-1]:.4g}"
        bar.set_postfix(postfix)
    bar.close()
    return history
