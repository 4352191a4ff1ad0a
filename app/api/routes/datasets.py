"""Preset datasets and CSV parsing for the training and classification labs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from app.api.convert import json_array
from app.api.errors import check_limit, engine_errors
from app.api.schemas import DatasetData
from app.engine.csvdata import parse_csv
from app.engine.datasets import list_datasets, load_dataset

router = APIRouter(prefix="/api", tags=["datasets"])


@router.get("/datasets")
def datasets() -> list[dict[str, Any]]:
    """The presets: name, kind (regression or classification), description."""
    return list_datasets()


@router.get("/datasets/{name}", response_model=DatasetData)
def dataset(
    name: str,
    request: Request,
    n: int | None = Query(None, ge=1, description="Rows, where the preset takes it."),
    noise: float | None = Query(None, ge=0, le=10, allow_inf_nan=False),
    seed: int = Query(0, ge=0, le=2**32 - 1),
) -> dict[str, Any]:
    """One preset's rows: ``thermometer`` is the book's 11 readings (x = t_u, y = t_c)."""
    if n is not None:
        check_limit(("query", "n"), n, request.app.state.settings.max_rows, "rows")
    kwargs: dict[str, Any] = {"seed": seed}
    if n is not None:
        kwargs["n"] = n
    if noise is not None:
        kwargs["noise"] = noise
    with engine_errors(("path", "name")):
        x, y = load_dataset(name, **kwargs)
    return {"x": json_array(x), "y": json_array(y)}


@router.post(
    "/datasets/csv",
    response_model=DatasetData,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def csv_dataset(request: Request) -> dict[str, Any]:
    """Parses pasted or uploaded CSV text (last column y, the others x); never evaluates it."""
    raw = await request.body()
    with engine_errors(("body",)):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ValueError("the CSV must be UTF-8 text") from error
        x, y = parse_csv(text, max_rows=request.app.state.settings.max_rows)
    return {"x": json_array(x), "y": json_array(y)}
