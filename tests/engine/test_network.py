"""The network's forward pass and gradients equal torch's; shapes are validated."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.activations import ACTIVATIONS
from app.engine.losses import get_loss
from app.engine.network import LayerSpec, Network
from tests.engine.conftest import random_network, torch_model, torch_parameters

NAMES = sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", NAMES)
def test_forward_equals_torch_for_every_activation(name, rng):
    network = random_network(rng, [2, 5, 4, 3], [name, name, name])
    x = rng.normal(scale=2.0, size=(17, 2))
    result = network.forward(x)
    model = torch_model(network)
    expected = model(torch.from_numpy(x))
    np.testing.assert_allclose(result.output, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    # every layer's pre-activation and activation are kept
    hidden = torch.from_numpy(x)
    for k, module in enumerate(model):
        hidden = module(hidden)
        kept = result.pre_activations if k % 2 == 0 else result.activations
        np.testing.assert_allclose(kept[k // 2], hidden.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_forward_of_a_mixed_network_with_params(rng):
    specs = [
        LayerSpec(3, 6, "leakyrelu", {"negative_slope": 0.1}),
        LayerSpec(6, 5, "hardtanh", {"min_val": -0.5, "max_val": 2.0}),
        LayerSpec(5, 4, "softplus", {"beta": 2.0, "threshold": 5.0}),
        LayerSpec(4, 4, "gelu", {"approximate": "tanh"}),
        LayerSpec(4, 2, "elu", {"alpha": 0.5}),
    ]
    network = Network.from_specs(specs, seed=3)
    x = rng.normal(scale=3.0, size=(30, 3))
    expected = torch_model(network)(torch.from_numpy(x)).detach().numpy()
    np.testing.assert_allclose(network.predict(x), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_parameter_gradients_equal_torch_autograd(name, rng):
    network = random_network(rng, [3, 4, 3, 2], [name, name, "identity"], seed=5)
    x = rng.normal(scale=2.0, size=(9, 3))
    y = rng.normal(size=(9, 2))
    value, grads = network.loss_and_gradients(x, y, get_loss("mse"))

    model = torch_model(network)
    loss = torch.nn.functional.mse_loss(model(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    for (d_weight, d_bias), linear in zip(grads, linears, strict=True):
        rtol = 1e-9
        np.testing.assert_allclose(d_weight, linear.weight.grad.numpy(), rtol=rtol, atol=1e-12)
        np.testing.assert_allclose(d_bias, linear.bias.grad.numpy(), rtol=rtol, atol=1e-12)


@pytest.mark.parametrize("loss_name", ["mse", "l1", "huber", "bce_with_logits", "cross_entropy"])
def test_gradients_for_every_loss_equal_torch(loss_name, rng):
    network = random_network(rng, [2, 5, 3], ["tanh", "identity"], seed=1)
    x = rng.normal(size=(8, 2))
    if loss_name == "cross_entropy":
        y = rng.integers(0, 3, size=(8, 1)).astype(float)
        target = torch.from_numpy(y[:, 0]).long()
    elif loss_name == "bce_with_logits":
        y = rng.uniform(size=(8, 3))
        target = torch.from_numpy(y)
    else:
        y = rng.normal(size=(8, 3))
        target = torch.from_numpy(y)
    value, grads = network.loss_and_gradients(x, y, get_loss(loss_name))
    model = torch_model(network)
    torch_losses = {
        "mse": torch.nn.MSELoss(),
        "l1": torch.nn.L1Loss(),
        "huber": torch.nn.HuberLoss(),
        "bce_with_logits": torch.nn.BCEWithLogitsLoss(),
        "cross_entropy": torch.nn.CrossEntropyLoss(),
    }
    loss = torch_losses[loss_name](model(torch.from_numpy(x)), target)
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-12)
    flat = np.concatenate([np.c_[dw, db].ravel() for dw, db in grads])
    expected = np.concatenate(
        [np.c_[m.weight.grad.numpy(), m.bias.grad.numpy()].ravel() for m in model[::2]]
    )
    np.testing.assert_allclose(flat, expected, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "softplus", "gelu", "mish", "elu"])
def test_gradients_match_finite_differences(name, rng):
    network = random_network(rng, [2, 4, 3, 1], [name, name, "identity"], seed=2)
    x = rng.normal(size=(6, 2))
    y = rng.normal(size=(6, 1))
    loss = get_loss("mse")
    _, grads = network.loss_and_gradients(x, y, loss)
    analytic = np.concatenate([np.c_[dw, db].ravel() for dw, db in grads])
    numeric = np.empty_like(analytic)
    h = 1e-6
    for i in range(len(network.parameters)):
        saved = network.parameters[i]
        network.parameters[i] = saved + h
        up = loss.value(network.predict(x), y)
        network.parameters[i] = saved - h
        down = loss.value(network.predict(x), y)
        network.parameters[i] = saved
        numeric[i] = (up - down) / (2 * h)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    n_samples=st.integers(1, 20),
    names=st.lists(st.sampled_from(NAMES), min_size=4, max_size=4),
    seed=st.integers(0, 2**16),
)
def test_random_shapes_forward_and_gradients_equal_torch(sizes, n_samples, names, seed):
    rng = np.random.default_rng(seed)
    network = random_network(rng, sizes, names[: len(sizes) - 1], seed=seed)
    x = rng.normal(size=(n_samples, sizes[0]))
    y = rng.normal(size=(n_samples, sizes[-1]))
    value, grads = network.loss_and_gradients(x, y, get_loss("mse"))
    model = torch_model(network)
    prediction = model(torch.from_numpy(x))
    loss = torch.nn.functional.mse_loss(prediction, torch.from_numpy(y))
    loss.backward()
    np.testing.assert_allclose(
        network.predict(x), prediction.detach().numpy(), rtol=1e-12, atol=1e-12
    )
    assert value == pytest.approx(loss.item(), rel=1e-11, abs=1e-14)
    flat = np.concatenate([np.c_[dw, db].ravel() for dw, db in grads])
    expected = np.concatenate(
        [np.c_[m.weight.grad.numpy(), m.bias.grad.numpy()].ravel() for m in model[::2]]
    )
    np.testing.assert_allclose(flat, expected, rtol=1e-9, atol=1e-12)


def test_flat_parameters_are_the_layers_weights_and_biases(rng):
    network = random_network(rng, [2, 3, 1], ["tanh", "identity"])
    np.testing.assert_array_equal(network.parameters, torch_parameters(torch_model(network)))
    network.layers[0].weight[1, 0] = 42.0
    assert network.parameters[1 * 3 + 0] == 42.0


def test_missing_weights_are_initialised_like_torch_linear():
    network = Network.from_specs([LayerSpec(16, 400, "relu"), LayerSpec(400, 1)], seed=7)
    for layer in network.layers:
        bound = 1 / np.sqrt(layer.in_features)
        for values in (layer.weight, layer.bias):
            assert np.all(np.abs(values) <= bound)
            assert np.max(np.abs(values)) > 0.95 * bound  # the whole range is used
    again = Network.from_specs([LayerSpec(16, 400, "relu"), LayerSpec(400, 1)], seed=7)
    np.testing.assert_array_equal(network.parameters, again.parameters)
    other = Network.from_specs([LayerSpec(16, 400, "relu"), LayerSpec(400, 1)], seed=8)
    assert not np.array_equal(network.parameters, other.parameters)


def test_given_weights_are_kept_and_missing_bias_is_drawn():
    network = Network.from_specs([LayerSpec(2, 1, weight=np.array([[1.5, -2.0]]))])
    np.testing.assert_array_equal(network.layers[0].weight, [[1.5, -2.0]])
    assert abs(network.layers[0].bias[0]) <= 1 / np.sqrt(2)


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([], "at least one layer"),
        ([LayerSpec(2, 3), LayerSpec(4, 1)], r"layers\[1\]\.in \(4\) must equal layers\[0\]\.out"),
        ([LayerSpec(0, 3)], r"layers\[0\]\.in must be an integer >= 1"),
        (
            [LayerSpec(2, 3, weight=np.zeros((2, 3)))],
            r"layers\[0\]\.weight must have shape \(3, 2\)",
        ),
        (
            [LayerSpec(2, 3), LayerSpec(3, 1, bias=np.zeros(2))],
            r"layers\[1\]\.bias must have shape",
        ),
        ([LayerSpec(1, 1, weight=np.array([[np.nan]]))], r"layers\[0\]\.weight must be finite"),
        ([LayerSpec(1, 1, bias=np.array([np.inf]))], r"layers\[0\]\.bias must be finite"),
        ([LayerSpec(1, 1, "nope")], r"layers\[0\]\.activation"),
        ([LayerSpec(1, 1, "leakyrelu", {"slope": 1.0})], r"layers\[0\]\.params"),
    ],
)
def test_from_specs_names_the_bad_layer(specs, message):
    with pytest.raises(ValueError, match=message):
        Network.from_specs(specs)


def test_dict_round_trip_is_json_ready_and_exact(rng):
    import json

    network = Network.from_specs(
        [LayerSpec(2, 3, "leakyrelu", {"negative_slope": 0.2}), LayerSpec(3, 1)], seed=4
    )
    data = json.loads(json.dumps(network.to_dict()))
    assert data["layers"][0] == {
        "in": 2,
        "out": 3,
        "activation": "leakyrelu",
        "params": {"negative_slope": 0.2},
        "weight": network.layers[0].weight.tolist(),
        "bias": network.layers[0].bias.tolist(),
    }
    again = Network.from_dict(data)
    np.testing.assert_array_equal(again.parameters, network.parameters)
    x = rng.normal(size=(5, 2))
    np.testing.assert_array_equal(again.predict(x), network.predict(x))


def test_from_dict_fills_missing_weights_from_seed_and_rejects_bad_shapes():
    data = {"layers": [{"in": 1, "out": 13, "activation": "tanh"}, {"in": 13, "out": 1}]}
    first, second = Network.from_dict(data, seed=0), Network.from_dict(data, seed=0)
    np.testing.assert_array_equal(first.parameters, second.parameters)
    with pytest.raises(ValueError, match=r"layers\[0\]\.out is required"):
        Network.from_dict({"layers": [{"in": 1}]})
    with pytest.raises(ValueError, match=r"layers\[0\]\.weight"):
        Network.from_dict({"layers": [{"in": 2, "out": 1, "weight": [[1.0], [2.0, 3.0]]}]})
    with pytest.raises(ValueError, match="layers"):
        Network.from_dict({"nodes": []})
