"""The lab pages and Plotly.js, through TestClient; templates carry no inline code."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.paths import STATIC_DIR, TEMPLATES_DIR
from app.settings import Settings

PAGES = ["/", "/neuron", "/activations", "/compose"]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as test_client:
        yield test_client


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_pages_render_in_both_languages(client: TestClient, path: str, lang: str) -> None:
    response = client.get(path, params={"lang": lang})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f'data-lang="{lang}"' in html
    assert ("神经元游乐场" in html) == (lang == "zh")
    assert response.cookies.get("lang") == lang
    for link in ('href="/neuron"', 'href="/activations"', 'href="/compose"'):
        assert link in html
    for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE):
        assert not pattern.search(html), pattern.pattern
    assert "javascript:" not in html
    assert "cdn" not in html.lower()


def test_language_comes_from_cookie_then_accept_language(client: TestClient) -> None:
    client.cookies.clear()
    assert 'data-lang="zh"' in client.get("/", headers={"Accept-Language": "zh-CN,zh"}).text
    assert 'data-lang="en"' in client.get("/", headers={"Accept-Language": "en-GB"}).text
    client.cookies.set("lang", "zh")
    assert 'data-lang="zh"' in client.get("/neuron").text
    client.cookies.clear()


def test_lab_pages_load_plotly_from_the_app(client: TestClient) -> None:
    for path in PAGES[1:]:
        html = client.get(path).text
        assert re.search(r'<script src="/vendor/plotly\.min\.js\?v=[^"]+" defer></script>', html)
        assert re.search(r'<script type="module" src="/static/js/\w+\.js"></script>', html)


def test_plotly_is_served_with_a_long_cache(client: TestClient) -> None:
    response = client.get("/vendor/plotly.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "max-age=31536000" in response.headers["cache-control"]
    assert "plotly.js" in response.text[:500]
    assert len(response.content) > 1_000_000


def test_templates_have_no_inline_code() -> None:
    for template in TEMPLATES_DIR.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, STYLE_ATTRIBUTE):
            assert not pattern.search(text), f"{template.name}: {pattern.pattern}"
        assert "javascript:" not in text, template.name


def test_scripts_never_evaluate_strings() -> None:
    for script in (STATIC_DIR / "js").glob("*.js"):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"\beval\s*\(|new\s+Function\s*\(|setTimeout\s*\(\s*[\"'`]", text), (
            script.name
        )
        assert ".innerHTML" not in text, script.name


def test_both_languages_have_the_same_keys() -> None:
    import json

    english = json.loads((STATIC_DIR / "i18n" / "en.json").read_text(encoding="utf-8"))
    chinese = json.loads((STATIC_DIR / "i18n" / "zh.json").read_text(encoding="utf-8"))
    assert english.keys() == chinese.keys()
    assert all(chinese.values())
