"""Security headers, body-size limit, structured request logging (STUB — to be implemented)."""

from fastapi import FastAPI

from app.settings import Settings


def install_middleware(app: FastAPI, settings: Settings) -> None:
    return None
