"""Load test: N concurrent WebSocket training sessions plus a stream of /api/forward requests.

Starts the server itself (``python -m app --workers W`` on a free loopback port),
and for every (workers, N) pair opens N WebSocket sessions that each train the
book's 1-13-1 tanh net on 500 points of sin(3x) with a 200-point grid and many
epochs, reading snapshots for ``--seconds``; at the same time a client sends
/api/forward requests one after another. Then it reports, per run:

- per-session snapshot rate (median and minimum over the sessions),
- p95 of the gaps between two snapshots of a session (all sessions pooled),
- p95 latency of /api/forward,
- refused sessions (past NP_MAX_SESSIONS: close code 1013),
- the server's memory: RSS of the server process and its children, from /proc.

Goal on a 2-core machine: 50 sessions, each above 10 snapshots/s with a p95 gap
under 250 ms, and /api/forward p95 under 50 ms.

    python bench/load.py                     # workers 1 and 2, N = 10, 50, 100
    python bench/load.py --workers 1 --sessions 50 --seconds 5

Loopback only; every loop is bounded; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

REPO = Path(__file__).resolve().parents[1]

TRAINING_REQUEST: dict[str, Any] = {
    "network": {
        "layers": [
            {"in": 1, "out": 13, "activation": "tanh"},
            {"in": 13, "out": 1, "activation": "identity"},
        ]
    },
    # 500 points: enough work that no session finishes its epochs inside the window
    "data": {"formula": "sin(3*x)", "x_min": -3, "x_max": 3, "n": 500},
    "optimizer": {"name": "sgd", "lr": 0.001},
    "epochs": 100_000,
    "grid": {"x_min": -3, "x_max": 3, "n": 200},
}
FORWARD_REQUEST = {
    "network": TRAINING_REQUEST["network"],
    "x": [i / 10 for i in range(100)],
}


@dataclass
class Run:
    workers: int
    sessions: int
    rates: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)
    forward: list[float] = field(default_factory=list)
    forward_errors: int = 0
    refused: int = 0
    failed: int = 0
    rss_mb: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MiB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    total_kb = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


class Server:
    def __init__(self, workers: int, max_sessions: int | None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "NP_LOG_LEVEL": "warning", "PYTHONPATH": str(REPO)}
        if max_sessions is not None:
            env["NP_MAX_SESSIONS"] = str(max_sessions)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(self.port)]
            + ["--workers", str(workers)],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError("the server did not start")
            try:
                httpx.get(self.base + "/healthz", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the server did not answer /healthz") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def session(port: int, seconds: float, run: Run, start: asyncio.Event) -> None:
    await start.wait()
    uri = f"ws://127.0.0.1:{port}/ws/train"
    stamps: list[float] = []
    try:
        async with websockets.connect(uri, max_size=None, open_timeout=30) as ws:
            await ws.send(json.dumps(TRAINING_REQUEST))
            deadline = time.perf_counter() + seconds
            ended = False
            while time.perf_counter() < deadline:
                try:
                    raw = await asyncio.wait_for(ws.recv(), deadline - time.perf_counter())
                except TimeoutError:
                    break
                message = json.loads(raw)
                if "epoch" in message and "train_loss" in message:
                    stamps.append(time.perf_counter())
                if "error" in message and not stamps:
                    run.refused += 1  # e.g. past NP_MAX_SESSIONS: an error, then close 1013
                    return
                if message.get("done") or "error" in message:
                    ended = True  # the run ended (or was ended) by itself: nothing to stop
                    break
            if not ended:
                await ws.send(json.dumps({"action": "stop"}))
    except websockets.ConnectionClosed as closed:
        if closed.rcvd is not None and closed.rcvd.code == 1013:
            run.refused += 1
            return
        run.failed += 1
    except OSError:
        run.failed += 1
        return
    if len(stamps) >= 2:
        run.rates.append((len(stamps) - 1) / (stamps[-1] - stamps[0]))
        run.gaps.extend(b - a for a, b in zip(stamps, stamps[1:], strict=False))
    elif stamps:
        run.rates.append(0.0)


async def forward_stream(base: str, seconds: float, run: Run, start: asyncio.Event) -> None:
    await start.wait()
    await asyncio.sleep(1.0)  # let the sessions start first
    deadline = time.perf_counter() + seconds - 1.5
    async with httpx.AsyncClient(base_url=base, timeout=10) as http:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                response = await http.post("/api/forward", json=FORWARD_REQUEST)
                if response.status_code == 200:
                    run.forward.append(time.perf_counter() - began)
                else:
                    run.forward_errors += 1
            except httpx.HTTPError:
                run.forward_errors += 1
            await asyncio.sleep(0.05)


async def measure(server: Server, run: Run, seconds: float) -> None:
    start = asyncio.Event()
    tasks = [
        asyncio.create_task(session(server.port, seconds, run, start)) for _ in range(run.sessions)
    ]
    tasks.append(asyncio.create_task(forward_stream(server.base, seconds, run, start)))

    async def sample_memory() -> None:
        await start.wait()
        for _ in range(int(seconds * 2) + 10):
            run.rss_mb = max(run.rss_mb, rss_mb(server.process.pid))
            await asyncio.sleep(0.5)
            if all(t.done() for t in tasks):
                return

    sampler = asyncio.create_task(sample_memory())
    start.set()
    await asyncio.wait_for(asyncio.gather(*tasks), seconds + 60)
    sampler.cancel()


def row(run: Run) -> str:
    rates = run.rates or [float("nan")]
    return (
        f"| {run.workers} | {run.sessions} | {len(run.rates)} | {run.refused + run.failed} "
        f"| {statistics.median(rates):.1f} | {min(rates):.1f} "
        f"| {percentile(run.gaps, 0.95) * 1000:.0f} "
        f"| {percentile(run.forward, 0.95) * 1000:.1f} ({len(run.forward)}) "
        f"| {run.rss_mb:.0f} |"
    )


HEADER = (
    "| workers | sessions | measured | refused/failed | snapshots/s median | snapshots/s min "
    "| p95 gap ms | /api/forward p95 ms (n) | RSS MiB |\n"
    "|---|---|---|---|---|---|---|---|---|"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=None,
        help="NP_MAX_SESSIONS for the server (default: the app's own default)",
    )
    args = parser.parse_args(argv)
    print(HEADER, flush=True)
    for workers in args.workers:
        for sessions in args.sessions:
            server = Server(workers, args.max_sessions)
            run = Run(workers, sessions)
            try:
                asyncio.run(measure(server, run, args.seconds))
            finally:
                server.stop()
            print(row(run), flush=True)


if __name__ == "__main__":
    main()
