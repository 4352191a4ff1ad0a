from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def make_client(**overrides: object) -> TestClient:
    """A client for an app with some settings changed (use it in a `with`)."""
    return TestClient(create_app(Settings(**overrides)))  # type: ignore[arg-type]


def error_locs(response) -> list[list]:
    assert response.status_code == 422, response.text
    return [error["loc"] for error in response.json()["detail"]]


def messages(response) -> str:
    return " | ".join(error["msg"] for error in response.json()["detail"])


async def idle_closer(reason: str) -> None:
    """Stands for a session that is already running."""
