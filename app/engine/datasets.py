"""Preset datasets: the book's thermometer, 1-D curves to fit, and the TensorFlow Playground's
2-D sets.

Every loader returns ``x`` of shape ``(n, input_dim)`` and ``y`` of shape ``(n, 1)``, float64,
deterministic for a given ``seed`` (NumPy's ``default_rng``).

The 2-D sets are ported from the TensorFlow Playground's ``src/dataset.ts`` (Apache-2.0,
Copyright 2016 Google Inc.): same shapes, radii, paddings and noise rules, with ``noise`` a
fraction in [0, 0.5] as its slider gives it. Two differences: labels are 0/1 instead of
-1/+1 (what ``bce_with_logits`` expects), and an odd ``n`` gives exactly ``n`` points (the
playground's ``i < n/2`` loops give one more).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

MAX_SAMPLES = 10_000
MAX_NOISE = 10.0

# The book's thermometer readings: Celsius and the same moments in unknown units.
THERMOMETER_T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
THERMOMETER_T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]

# x range of the 1-D curves.
CURVE_X_MIN, CURVE_X_MAX = -3.0, 3.0


class UnknownDataset(ValueError):
    """Raised for a name not in the list; the message lists the known names."""


Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: str  # "regression" or "classification"
    description: str
    input_dim: int
    default_n: int
    default_noise: float
    max_noise: float
    generate: Generator
    fixed: bool = False  # True: n and noise are ignored (the book's readings)


# --------------------------------------------------------------------------- the book


def _thermometer(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    t_u = np.array(THERMOMETER_T_U, dtype=np.float64).reshape(-1, 1)
    t_c = np.array(THERMOMETER_T_C, dtype=np.float64).reshape(-1, 1)
    return t_u, t_c


# --------------------------------------------------------------------------- 1-D curves


def _curve(function: Callable[[np.ndarray], np.ndarray]) -> Generator:
    """Evenly spaced x on [-3, 3], y = function(x) plus Gaussian noise of std ``noise``."""

    def generate(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        x = np.linspace(CURVE_X_MIN, CURVE_X_MAX, n)
        y = function(x) + noise * rng.standard_normal(n)
        return x.reshape(-1, 1), y.reshape(-1, 1)

    return generate


def _sawtooth(x: np.ndarray) -> np.ndarray:
    return np.mod(x + 1.0, 2.0) - 1.0  # period 2, rising from -1 to 1


# --------------------------------------------------------------------------- playground 2-D


def _uniform(rng: np.random.Generator, low: float, high: float, n: int) -> np.ndarray:
    return rng.uniform(low, high, n)


def _points(x: np.ndarray, y: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.column_stack([x, y]), np.asarray(label, dtype=np.float64).reshape(-1, 1)


def _stack(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    return np.vstack([x for x, _ in parts]), np.vstack([y for _, y in parts])


def _halves(n: int) -> tuple[int, int]:
    return n - n // 2, n // 2


def _circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # classifyCircleData: positives at radius < 2.5, negatives in the ring 3.5..5; the label
    # is decided by the noisy point, the point drawn is the clean one.
    radius = 5.0
    parts = []
    for count, (r_low, r_high) in zip(
        _halves(n), [(0.0, radius * 0.5), (radius * 0.7, radius)], strict=True
    ):
        r = _uniform(rng, r_low, r_high, count)
        angle = _uniform(rng, 0.0, 2.0 * math.pi, count)
        x, y = r * np.sin(angle), r * np.cos(angle)
        noise_x = _uniform(rng, -radius, radius, count) * noise
        noise_y = _uniform(rng, -radius, radius, count) * noise
        inside = np.hypot(x + noise_x, y + noise_y) < radius * 0.5
        parts.append(_points(x, y, inside))
    return _stack(parts)


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # classifyXORData: uniform in ±5 pushed 0.3 away from the axes; label 1 where x·y >= 0.
    padding = 0.3
    x = _uniform(rng, -5.0, 5.0, n)
    x += np.where(x > 0, padding, -padding)
    y = _uniform(rng, -5.0, 5.0, n)
    y += np.where(y > 0, padding, -padding)
    noise_x = _uniform(rng, -5.0, 5.0, n) * noise
    noise_y = _uniform(rng, -5.0, 5.0, n) * noise
    return _points(x, y, (x + noise_x) * (y + noise_y) >= 0)


def _two_gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # classifyTwoGaussData: variance grows linearly from 0.5 (noise 0) to 4 (noise 0.5).
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    std = math.sqrt(variance)
    parts = []
    for count, (center, label) in zip(_halves(n), [(2.0, 1.0), (-2.0, 0.0)], strict=True):
        x = rng.normal(center, std, count)
        y = rng.normal(center, std, count)
        parts.append(_points(x, y, np.full(count, label)))
    return _stack(parts)


def _spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # classifySpiralData: two arms, 1.75 turns each, radius growing to 5.
    parts = []
    for count, (delta_t, label) in zip(_halves(n), [(0.0, 1.0), (math.pi, 0.0)], strict=True):
        i = np.arange(count)
        r = i / count * 5.0
        t = 1.75 * i / count * 2.0 * math.pi + delta_t
        x = r * np.sin(t) + _uniform(rng, -1.0, 1.0, count) * noise
        y = r * np.cos(t) + _uniform(rng, -1.0, 1.0, count) * noise
        parts.append(_points(x, y, np.full(count, label)))
    return _stack(parts)


def _noisy_uniform_square(
    n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points uniform in ±6 and the noisy copies the regression labels are read at."""
    radius = 6.0
    x = _uniform(rng, -radius, radius, n)
    y = _uniform(rng, -radius, radius, n)
    noise_x = _uniform(rng, -radius, radius, n) * noise
    noise_y = _uniform(rng, -radius, radius, n) * noise
    return x, y, x + noise_x, y + noise_y


def _plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    # regressPlane: label (x + y) mapped from [-10, 10] to [-1, 1] (not clamped).
    x, y, noisy_x, noisy_y = _noisy_uniform_square(n, noise, rng)
    return _points(x, y, (noisy_x + noisy_y) / 10.0)


_GAUSSIAN_BUMPS = [
    (-4, 2.5, 1),
    (0, 2.5, -1),
    (4, 2.5, 1),
    (-4, -2.5, -1),
    (0, -2.5, 1),
    (4, -2.5, -1),
]


def _multi_gaussian(
    n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    # regressGaussian: six ±1 bumps falling linearly to 0 at distance 2; the label is the
    # bump value largest in absolute value (the first one wins ties, as in the playground).
    x, y, noisy_x, noisy_y = _noisy_uniform_square(n, noise, rng)
    label = np.zeros(n)
    for center_x, center_y, sign in _GAUSSIAN_BUMPS:
        distance = np.hypot(noisy_x - center_x, noisy_y - center_y)
        bump = sign * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
        label = np.where(np.abs(bump) > np.abs(label), bump, label)
    return _points(x, y, label)


# --------------------------------------------------------------------------- registry

_DATASETS = [
    Dataset(
        "thermometer", "regression",
        "The book's 11 thermometer readings: x = t_u (unknown units), y = t_c (Celsius).",
        1, len(THERMOMETER_T_C), 0.0, 0.0, _thermometer, fixed=True,
    ),
    Dataset("sine", "regression", "y = sin(2x) on [-3, 3].", 1, 100, 0.0, MAX_NOISE,
            _curve(lambda x: np.sin(2.0 * x))),
    Dataset("step", "regression", "y = 0 for x < 0, 1 for x >= 0, on [-3, 3].", 1, 100, 0.0,
            MAX_NOISE, _curve(lambda x: np.where(x >= 0, 1.0, 0.0))),
    Dataset("abs", "regression", "y = |x| on [-3, 3].", 1, 100, 0.0, MAX_NOISE,
            _curve(np.abs)),
    Dataset("square", "regression", "y = x² on [-3, 3].", 1, 100, 0.0, MAX_NOISE,
            _curve(np.square)),
    Dataset("sawtooth", "regression",
            "y rises from -1 to 1 and drops back, period 2, on [-3, 3].", 1, 100, 0.0,
            MAX_NOISE, _curve(_sawtooth)),
    Dataset("circle", "classification",
            "TensorFlow Playground: class 1 inside radius 2.5, class 0 in the ring 3.5 to 5.",
            2, 200, 0.0, 0.5, _circle),
    Dataset("xor", "classification",
            "TensorFlow Playground: class 1 where x·y >= 0 (opposite quadrants), else 0.",
            2, 200, 0.0, 0.5, _xor),
    Dataset("gaussian", "classification",
            "TensorFlow Playground: two Gaussian clusters around (2, 2) (class 1) and "
            "(-2, -2) (class 0); noise widens them.",
            2, 200, 0.0, 0.5, _two_gaussians),
    Dataset("spiral", "classification",
            "TensorFlow Playground: two interleaved spiral arms, classes 1 and 0.",
            2, 200, 0.0, 0.5, _spiral),
    Dataset("plane", "regression",
            "TensorFlow Playground: y = (x1 + x2) / 10 over the square [-6, 6]².",
            2, 200, 0.0, 0.5, _plane),
    Dataset("multi-gaussian", "regression",
            "TensorFlow Playground: six ±1 bumps of radius 2 over the square [-6, 6]².",
            2, 200, 0.0, 0.5, _multi_gaussian),
]  # fmt: skip

DATASETS: dict[str, Dataset] = {dataset.name: dataset for dataset in _DATASETS}


def get_dataset(name: str) -> Dataset:
    try:
        return DATASETS[name]
    except (KeyError, TypeError):
        known = ", ".join(DATASETS)
        raise UnknownDataset(f"unknown dataset {name!r}; known: {known}") from None


def list_datasets() -> list[dict[str, Any]]:
    """The presets, JSON-ready, for GET /api/datasets."""
    return [
        {
            "name": dataset.name,
            "kind": dataset.kind,
            "description": dataset.description,
            "input_dim": dataset.input_dim,
            "defaults": {"n": dataset.default_n, "noise": dataset.default_noise},
            "max_noise": dataset.max_noise,
            "fixed": dataset.fixed,
        }
        for dataset in DATASETS.values()
    ]


def _check_n(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral) or not 1 <= int(n) <= MAX_SAMPLES:
        raise ValueError(f"n must be a whole number from 1 to {MAX_SAMPLES}, got {n!r}")
    return int(n)


def _check_noise(noise: object, dataset: Dataset) -> float:
    limit = min(dataset.max_noise, MAX_NOISE)
    if isinstance(noise, bool) or not isinstance(noise, Real):
        raise ValueError(f"noise must be a number, got {noise!r}")
    value = float(noise)
    if not (math.isfinite(value) and 0.0 <= value <= limit):
        raise ValueError(f"noise for {dataset.name} must be from 0 to {limit:g}, got {noise!r}")
    return value


def load_dataset(
    name: str, n: int | None = None, noise: float | None = None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """x (n, input_dim) and y (n, 1), float64, the same for the same arguments.

    ``n`` and ``noise`` default per dataset; the thermometer ignores both."""
    dataset = get_dataset(name)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {seed!r}")
    if dataset.fixed:
        return dataset.generate(dataset.default_n, 0.0, np.random.default_rng(int(seed)))
    count = _check_n(dataset.default_n if n is None else n)
    amount = _check_noise(dataset.default_noise if noise is None else noise, dataset)
    x, y = dataset.generate(count, amount, np.random.default_rng(int(seed)))
    return x.astype(np.float64, copy=False), y.astype(np.float64, copy=False)
