"""Every loss and its gradient equal torch.nn's (mean reduction), kinks included."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.engine.losses import LOSSES, get_loss

TORCH = {
    "mse": lambda p, t: torch.nn.functional.mse_loss(p, t),
    "l1": lambda p, t: torch.nn.functional.l1_loss(p, t),
    "huber": lambda p, t: torch.nn.functional.huber_loss(p, t),
    "bce_with_logits": lambda p, t: torch.nn.functional.binary_cross_entropy_with_logits(p, t),
    "cross_entropy": lambda p, t: torch.nn.functional.cross_entropy(p, t),
}


def torch_value_and_grad(name, prediction, target, **kwargs):
    p = torch.tensor(prediction, requires_grad=True)
    if name == "huber":
        loss = torch.nn.functional.huber_loss(p, torch.from_numpy(target), **kwargs)
    else:
        loss = TORCH[name](p, torch.from_numpy(target))
    loss.backward()
    return loss.item(), p.grad.numpy()


def engine_value_and_grad(name, prediction, target, **params):
    grad = np.empty_like(prediction)
    value = get_loss(name, params).value_and_grad(prediction, target, grad)
    return value, grad


@pytest.mark.parametrize("name", ["mse", "l1", "huber", "bce_with_logits", "cross_entropy"])
@pytest.mark.parametrize("shape", [(1, 1), (7, 1), (5, 3)])
def test_value_and_gradient_equal_torch(name, shape, rng):
    if name == "cross_entropy" and shape[1] == 1:
        shape = (shape[0], 2)  # a single column is read as class indices: tested below
    prediction = rng.normal(scale=3.0, size=shape)
    if name == "bce_with_logits":
        target = rng.uniform(size=shape)
    elif name == "cross_entropy":
        target = rng.dirichlet(np.ones(shape[1]), size=shape[0])  # class probabilities
    else:
        target = rng.normal(scale=3.0, size=shape)
    value, grad = engine_value_and_grad(name, prediction, target)
    expected_value, expected_grad = torch_value_and_grad(name, prediction, target)
    assert value == pytest.approx(expected_value, rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)
    assert get_loss(name).value(prediction, target) == pytest.approx(value, rel=1e-15)


def test_gradients_at_the_kinks_follow_torch():
    prediction = np.array([[0.0], [1.0], [-1.0], [2.5], [0.3]])
    target = np.array([[0.0], [0.0], [0.0], [0.0], [0.0]])
    for name, params in (("l1", {}), ("huber", {"delta": 1.0}), ("huber", {"delta": 2.5})):
        value, grad = engine_value_and_grad(name, prediction, target, **params)
        expected_value, expected_grad = torch_value_and_grad(name, prediction, target, **params)
        assert value == pytest.approx(expected_value, rel=1e-15)
        np.testing.assert_array_equal(grad, expected_grad)
    assert engine_value_and_grad("l1", prediction, target)[1][0, 0] == 0.0  # sign(0) = 0


def test_huber_delta_and_bce_extreme_logits():
    prediction = np.array([[-800.0, 800.0], [30.0, -30.0]])
    target = np.array([[1.0, 0.0], [0.5, 0.25]])
    value, grad = engine_value_and_grad("bce_with_logits", prediction, target)
    expected_value, expected_grad = torch_value_and_grad("bce_with_logits", prediction, target)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-300)
    with pytest.raises(ValueError, match="delta"):
        get_loss("huber", {"delta": 0.0})


def test_cross_entropy_class_indices_and_one_hot_agree_with_torch(rng):
    logits = rng.normal(scale=4.0, size=(9, 4))
    classes = rng.integers(0, 4, size=9)
    value, grad = engine_value_and_grad("cross_entropy", logits, classes[:, None].astype(float))
    p = torch.tensor(logits, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(p, torch.from_numpy(classes))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(grad, p.grad.numpy(), rtol=1e-12, atol=1e-15)
    one_hot = np.eye(4)[classes]
    assert engine_value_and_grad("cross_entropy", logits, one_hot)[0] == pytest.approx(value)
    with pytest.raises(ValueError, match="whole numbers"):
        engine_value_and_grad("cross_entropy", logits, np.full((9, 1), 4.0))
    with pytest.raises(ValueError, match="shape"):
        engine_value_and_grad("cross_entropy", logits, np.zeros((9, 2)))


def test_unknown_loss_lists_the_known_names():
    with pytest.raises(ValueError, match="mse, l1, huber, bce_with_logits, cross_entropy"):
        get_loss("hinge")
    with pytest.raises(ValueError, match="bad parameters"):
        get_loss("mse", {"delta": 1.0})
    assert set(LOSSES) == set(TORCH)
