"""Loss functions with their gradient with respect to the prediction.

Semantics follow ``torch.nn`` with ``reduction="mean"``, gradients at kinks included
(l1'(0) = 0 like ``torch.sign``). Every loss takes ``prediction`` and ``target`` of
shape ``(n_samples, n_outputs)``; ``cross_entropy`` also accepts class indices as a
``(n_samples, 1)`` column.

``value_and_grad(prediction, target, grad)`` returns the loss as a float and writes
dL/dprediction into ``grad`` (same shape as ``prediction``): the training loop calls it
once per step with preallocated buffers, so it allocates as little as it can.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np


class Loss:
    """Mean-reduced loss; subclasses implement ``value_and_grad``."""

    name = ""
    torch_name = ""

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        raise NotImplementedError

    def value(self, prediction: np.ndarray, target: np.ndarray) -> float:
        return self.value_and_grad(prediction, target, np.empty_like(prediction))


class MSE(Loss):
    """mean((p - t)²); dL/dp = 2 (p - t) / N, N = number of elements."""

    name, torch_name = "mse", "MSELoss"

    def __init__(self) -> None:
        self._two_over_size: dict[int, np.ndarray] = {}  # 0-d arrays: cheaper operands

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        size = grad.size
        np.subtract(prediction, target, grad)  # positional out: cheaper than out= (hot path)
        loss = float(np.vdot(grad, grad)) / size
        scale = self._two_over_size.get(size)
        if scale is None:
            scale = self._two_over_size[size] = np.array(2.0 / size)
        np.multiply(grad, scale, grad)
        return loss

    def value(self, prediction: np.ndarray, target: np.ndarray) -> float:
        diff = prediction - target
        return float(np.vdot(diff, diff)) / diff.size


class L1(Loss):
    """mean(|p - t|); dL/dp = sign(p - t) / N, with sign(0) = 0 as in torch."""

    name, torch_name = "l1", "L1Loss"

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        diff = prediction - target
        np.sign(diff, out=grad)
        grad /= grad.size
        return float(np.abs(diff).mean())


class Huber(Loss):
    """0.5 d² where |d| <= delta, else delta (|d| - 0.5 delta); d = p - t.

    dL/dp = clip(d, -delta, delta) / N (torch's HuberLoss, also at |d| = delta).
    """

    name, torch_name = "huber", "HuberLoss"

    def __init__(self, delta: float = 1.0):
        if not (math.isfinite(delta) and delta > 0):
            raise ValueError(f"delta must be a finite number > 0, got {delta}")
        self.delta = float(delta)

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        diff = prediction - target
        size = np.abs(diff)
        quadratic = size <= self.delta
        loss = np.where(quadratic, 0.5 * diff * diff, self.delta * (size - 0.5 * self.delta))
        np.clip(diff, -self.delta, self.delta, out=grad)
        grad /= grad.size
        return float(loss.mean())


class BCEWithLogits(Loss):
    """Binary cross-entropy on logits p with targets t in [0, 1]:
    mean(max(p, 0) - p t + log(1 + exp(-|p|))) (the stable form torch uses);
    dL/dp = (sigmoid(p) - t) / N.
    """

    name, torch_name = "bce_with_logits", "BCEWithLogitsLoss"

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        p = prediction
        loss = np.maximum(p, 0.0) - p * target + np.log1p(np.exp(-np.abs(p)))
        # sigmoid(p) = 0.5 (1 + tanh(p / 2)) is stable for large |p| of either sign.
        np.multiply(p, 0.5, out=grad)
        np.tanh(grad, out=grad)
        grad += 1.0
        grad *= 0.5
        grad -= target
        grad /= grad.size
        return float(loss.mean())


class CrossEntropy(Loss):
    """Softmax cross-entropy on logits p of shape (n, k), mean over the n samples.

    ``target`` is either class indices as an (n, 1) column of whole numbers in [0, k)
    (torch's ``CrossEntropyLoss(p, t[:, 0].long())``) or class probabilities /
    one-hot rows of shape (n, k) (torch's probability targets). With k = 1 a single
    column is read as indices. Loss = -mean_i sum_j t_ij log_softmax(p)_ij;
    dL/dp = (softmax(p) * sum_j t_ij - t) / n.
    """

    name, torch_name = "cross_entropy", "CrossEntropyLoss"

    def value_and_grad(self, prediction: np.ndarray, target: np.ndarray, grad: np.ndarray) -> float:
        n, k = prediction.shape
        if target.shape == (n, 1):
            classes = target[:, 0]
            if not np.all((classes >= 0) & (classes < k) & (classes == np.round(classes))):
                raise ValueError(f"cross_entropy class indices must be whole numbers in [0, {k})")
            target = np.zeros((n, k))
            target[np.arange(n), classes.astype(np.intp)] = 1.0
        elif target.shape != (n, k):
            raise ValueError(f"cross_entropy target must have shape ({n}, 1) or ({n}, {k})")
        shifted = prediction - prediction.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -float((target * log_softmax).sum()) / n
        np.exp(log_softmax, out=grad)
        grad *= target.sum(axis=1, keepdims=True)
        grad -= target
        grad /= n
        return loss


LOSSES: dict[str, type[Loss]] = {
    cls.name: cls for cls in (MSE, L1, Huber, BCEWithLogits, CrossEntropy)
}


def get_loss(name: str, params: Mapping[str, float] | None = None) -> Loss:
    """The loss called ``name`` built with its parameters (only huber has one: delta)."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known: {', '.join(LOSSES)}")
    try:
        return LOSSES[name](**dict(params or {}))
    except TypeError as err:
        raise ValueError(f"bad parameters for loss {name!r}: {dict(params or {})}") from err
