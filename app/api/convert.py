"""From validated request models to engine objects, and from arrays back to JSON.

The settings limits are checked here, where the models become arrays, so every
route that takes a network, data or a training request applies the same limits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from app.api.errors import check_limit, engine_errors, validation_error
from app.api.schemas import DataModel, NetworkModel, TrainRequest
from app.engine.csvdata import parse_csv
from app.engine.datasets import load_dataset
from app.engine.formula import parse_formula
from app.engine.network import LayerSpec, Network
from app.engine.training import TrainConfig
from app.settings import Settings


def json_array(values: np.ndarray) -> list[Any]:
    """Nested lists of floats, with ``None`` where a value is not finite (JSON has no NaN)."""
    if np.isfinite(values).all():
        return values.tolist()
    as_objects = values.astype(object)
    as_objects[~np.isfinite(values)] = None
    return as_objects.tolist()


def as_rows(values: list[Any], loc: tuple[str | int, ...]) -> np.ndarray:
    """A flat list is one feature per row; nested lists must be rectangular."""
    if values and not isinstance(values[0], list):
        if any(isinstance(v, list) for v in values):
            raise validation_error(loc, "mixes numbers and lists")
        return np.asarray(values, dtype=np.float64).reshape(-1, 1)
    width = len(values[0])
    if width == 0 or any(not isinstance(row, list) or len(row) != width for row in values):
        raise validation_error(loc, "rows must all have the same, non-zero length")
    return np.asarray(values, dtype=np.float64)


def check_network(network: NetworkModel, settings: Settings) -> None:
    check_limit(("body", "network", "layers"), len(network.layers), settings.max_layers, "layers")
    for k, layer in enumerate(network.layers):
        for field, size in (("in", layer.in_features), ("out", layer.out_features)):
            check_limit(
                ("body", "network", "layers", k, field), size, settings.max_units, "units a layer"
            )


def build_network(network: NetworkModel, settings: Settings, seed: int) -> Network:
    check_network(network, settings)
    specs = [
        LayerSpec(
            in_features=layer.in_features,
            out_features=layer.out_features,
            activation=layer.activation,
            params=dict(layer.params),
            weight=None if layer.weight is None else np.asarray(layer.weight, dtype=np.float64),
            bias=None if layer.bias is None else np.asarray(layer.bias, dtype=np.float64),
        )
        for layer in network.layers
    ]
    with engine_errors(("body", "network")):
        return Network.from_specs(specs, seed=seed)


def load_data(
    data: DataModel, settings: Settings, seed: int, loc: tuple[str | int, ...] = ("body", "data")
) -> tuple[np.ndarray, np.ndarray]:
    if data.n is not None:
        check_limit((*loc, "n"), data.n, settings.max_rows, "rows")
    if data.dataset is not None:
        with engine_errors((*loc, "dataset")):
            kwargs: dict[str, Any] = {"seed": data.seed if data.seed is not None else seed}
            if data.n is not None:
                kwargs["n"] = data.n
            if data.noise is not None:
                kwargs["noise"] = data.noise
            return load_dataset(data.dataset, **kwargs)
    if data.x is not None and data.y is not None:
        x = as_rows(data.x, (*loc, "x"))
        y = as_rows(data.y, (*loc, "y"))
        check_limit((*loc, "x"), len(x), settings.max_rows, "rows")
        if len(x) != len(y):
            raise validation_error((*loc, "y"), f"y has {len(y)} rows but x has {len(x)}")
        return x, y
    if data.formula is not None:
        if len(data.formula) > settings.max_formula_length:
            raise validation_error(
                (*loc, "formula"),
                f"at most {settings.max_formula_length} characters allowed, got {len(data.formula)}",
            )
        with engine_errors((*loc, "formula")):
            formula = parse_formula(data.formula, max_length=settings.max_formula_length)
        n = data.n if data.n is not None else 100
        x = np.linspace(data.x_min, data.x_max, n).reshape(-1, 1)
        with np.errstate(all="ignore"):
            y = np.asarray(formula.evaluate(x), dtype=np.float64).reshape(-1, 1)
        if data.noise:
            rng = np.random.default_rng(data.seed if data.seed is not None else seed)
            y = y + rng.normal(0.0, data.noise, size=y.shape)
        if not np.isfinite(y).all():
            bad = float(x[~np.isfinite(y)[:, 0], 0][0])
            raise validation_error(
                (*loc, "formula"), f"the formula is not finite at x = {bad:.6g}; narrow the x range"
            )
        return x, y
    assert data.csv is not None
    with engine_errors((*loc, "csv")):
        return parse_csv(data.csv, max_rows=settings.max_rows)


def train_config(request: TrainRequest, settings: Settings, in_features: int) -> TrainConfig:
    check_limit(("body", "epochs"), request.epochs, settings.max_epochs, "epochs")
    grid = None
    if request.grid is not None:
        if in_features != 1:
            raise validation_error(
                ("body", "grid"), "a grid needs a network with one input feature"
            )
        check_limit(("body", "grid", "n"), request.grid.n, settings.max_grid_points, "grid points")
        grid = np.linspace(request.grid.x_min, request.grid.x_max, request.grid.n).reshape(-1, 1)
    return TrainConfig(
        loss=request.loss,
        loss_params=dict(request.loss_params),
        optimizer=request.optimizer.name,
        optimizer_params=request.optimizer.hyper_parameters(),
        epochs=request.epochs,
        batch_size=request.batch_size,
        val_fraction=request.val_fraction,
        seed=request.seed,
        input_scale=request.input_scale,
        record_every=request.record_every,
        max_history=settings.max_history,
        grid=grid,
    )
