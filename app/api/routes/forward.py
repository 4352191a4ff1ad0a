"""A forward pass that keeps every layer, so the browser can draw every unit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from app.api.convert import as_rows, build_network, json_array
from app.api.errors import check_limit, validation_error
from app.api.offload import compute
from app.api.schemas import ForwardRequest, ForwardResponse
from app.settings import Settings

router = APIRouter(prefix="/api", tags=["network"])


@router.post("/forward", response_model=ForwardResponse)
async def forward(body: ForwardRequest, request: Request) -> dict[str, Any]:
    """Runs the network on x; ``network`` comes back with its weights filled in."""
    rows = len(body.x)
    work = rows * sum(layer.in_features * layer.out_features for layer in body.network.layers)
    return await compute(work, _forward, body, request.app.state.settings)


def _forward(body: ForwardRequest, settings: Settings) -> dict[str, Any]:
    x = as_rows(body.x, ("body", "x"))
    check_limit(("body", "x"), x.size, settings.max_points, "points")
    network = build_network(body.network, settings, body.seed)
    if x.shape[1] != body.network.layers[0].in_features:
        raise validation_error(
            ("body", "x"),
            f"rows have {x.shape[1]} features but layers[0].in is "
            f"{body.network.layers[0].in_features}",
        )
    result = network.forward(x)
    return {
        "output": json_array(result.output),
        "layers": [
            {"pre_activation": json_array(z), "activation": json_array(a)}
            for z, a in zip(result.pre_activations, result.activations, strict=True)
        ],
        "network": network.to_dict(),
    }
