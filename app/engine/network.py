"""Layers and networks: Linear layers, each followed by an activation, in float64.

A layer computes ``A = f(Z)``, ``Z = A_prev @ W.T + b`` with ``W`` of shape (out, in)
and ``b`` of shape (out,), as ``torch.nn.Linear`` stores them.

Two choices keep a training step down to a few NumPy calls:

* every weight and bias lives in one flat buffer, ``network.parameters`` (and every
  gradient in ``network.gradients``); each layer's ``theta = [W | b]`` of shape
  (out, in + 1) is a view into it, ``weight`` and ``bias`` are views into ``theta``.
  An optimiser updates the whole buffer at once.
* the bias is the weight of a constant input 1: a ``Workspace`` keeps every layer's
  input with an extra row of ones, so ``Z = [A_prev, 1] @ theta.T`` is one matmul
  and ``[dW | db] = dZ.T @ [A_prev, 1]`` another.

A ``Workspace`` stores its buffers feature-major, i.e. transposed: one row per unit, one
column per sample, so each layer's activations are one contiguous block (an element-wise
call on a strided view costs about twice as much at these sizes). The maths below is
written for the usual sample-major shapes; the buffers hold their transposes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.engine import activations
from app.engine.activations import Activation, Call, ParamValue


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


@dataclass
class Layer:
    """One Linear + activation; ``theta``, ``weight``, ``bias``, ``grad`` are views."""

    in_features: int
    out_features: int
    activation: str
    params: dict[str, ParamValue]  # resolved: defaults merged in
    function: Activation
    theta: np.ndarray  # (out, in + 1) = [weight | bias], view into network.parameters
    grad: np.ndarray  # (out, in + 1) = [dW | db], view into network.gradients

    @property
    def weight(self) -> np.ndarray:  # (out, in)
        return self.theta[:, :-1]

    @property
    def bias(self) -> np.ndarray:  # (out,)
        return self.theta[:, -1]

    @property
    def is_identity(self) -> bool:
        return self.activation == "identity"


def _as_array(value: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numbers of shape {shape}") from err
    if array.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite")
    return array


class Network:
    """A stack of Linear + activation layers with float64 parameters."""

    def __init__(self, layers: list[Layer], parameters: np.ndarray, gradients: np.ndarray):
        self.layers = layers
        self.parameters = parameters  # flat: every layer's [W | b], row-major
        self.gradients = gradients  # same layout, filled by backward()

    @property
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    @classmethod
    def from_specs(cls, specs: Sequence[LayerSpec], seed: int = 0) -> Network:
        """Validates consecutive shapes (ValueError naming the layer) and initialises
        missing weights/biases uniform in ±1/sqrt(in) from numpy default_rng(seed)."""
        if not specs:
            raise ValueError("layers must hold at least one layer")
        for k, spec in enumerate(specs):
            for key, n in (("in", spec.in_features), ("out", spec.out_features)):
                if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                    raise ValueError(f"layers[{k}].{key} must be an integer >= 1, got {n!r}")
            if k > 0 and spec.in_features != specs[k - 1].out_features:
                raise ValueError(
                    f"layers[{k}].in ({spec.in_features}) must equal "
                    f"layers[{k - 1}].out ({specs[k - 1].out_features})"
                )
        sizes = [s.out_features * (s.in_features + 1) for s in specs]
        parameters = np.zeros(sum(sizes))
        gradients = np.zeros(sum(sizes))
        rng = np.random.default_rng(seed)
        layers = []
        start = 0
        for k, (spec, size) in enumerate(zip(specs, sizes, strict=True)):
            shape = (spec.out_features, spec.in_features + 1)
            theta = parameters[start : start + size].reshape(shape)
            grad = gradients[start : start + size].reshape(shape)
            start += size
            try:
                function = activations.get_activation(spec.activation)
            except ValueError as err:
                raise type(err)(f"layers[{k}].activation: {err}") from err
            try:
                params = activations.resolve_params(spec.activation, spec.params)
            except ValueError as err:
                raise type(err)(f"layers[{k}].params: {err}") from err
            # torch.nn.Linear: kaiming_uniform(a=sqrt(5)) and the bias both give U(±1/sqrt(in))
            bound = 1.0 / math.sqrt(spec.in_features)
            if spec.weight is None:
                theta[:, :-1] = rng.uniform(-bound, bound, size=shape[0:1] + (shape[1] - 1,))
            else:
                theta[:, :-1] = _as_array(
                    spec.weight, (shape[0], shape[1] - 1), f"layers[{k}].weight"
                )
            if spec.bias is None:
                theta[:, -1] = rng.uniform(-bound, bound, size=spec.out_features)
            else:
                theta[:, -1] = _as_array(spec.bias, (spec.out_features,), f"layers[{k}].bias")
            layers.append(
                Layer(
                    spec.in_features,
                    spec.out_features,
                    spec.activation,
                    params,
                    function,
                    theta,
                    grad,
                )
            )
        return cls(layers, parameters, gradients)

    def specs(self) -> list[LayerSpec]:
        return [
            LayerSpec(
                layer.in_features,
                layer.out_features,
                layer.activation,
                dict(layer.params),
                layer.weight.copy(),
                layer.bias.copy(),
            )
            for layer in self.layers
        ]

    def copy(self) -> Network:
        return Network.from_specs(self.specs())

    # -- forward and backward over a Workspace ------------------------------------------

    def forward_into(self, work: Workspace) -> np.ndarray:
        """Runs the layers on ``work.inputs``; returns the output (n, out_last), a view."""
        for call, arguments in work.forward_calls:  # the maths: Workspace.__init__
            call(*arguments)
        return work.prediction

    def backward_into(self, work: Workspace) -> None:
        """From dL/dA of the output in ``work.grad_output`` (after ``forward_into``) fills
        ``self.gradients`` with dL/d[W | b] of every layer, last layer first."""
        for call, arguments in work.backward_calls:  # the maths: Workspace.__init__
            call(*arguments)

    # -- the public, allocating API -------------------------------------------------------

    def forward(self, x: np.ndarray) -> ForwardResult:
        """Every layer's pre-activation and activation for x of shape (n, in)."""
        work = Workspace(self, len(x))
        work.load(x)
        output = self.forward_into(work)
        return ForwardResult(output, [z.T for z in work.z], [a.T for a in work.a])

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x).output

    def loss_and_gradients(
        self, x: np.ndarray, y: np.ndarray, loss: Any
    ) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """Loss value and a copy of (dW, db) per layer for ``loss`` (a losses.Loss)."""
        work = Workspace(self, len(x))
        work.load(x)
        value = loss.value_and_grad(self.forward_into(work), np.asarray(y, float), work.grad_output)
        self.backward_into(work)
        return value, [
            (layer.grad[:, :-1].copy(), layer.grad[:, -1].copy()) for layer in self.layers
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready {"layers": [{"in", "out", "activation", "params", "weight", "bias"}]}."""
        return {
            "layers": [
                {
                    "in": layer.in_features,
                    "out": layer.out_features,
                    "activation": layer.activation,
                    "params": dict(layer.params),
                    "weight": layer.weight.tolist(),
                    "bias": layer.bias.tolist(),
                }
                for layer in self.layers
            ]
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], seed: int = 0) -> Network:
        layers = data.get("layers") if isinstance(data, Mapping) else None
        if not isinstance(layers, Sequence) or isinstance(layers, str):
            raise ValueError("network must be {'layers': [...]}")
        specs = []
        for k, layer in enumerate(layers):
            if not isinstance(layer, Mapping):
                raise ValueError(f"layers[{k}] must be an object")
            for key in ("in", "out"):
                if key not in layer:
                    raise ValueError(f"layers[{k}].{key} is required")
            specs.append(
                LayerSpec(
                    layer["in"],
                    layer["out"],
                    layer.get("activation", "identity"),
                    dict(layer.get("params") or {}),
                    layer.get("weight"),
                    layer.get("bias"),
                )
            )
        return cls.from_specs(specs, seed=seed)


class Workspace:
    """Preallocated buffers for one batch size, reused by every step of that size.

    Feature-major (see the module docstring), n = n_samples:
    inputs: (in + 1, n), x.T and a row of ones        z[k], da[k], dz[k]: (out_k, n)
    a_ones[k]: (out_k + 1, n), A_k.T and ones (hidden) a[k]: A_k.T, the first rows of a_ones[k]
    The output layer's identity shares its buffers: a[-1] is z[-1], and any identity's
    dz[k] is da[k]. ``prediction`` and ``grad_output`` are the sample-major views (n, out)
    of a[-1] and da[-1] that a loss reads and writes. ``forward_calls`` and
    ``backward_calls`` are the step itself, as the NumPy calls to make in order, with the
    arrays and views each touches. Their matrix products are bound ``ndarray.dot``
    methods, ``x_dot(y, out)`` = ``np.dot(x, y, out=out)``: the method skips np.dot's
    Python-level dispatch (~0.1 µs).
    """

    def __init__(self, network: Network, n_samples: int):
        n = n_samples
        self.n_samples = n
        self.inputs = np.ones((network.in_features + 1, n))
        self.z: list[np.ndarray] = []
        self.a: list[np.ndarray] = []
        self.a_ones: list[np.ndarray] = []
        self.da: list[np.ndarray] = []
        self.dz: list[np.ndarray] = []
        self.derivative: list[np.ndarray] = []
        last = len(network.layers) - 1
        for k, layer in enumerate(network.layers):
            out = layer.out_features
            z = np.empty((out, n))
            a_ones = np.ones((out + (k < last), n))
            a = z if (k == last and layer.is_identity) else a_ones[:out]
            da = np.empty((out, n))
            self.z.append(z)
            self.a.append(a)
            self.a_ones.append(a_ones)
            self.da.append(da)
            self.dz.append(da if layer.is_identity else np.empty((out, n)))
            self.derivative.append(np.empty((out, n)))
        self.prediction = self.a[-1].T
        self.grad_output = self.da[-1].T
        a_prevs = [self.inputs, *self.a_ones[:-1]]
        # The step as flat lists of (NumPy function, arguments): the loops then do no
        # lookups or branches (the parameters are updated in place, so the views stay
        # valid), and tanh is called directly rather than through its Python wrapper.
        self.forward_calls: list[Call] = []
        for k, layer in enumerate(network.layers):
            # Z.T = [W | b] @ [A_prev, 1].T  (out, n)
            self.forward_calls.append((layer.theta.dot, (a_prevs[k], self.z[k])))
            if self.a[k] is not self.z[k]:  # the output layer's identity: A is Z
                # A.T = f(Z.T)  (out, n)
                self.forward_calls += layer.function.forward_steps(
                    self.z[k], layer.params, self.a[k]
                )
        self.backward_calls: list[Call] = []
        for k in reversed(range(len(network.layers))):
            layer = network.layers[k]
            if not layer.is_identity:  # identity: dZ is dA
                # f'(Z).T, then dZ.T = dA.T * f'(Z).T  (out, n)
                self.backward_calls += layer.function.derivative_steps(
                    self.z[k], self.a[k], layer.params, self.derivative[k]
                )
                self.backward_calls.append(
                    (np.multiply, (self.da[k], self.derivative[k], self.dz[k]))
                )
            # [dW | db] = dZ.T @ [A_prev, 1]  (out, in + 1)
            self.backward_calls.append((self.dz[k].dot, (a_prevs[k].T, layer.grad)))
            if k > 0:  # dA_prev.T = W.T @ dZ.T  (in, n)
                self.backward_calls.append((layer.weight.T.dot, (self.dz[k], self.da[k - 1])))

    def load(self, x: np.ndarray) -> None:
        """Copies samples x of shape (n, in) into the inputs."""
        x = np.asarray(x, dtype=np.float64)
        expected = (self.n_samples, self.inputs.shape[0] - 1)
        if x.ndim != 2 or x.shape != expected:
            raise ValueError(f"x must have shape {expected}, got {x.shape}")
        self.inputs[:-1] = x.T
