"""Export a network as a runnable PyTorch script."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from app.api.convert import build_network
from app.api.schemas import ExportRequest
from app.engine.export import to_pytorch_script

router = APIRouter(prefix="/api", tags=["export"])


@router.post(
    "/export/pytorch",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/x-python": {"schema": {"type": "string"}}}}},
)
def export_pytorch(body: ExportRequest, request: Request) -> PlainTextResponse:
    """A script that builds the same ``torch.nn.Sequential`` with these weights."""
    network = build_network(body.network, request.app.state.settings, body.seed)
    return PlainTextResponse(
        to_pytorch_script(network),
        media_type="text/x-python",
        headers={"Content-Disposition": 'attachment; filename="neuron_playground_model.py"'},
    )
