"""Layers and networks (CONTRACT STUB — to be implemented)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class LayerSpec:
    """What a caller asks for; weight/bias None means: initialise like torch.nn.Linear."""

    in_features: int
    out_features: int
    activation: str = "identity"
    params: dict[str, float | str] = field(default_factory=dict)
    weight: np.ndarray | None = None  # (out, in)
    bias: np.ndarray | None = None  # (out,)


@dataclass
class ForwardResult:
    output: np.ndarray  # (n_samples, out_last)
    pre_activations: list[np.ndarray]  # per layer, (n_samples, out_k)
    activations: list[np.ndarray]  # per layer, (n_samples, out_k); last is output


class Network:
    """A stack of Linear + activation layers with float64 parameters."""

    @classmethod
    def from_specs(cls, specs: Sequence[LayerSpec], seed: int = 0) -> Network:
        """Validates consecutive shapes (ValueError naming the layer) and initialises
        missing weights/biases uniform in ±1/sqrt(in) from numpy default_rng(seed)."""
        raise NotImplementedError

    def forward(self, x: np.ndarray) -> ForwardResult:
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready {"layers": [{"in", "out", "activation", "params", "weight", "bias"}]}."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], seed: int = 0) -> Network:
        raise NotImplementedError
