"""Training as a generator of snapshots.

A ``Trainer`` owns a network, its optimiser and the split data; ``run_epoch()`` does one
epoch of updates and is cheap (preallocated buffers, no JSON work), ``snapshot()`` turns
the current state into a JSON-ready dict for the UI, ``snapshots()`` iterates both.
A Trainer is not thread-safe: call ``snapshot()`` between ``run_epoch()`` calls.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from app.engine.activations import SENSITIVE_FRACTION, ParamValue, max_abs_slope
from app.engine.losses import get_loss
from app.engine.network import Network, Workspace
from app.engine.optimizers import make_optimizer

DIVERGED_LOSS = 1e30  # a loss above this (or NaN/inf) ends the run as "diverged"


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


def _json_float(value: float) -> float | None:
    """JSON has no NaN or infinity: those become None."""
    return float(value) if math.isfinite(value) else None


def _loss_ok(loss: float) -> bool:
    return math.isfinite(loss) and loss <= DIVERGED_LOSS


@lru_cache(maxsize=256)
def _threshold(name: str, params: tuple[tuple[str, ParamValue], ...]) -> float:
    return SENSITIVE_FRACTION * max_abs_slope(name, dict(params))


def saturation_threshold(name: str, params: dict[str, ParamValue]) -> float:
    """|f'(z)| below this counts as saturated: the registry's definition of the
    sensitive range (SENSITIVE_FRACTION of max |f'|), cached per activation."""
    return _threshold(name, tuple(sorted(params.items())))


def effective_record_every(epochs: int, record_every: int, max_history: int) -> int:
    """record_every raised until epoch 0, every record_every-th epoch and the last fit."""
    every = max(1, record_every)
    while 1 + math.ceil(epochs / every) > max_history:
        every = max(every + 1, math.ceil(epochs / max(1, max_history - 1)))
    return every


def split_rows(n_rows: int, val_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, validation rows), each sorted: the validation rows are the last
    round(val_fraction * n) of a permutation from ``seed`` (at least one if asked)."""
    if not (0 <= val_fraction < 1):
        raise ValueError(f"val_fraction must be in [0, 1), got {val_fraction}")
    permutation = np.random.default_rng(seed).permutation(n_rows)
    n_val = round(val_fraction * n_rows)
    if val_fraction > 0:
        n_val = max(1, n_val)
    if n_rows - n_val < 1:
        raise ValueError(f"val_fraction {val_fraction} leaves no training row out of {n_rows}")
    return np.sort(permutation[: n_rows - n_val]), np.sort(permutation[n_rows - n_val :])


class Trainer:
    """Owns a network, its optimiser, the split data. No globals.

    trainer.epoch        epochs done so far
    trainer.done         bool; trainer.stopped in {None, "completed", "diverged", "stopped"}
    trainer.train_indices / trainer.val_indices  (lists of int)
    trainer.history      list of {"epoch", "train_loss", "val_loss"}
    trainer.set_lr(lr)   change the learning rate between epochs
    trainer.run_epoch()  one epoch of updates (mini-batches); detects divergence
    trainer.run_for(s)   epochs for s seconds (a worker's time slice); run_epochs(n); run()
    trainer.snapshot(with_grid=True) -> dict   JSON-ready snapshot (see API.md)
    trainer.snapshots()  generator: epoch 0, every record_every, and the last
                         (with "done": True, "stopped", "network")
    trainer.result()     {"history", "network", "stopped", "train_indices", "val_indices"}
    trainer.stop()       end the run now (stopped = "stopped")
    trainer.last_batches the data rows of each mini-batch of the last epoch
    """

    def __init__(self, network: Network, x: np.ndarray, y: np.ndarray, config: TrainConfig):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if y.ndim == 1:
            y = y[:, None]
        n = len(x)
        if n < 1 or x.ndim != 2 or x.shape[1] != network.in_features:
            raise ValueError(f"x must have shape (n >= 1, {network.in_features}), got {x.shape}")
        target_columns = (
            (network.out_features, 1) if config.loss == "cross_entropy" else (network.out_features,)
        )
        if y.ndim != 2 or len(y) != n or y.shape[1] not in target_columns:
            raise ValueError(f"y must have shape ({n}, {network.out_features}), got {y.shape}")
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            raise ValueError("x and y must be finite")
        if (
            isinstance(config.epochs, bool)
            or not isinstance(config.epochs, int)
            or config.epochs < 0
        ):
            raise ValueError(f"epochs must be an integer >= 0, got {config.epochs!r}")
        if config.batch_size is not None and config.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1 or None, got {config.batch_size}")
        if not (math.isfinite(config.input_scale) and config.input_scale != 0):
            raise ValueError(f"input_scale must be finite and non-zero, got {config.input_scale}")
        if config.record_every < 1 or config.max_history < 2:
            raise ValueError("record_every must be >= 1 and max_history >= 2")

        self.network = network
        self.config = config
        self.loss = get_loss(config.loss, config.loss_params)
        # the optimiser sees one flat buffer: every weight and bias of the network
        self.optimizer = make_optimizer(
            config.optimizer, [network.parameters], config.optimizer_params
        )
        train_rows, val_rows = split_rows(n, config.val_fraction, config.seed)
        self.train_indices: list[int] = train_rows.tolist()
        self.val_indices: list[int] = val_rows.tolist()
        self._train_rows = train_rows
        self._rng = np.random.default_rng([config.seed, 1])  # mini-batch order, per epoch
        self.record_every = effective_record_every(
            config.epochs, config.record_every, config.max_history
        )

        self.epoch = 0
        self.done = False
        self.stopped: str | None = None
        self.history: list[dict[str, Any]] = []
        self._epoch_order = np.arange(len(train_rows))
        self._last_good = network.parameters.copy()  # weights before the last update
        self._gradients = [network.gradients]  # what optimizer.step takes, built once

        # Data is feature-major like the Workspace buffers: inputs (in + 1, n) with their
        # row of ones, scaled once here; targets (n, columns) in Fortran order, so each
        # column is contiguous like the output rows a loss compares them with.
        self._train_inputs = self._inputs(x[train_rows])
        self._train_targets = np.asfortranarray(y[train_rows])
        self._eval_train = self._workspace_for(self._train_inputs)
        self._val_targets = np.asfortranarray(y[val_rows])
        self._eval_val = self._workspace_for(self._inputs(x[val_rows])) if len(val_rows) else None
        n_train = len(train_rows)
        self._batch_size = min(config.batch_size or n_train, n_train)
        self._full_batch = self._batch_size == n_train
        if self._full_batch:  # the training workspace holds the data once and for all
            self._train_work = self._workspace_for(self._train_inputs)
        else:
            # each epoch's rows are gathered once, in batch order, into these buffers;
            # a batch is then a slice copied into its size's workspace
            self._epoch_inputs = np.empty_like(self._train_inputs)
            self._epoch_targets = np.empty_like(self._train_targets)
            sizes = {self._batch_size, n_train % self._batch_size} - {0}
            work_of_size = {size: Workspace(network, size) for size in sizes}
            # (workspace, inputs, targets) of each batch, in order: views into the epoch's
            # buffers, which every epoch refills in place, so they are sliced once here
            self._batches = [
                (
                    work_of_size[stop - start],
                    self._epoch_inputs[:, start:stop],
                    self._epoch_targets[start:stop],
                )
                for start in range(0, n_train, self._batch_size)
                for stop in [min(start + self._batch_size, n_train)]
            ]
        self._grid_work: Workspace | None = None
        if config.epochs == 0:
            self._finish()

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        """Scaled samples x (n, in) as feature-major inputs (in + 1, n), ones row last."""
        inputs = np.ones((x.shape[1] + 1, len(x)))
        inputs[:-1] = x.T * self.config.input_scale
        return inputs

    def _workspace_for(self, inputs: np.ndarray) -> Workspace:
        work = Workspace(self.network, inputs.shape[1])
        work.inputs[...] = inputs
        return work

    # -- losses ---------------------------------------------------------------------------

    def _loss_on(self, work: Workspace, targets: np.ndarray) -> float:
        """The loss on ``targets`` (n, columns); leaves its gradient in work.grad_output."""
        return self.loss.value_and_grad(self.network.forward_into(work), targets, work.grad_output)

    def _train_loss(self) -> float:
        return self._loss_on(self._eval_train, self._train_targets)

    def _val_loss(self) -> float | None:
        if self._eval_val is None:
            return None
        return _json_float(self._loss_on(self._eval_val, self._val_targets))

    def _record(self, train_loss: float) -> None:
        """History entry for the current weights (skipped if this epoch has one)."""
        if self.history and self.history[-1]["epoch"] == self.epoch:
            return
        self.history.append(
            {
                "epoch": self.epoch,
                "train_loss": _json_float(train_loss),
                "val_loss": self._val_loss(),
            }
        )

    # -- training -------------------------------------------------------------------------

    def _update(self, work: Workspace) -> None:
        """Backward from the loss gradient already in work.da[-1], then one optimiser step."""
        self.network.backward_into(work)
        self._last_good[...] = self.network.parameters  # a ~0.1 µs copy: keep it simple
        self.optimizer.step(self._gradients)

    def run_epoch(self) -> None:
        """One epoch of updates; records history and stops the run when due."""
        self.run_epochs(1)

    def run_epochs(self, count: int) -> int:
        """Up to ``count`` epochs (fewer if the run ends first); returns how many ran."""
        ran = 0
        with np.errstate(over="ignore", invalid="ignore"):  # divergence is handled, not warned
            while ran < count and not self.done:
                self._epoch()
                ran += 1
        return ran

    def run_for(self, seconds: float) -> int:
        """Epochs until ``seconds`` have passed (at least one) or the run ends; returns how
        many ran. A worker thread's time slice: cheaper than calling run_epoch in a loop."""
        deadline = time.perf_counter() + seconds
        ran = 0
        with np.errstate(over="ignore", invalid="ignore"):
            while not self.done:
                self._epoch()
                ran += 1
                if time.perf_counter() >= deadline:
                    break
        return ran

    def run(self) -> None:
        """Train until the configured epochs are done or the run diverges."""
        self.run_epochs(self.config.epochs + 1)

    def _epoch(self) -> None:
        if self._full_batch:
            self._full_batch_epoch()
        else:
            self._mini_batch_epoch()
        if not self.done and self.epoch >= self.config.epochs:
            self._finish()

    def _full_batch_epoch(self) -> None:
        # The step's forward pass over the whole training set gives this epoch's loss too.
        work = self._train_work
        loss = self.loss.value_and_grad(
            self.network.forward_into(work), self._train_targets, work.grad_output
        )
        if self.epoch % self.record_every == 0:
            self._record(loss)  # before the update: the validation loss at the same weights
        if not loss <= DIVERGED_LOSS:  # also NaN and inf (a loss is never -inf)
            self._diverge(loss)
            return
        self._update(work)
        self.epoch += 1

    def _mini_batch_epoch(self) -> None:
        if self.epoch == 0 and not self.history:
            loss = self._train_loss()
            self._record(loss)
            if not _loss_ok(loss):
                self._diverge(loss)
                return
        order = self._epoch_order = self._rng.permutation(len(self._train_rows))
        # one gather per epoch instead of one np.take per batch (~1 µs each)
        inputs, targets = self._epoch_inputs, self._epoch_targets
        np.take(self._train_inputs, order, axis=1, out=inputs)
        np.take(self._train_targets, order, axis=0, out=targets)
        # the hot loop: a step is ~20 NumPy calls of ~0.3 µs, so lookups are hoisted
        network, last_good = self.network, self._last_good
        value_and_grad, forward, backward = (
            self.loss.value_and_grad,
            network.forward_into,
            network.backward_into,
        )
        optimizer_step, gradients, parameters = (
            self.optimizer.step,
            self._gradients,
            network.parameters,
        )
        copyto = np.copyto
        for batch, (work, batch_inputs, batch_targets) in enumerate(self._batches):
            copyto(work.inputs, batch_inputs)  # the workspace's calls read its own inputs
            loss = value_and_grad(forward(work), batch_targets, work.grad_output)
            if not loss <= DIVERGED_LOSS:  # also NaN and inf (a loss is never -inf)
                self.epoch += batch > 0  # a partly done epoch counts
                self._diverge(self._train_loss())
                return
            backward(work)
            last_good[...] = parameters  # a ~0.1 µs copy: the weights before this update
            optimizer_step(gradients)
        self.epoch += 1
        if self.epoch % self.record_every == 0 and self.epoch < self.config.epochs:
            loss = self._train_loss()
            self._record(loss)
            if not _loss_ok(loss):
                self._diverge(loss)

    def _diverge(self, loss: float) -> None:
        self._record(loss)
        if not np.all(np.isfinite(self.network.parameters)):
            self.network.parameters[...] = self._last_good
        self.done, self.stopped = True, "diverged"

    def _finish(self) -> None:
        loss = self._train_loss()
        if not _loss_ok(loss):
            self._diverge(loss)
            return
        self._record(loss)
        self.done, self.stopped = True, "completed"

    def stop(self) -> None:
        if not self.done:
            self._record(self._train_loss())
            self.done, self.stopped = True, "stopped"

    def set_lr(self, lr: float) -> None:
        self.optimizer.lr = lr  # validated by the optimiser: finite and > 0

    @property
    def last_batches(self) -> list[list[int]]:
        """The data rows of each mini-batch of the last epoch, in order."""
        rows = self._train_rows[self._epoch_order]
        size = self._batch_size
        return [rows[start : start + size].tolist() for start in range(0, len(rows), size)]

    # -- snapshots ------------------------------------------------------------------------

    def _saturated_fraction(self) -> list[float]:
        """Per hidden layer, over the training set: share of (sample, unit) pairs whose
        |f'(z)| is below saturation_threshold (the last forward on _eval_train)."""
        work = self._eval_train
        fractions = []
        for k, layer in enumerate(self.network.layers[:-1]):
            derivative = layer.function.derivative(work.z[k], work.a[k], layer.params, None)
            threshold = saturation_threshold(layer.activation, layer.params)
            fractions.append(float(np.mean(np.abs(derivative) < threshold)))
        return fractions

    def _grid_outputs(self, grid: np.ndarray) -> dict[str, Any]:
        grid = np.asarray(grid, dtype=np.float64)
        if grid.ndim == 1:
            grid = grid[:, None]
        if self._grid_work is None or self._grid_work.n_samples != len(grid):
            self._grid_work = Workspace(self.network, len(grid))
        work = self._grid_work
        work.load(grid * self.config.input_scale)
        output = self.network.forward_into(work)
        x_values = grid[:, 0].tolist() if grid.shape[1] == 1 else grid.tolist()
        y_values = output[:, 0].tolist() if output.shape[1] == 1 else output.tolist()
        hidden = [unit.tolist() for a in work.a[:-1] for unit in a]  # a: (units, n)
        return {"prediction": {"x": x_values, "y": y_values}, "hidden": hidden}

    def snapshot(self, with_grid: bool = True) -> dict[str, Any]:
        """JSON-ready: epoch, losses, lr, grad_norms, saturated_fraction (+ grid, + final)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self._snapshot(with_grid)

    def _snapshot(self, with_grid: bool) -> dict[str, Any]:
        train_loss = _json_float(self._train_loss())  # also leaves _eval_train's activations
        if self.history and self.history[-1]["epoch"] == self.epoch:
            train_loss, val_loss = self.history[-1]["train_loss"], self.history[-1]["val_loss"]
        else:
            val_loss = self._val_loss()
        snapshot: dict[str, Any] = {
            "epoch": self.epoch,
            "train_loss": train_loss,
            "val_loss": val_loss,
            "lr": self.optimizer.lr,
            "grad_norms": [
                _json_float(float(np.linalg.norm(la.grad))) for la in self.network.layers
            ],
            "saturated_fraction": self._saturated_fraction(),
        }
        if with_grid and self.config.grid is not None:
            snapshot.update(self._grid_outputs(self.config.grid))
        if self.done:
            snapshot.update(done=True, stopped=self.stopped, network=self.network.to_dict())
        return snapshot

    def snapshots(self) -> Iterator[dict[str, Any]]:
        if not self.done:
            yield self.snapshot()
        while not self.done:
            self.run_epoch()
            if not self.done and self.epoch % self.record_every == 0:
                yield self.snapshot()
        yield self.snapshot()

    def result(self) -> dict[str, Any]:
        """Runs to the end if needed; the answer of POST /api/train."""
        self.run()
        return {
            "history": self.history,
            "network": self.network.to_dict(),
            "stopped": self.stopped,
            "train_indices": self.train_indices,
            "val_indices": self.val_indices,
        }
