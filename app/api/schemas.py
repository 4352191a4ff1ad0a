"""Request and response models: validation lives here, at the edge.

Pydantic checks shapes, types, finiteness and the fixed bounds; the limits
that are settings (sizes, epochs, ...) are checked by ``check_*`` helpers in
the routes against ``app.state.settings``, so an operator can change them.
Engine objects are built from these models in ``app/api/convert.py``; the
engine never sees a pydantic model.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.engine.activations import ACTIVATIONS, BadActivationParams, resolve_params

# Every number that reaches the engine is finite (JSON has no NaN; Python's
# parser accepts the NaN/Infinity literals, pydantic refuses them here).
Finite = Annotated[float, Field(allow_inf_nan=False)]
ParamValue = Annotated[float, Field(allow_inf_nan=False)] | str
# Weights and data beyond this magnitude only overflow; refusing them is kinder.
BIG = 1e12
Bounded = Annotated[float, Field(allow_inf_nan=False, ge=-BIG, le=BIG)]


class Strict(BaseModel):
    """Unknown fields are a 422: a typo in a field name should not be silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _check_activation(name: str) -> str:
    if name not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ValueError(f"unknown activation {name!r}; known activations: {known}")
    return name


def _check_params(name: str, params: dict[str, Any]) -> None:
    try:
        resolve_params(name, params)
    except BadActivationParams as error:
        raise ValueError(str(error)) from error


# ----- activations -----------------------------------------------------------------


class EvaluateRequest(Strict):
    name: str = Field(examples=["tanh"], description="Activation name (lower-case torch.nn class).")
    params: dict[str, ParamValue] = Field(
        default_factory=dict, description="The activation's own parameters, torch.nn names."
    )
    x: list[Bounded] = Field(min_length=1, description="Inputs.")

    _name = field_validator("name")(_check_activation)

    @model_validator(mode="after")
    def _params_known(self) -> EvaluateRequest:
        _check_params(self.name, self.params)
        return self


class EvaluateResponse(BaseModel):
    y: list[float]
    dy: list[float] = Field(description="Derivative with respect to the input.")


class NeuronRequest(Strict):
    """One neuron o = f(w·x + b) over the given x values."""

    activation: str = Field("tanh", examples=["tanh"])
    params: dict[str, ParamValue] = Field(default_factory=dict)
    w: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)] = 1.0
    b: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)] = 0.0
    x: list[Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]] = Field(min_length=1)

    _name = field_validator("activation")(_check_activation)

    @model_validator(mode="after")
    def _params_known(self) -> NeuronRequest:
        _check_params(self.activation, self.params)
        return self


class Ranges(BaseModel):
    sensitive: list[list[float]]
    saturated: list[list[float]]
    threshold: float
    definition: str


class NeuronResponse(BaseModel):
    x: list[float]
    z: list[float] = Field(description="The linear part w·x + b.")
    y: list[float | None] = Field(description="f(z); null where it overflows.")
    dy_dz: list[float | None]
    dy_dx: list[float | None]
    ranges: Ranges


# ----- networks ---------------------------------------------------------------------


class LayerModel(Strict):
    in_features: int = Field(alias="in", ge=1, description="Inputs of the layer.")
    out_features: int = Field(alias="out", ge=1, description="Units of the layer.")
    activation: str = "identity"
    params: dict[str, ParamValue] = Field(default_factory=dict)
    weight: list[list[Bounded]] | None = Field(
        None, description="Shape (out, in), as torch.nn.Linear."
    )
    bias: list[Bounded] | None = Field(None, description="Shape (out,).")

    _name = field_validator("activation")(_check_activation)

    @model_validator(mode="after")
    def _shapes(self) -> LayerModel:
        _check_params(self.activation, self.params)
        if self.weight is not None:
            if len(self.weight) != self.out_features or any(
                len(row) != self.in_features for row in self.weight
            ):
                raise ValueError(
                    f"weight must have shape (out, in) = ({self.out_features}, {self.in_features})"
                )
        if self.bias is not None and len(self.bias) != self.out_features:
            raise ValueError(f"bias must have shape (out,) = ({self.out_features},)")
        return self


class NetworkModel(Strict):
    layers: list[LayerModel] = Field(min_length=1)

    @model_validator(mode="after")
    def _chain(self) -> NetworkModel:
        for k in range(1, len(self.layers)):
            if self.layers[k].in_features != self.layers[k - 1].out_features:
                raise ValueError(
                    f"layers[{k}].in ({self.layers[k].in_features}) must equal "
                    f"layers[{k - 1}].out ({self.layers[k - 1].out_features})"
                )
        return self


class ForwardRequest(Strict):
    network: NetworkModel
    x: list[list[Bounded]] | list[Bounded] = Field(
        description="Rows of inputs; a flat list means one input feature.", min_length=1
    )
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Seed for missing weights.")


class LayerOutputs(BaseModel):
    pre_activation: list[list[float | None]]
    activation: list[list[float | None]]


class ForwardResponse(BaseModel):
    output: list[list[float | None]]
    layers: list[LayerOutputs]
    network: dict[str, Any]


class ExportRequest(Strict):
    network: NetworkModel
    seed: int = Field(0, ge=0, le=2**32 - 1)


# ----- training ---------------------------------------------------------------------


class DataModel(Strict):
    """Exactly one source: a preset ``dataset``, inline ``x``/``y``, a ``formula`` or ``csv`` text."""

    dataset: str | None = Field(None, examples=["thermometer"])
    x: list[list[Bounded]] | list[Bounded] | None = None
    y: list[list[Bounded]] | list[Bounded] | None = None
    formula: str | None = Field(None, examples=["sin(3*x)"])
    csv: str | None = Field(None, description="Pasted CSV: last column y, the others x.")
    x_min: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)] = -3.0
    x_max: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)] = 3.0
    n: int | None = Field(None, ge=1)
    noise: Annotated[float, Field(allow_inf_nan=False, ge=0, le=10)] | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    @model_validator(mode="after")
    def _one_source(self) -> DataModel:
        sources = [
            name
            for name, value in (
                ("dataset", self.dataset),
                ("x", self.x),
                ("formula", self.formula),
                ("csv", self.csv),
            )
            if value is not None
        ]
        if len(sources) != 1:
            raise ValueError("give exactly one of dataset, x/y, formula or csv")
        if (self.x is None) != (self.y is None):
            raise ValueError("x and y go together")
        if self.formula is not None and not self.x_min < self.x_max:
            raise ValueError("x_min must be less than x_max")
        return self


class OptimizerModel(Strict):
    name: Literal["sgd", "adam", "rmsprop", "adagrad"] = "sgd"
    lr: Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e3)] | None = Field(
        None, description="Default 0.01 for sgd (this API's default), torch's for the others."
    )
    momentum: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)] | None = None
    dampening: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)] | None = None
    nesterov: bool | None = None
    weight_decay: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e3)] | None = None
    betas: (
        tuple[
            Annotated[float, Field(allow_inf_nan=False, ge=0, lt=1)],
            Annotated[float, Field(allow_inf_nan=False, ge=0, lt=1)],
        ]
        | None
    ) = None
    eps: Annotated[float, Field(allow_inf_nan=False, gt=0, le=1)] | None = None
    amsgrad: bool | None = None
    alpha: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1)] | None = None
    centered: bool | None = None
    lr_decay: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e3)] | None = None
    initial_accumulator_value: Annotated[float, Field(allow_inf_nan=False, ge=0, le=1e6)] | None = (
        None
    )

    def hyper_parameters(self) -> dict[str, Any]:
        """The fields the caller set (the engine fills in torch's defaults)."""
        chosen = self.model_dump(exclude_none=True, exclude={"name"})
        if self.name == "sgd" and self.lr is None:
            chosen["lr"] = 0.01
        if "betas" in chosen:
            chosen["betas"] = tuple(chosen["betas"])
        return chosen


class GridModel(Strict):
    x_min: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]
    x_max: Annotated[float, Field(allow_inf_nan=False, ge=-1e6, le=1e6)]
    n: int = Field(200, ge=2)

    @model_validator(mode="after")
    def _ordered(self) -> GridModel:
        if not self.x_min < self.x_max:
            raise ValueError("x_min must be less than x_max")
        return self


class TrainRequest(Strict):
    network: NetworkModel
    data: DataModel
    input_scale: Annotated[float, Field(allow_inf_nan=False, gt=-1e6, lt=1e6)] = 1.0
    loss: Literal["mse", "l1", "huber", "bce_with_logits", "cross_entropy"] = "mse"
    loss_params: dict[str, Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e6)]] = Field(
        default_factory=dict, description='{"delta": 1.0} for huber.'
    )
    optimizer: OptimizerModel = Field(default_factory=OptimizerModel)
    epochs: int = Field(100, ge=0)
    batch_size: int | None = Field(None, ge=1)
    val_fraction: Annotated[float, Field(allow_inf_nan=False, ge=0, lt=1)] = 0.0
    seed: int = Field(0, ge=0, le=2**32 - 1)
    record_every: int = Field(1, ge=1)
    grid: GridModel | None = None


class HistoryEntry(BaseModel):
    epoch: int
    train_loss: float | None
    val_loss: float | None


class TrainResponse(BaseModel):
    history: list[HistoryEntry]
    network: dict[str, Any]
    stopped: Literal["completed", "diverged", "stopped"]
    train_indices: list[int]
    val_indices: list[int]


class ControlMessage(Strict):
    action: Literal["pause", "resume", "step", "stop", "set"]
    lr: Annotated[float, Field(allow_inf_nan=False, gt=0, le=1e3)] | None = None

    @model_validator(mode="after")
    def _lr_with_set(self) -> ControlMessage:
        if self.action == "set" and self.lr is None:
            raise ValueError('"set" needs "lr"')
        return self


class DatasetInfo(BaseModel):
    name: str
    kind: Literal["regression", "classification"]
    description: str


class DatasetData(BaseModel):
    x: list[list[float]]
    y: list[list[float]]
