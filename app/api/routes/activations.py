"""The activation registry, evaluated: the gallery, the neuron lab's curves."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from app.api.convert import json_array
from app.api.errors import check_limit
from app.api.offload import compute
from app.api.schemas import EvaluateRequest, EvaluateResponse, NeuronRequest, NeuronResponse
from app.engine import activations

router = APIRouter(prefix="/api", tags=["activations"])


@router.get("/activations")
def list_activations() -> list[dict[str, Any]]:
    """Every activation with its torch.nn name, default parameters, formula and properties."""
    return activations.registry_summary()


@router.post("/activations/evaluate", response_model=EvaluateResponse)
async def evaluate(body: EvaluateRequest, request: Request) -> dict[str, Any]:
    """The activation and its derivative with respect to the input at each x."""
    check_limit(("body", "x"), len(body.x), request.app.state.settings.max_points, "points")
    return await compute(len(body.x), _evaluate, body)


def _evaluate(body: EvaluateRequest) -> dict[str, Any]:
    y, dy = activations.evaluate(body.name, np.asarray(body.x, dtype=np.float64), body.params)
    return {"y": json_array(y), "dy": json_array(dy)}


@router.post("/neuron", response_model=NeuronResponse)
async def neuron(body: NeuronRequest, request: Request) -> dict[str, Any]:
    """One neuron o = f(w·x + b): its curve, slopes, and its sensitive and saturated x ranges."""
    check_limit(("body", "x"), len(body.x), request.app.state.settings.max_points, "points")
    return await compute(len(body.x), _neuron, body)


def _neuron(body: NeuronRequest) -> dict[str, Any]:
    x = np.asarray(body.x, dtype=np.float64)
    pre_activation = body.w * x + body.b
    y, dy_dz = activations.evaluate(body.activation, pre_activation, body.params)
    x_min, x_max = float(x.min()), float(x.max())
    if x_min == x_max:  # a single point still belongs to one range or the other
        half_width = max(1e-9, abs(x_min) * 1e-9)
        x_min, x_max = x_min - half_width, x_max + half_width
    ranges = activations.ranges(body.activation, body.params, body.w, body.b, x_min, x_max)
    return {
        "x": body.x,
        "z": json_array(pre_activation),
        "y": json_array(y),
        "dy_dz": json_array(dy_dz),
        "dy_dx": json_array(body.w * dy_dz),
        "ranges": ranges,
    }
