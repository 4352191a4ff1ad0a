"""Optimiser steps equal torch.optim's, setting by setting; hyper-parameters are validated."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.engine.optimizers import OPTIMIZERS, hyper_parameters, make_optimizer

SETTINGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("sgd", {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.1, "maximize": True}),
    ("adam", {}),
    ("adam", {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("rmsprop", {}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True}),
    ("rmsprop", {"lr": 0.01, "weight_decay": 0.05, "centered": True}),
    ("adagrad", {}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.5}),
    ("adagrad", {"lr": 0.1, "weight_decay": 0.1, "eps": 1e-6}),
]

TORCH = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


@pytest.mark.parametrize(("name", "hyper"), SETTINGS)
def test_steps_equal_torch(name, hyper, rng):
    shapes = [(3, 4), (5,), (1, 1)]
    params = [rng.normal(size=shape) for shape in shapes]
    torch_params = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    optimizer = make_optimizer(name, params, hyper)
    torch_optimizer = TORCH[name](torch_params, **hyper)
    for step in range(25):
        grads = [rng.normal(size=shape) for shape in shapes]
        if step == 12:  # lr may change between steps
            optimizer.lr = 0.5 * optimizer.lr
            for group in torch_optimizer.param_groups:
                group["lr"] = 0.5 * group["lr"]
        optimizer.step(grads)
        for p, g in zip(torch_params, grads, strict=True):
            p.grad = torch.from_numpy(g.copy())
        torch_optimizer.step()
        for p, tp in zip(params, torch_params, strict=True):
            np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_state_arrays_line_up_with_the_parameters(rng):
    params = [rng.normal(size=(2, 3)), rng.normal(size=4)]
    adam = make_optimizer("adam", params, {"amsgrad": True})
    assert [s.shape for s in adam.exp_avgs] == [(2, 3), (4,)]
    assert [s.shape for s in adam.max_exp_avg_sqs] == [(2, 3), (4,)]
    sgd = make_optimizer("sgd", params, {"momentum": 0.9})
    assert [s.shape for s in sgd.momentum_buffers] == [(2, 3), (4,)]
    before = params[0].copy()
    sgd.step([np.ones((2, 3)), np.ones(4)])
    np.testing.assert_allclose(params[0], before - 0.01)  # updated in place


def test_defaults_are_torch_defaults():
    assert hyper_parameters("adam") == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "maximize": False,
    }
    assert hyper_parameters("sgd")["momentum"] == 0.0
    assert hyper_parameters("adagrad")["eps"] == 1e-10
    assert hyper_parameters("rmsprop")["alpha"] == 0.99
    assert set(OPTIMIZERS) == set(TORCH)


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("sgd", {"lr": 0.0}, "lr must be"),
        ("sgd", {"lr": float("nan")}, "lr must be"),
        ("sgd", {"lr": float("inf")}, "lr must be"),
        ("sgd", {"momentum": -0.1}, "momentum must be"),
        ("sgd", {"nesterov": True}, "nesterov requires momentum > 0 and dampening = 0"),
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov requires"),
        ("sgd", {"weight_decay": -1.0}, "weight_decay must be"),
        ("sgd", {"betas": (0.9, 0.99)}, "unknown sgd parameter"),
        ("adam", {"betas": (1.0, 0.999)}, r"betas\[0\] must be in \[0, 1\)"),
        ("adam", {"betas": (0.9, -0.1)}, r"betas\[1\] must be in \[0, 1\)"),
        ("adam", {"betas": (0.9,)}, "betas must be two numbers"),
        ("adam", {"eps": -1.0}, "eps must be"),
        ("rmsprop", {"alpha": 1.5}, "alpha must be"),
        ("adagrad", {"lr_decay": -0.5}, "lr_decay must be"),
        ("adagrad", {"initial_accumulator_value": -1.0}, "initial_accumulator_value must be"),
        ("lbfgs", {}, "unknown optimizer 'lbfgs'; known: sgd, adam, rmsprop, adagrad"),
    ],
)
def test_bad_hyper_parameters_are_named(name, hyper, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(name, [np.zeros(2)], hyper)


def test_lr_change_is_validated():
    sgd = make_optimizer("sgd", [np.zeros(2)], {"lr": 0.1})
    sgd.lr = 0.2
    assert sgd.lr == 0.2
    with pytest.raises(ValueError, match="lr must be"):
        sgd.lr = -1.0
