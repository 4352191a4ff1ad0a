"""What the tests that need a real server or a real browser share.

A free loopback port, waiting for a server to answer, and how to launch Debian's
Chromium here (Playwright drives the system's browser; it never downloads one).
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
# No sandbox as root; no GPU here; no background traffic on a machine with a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_answering(
    url: str, process: subprocess.Popen[Any], timeout: float = 30.0, log: Path | None = None
) -> None:
    """Waits until GET ``url`` answers 200; fails at once if the server process exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text() if log is not None and log.exists() else ""
            raise RuntimeError(f"the server exited with code {process.returncode}\n{output}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def stop(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def launch_chromium(driver: Playwright) -> Browser:
    # A missing browser is a failed test, never a skip: the test command installs it.
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: scripts/test.sh installs it"
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
