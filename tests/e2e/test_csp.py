"""Chromium under the app's Content-Security-Policy: Plotly draws, nothing is blocked.

Two servers, each a uvicorn subprocess on a free loopback port:

- a test-only app (written to ``tmp_path``) that serves a tiny page drawing
  several kinds of Plotly plots under the real middleware, opens a same-origin
  WebSocket (``connect-src 'self'`` must cover it), and a negative-control page
  whose inline script, inline ``<style>`` and cross-origin WebSocket must be blocked
  (proving the violation listener sees what the policy blocks);
- the real app, whose lab pages must draw their plots with zero violations.

Violations are collected by a ``securitypolicyviolation`` listener installed
before any page script runs, and from the console.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import plotly
import pytest
from playwright.sync_api import Browser, Page

from tests.live import free_port, stop, wait_answering

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
LISTENER = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => window.__violations.push({
  directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample,
  source: e.sourceFile, line: e.lineNumber, column: e.columnNumber}));
"""

TEST_APP = """
from pathlib import Path
from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, HTMLResponse
from starlette.websockets import WebSocketDisconnect
from app.middleware import install_middleware
from app.settings import Settings

HERE = Path(__file__).parent
PLOTLY = Path(HERE / "plotly_path.txt").read_text()
app = FastAPI()
install_middleware(app, Settings())

@app.get("/")
def index():
    return HTMLResponse((HERE / "index.html").read_text())

@app.get("/blocked")
def blocked():
    return HTMLResponse((HERE / "blocked.html").read_text())

@app.get("/page.js")
def page_js():
    return FileResponse(HERE / "page.js", media_type="text/javascript")

@app.get("/blocked.js")
def blocked_js():
    return FileResponse(HERE / "blocked.js", media_type="text/javascript")

@app.get("/vendor/plotly.min.js")
def plotly_js():
    return FileResponse(PLOTLY, media_type="text/javascript")

@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        pass
"""

INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>csp</title>
<link rel="icon" href="data:,">
<script src="/vendor/plotly.min.js"></script>
<script type="module" src="/page.js"></script>
</head><body><div id="lines"></div><div id="heat"></div><div id="contour"></div></body></html>
"""

PAGE_JS = """
const x = Array.from({length: 81}, (_, i) => i / 10 - 4);
const layout = {
  title: {text: "tanh"}, hovermode: "x unified",
  shapes: [{type: "rect", x0: -1, x1: 1, y0: -1, y1: 1, fillcolor: "rgba(0,0,255,0.1)"}],
  annotations: [{x: 0.1, y: Math.tanh(0.1), text: "bear", showarrow: true}],
  legend: {orientation: "h"}, yaxis2: {overlaying: "y", side: "right", type: "log"},
};
await Plotly.newPlot("lines", [
  {x, y: x.map(Math.tanh), name: "tanh", mode: "lines"},
  {x, y: x.map((v) => 1 - Math.tanh(v) ** 2), name: "slope", mode: "lines+markers"},
  {x, y: x.map((v) => Math.exp(v)), name: "loss", yaxis: "y2"},
], layout, {responsive: true, displaylogo: false});
await Plotly.react("lines", [{x, y: x.map(Math.sin), name: "sin"}], layout);
const z = x.map((a) => x.map((b) => Math.tanh(a * b)));
await Plotly.newPlot("heat", [{type: "heatmap", z, colorscale: "RdBu"}], {title: {text: "h"}});
await Plotly.newPlot("contour", [{type: "contour", z}, {type: "scatter", x: [1, 2], y: [3, 4]}]);
Plotly.Fx.hover("lines", [{curveNumber: 0, pointNumber: 40}]);
const ws = new WebSocket(`ws://${location.host}/ws/echo`);
window.__ws = await new Promise((resolve) => {
  ws.onopen = () => ws.send("ping");
  ws.onmessage = (e) => resolve(e.data);
  ws.onerror = () => resolve("error");
});
window.__done = document.querySelectorAll(".main-svg").length;
"""

BLOCKED_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>blocked</title>
<link rel="icon" href="data:,">
<style>body { background: red; }</style>
<script>window.__inline = true;</script>
<script type="module" src="/blocked.js"></script>
</head><body><button onclick="window.__handler = true">x</button></body></html>
"""

BLOCKED_JS = """
document.querySelector("button").click();
let evalRan = false;
try { evalRan = eval("true"); } catch (e) { evalRan = false; }
const other = `ws://localhost:${location.port}/ws/echo`;
let wsBlocked = false;
try { new WebSocket(other); } catch (e) { wsBlocked = true; }
await new Promise((r) => setTimeout(r, 300));
window.__result = {inline: window.__inline === true, handler: window.__handler === true, evalRan};
"""


def start_server(target: str, cwd: Path, extra_path: Path | None = None) -> tuple[Any, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    args = [sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port)]
    if extra_path is not None:
        args += ["--app-dir", str(extra_path)]
    log = (cwd / f"uvicorn-{port}.log").open("w+")
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    wait_answering(base + "/vendor/plotly.min.js", process, log=Path(log.name))
    return process, base


@pytest.fixture(scope="module")
def test_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("csp_app")
    (root / "csp_app.py").write_text(textwrap.dedent(TEST_APP))
    (root / "plotly_path.txt").write_text(str(PLOTLY_JS))
    (root / "index.html").write_text(INDEX_HTML)
    (root / "page.js").write_text(PAGE_JS)
    (root / "blocked.html").write_text(BLOCKED_HTML)
    (root / "blocked.js").write_text(BLOCKED_JS)
    process, base = start_server("csp_app:app", root, extra_path=root)
    yield base
    stop(process)


@pytest.fixture(scope="module")
def real_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, base = start_server("app.main:app", tmp_path_factory.mktemp("real_app"))
    yield base
    stop(process)


def open_page(browser: Browser) -> tuple[Page, list[str]]:
    page = browser.new_page()
    page.add_init_script(LISTENER)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    return page, console


def wait_for(page: Page, expression: str, console: list[str], timeout: float = 30_000) -> None:
    """Waits for ``expression`` (a function: a string would need 'unsafe-eval')."""
    try:
        page.wait_for_function(expression, timeout=timeout)
    except Exception as exc:
        violations = page.evaluate("window.__violations")
        raise AssertionError(f"{exc}\nconsole: {console}\nviolations: {violations}") from exc


def csp_console(console: list[str]) -> list[str]:
    return [m for m in console if "Content Security Policy" in m or "strict CSP" in m]


def test_plotly_draws_under_the_policy_with_no_violation(chromium: Browser, test_app: str) -> None:
    page, console = open_page(chromium)
    response = page.goto(test_app + "/")
    assert response is not None
    assert "style-src-attr 'unsafe-inline'" in response.headers["content-security-policy"]
    wait_for(page, "() => window.__done !== undefined", console)
    assert page.evaluate("window.__done") >= 3  # every plot drew its SVG
    assert page.locator("#lines .scatterlayer .trace").count() == 1
    assert page.locator("#heat .heatmaplayer image, #heat .hm image").count() >= 1
    assert page.evaluate("window.__ws") == "ping"  # connect-src 'self' covers ws://same-host
    assert page.evaluate("window.__violations") == []
    assert csp_console(console) == [], console
    assert [m for m in console if m.startswith(("error", "pageerror"))] == []
    page.close()


def test_the_policy_blocks_inline_code_eval_and_other_origins(
    chromium: Browser, test_app: str
) -> None:
    page, console = open_page(chromium)
    page.goto(test_app + "/blocked")
    wait_for(page, "() => window.__result !== undefined", console)
    assert page.evaluate("window.__result") == {
        "inline": False,
        "handler": False,
        "evalRan": False,
    }
    # The body did not turn red: the inline <style> was blocked.
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    directives = {v["directive"] for v in page.evaluate("window.__violations")}
    assert {"script-src-elem", "script-src-attr", "style-src-elem", "connect-src"} <= directives
    assert "script-src" in directives  # eval
    page.close()


@pytest.mark.parametrize("path", ["/neuron", "/activations", "/compose", "/"])
def test_real_pages_render_with_no_violation(chromium: Browser, real_app: str, path: str) -> None:
    page, console = open_page(chromium)
    response = page.goto(real_app + path)
    assert response is not None and response.status == 200
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    page.wait_for_load_state("networkidle")
    if path != "/":
        page.wait_for_selector(".main-svg", timeout=30_000)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__violations") == []
    assert csp_console(console) == [], console
    page.close()
