"""A network as a runnable, self-contained PyTorch script (imports torch only).

The script builds the same ``torch.nn.Sequential`` in float64, loads every weight
exactly (``repr`` of a Python float round-trips), and prints the output for a few
sample inputs; importing it exposes ``model``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.engine.activations import get_activation
from app.engine.network import Network


def _literal(values: Any) -> str:
    """Nested lists of floats as Python source; repr(float) is exact and round-trips."""
    if isinstance(values, list):
        return "[" + ", ".join(_literal(v) for v in values) + "]"
    return repr(float(values))


def _module(name: str, params: Mapping[str, Any]) -> str | None:
    if name == "identity":
        return None
    arguments = ", ".join(f"{key}={value!r}" for key, value in params.items())
    return f"nn.{get_activation(name).torch_name}({arguments})"


def to_pytorch_script(network: Network | Mapping[str, Any]) -> str:
    """Python source of a script that rebuilds ``network`` as torch.nn.Sequential."""
    if not isinstance(network, Network):
        network = Network.from_dict(network)
    modules: list[str] = []
    loads: list[str] = []
    for layer in network.layers:
        index = len(modules)
        modules.append(f"nn.Linear({layer.in_features}, {layer.out_features})")
        loads.append(
            f"    model[{index}].weight.copy_(torch.tensor({_literal(layer.weight.tolist())}))"
        )
        loads.append(
            f"    model[{index}].bias.copy_(torch.tensor({_literal(layer.bias.tolist())}))"
        )
        activation = _module(layer.activation, layer.params)
        if activation is not None:
            modules.append(activation)
    n_in = network.in_features
    samples = [[round(-1.0 + 2.0 * i / 4 + 0.1 * j, 6) for j in range(n_in)] for i in range(5)]
    lines = [
        '"""A Neuron Playground network as torch.nn.Sequential (float64, exact weights)."""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "torch.set_default_dtype(torch.float64)",
        "",
        "model = nn.Sequential(",
        *(f"    {module}," for module in modules),
        ")",
        "with torch.no_grad():",
        *loads,
        "",
        'if __name__ == "__main__":',
        f"    x = torch.tensor({_literal(samples)})",
        "    with torch.no_grad():",
        "        y = model(x)",
        "    for row_in, row_out in zip(x.tolist(), y.tolist()):",
        "        print(row_in, '->', row_out)",
        "",
    ]
    return "\n".join(lines)
