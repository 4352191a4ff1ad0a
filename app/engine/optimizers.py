"""Optimisers with torch.optim's update rules (single-tensor, float64).

One shape: built from the parameter arrays, ``step(grads)`` updates them in place, the
state arrays line up with the parameters, ``lr`` may change between steps. The trainer
passes one flat buffer holding every weight and bias, so a step is a handful of
whole-buffer NumPy calls; with several arrays the rule is applied to each in turn.
Each step mirrors the torch source line by line (commented) so runs match to rounding.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _check(name: str, value: float, ok: bool, rule: str) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and ok):
        raise ValueError(f"{name} must be {rule}, got {value!r}")


class Optimizer:
    """Holds the parameters, their scratch buffers and the learning rate."""

    def __init__(self, params: Sequence[np.ndarray], lr: float):
        self.params = list(params)
        self.lr = lr
        self.steps = 0
        # grad after weight decay / maximize, and the update: one scratch pair per array
        self._grad = [np.empty_like(p) for p in self.params]
        self._update = [np.empty_like(p) for p in self.params]

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        _check("lr", value, value > 0, "a finite number > 0")
        self._lr = float(value)
        # a 0-d array: NumPy converts a Python float operand on every call (~0.3 µs)
        self._minus_lr = np.array(-self._lr)

    def _effective_grad(
        self, i: int, grad: np.ndarray, maximize: bool, weight_decay: float
    ) -> np.ndarray:
        """grad = -grad if maximize; grad = grad + weight_decay * param (torch's order).
        Callers skip the call when neither applies (a step is a few µs)."""
        if not maximize and weight_decay == 0:
            return grad
        out = self._grad[i]
        if maximize:
            np.negative(grad, out=out)
            grad = out
        if weight_decay != 0:
            np.multiply(self.params[i], weight_decay, out=self._update[i])
            np.add(grad, self._update[i], out=out)
        return out

    def step(self, grads: Sequence[np.ndarray]) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ):
        super().__init__(params, lr)
        _check("momentum", momentum, momentum >= 0, "a finite number >= 0")
        _check("dampening", dampening, dampening >= 0, "a finite number >= 0")
        _check("weight_decay", weight_decay, weight_decay >= 0, "a finite number >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("nesterov requires momentum > 0 and dampening = 0")
        self.momentum, self.dampening, self.nesterov = momentum, dampening, nesterov
        self.weight_decay, self.maximize = weight_decay, maximize
        self.momentum_buffers = [np.zeros_like(p) for p in self.params]
        if momentum == 0 and weight_decay == 0 and not maximize:
            self.step = self._plain_step  # type: ignore[method-assign]

    def _plain_step(self, grads: Sequence[np.ndarray]) -> None:
        """Plain SGD, param -= lr * grad: the hot path of the learners' default optimiser."""
        self.steps += 1
        minus_lr, updates = self._minus_lr, self._update
        for param, grad, update in zip(self.params, grads, updates):  # noqa: B905 (hot path)
            np.multiply(grad, minus_lr, update)
            param += update

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.steps += 1
        for i, param in enumerate(self.params):
            grad = grads[i]
            if self.maximize or self.weight_decay != 0:
                grad = self._effective_grad(i, grad, self.maximize, self.weight_decay)
            update = self._update[i]
            if self.momentum != 0:
                buf = self.momentum_buffers[i]
                if self.steps == 1:
                    np.copyto(buf, grad)  # buf = grad.clone(): no dampening on the first step
                else:
                    buf *= self.momentum  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                    if self.dampening == 0:
                        buf += grad
                    else:
                        np.multiply(grad, 1 - self.dampening, out=update)
                        buf += update
                if self.nesterov:  # grad = grad + momentum * buf
                    np.multiply(buf, self.momentum, out=update)
                    np.add(grad, update, out=update)
                    grad = update
                else:
                    grad = buf
            np.multiply(grad, self._minus_lr, update)  # param.add_(grad, alpha=-lr)
            param += update


class Adam(Optimizer):
    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: Sequence[float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ):
        super().__init__(params, lr)
        if len(betas) != 2:
            raise ValueError(f"betas must be two numbers, got {betas!r}")
        for k, beta in enumerate(betas):
            _check(f"betas[{k}]", beta, 0 <= beta < 1, "in [0, 1)")
        _check("eps", eps, eps >= 0, "a finite number >= 0")
        _check("weight_decay", weight_decay, weight_decay >= 0, "a finite number >= 0")
        self.beta1, self.beta2 = float(betas[0]), float(betas[1])
        self.eps, self.weight_decay, self.amsgrad, self.maximize = (
            eps,
            weight_decay,
            amsgrad,
            maximize,
        )
        self.exp_avgs = [np.zeros_like(p) for p in self.params]
        self.exp_avg_sqs = [np.zeros_like(p) for p in self.params]
        self.max_exp_avg_sqs = [np.zeros_like(p) for p in self.params] if amsgrad else []
        self._denom = [np.empty_like(p) for p in self.params]
        # 0-d arrays: NumPy converts a Python float operand on every call (~0.1 µs)
        self._one_minus_beta1 = np.array(1 - self.beta1)
        self._beta2 = np.array(self.beta2)
        self._one_minus_beta2 = np.array(1 - self.beta2)
        self._eps = np.array(float(eps))

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.steps += 1
        beta1, beta2, step = self.beta1, self.beta2, self.steps
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = self.lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        for i, param in enumerate(self.params):
            grad = grads[i]
            if self.maximize or self.weight_decay != 0:
                grad = self._effective_grad(i, grad, self.maximize, self.weight_decay)
            exp_avg, exp_avg_sq, scratch = self.exp_avgs[i], self.exp_avg_sqs[i], self._update[i]
            # exp_avg.lerp_(grad, 1 - beta1): exp_avg + (1 - beta1) * (grad - exp_avg)
            np.subtract(grad, exp_avg, out=scratch)
            scratch *= self._one_minus_beta1
            exp_avg += scratch
            # exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            exp_avg_sq *= self._beta2
            np.multiply(grad, self._one_minus_beta2, out=scratch)
            scratch *= grad
            exp_avg_sq += scratch
            # denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps), amsgrad: of the max
            second_moment = exp_avg_sq
            if self.amsgrad:
                np.maximum(self.max_exp_avg_sqs[i], exp_avg_sq, out=self.max_exp_avg_sqs[i])
                second_moment = self.max_exp_avg_sqs[i]
            denom = self._denom[i]
            np.sqrt(second_moment, out=denom)
            denom /= bias_correction2_sqrt
            denom += self._eps
            # param.addcdiv_(exp_avg, denom, value=-step_size)
            np.multiply(exp_avg, -step_size, out=scratch)
            scratch /= denom
            param += scratch


class RMSprop(Optimizer):
    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ):
        super().__init__(params, lr)
        _check("alpha", alpha, 0 <= alpha <= 1, "in [0, 1]")
        _check("eps", eps, eps >= 0, "a finite number >= 0")
        _check("weight_decay", weight_decay, weight_decay >= 0, "a finite number >= 0")
        _check("momentum", momentum, momentum >= 0, "a finite number >= 0")
        self.alpha, self.eps, self.weight_decay = alpha, eps, weight_decay
        self.momentum, self.centered, self.maximize = momentum, centered, maximize
        self.square_avgs = [np.zeros_like(p) for p in self.params]
        self.grad_avgs = [np.zeros_like(p) for p in self.params] if centered else []
        self.momentum_buffers = [np.zeros_like(p) for p in self.params] if momentum > 0 else []
        self._avg = [np.empty_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.steps += 1
        alpha = self.alpha
        for i, param in enumerate(self.params):
            grad = grads[i]
            if self.maximize or self.weight_decay != 0:
                grad = self._effective_grad(i, grad, self.maximize, self.weight_decay)
            square_avg, avg, scratch = self.square_avgs[i], self._avg[i], self._update[i]
            # square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            square_avg *= alpha
            np.multiply(grad, 1 - alpha, out=scratch)
            scratch *= grad
            square_avg += scratch
            if self.centered:
                grad_avg = self.grad_avgs[i]  # grad_avg.lerp_(grad, 1 - alpha)
                np.subtract(grad, grad_avg, out=scratch)
                scratch *= 1 - alpha
                grad_avg += scratch
                # avg = square_avg.addcmul(grad_avg, grad_avg, value=-1).sqrt_()
                np.multiply(grad_avg, -1.0, out=scratch)
                scratch *= grad_avg
                np.add(square_avg, scratch, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(square_avg, out=avg)
            avg += self.eps
            if self.momentum > 0:
                buf = self.momentum_buffers[i]  # buf.mul_(momentum).addcdiv_(grad, avg)
                buf *= self.momentum
                np.divide(grad, avg, out=scratch)
                buf += scratch
                np.multiply(buf, -self.lr, out=scratch)  # param.add_(buf, alpha=-lr)
            else:
                np.multiply(grad, -self.lr, out=scratch)  # param.addcdiv_(grad, avg, value=-lr)
                scratch /= avg
            param += scratch


class Adagrad(Optimizer):
    def __init__(
        self,
        params: Sequence[np.ndarray],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ):
        super().__init__(params, lr)
        _check("lr_decay", lr_decay, lr_decay >= 0, "a finite number >= 0")
        _check("weight_decay", weight_decay, weight_decay >= 0, "a finite number >= 0")
        _check(
            "initial_accumulator_value",
            initial_accumulator_value,
            initial_accumulator_value >= 0,
            "a finite number >= 0",
        )
        _check("eps", eps, eps >= 0, "a finite number >= 0")
        self.lr_decay, self.weight_decay, self.eps, self.maximize = (
            lr_decay,
            weight_decay,
            eps,
            maximize,
        )
        self.state_sums = [np.full_like(p, initial_accumulator_value) for p in self.params]
        self._std = [np.empty_like(p) for p in self.params]

    def step(self, grads: Sequence[np.ndarray]) -> None:
        self.steps += 1
        clr = self.lr / (1 + (self.steps - 1) * self.lr_decay)
        for i, param in enumerate(self.params):
            grad = grads[i]
            if self.maximize or self.weight_decay != 0:
                grad = self._effective_grad(i, grad, self.maximize, self.weight_decay)
            state_sum, std, scratch = self.state_sums[i], self._std[i], self._update[i]
            np.multiply(grad, grad, out=scratch)  # state_sum.addcmul_(grad, grad, value=1)
            state_sum += scratch
            np.sqrt(state_sum, out=std)  # std = state_sum.sqrt().add_(eps)
            std += self.eps
            np.multiply(grad, -clr, out=scratch)  # param.addcdiv_(grad, std, value=-clr)
            scratch /= std
            param += scratch


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "adam": Adam,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
}


def hyper_parameters(name: str) -> dict[str, Any]:
    """The optimiser's hyper-parameters with their (torch.optim) defaults."""
    signature = inspect.signature(OPTIMIZERS[name].__init__)
    return {k: p.default for k, p in signature.parameters.items() if k not in ("self", "params")}


def make_optimizer(
    name: str, params: Sequence[np.ndarray], hyper: Mapping[str, Any] | None = None
) -> Optimizer:
    """The optimiser called ``name`` over ``params``; ValueError for unknown names or values."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    hyper = dict(hyper or {})
    unknown = sorted(set(hyper) - set(hyper_parameters(name)))
    if unknown:
        known = ", ".join(hyper_parameters(name))
        raise ValueError(f"unknown {name} parameter(s) {', '.join(unknown)}; known: {known}")
    return OPTIMIZERS[name](params, **hyper)
