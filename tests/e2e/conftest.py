"""A live uvicorn on a free loopback port and Debian's Chromium, shared by the lab tests."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from tests.live import free_port, launch_chromium, stop, wait_answering

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def server_url() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=REPO,
        env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_answering(f"{url}/healthz", process)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright_driver)
    yield browser
    browser.close()


@dataclass
class Lab:
    """A page in a fresh browser context, with every console error and page error it raised."""

    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> Page:
        self.page.goto(f"{self.base_url}{path}")
        return self.page


def watch(page: Page, errors: list[str]) -> None:
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))


@pytest.fixture
def lab(chromium: Browser, server_url: str) -> Iterator[Lab]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    result = Lab(page=page, base_url=server_url)
    watch(page, result.errors)
    yield result
    context.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screenshots")
