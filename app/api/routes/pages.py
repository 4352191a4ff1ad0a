"""Server-rendered lab pages, their translations, and Plotly.js served from the plotly package.

Pages are rendered in the learner's language on the server (no flash of English, and search
engines see the text); the same strings go to the page's scripts as a ``data-strings``
attribute, since the Content-Security-Policy allows no inline script.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from fastapi.templating import Jinja2Templates

from app.paths import STATIC_DIR, TEMPLATES_DIR

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))

LANGUAGES = ("en", "zh")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "lang"
ONE_YEAR = 365 * 24 * 3600

# (page name, path): the nav bar and the landing page list these; later labs join here.
LABS: tuple[tuple[str, str], ...] = (
    ("neuron", "/neuron"),
    ("activations", "/activations"),
    ("compose", "/compose"),
)

PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
PLOTLY_VERSION = plotly.__version__


@lru_cache
def translations(lang: str) -> dict[str, str]:
    """The flat ``key -> text`` dictionary of one language, from static/i18n/<lang>.json."""
    with (STATIC_DIR / "i18n" / f"{lang}.json").open(encoding="utf-8") as handle:
        strings: dict[str, str] = json.load(handle)
    return strings


def pick_language(request: Request) -> str:
    """?lang= first, then the remembered choice (cookie), then the browser's preference."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    accept = request.headers.get("accept-language", "").lower()
    first = accept.split(",")[0].strip()
    return "zh" if first.startswith("zh") else DEFAULT_LANGUAGE


def render(request: Request, template: str, page: str) -> Response:
    lang = pick_language(request)
    strings = translations(lang)
    context: dict[str, Any] = {
        "lang": lang,
        "t": strings,
        "page": page,
        "labs": LABS,
        "languages": LANGUAGES,
        "strings_json": json.dumps(strings, ensure_ascii=False, separators=(",", ":")),
        "plotly_version": PLOTLY_VERSION,
    }
    response = templates.TemplateResponse(request, template, context)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=ONE_YEAR, samesite="lax")
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@router.get("/")
def index(request: Request) -> Response:
    return render(request, "index.html", "index")


@router.get("/neuron")
def neuron(request: Request) -> Response:
    return render(request, "neuron.html", "neuron")


@router.get("/activations")
def activations(request: Request) -> Response:
    return render(request, "activations.html", "activations")


@router.get("/compose")
def compose(request: Request) -> Response:
    return render(request, "compose.html", "compose")


@router.get("/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    # The pages ask for ?v=<plotly version>, so a year-long cache is safe across upgrades.
    return FileResponse(
        PLOTLY_JS,
        media_type="text/javascript",
        headers={"Cache-Control": f"public, max-age={ONE_YEAR}, immutable"},
    )
