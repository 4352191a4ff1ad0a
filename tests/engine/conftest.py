"""Torch as the oracle: build the torch.nn twin of an engine network, in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from app.engine.activations import ACTIVATIONS
from app.engine.network import LayerSpec, Network

torch.set_default_dtype(torch.float64)

# the thermometer readings of the book's chapter: t_u in unknown units, t_c in Celsius
T_C = np.array([0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0])
T_U = np.array([35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4])


def torch_model(network: Network) -> torch.nn.Sequential:
    """torch.nn.Sequential of Linear + activation modules with the network's weights."""
    modules: list[torch.nn.Module] = []
    for layer in network.layers:
        linear = torch.nn.Linear(layer.in_features, layer.out_features, dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weight.copy()))
            linear.bias.copy_(torch.from_numpy(layer.bias.copy()))
        modules.append(linear)
        function = ACTIVATIONS[layer.activation]
        modules.append(getattr(torch.nn, function.torch_name)(**layer.params))
    return torch.nn.Sequential(*modules)


def torch_parameters(model: torch.nn.Sequential) -> np.ndarray:
    """The model's weights and biases in the engine's flat layout ([W | b] per layer)."""
    blocks = []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            theta = torch.cat([module.weight, module.bias[:, None]], dim=1)
            blocks.append(theta.detach().numpy().ravel())
    return np.concatenate(blocks)


def random_network(
    rng: np.random.Generator, sizes: list[int], activations: list[str], seed: int = 0
) -> Network:
    specs = [
        LayerSpec(n_in, n_out, name)
        for n_in, n_out, name in zip(sizes[:-1], sizes[1:], activations, strict=True)
    ]
    return Network.from_specs(specs, seed=seed)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)
