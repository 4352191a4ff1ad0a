"""Preset datasets: the book's numbers exactly, the playground's rules, determinism."""

import math

import numpy as np
import pytest

from app.engine.datasets import UnknownDataset, list_datasets, load_dataset

NAMES = [entry["name"] for entry in list_datasets()]
CLASSIFICATION = ["circle", "xor", "gaussian", "spiral"]


def test_the_list_has_every_preset_and_is_json_ready():
    import json

    assert {"thermometer", "sine", "step", "abs", "square", "sawtooth"} <= set(NAMES)
    assert set(CLASSIFICATION) | {"plane", "multi-gaussian"} <= set(NAMES)
    for entry in list_datasets():
        assert entry["kind"] in {"regression", "classification"}
        assert entry["description"] and entry["input_dim"] in (1, 2)
        assert set(entry["defaults"]) == {"n", "noise"}
    json.dumps(list_datasets(), allow_nan=False)


def test_thermometer_is_the_books_eleven_readings():
    x, y = load_dataset("thermometer", n=3, noise=5.0, seed=9)  # n and noise ignored
    assert x.shape == (11, 1) and y.shape == (11, 1)
    assert x[:, 0].tolist() == [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]
    assert y[:, 0].tolist() == [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]


@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_defaults(name):
    entry = next(e for e in list_datasets() if e["name"] == name)
    x, y = load_dataset(name)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.shape == (entry["defaults"]["n"], entry["input_dim"])
    assert y.shape == (entry["defaults"]["n"], 1)
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    if name != "thermometer":
        x, y = load_dataset(name, n=37, noise=0.1)
        assert x.shape == (37, entry["input_dim"]) and y.shape == (37, 1)


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data_other_seed_other_noise(name):
    first = load_dataset(name, noise=0.2, seed=3) if name != "thermometer" else load_dataset(name)
    again = load_dataset(name, noise=0.2, seed=3) if name != "thermometer" else load_dataset(name)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    if name != "thermometer":
        other = load_dataset(name, noise=0.2, seed=4)
        assert not (np.array_equal(first[0], other[0]) and np.array_equal(first[1], other[1]))


def test_one_dimensional_curves_without_noise_follow_their_formula():
    x, y = load_dataset("sine", n=61)
    np.testing.assert_allclose(x[:, 0], np.linspace(-3, 3, 61))
    np.testing.assert_allclose(y[:, 0], np.sin(2 * x[:, 0]))
    x, y = load_dataset("square", n=61)
    np.testing.assert_allclose(y, x**2)
    x, y = load_dataset("abs", n=61)
    np.testing.assert_allclose(y, np.abs(x))
    x, y = load_dataset("step", n=61)
    assert y[x >= 0].min() == 1.0 and y[x < 0].max() == 0.0
    x, y = load_dataset("sawtooth", n=601)
    assert y.min() >= -1 and y.max() < 1
    np.testing.assert_allclose(y[x[:, 0] == 0.5], 0.5)


def test_noise_is_gaussian_with_the_given_std():
    x, clean = load_dataset("sine", n=10_000, noise=0)
    _, noisy = load_dataset("sine", n=10_000, noise=0.5, seed=1)
    residual = noisy - clean
    assert abs(residual.std() - 0.5) < 0.02 and abs(residual.mean()) < 0.02


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_labels_are_balanced_zero_and_one(name):
    _, y = load_dataset(name, n=400, noise=0.2, seed=1)
    assert set(np.unique(y)) <= {0.0, 1.0}
    assert 0.35 < y.mean() < 0.65


def test_circle_without_noise_labels_by_radius():
    x, y = load_dataset("circle", n=500, noise=0, seed=2)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(y[:, 0], (radius < 2.5).astype(float))
    assert radius[y[:, 0] == 0].min() >= 3.5 and radius.max() <= 5


def test_xor_without_noise_labels_by_quadrant_and_keeps_its_padding():
    x, y = load_dataset("xor", n=500, noise=0, seed=2)
    np.testing.assert_array_equal(y[:, 0], (x[:, 0] * x[:, 1] >= 0).astype(float))
    assert np.abs(x).min() >= 0.3 and np.abs(x).max() <= 5.3


def test_gaussian_clusters_sit_at_plus_and_minus_two():
    x, y = load_dataset("gaussian", n=4000, noise=0, seed=2)
    np.testing.assert_allclose(x[y[:, 0] == 1].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(x[y[:, 0] == 0].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(x[y[:, 0] == 1].std(axis=0), [math.sqrt(0.5)] * 2, atol=0.05)


def test_spiral_without_noise_lies_on_its_two_arms():
    x, y = load_dataset("spiral", n=200, noise=0)
    first = x[y[:, 0] == 1]
    assert first.shape == (100, 2)
    i = np.arange(100)
    t = 1.75 * i / 100 * 2 * np.pi
    np.testing.assert_allclose(first, np.column_stack([i / 20 * np.sin(t), i / 20 * np.cos(t)]))
    np.testing.assert_allclose(x[y[:, 0] == 0], -first, atol=1e-12)


def test_playground_regressions():
    x, y = load_dataset("plane", n=300, noise=0)
    np.testing.assert_allclose(y[:, 0], (x[:, 0] + x[:, 1]) / 10)
    x, y = load_dataset("multi-gaussian", n=2000, noise=0)
    assert y.min() >= -1 and y.max() <= 1
    near = np.hypot(x[:, 0] + 4, x[:, 1] - 2.5) < 0.5  # the (-4, 2.5) bump is positive
    assert near.any() and np.all(y[near] > 0.7)


def test_odd_n_gives_exactly_n_points():
    for name in CLASSIFICATION:
        assert load_dataset(name, n=7)[0].shape == (7, 2)


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(UnknownDataset) as error:
        load_dataset("moons")
    assert "moons" in str(error.value) and "thermometer" in str(error.value)
    assert isinstance(error.value, ValueError)


@pytest.mark.parametrize(
    ("name", "arguments", "fragment"),
    [
        ("sine", {"n": 0}, "n must"),
        ("sine", {"n": 10_001}, "n must"),
        ("sine", {"n": 2.5}, "n must"),
        ("sine", {"n": True}, "n must"),
        ("sine", {"noise": -0.1}, "noise"),
        ("sine", {"noise": 10.5}, "noise"),
        ("sine", {"noise": math.nan}, "noise"),
        ("circle", {"noise": 0.6}, "0.5"),
        ("sine", {"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise_value_error(name, arguments, fragment):
    with pytest.raises(ValueError, match=fragment):
        load_dataset(name, **arguments)
