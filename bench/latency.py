"""Slider-to-redraw latency in a real browser: p50 and p95 over 100 moves, /neuron and /compose.

Starts uvicorn on a free loopback port, opens each lab in Debian's Chromium and, inside the
page, times from dispatching a slider's ``input`` event to the ``np:drawn`` event the page
fires once Plotly.react has redrawn each plot that depends on it (API round trips included).

    python bench/latency.py [--moves 100] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# (page, slider, every plot that depends on it, centre value the moves swing around);
# on /compose, A's weight changes A, A+B, C(A+B), D(A+B) and their sum: all five must redraw.
CASES = [
    ("/neuron", "#w-range", ["#neuron-plot"], 1.0),
    (
        "/compose",
        "#wa-range",
        ["#panel-a", "#panel-ab", "#panel-cab", "#panel-dab", "#panel-sum"],
        -2.0,
    ),
]

MEASURE = """
async ([slider, plots, centre, moves]) => {
  const input = document.querySelector(slider);
  const targets = plots.map((plot) => document.querySelector(plot));
  const times = [];
  for (let i = 0; i < moves; i++) {
    const drawn = Promise.all(targets.map((target) =>
      new Promise((resolve) => target.addEventListener("np:drawn", resolve, {once: true}))));
    // Alternate sides of the centre so every move changes the value (slider steps are 0.05).
    input.value = String((centre + 0.05 * ((i % 16) + 1) * (i % 2 ? 1 : -1)).toFixed(2));
    const start = performance.now();
    input.dispatchEvent(new Event("input", {bubbles: true}));
    await drawn;
    times.push(performance.now() - start);
  }
  return times;
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                return process, url
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("uvicorn did not become healthy")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=100)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    process, url = start_server()
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            print(f"{'page':<10} {'moves':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
            for path, slider, plots, centre in CASES:
                page.goto(f"{url}{path}")
                page.wait_for_function(
                    "p => { const gd = document.querySelector(p);"
                    " return gd && gd.data && gd.data.length > 0; }",
                    arg=plots[-1],
                )
                page.evaluate(MEASURE, [slider, plots, centre, 10])  # warm-up
                times = page.evaluate(MEASURE, [slider, plots, centre, args.moves])
                print(
                    f"{path:<10} {len(times):>5} {statistics.median(times):>8.1f}"
                    f" {percentile(times, 0.95):>8.1f} {max(times):>8.1f}"
                )
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
