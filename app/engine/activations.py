"""Activation registry (CONTRACT STUB — to be implemented).

One registry keyed by the API names. Each entry: forward function, derivative,
parameters with torch.nn defaults, formula, torch.nn name, properties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

ParamValue = float | str
Params = Mapping[str, ParamValue]


class UnknownActivation(ValueError):
    """Raised for a name not in the registry; the message lists the known names."""


class BadActivationParams(ValueError):
    """Raised for an unknown parameter name or a value out of range."""


@dataclass(frozen=True)
class Activation:
    name: str  # API name, lower-case torch class name: "leakyrelu"
    torch_name: str  # "LeakyReLU"
    defaults: dict[str, ParamValue]  # {"negative_slope": 0.01}
    formula: str  # human-readable, e.g. "max(0, x) + negative_slope·min(0, x)"
    # forward(z, params, out) -> y ; params already resolved (defaults merged)
    forward: Callable[[np.ndarray, dict[str, ParamValue], np.ndarray | None], np.ndarray]
    # derivative(z, y, params, out) -> dy/dz, element-wise, given the pre-activation z
    # AND the output y = forward(z) (so tanh/sigmoid can use y cheaply).
    derivative: Callable[
        [np.ndarray, np.ndarray, dict[str, ParamValue], np.ndarray | None], np.ndarray
    ]
    description: dict[str, str] = field(default_factory=dict)  # {"en": ..., "zh": ...}


ACTIVATIONS: dict[str, Activation] = {}


def get_activation(name: str) -> Activation:
    raise NotImplementedError


def resolve_params(name: str, params: Params | None) -> dict[str, ParamValue]:
    """Defaults merged with ``params``; BadActivationParams on unknown names/bad values."""
    raise NotImplementedError


def evaluate(
    name: str, x: np.ndarray, params: Params | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(y, dy/dx) of the activation at x."""
    raise NotImplementedError


def properties(name: str, params: Params | None = None) -> dict[str, Any]:
    """JSON-ready: range [lo, hi] (None for ±inf), bounded_below, bounded_above,
    monotonic, saturating, value_at_0, slope_at_0."""
    raise NotImplementedError


def ranges(
    name: str,
    params: Params | None,
    w: float,
    b: float,
    x_min: float,
    x_max: float,
) -> dict[str, Any]:
    """Sensitive and saturated x-intervals of f(w·x + b) within [x_min, x_max].
    JSON-ready: {"sensitive": [[lo, hi], ...], "saturated": [[lo, hi], ...],
    "threshold": float, "definition": str}."""
    raise NotImplementedError
