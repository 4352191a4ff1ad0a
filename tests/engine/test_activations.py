"""The activation registry against torch.nn (float64) and against finite differences."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine import activations
from app.engine.activations import (
    ACTIVATIONS,
    BadActivationParams,
    UnknownActivation,
    erf,
    evaluate,
    get_activation,
    properties,
    ranges,
    registry_summary,
    resolve_params,
)

API_NAMES = [
    "identity", "tanh", "sigmoid", "relu", "leakyrelu", "hardtanh", "softplus",
    "elu", "gelu", "silu", "softsign", "hardsigmoid", "mish",
]  # fmt: skip

# (name, params) cases: defaults and non-default parameters.
CASES = [(name, {}) for name in ACTIVATIONS] + [
    ("leakyrelu", {"negative_slope": 0.1}),
    ("leakyrelu", {"negative_slope": -0.5}),
    ("hardtanh", {"min_val": -2.0, "max_val": 0.5}),
    ("softplus", {"beta": 2.0, "threshold": 5.0}),
    ("softplus", {"beta": 0.5}),
    ("elu", {"alpha": 0.5}),
    ("celu", {"alpha": 0.5}),
    ("gelu", {"approximate": "tanh"}),
]


def torch_module(name: str, params: dict) -> torch.nn.Module:
    return getattr(torch.nn, get_activation(name).torch_name)(**params)


def special_points(name: str, params: dict) -> list[float]:
    """Every kink of the activation, and the points just around it."""
    resolved = resolve_params(name, params)
    points = []
    for point in get_activation(name).special_points(resolved):
        points += [point, np.nextafter(point, -np.inf), np.nextafter(point, np.inf)]
    return points


def grid(name: str, params: dict) -> np.ndarray:
    tails = [-1000.0, -50.0, -20.0, 20.0, 50.0, 1000.0, -1e-300, 1e-300, -0.0]
    return np.concatenate([np.linspace(-8, 8, 1601), tails, special_points(name, params)]).astype(
        np.float64
    )


def torch_values_and_slopes(name: str, params: dict, z: np.ndarray):
    tensor = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    output = torch_module(name, params)(tensor)
    output.sum().backward()
    return output.detach().numpy(), tensor.grad.numpy()


def test_the_api_names_are_all_there_and_lower_case_torch_names():
    assert set(API_NAMES) <= set(ACTIVATIONS)
    for name, activation in ACTIVATIONS.items():
        assert name == activation.torch_name.lower()
        assert hasattr(torch.nn, activation.torch_name)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_defaults_equal_torch_module_defaults(name):
    module = torch_module(name, {})
    for key, default in get_activation(name).defaults.items():
        assert getattr(module, key) == default, (name, key)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_values_and_slopes_match_torch_autograd(name, params):
    z = grid(name, params)
    expected_y, expected_dy = torch_values_and_slopes(name, params, z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow/invalid warnings, even at ±1000
        y, dy = evaluate(name, z, params)
    assert y.dtype == np.float64 and y.shape == z.shape
    np.testing.assert_allclose(y, expected_y, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dy, expected_dy, rtol=1e-12, atol=1e-12)
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(dy))


@pytest.mark.parametrize(("name", "params"), CASES)
def test_kinks_follow_torch_exactly(name, params):
    z = np.array(special_points(name, params))
    _, expected = torch_values_and_slopes(name, params, z)
    _, slopes = evaluate(name, z, params)
    assert slopes.tolist() == pytest.approx(expected.tolist(), rel=1e-14, abs=0)


def test_documented_kink_values():
    at_zero = np.zeros(1)
    assert evaluate("relu", at_zero)[1][0] == 0.0
    assert evaluate("leakyrelu", at_zero, {"negative_slope": 0.1})[1][0] == 0.1
    assert evaluate("elu", at_zero, {"alpha": 0.5})[1][0] == 0.5
    assert evaluate("hardtanh", np.array([-1.0, 1.0]))[1].tolist() == [0.0, 0.0]
    # torch's hardsigmoid' is its float32 constant 1/6, even in float64
    one_sixth = float(np.float32(1 / 6))
    assert evaluate("hardsigmoid", np.array([-3.0, 3.0, 0.0]))[1].tolist() == [0, 0, one_sixth]
    # softplus: beta·x == threshold is still the smooth branch, just above it is linear.
    _, slopes = evaluate("softplus", np.array([20.0, np.nextafter(20.0, 30.0)]))
    assert slopes[0] == pytest.approx(1 / (1 + math.exp(-20)), rel=1e-15)
    assert slopes[1] == 1.0


def test_the_chapters_dog_bear_truck_scores():
    y, _ = evaluate("tanh", np.array([-2.2, 0.1, 2.5]))
    assert np.round(y, 5).tolist() == [-0.97574, 0.09967, 0.98661]


def test_forward_and_derivative_write_into_out():
    z = np.linspace(-3, 3, 7)
    for name, params in CASES:
        activation = get_activation(name)
        resolved = resolve_params(name, params)
        out_y, out_dy = np.empty_like(z), np.empty_like(z)
        y = activation.forward(z, resolved, out_y)
        dy = activation.derivative(z, y, resolved, out_dy)
        assert y is out_y and dy is out_dy, name
        expected_y, expected_dy = evaluate(name, z, params)
        np.testing.assert_array_equal(out_y, expected_y)
        np.testing.assert_array_equal(out_dy, expected_dy)


def test_erf_matches_math_erf():
    x = np.concatenate(
        [np.linspace(-7, 7, 20001), np.geomspace(1e-300, 10, 2001), [0.0, np.inf, -np.inf]]
    )
    x = np.concatenate([x, -x])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=4e-16, atol=0)
    assert np.isnan(erf(np.array([np.nan]))[0])


smooth_cases = [case for case in CASES if case[0] not in {"relu", "relu6", "hardtanh"}]


@settings(max_examples=300, deadline=None)
@given(case=st.sampled_from(CASES), z=st.floats(-12, 12))
def test_derivative_matches_finite_differences(case, z):
    name, params = case
    h = 1e-6
    resolved = resolve_params(name, params)
    kinks = get_activation(name).special_points(resolved)
    if name in {"relu", "leakyrelu", "hardtanh", "elu", "celu", "selu", "relu6", "hardsigmoid"}:
        if any(abs(z - kink) < 10 * h for kink in kinks):
            return  # finite differences straddle a kink
    if name == "softplus" and any(abs(z - kink) < 10 * h for kink in kinks[1:]):
        return
    y_plus, _ = evaluate(name, np.array([z + h]), params)
    y_minus, _ = evaluate(name, np.array([z - h]), params)
    _, slope = evaluate(name, np.array([z]), params)
    central = (y_plus[0] - y_minus[0]) / (2 * h)
    assert slope[0] == pytest.approx(central, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_properties_agree_with_torch(name, params):
    props = properties(name, params)
    z = np.concatenate([[-1e6], np.linspace(-60, 60, 240001), [1e6]])
    values, slopes = torch_values_and_slopes(name, params, z)
    low, high = props["range"]
    assert props["bounded_below"] == (low is not None)
    assert props["bounded_above"] == (high is not None)
    if low is not None:
        assert values.min() >= low - 1e-12
        assert values.min() == pytest.approx(low, abs=1e-6)
    else:
        assert values.min() < -1e3
    if high is not None:
        assert values.max() <= high + 1e-12
        assert values.max() == pytest.approx(high, abs=1e-6)
    else:
        assert values.max() > 1e3
    steps = np.diff(values)
    assert props["monotonic"] == bool(np.all(steps >= 0) or np.all(steps <= 0))
    assert props["saturating"] == bool(min(abs(slopes[0]), abs(slopes[-1])) < 1e-9)
    zero_value, zero_slope = torch_values_and_slopes(name, params, np.zeros(1))
    assert props["value_at_0"] == pytest.approx(zero_value[0], abs=1e-15)
    assert props["slope_at_0"] == pytest.approx(zero_slope[0], rel=1e-15, abs=1e-15)


def test_known_minima_and_ranges():
    assert properties("gelu")["range"][0] == pytest.approx(-0.169971, abs=1e-6)
    assert properties("silu")["range"][0] == pytest.approx(-0.278465, abs=1e-6)
    assert properties("mish")["range"][0] == pytest.approx(-0.308843, abs=1e-6)
    assert properties("tanh")["range"] == [-1.0, 1.0]
    assert properties("hardtanh", {"min_val": -2, "max_val": 0.5})["range"] == [-2.0, 0.5]
    assert properties("relu")["range"] == [0.0, None]
    assert properties("leakyrelu")["saturating"] is False
    assert properties("relu")["saturating"] is True
    assert properties("leakyrelu", {"negative_slope": -0.5})["monotonic"] is False


def test_ranges_put_the_bear_in_the_sensitive_range_and_truck_and_dog_in_saturated():
    result = ranges("tanh", None, w=1, b=0, x_min=-3, x_max=3)

    def inside(x, intervals):
        return any(lo <= x <= hi for lo, hi in intervals)

    assert inside(0.1, result["sensitive"]) and not inside(0.1, result["saturated"])
    assert inside(-2.2, result["saturated"]) and inside(2.5, result["saturated"])
    # Boundary: 1 - tanh(z)^2 = 0.1  <=>  z = atanh(sqrt(0.9)).
    edge = math.atanh(math.sqrt(0.9))
    assert result["sensitive"] == [pytest.approx([-edge, edge], abs=1e-12)]
    assert result["threshold"] == pytest.approx(0.1)
    assert "0.1" in result["definition"]


def test_ranges_cover_the_interval_and_handle_kinks_w_zero_and_steep_w():
    relu = ranges("relu", None, w=1, b=0, x_min=-3, x_max=3)
    assert relu["saturated"] == [[-3.0, 0.0]] and relu["sensitive"] == [[0.0, 3.0]]
    identity = ranges("identity", None, w=5, b=1, x_min=-3, x_max=3)
    assert identity["saturated"] == [] and identity["sensitive"] == [[-3.0, 3.0]]
    flat = ranges("tanh", None, w=0, b=3, x_min=-1, x_max=1)
    assert flat["saturated"] == [[-1.0, 1.0]] and flat["sensitive"] == []
    clamp = ranges("hardtanh", {"min_val": -2, "max_val": 0.5}, w=-2, b=0, x_min=-3, x_max=3)
    assert clamp["sensitive"] == [[-0.25, 1.0]]
    steep = ranges("tanh", None, w=1e6, b=0, x_min=-5, x_max=5)
    assert len(steep["sensitive"]) == 1
    lo, hi = steep["sensitive"][0]
    assert hi - lo == pytest.approx(2 * math.atanh(math.sqrt(0.9)) / 1e6, rel=1e-6)
    for result in (relu, identity, flat, clamp, steep):
        pieces = sorted(result["sensitive"] + result["saturated"])
        assert pieces[0][0] == pieces[0][0] and pieces[-1][1] in (1.0, 3.0, 5.0)
        for left, right in zip(pieces[:-1], pieces[1:], strict=True):
            assert left[1] == right[0]


def test_ranges_reject_bad_intervals():
    with pytest.raises(ValueError, match="x_min"):
        ranges("tanh", None, 1, 0, 3, -3)
    with pytest.raises(ValueError, match="w"):
        ranges("tanh", None, math.inf, 0, -3, 3)


def test_unknown_activation_lists_the_known_names():
    with pytest.raises(UnknownActivation) as error:
        get_activation("swish")
    assert "swish" in str(error.value)
    for name in API_NAMES:
        assert name in str(error.value)


@pytest.mark.parametrize(
    ("name", "params", "fragment"),
    [
        ("leakyrelu", {"slope": 0.1}, "slope"),
        ("tanh", {"alpha": 1.0}, "alpha"),
        ("leakyrelu", {"negative_slope": math.nan}, "negative_slope"),
        ("leakyrelu", {"negative_slope": math.inf}, "finite"),
        ("leakyrelu", {"negative_slope": "0.1"}, "number"),
        ("leakyrelu", {"negative_slope": True}, "number"),
        ("hardtanh", {"min_val": 1.0}, "min_val"),
        ("hardtanh", {"min_val": 2.0, "max_val": -2.0}, "max_val"),
        ("softplus", {"beta": 0.0}, "beta"),
        ("softplus", {"beta": -1.0}, "beta"),
        ("gelu", {"approximate": "erf"}, "approximate"),
        ("gelu", {"approximate": 1.0}, "approximate"),
        ("celu", {"alpha": 0.0}, "alpha"),
        ("elu", {"alpha": 1e300}, "alpha"),
    ],
)
def test_bad_params_are_named_in_the_error(name, params, fragment):
    with pytest.raises(BadActivationParams, match=fragment):
        resolve_params(name, params)


def test_resolve_params_merges_defaults():
    assert resolve_params("softplus", {"beta": 2}) == {"beta": 2.0, "threshold": 20.0}
    assert resolve_params("gelu", None) == {"approximate": "none"}
    assert isinstance(resolve_params("leakyrelu", {"negative_slope": 1})["negative_slope"], float)


def test_registry_summary_is_json_ready_and_in_chapter_order():
    import json

    summary = registry_summary()
    names = [entry["name"] for entry in summary]
    assert names[:6] == ["tanh", "hardtanh", "sigmoid", "softplus", "relu", "leakyrelu"]
    assert set(API_NAMES) <= set(names)
    for entry in summary:
        assert set(entry) >= {"name", "torch_name", "params", "formula", "properties"}
        assert entry["description"]["en"] and entry["description"]["zh"]
        assert entry["params"] == get_activation(entry["name"]).defaults
    json.dumps(summary, allow_nan=False)


def test_engine_module_uses_numpy_and_stdlib_only():
    assert "torch" not in vars(activations)
