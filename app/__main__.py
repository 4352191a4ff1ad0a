"""`python -m app [--host H] [--port P] [--workers N]` and the `neuron-playground` script."""

from __future__ import annotations

import argparse

import uvicorn

from app.settings import get_settings


def main(argv: list[str] | None = None) -> None:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="neuron-playground", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="default: %(default)s (NP_HOST)")
    parser.add_argument(
        "--port", type=int, default=settings.port, help="default: %(default)s (NP_PORT)"
    )
    parser.add_argument(
        "--workers", type=int, default=settings.workers, help="default: %(default)s (NP_WORKERS)"
    )
    args = parser.parse_args(argv)
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=settings.log_level,
        # Our middleware logs one structured line a request instead.
        access_log=False,
        proxy_headers=True,
        # Snapshots are JSON numbers: deflating them cost more CPU than the bytes saved.
        ws_per_message_deflate=False,
        # A long POST /api/train must not hold a shutdown forever.
        timeout_graceful_shutdown=int(settings.shutdown_grace_seconds) + 1,
    )


if __name__ == "__main__":
    main()
