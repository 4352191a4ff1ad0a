"""Server-rendered lab pages (STUB — to be implemented)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
