"""422 answers that name the field and the limit, and never echo bad input back.

FastAPI's default validation answer copies the offending input into the body;
for a NaN that is not valid JSON and becomes a 500, and for a 100 000-element
array it is a huge echo. We keep type, location and message only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    cleaned = []
    for error in errors:
        entry: dict[str, Any] = {
            "type": error.get("type", "value_error"),
            "loc": [_safe(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "invalid value"))[:500],
        }
        context = error.get("ctx")
        if isinstance(context, dict):
            limits = {
                key: _safe(value)
                for key, value in context.items()
                if key in {"ge", "gt", "le", "lt", "min_length", "max_length", "expected"}
            }
            if limits:
                entry["ctx"] = limits
        cleaned.append(entry)
    return cleaned


def validation_error(loc: Sequence[str | int], message: str) -> RequestValidationError:
    """A 422 for a check made outside pydantic (settings limits, engine refusals)."""
    return RequestValidationError([{"type": "value_error", "loc": tuple(loc), "msg": message}])


@contextmanager
def engine_errors(loc: Sequence[str | int]) -> Iterator[None]:
    """The engine refuses bad input with ValueError: answer it as a 422 at ``loc``."""
    try:
        yield
    except ValueError as error:
        raise validation_error(loc, str(error)) from error


def check_limit(loc: Sequence[str | int], value: int, limit: int, what: str) -> None:
    if value > limit:
        raise validation_error(loc, f"at most {limit} {what} allowed, got {value}")


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(status_code=422, content={"detail": clean_errors(exc.errors())})


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
