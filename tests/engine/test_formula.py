"""The formula parser: right answers for valid formulas, quick refusals for hostile ones."""

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.formula import FUNCTIONS, FormulaError, parse_formula

X = np.linspace(-3, 3, 61)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sin(3*x) + 0.5*x**2", np.sin(3 * X) + 0.5 * X**2),
        ("abs(x)", np.abs(X)),
        ("x^2", X**2),
        ("x^2 + 1", X**2 + 1),  # ^ binds like **, not like Python's xor
        ("2^-1 * x", 0.5 * X),
        ("x^2^1", X**2),
        ("-x**2", -(X**2)),
        ("+x - -x", 2 * X),
        ("x % 1", np.mod(X, 1)),
        ("pi * e * x", np.pi * np.e * X),
        ("3", np.full_like(X, 3.0)),
        ("tanh(2*x - 1) / 2", np.tanh(2 * X - 1) / 2),
        ("max(x, 0) + min(x, 0)*0.1", np.maximum(X, 0) + 0.1 * np.minimum(X, 0)),
        ("clip(x, -1, 0.5)", np.clip(X, -1, 0.5)),
        ("step(x)", (X >= 0).astype(float)),
        ("heaviside(x, 0.5)", np.heaviside(X, 0.5)),
        ("sigmoid(x)", 1 / (1 + np.exp(-X))),
        ("exp(-x^2) * cos(pi*x)", np.exp(-(X**2)) * np.cos(np.pi * X)),
        (
            "  floor(x) + ceil(x) + sign(x) + round(x) ",
            np.floor(X) + np.ceil(X) + np.sign(X) + np.round(X),
        ),
        ("1_000 * x + 2e-3", 1000 * X + 0.002),
    ],
)
def test_valid_formulas_match_numpy(text, expected):
    result = parse_formula(text).evaluate(X)
    assert result.dtype == np.float64 and result.shape == X.shape
    np.testing.assert_allclose(result, expected, rtol=1e-15, atol=0)


def test_every_listed_function_can_be_called():
    for name, (arity, _) in FUNCTIONS.items():
        text = f"{name}({', '.join(['x'] * arity)})"
        assert parse_formula(text).evaluate(X).shape == X.shape


def test_undefined_points_give_nan_or_inf_without_warnings(recwarn):
    points = np.array([-1.0, 0.0, 1.0])
    logs = parse_formula("log(x)").evaluate(points)
    assert np.isnan(logs[0]) and logs[1] == -np.inf and logs[2] == 0.0
    assert parse_formula("1/x").evaluate(points).tolist() == [-1.0, np.inf, 1.0]
    assert np.isinf(parse_formula("exp(x)").evaluate(np.array([1000.0]))[0])
    assert len(recwarn) == 0


def test_keeps_the_shape_of_two_dimensional_input():
    grid = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(parse_formula("2*x").evaluate(grid), 2 * grid)
    np.testing.assert_array_equal(parse_formula("7").evaluate(grid), np.full((3, 2), 7.0))


def _seconds(function, *arguments):
    started = time.perf_counter()
    function(*arguments)
    return time.perf_counter() - started


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('ls')", "found attribute"),
        ("().__class__", "attribute"),
        ("x.real", "attribute"),
        ("[x for x in ()]", "list comprehension"),
        ("lambda: 1", "lambda"),
        ("9**9**9**9", "exponent"),
        ("x**1e9", "exponent"),
        ("x^101", "exponent"),
        ("(" * 1000, ""),
        ("x+" * 5000 + "x", "too long"),
        ("open('f')", "unknown function 'open'"),
        ("x if x else 1", "if/else"),
        ("y", "unknown name 'y'"),
        ("sin", "function"),
        ("sin(x, x)", "1 argument"),
        ("clip(x, 1)", "3 arguments"),
        ("sin(x=1)", "keyword"),
        ("'abc'", "not a number"),
        ("1j * x", "not a number"),
        ("True", "not a number"),
        ("None", "not a number"),
        ("x[0]", "indexing"),
        ("x > 0", "comparison"),
        ("x and 1", "and/or"),
        ("not x", "only - and +"),
        ("x // 2", "//"),
        ("x @ x", "@"),
        ("(x, x)", "tuple"),
        ("(y := 2)", ":="),
        ("f'{x}'", "f-string"),
        ("np.sin(x)", "plain function names"),
        ("getattr(x, 'real')", "unknown function"),
        ("", "empty"),
        ("   ", "empty"),
        ("x +", "cannot read"),
        ("sin(x", "cannot read"),
        ("x;1", "cannot read"),
        ("-" * 499 + "x", ""),
        ("sin(" * 60 + "x" + ")" * 60, "nested"),
        ("1" * 400 + "*x", "too large"),
    ],
)
def test_hostile_or_wrong_input_is_refused_quickly(text, fragment):
    # "Quickly" relative to reading a valid formula of about the same length, measured here.
    valid = " + ".join(f"sin({k}*x)*cos(x)" for k in range(1, 25))  # 430 characters
    baseline = min(_seconds(parse_formula, valid) for _ in range(5))
    started = time.perf_counter()
    with pytest.raises(FormulaError) as error:
        parse_formula(text)
    assert time.perf_counter() - started < 50 * baseline
    assert fragment in str(error.value)
    assert isinstance(error.value, ValueError)


def test_errors_give_the_position_in_the_original_text():
    with pytest.raises(FormulaError, match="position 7"):
        parse_formula("x^2 + y")
    with pytest.raises(FormulaError, match="position 3"):
        parse_formula("  y")


def test_max_length_is_configurable():
    with pytest.raises(FormulaError, match="at most 5"):
        parse_formula("x + 1 + 2", max_length=5)
    assert parse_formula("x+1", max_length=5).evaluate(np.zeros(1))[0] == 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="x0123456789.+-*/^%()e pisnco,", max_size=60))
def test_random_text_either_parses_or_raises_formula_error(text):
    try:
        formula = parse_formula(text)
    except FormulaError:
        return
    assert formula.evaluate(X).shape == X.shape
