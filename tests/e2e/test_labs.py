"""The lab pages in Chromium against a live server: they draw, respond, agree with the API."""

from __future__ import annotations

import json
import math
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import Lab, watch

pytestmark = pytest.mark.e2e

LABS = ["/neuron", "/activations", "/compose"]
HEADINGS = {
    ("/", "en"): "See what a neuron does",
    ("/", "zh"): "拖动滑块",
    ("/neuron", "en"): "One neuron",
    ("/neuron", "zh"): "一个神经元",
    ("/activations", "en"): "Activation functions",
    ("/activations", "zh"): "激活函数",
    ("/compose", "en"): "Composing neurons",
    ("/compose", "zh"): "组合神经元",
}
# Plots each lab draws once loaded (selectors of their Plotly containers).
PLOTS = {
    "/neuron": ["#neuron-plot"],
    "/activations": ["#gallery-tanh", "#gallery-leakyrelu", "#gallery-mish"],
    "/compose": [f"#panel-{key}" for key in ("a", "b", "ab", "c", "d", "cd", "cab", "dab", "sum")]
    + ["#builder-output"],
}


def post(base_url: str, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{base_url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def wait_drawn(page: Page, selector: str, after: int = 0) -> None:
    """Waits until the plot at `selector` has traces and was redrawn after count `after`."""
    page.wait_for_function(
        """([selector, after]) => {
            const gd = document.querySelector(selector);
            return gd && gd.classList.contains("js-plotly-plot") && gd.data && gd.data.length > 0
                && Number(gd.dataset.drawn || 0) > after;
        }""",
        arg=[selector, after],
        timeout=15_000,
    )


def drawn_count(page: Page, selector: str) -> int:
    return int(page.eval_on_selector(selector, "gd => Number(gd.dataset.drawn || 0)"))


def trace_y(page: Page, selector: str, index: int) -> list[float]:
    return page.eval_on_selector(selector, "(gd, i) => Array.from(gd.data.at(i).y)", index)


def curve_y(page: Page) -> list[float]:
    """The neuron's output curve: the thickest line of the plot."""
    return page.eval_on_selector(
        "#neuron-plot",
        """gd => Array.from(gd.data.find(trace => trace.line && trace.line.width === 3).y)""",
    )


def settle(page: Page) -> None:
    """Waits for the debounced URL write after the last change."""
    page.wait_for_timeout(400)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("path", ["/", *LABS])
def test_page_loads_in_both_languages_and_draws(
    lab: Lab, path: str, lang: str, screenshot_dir: Path
) -> None:
    page = lab.open(f"{path}?lang={lang}")
    assert page.get_attribute("html", "data-lang") == lang
    assert HEADINGS[(path, lang)] in page.inner_text("h1")
    for selector in PLOTS.get(path, []):
        wait_drawn(page, selector)
    if path == "/activations":
        page.wait_for_function(
            "() => document.querySelectorAll('.gallery .js-plotly-plot').length >= 13",
            timeout=15_000,
        )
    page.wait_for_timeout(300)
    name = path.strip("/") or "index"
    page.screenshot(path=str(screenshot_dir / f"{name}-{lang}.png"), full_page=True)
    assert lab.errors == []


def test_pages_fit_a_1024_pixel_window(lab: Lab, screenshot_dir: Path) -> None:
    lab.page.set_viewport_size({"width": 1024, "height": 800})
    for path in LABS:
        page = lab.open(path)
        for selector in PLOTS[path]:
            wait_drawn(page, selector)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 1024px"
        page.screenshot(path=str(screenshot_dir / f"{path.strip('/')}-1024.png"), full_page=True)
    assert lab.errors == []


def test_moving_the_weight_slider_changes_the_curve(lab: Lab) -> None:
    page = lab.open("/neuron")
    wait_drawn(page, "#neuron-plot")
    page.wait_for_selector("#points-body [data-score]:not(:empty)")
    before = curve_y(page)
    count = drawn_count(page, "#neuron-plot")
    page.focus("#w-range")
    for _ in range(20):
        page.keyboard.press("ArrowRight")
    wait_drawn(page, "#neuron-plot", count)
    page.wait_for_function("() => document.getElementById('w-number').value === '1.2'")
    page.wait_for_function(
        "before => { const gd = document.getElementById('neuron-plot');"
        " const y = gd.data.find(t => t.line && t.line.width === 3).y;"
        " return y.some((v, i) => Math.abs(v - before[i]) > 1e-6); }",
        arg=before,
    )
    assert page.get_attribute("#w-range", "aria-describedby") == "w-hint"
    assert page.inner_text("label[for=w-range]").startswith("Weight")
    assert lab.errors == []


def test_dog_bear_and_truck_scores_are_tanh_of_their_inputs(lab: Lab) -> None:
    page = lab.open("/neuron")
    page.wait_for_function(
        "() => document.querySelectorAll('#points-body [data-score]').length === 3"
        " && [...document.querySelectorAll('#points-body [data-score]')]"
        ".every(cell => cell.dataset.score !== '')"
    )
    rows = page.eval_on_selector_all(
        "#points-body tr",
        """rows => rows.map(row => [row.querySelector('input[type=text]').value,
            Number(row.querySelector('input[type=number]').value),
            row.querySelector('[data-score]').textContent])""",
    )
    assert [name for name, _, _ in rows] == ["garbage truck", "bear", "good dog"]
    for _, x, shown in rows:
        score = float(shown.replace("\u2212", "-"))
        assert round(score, 4) == round(math.tanh(x), 4)
    zones = page.eval_on_selector_all(
        "#points-body [data-zone]", "cells => cells.map(c => c.innerText)"
    )
    assert zones == ["saturated", "sensitive", "saturated"]
    assert lab.errors == []


def test_compose_final_panel_matches_the_api(lab: Lab) -> None:
    page = lab.open("/compose")
    wait_drawn(page, "#panel-sum")
    count = drawn_count(page, "#panel-sum")
    page.fill("#wa-number", "-1.5")
    wait_drawn(page, "#panel-sum", count)
    page.wait_for_timeout(200)
    x = page.eval_on_selector("#panel-sum", "gd => Array.from(gd.data.at(-1).x)")
    shown = trace_y(page, "#panel-sum", -1)
    network = {
        "layers": [
            {
                "in": 1,
                "out": 2,
                "activation": "tanh",
                "weight": [[-1.5], [1]],
                "bias": [-1.25, 0.75],
            },
            {
                "in": 2,
                "out": 2,
                "activation": "tanh",
                "weight": [[4, 4], [-3, -3]],
                "bias": [1, 1.5],
            },
            {"in": 2, "out": 1, "activation": "identity", "weight": [[1, 1]], "bias": [0]},
        ]
    }
    expected = [
        row[0] for row in post(lab.base_url, "/api/forward", {"network": network, "x": x})["output"]
    ]
    assert len(shown) == len(expected) == len(x)
    assert max(abs(a - b) for a, b in zip(shown, expected, strict=True)) < 1e-9
    # And the chapter's shape: at the defaults of the others, the curve is no single tanh.
    assert min(x) == -3 and max(x) == 3
    assert lab.errors == []


def test_a_copied_url_restores_the_neuron_lab(lab: Lab, chromium: Any) -> None:
    page = lab.open("/neuron?lang=en")
    wait_drawn(page, "#neuron-plot")
    page.select_option("#activation", "sigmoid")
    page.fill("#w-number", "2.5")
    page.fill("#b-number", "-1")
    page.click("#add-point")
    page.fill("#points-body tr:last-child input[type=text]", "cat")
    page.fill("#points-body tr:last-child input[type=number]", "1.7")
    page.uncheck("#show-derivative")
    page.wait_for_function(
        "() => location.search.includes('w=2.5') && location.search.includes('cat')"
    )
    settle(page)
    count = drawn_count(page, "#neuron-plot")
    wait_drawn(page, "#neuron-plot", count - 1)
    original = curve_y(page)
    url = page.url

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    other = context.new_page()
    watch(other, errors)
    other.goto(url)
    wait_drawn(other, "#neuron-plot")
    other.wait_for_function("() => document.querySelectorAll('#points-body tr').length === 4")
    assert other.input_value("#activation") == "sigmoid"
    assert other.input_value("#w-number") == "2.5"
    assert other.input_value("#b-number") == "-1"
    assert not other.is_checked("#show-derivative")
    assert other.input_value("#points-body tr:last-child input[type=text]") == "cat"
    other.wait_for_function(
        "() => document.querySelector('#points-body tr:last-child [data-score]').dataset.score"
        " !== ''"
    )
    assert curve_y(other) == pytest.approx(original, abs=1e-12)
    context.close()
    assert errors == [] and lab.errors == []


def test_a_copied_url_restores_the_compose_lab(lab: Lab, chromium: Any) -> None:
    page = lab.open("/compose")
    wait_drawn(page, "#panel-sum")
    wait_drawn(page, "#builder-output")
    page.fill("#bc-number", "0.4")
    page.click("#add-layer")
    page.select_option("#layer-0-activation", "relu")
    page.wait_for_function(
        "() => location.search.includes('bc=0.4') && location.search.includes('relu')"
    )
    settle(page)
    sum_y = trace_y(page, "#panel-sum", -1)
    output_y = trace_y(page, "#builder-output", 0)
    layers = page.eval_on_selector_all("#builder-net .layer", "nodes => nodes.length")

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    other = context.new_page()
    errors: list[str] = []
    watch(other, errors)
    other.goto(page.url)
    wait_drawn(other, "#panel-sum")
    wait_drawn(other, "#builder-output")
    assert other.input_value("#bc-number") == "0.4"
    assert other.eval_on_selector_all("#builder-net .layer", "nodes => nodes.length") == layers
    assert trace_y(other, "#panel-sum", -1) == pytest.approx(sum_y, abs=1e-12)
    assert trace_y(other, "#builder-output", 0) == pytest.approx(output_y, abs=1e-3)
    context.close()
    assert errors == [] and lab.errors == []


def test_builder_edits_a_weight_by_clicking_it(lab: Lab) -> None:
    page = lab.open("/compose")
    wait_drawn(page, "#builder-output")
    before = trace_y(page, "#builder-output", 0)
    count = drawn_count(page, "#builder-output")
    page.click("#builder-net .layer[data-layer='2'] .chip-bias")
    assert page.is_visible("#editor-range")
    page.fill("#editor-number", "0.5")
    wait_drawn(page, "#builder-output", count)
    after = trace_y(page, "#builder-output", 0)
    assert after == pytest.approx([value + 0.5 for value in before], abs=1e-9)
    assert page.inner_text("#builder-net .layer[data-layer='2'] .chip-bias") == "b 0.50"
    assert lab.errors == []


def test_language_choice_is_remembered(lab: Lab) -> None:
    page = lab.open("/neuron?lang=zh")
    wait_drawn(page, "#neuron-plot")
    page.click("nav a[href='/activations']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "data-lang") == "zh"
    page.click("[data-lang-link=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "data-lang") == "en"
    assert lab.errors == []
