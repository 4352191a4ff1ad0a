"""Training as a generator of snapshots (CONTRACT STUB — to be implemented)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine.network import Network


@dataclass
class TrainConfig:
    loss: str = "mse"
    loss_params: dict[str, float] = field(default_factory=dict)  # {"delta": 1.0} for huber
    optimizer: str = "sgd"
    optimizer_params: dict[str, Any] = field(default_factory=lambda: {"lr": 0.01})
    epochs: int = 100
    batch_size: int | None = None
    val_fraction: float = 0.0
    seed: int = 0
    input_scale: float = 1.0
    record_every: int = 1
    max_history: int = 1000  # record_every is raised so history fits
    grid: np.ndarray | None = None  # (n_grid, in_features) in data units (before input_scale)


class Trainer:
    """Owns a network, its optimiser, the split data. No globals.

    trainer.epoch        epochs done so far
    trainer.done         bool; trainer.stopped in {None, "completed", "diverged", "stopped"}
    trainer.train_indices / trainer.val_indices  (lists of int)
    trainer.history      list of {"epoch", "train_loss", "val_loss"}
    trainer.set_lr(lr)   change the learning rate between epochs
    trainer.run_epoch()  one epoch of updates (mini-batches); detects divergence
    trainer.snapshot(with_grid=True) -> dict   JSON-ready snapshot (see API.md)
    trainer.snapshots()  generator: epoch 0, every record_every, and the last
                         (with "done": True, "stopped", "network")
    trainer.result()     {"history", "network", "stopped", "train_indices", "val_indices"}
    """

    def __init__(self, network: Network, x: np.ndarray, y: np.ndarray, config: TrainConfig):
        raise NotImplementedError

    def snapshots(self) -> Iterator[dict[str, Any]]:
        raise NotImplementedError
