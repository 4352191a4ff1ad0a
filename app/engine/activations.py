"""Activation registry: one entry per API name, each holding the function, its derivative,
its parameters with ``torch.nn`` defaults, its ``torch.nn`` name, a formula and a description.

Conventions
-----------
* ``forward(z, params, out) -> y`` takes the pre-activation ``z = w·x + b``.
* ``derivative(z, y, params, out) -> dy/dz`` takes the pre-activation ``z`` AND the output
  ``y = forward(z)``, so tanh and sigmoid reuse ``y`` (``1 - y²``, ``y·(1 - y)``) while the
  others read ``z``. At kinks it returns what torch's autograd returns (relu'(0) = 0,
  hardtanh' = 0 at its bounds, leakyrelu'(0) = negative_slope, elu'(0) = alpha, ...).
* ``params`` are already resolved (defaults merged, validated): call ``resolve_params``.
* ``out``, when given, is a float64 buffer of z's shape that receives the result (the training
  loop reuses buffers); it must not be ``z`` itself. Without it a new array is returned.
* Everything is float64 and stable in the tails: no overflow warnings, no NaN for finite input.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from numbers import Real
from typing import Any

import numpy as np

ParamValue = float | str
Params = Mapping[str, ParamValue]

# Parameters beyond this magnitude make no visible difference and only invite overflow.
MAX_PARAM_MAGNITUDE = 1e6


class UnknownActivation(ValueError):
    """Raised for a name not in the registry; the message lists the known names."""


class BadActivationParams(ValueError):
    """Raised for an unknown parameter name or a value out of range."""


ForwardFn = Callable[[np.ndarray, dict[str, ParamValue], np.ndarray | None], np.ndarray]
Call = tuple[Callable[..., Any], tuple[Any, ...]]
ForwardCallsFn = Callable[[np.ndarray, dict[str, ParamValue], np.ndarray], list["Call"]]
DerivativeCallsFn = Callable[
    [np.ndarray, np.ndarray, dict[str, ParamValue], np.ndarray], list["Call"]
]
DerivativeFn = Callable[
    [np.ndarray, np.ndarray, dict[str, ParamValue], np.ndarray | None], np.ndarray
]


def _no_points(params: dict[str, ParamValue]) -> tuple[float, ...]:
    return (0.0,)


def _no_check(params: dict[str, ParamValue]) -> str | None:
    return None


@dataclass(frozen=True)
class Activation:
    name: str  # API name, lower-case torch class name: "leakyrelu"
    torch_name: str  # "LeakyReLU"
    defaults: dict[str, ParamValue]  # {"negative_slope": 0.01}
    formula: str  # human-readable, e.g. "max(0, x) + negative_slope·min(0, x)"
    # forward(z, params, out) -> y ; params already resolved (defaults merged)
    forward: ForwardFn
    # derivative(z, y, params, out) -> dy/dz, element-wise, given the pre-activation z
    # AND the output y = forward(z) (so tanh/sigmoid can use y cheaply).
    derivative: DerivativeFn
    description: dict[str, str] = field(default_factory=dict)  # {"en": ..., "zh": ...}
    # Allowed values of string parameters: {"approximate": ("none", "tanh")}.
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Checks that involve the resolved values (min_val < max_val); returns a message or None.
    check_params: Callable[[dict[str, ParamValue]], str | None] = _no_check
    # z values where the function has a kink or a feature worth sampling (bounds, thresholds).
    special_points: Callable[[dict[str, ParamValue]], tuple[float, ...]] = _no_points
    # Optional: forward and derivative as (NumPy function, arguments) pairs to call in
    # order, for the training loop, where Python's glue around ~0.3 µs NumPy calls is a
    # third of a step. Same arithmetic as ``forward``/``derivative``; None means call those.
    forward_calls: ForwardCallsFn | None = None
    derivative_calls: DerivativeCallsFn | None = None

    def forward_steps(
        self, z: np.ndarray, params: dict[str, ParamValue], out: np.ndarray
    ) -> list[Call]:
        """out = f(z) as calls (see ``forward_calls``)."""
        if self.forward_calls is not None:
            return self.forward_calls(z, params, out)
        return [(self.forward, (z, params, out))]

    def derivative_steps(
        self, z: np.ndarray, y: np.ndarray, params: dict[str, ParamValue], out: np.ndarray
    ) -> list[Call]:
        """out = f'(z) as calls (see ``derivative_calls``)."""
        if self.derivative_calls is not None:
            return self.derivative_calls(z, y, params, out)
        return [(self.derivative, (z, y, params, out))]


# --------------------------------------------------------------------------- helpers


def _num(params: dict[str, ParamValue], key: str) -> float:
    return float(params[key])


def _store(value: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """Return ``value``, or copy it into ``out`` when a buffer was given."""
    if out is None:
        return value
    out[...] = value
    return out


def _sigmoid(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    # 1 / (1 + e^-z), as torch computes it; e^-z overflows to inf for z < -709 and the
    # reciprocal then gives the correct 0, so only the warning needs silencing.
    with np.errstate(over="ignore"):
        result = np.negative(z, out=out)
        np.exp(result, out=result)
        result += 1.0
        return np.reciprocal(result, out=result)


def _softplus_unit(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z) without overflow (logaddexp is the stable form)."""
    return np.logaddexp(0.0, z)


# erf: NumPy has none and the engine may not import SciPy. A vectorised port of FDLIBM's
# s_erf.c (Sun Microsystems, 1993: "Permission to use, copy, modify, and distribute this
# software is freely granted, provided that this notice is preserved."), error < 1 ulp.
# Coefficient lists are highest degree first, as np.polyval wants them.
_ERX = 8.45062911510467529297e-01
_ERF_PP = [-2.37630166566501626084e-05, -5.77027029648944159157e-03, -2.84817495755985104766e-02,
           -3.25042107247001499370e-01, 1.28379167095512558561e-01]  # fmt: skip
_ERF_QQ = [-3.96022827877536812320e-06, 1.32494738004321644526e-04, 5.08130628187576562776e-03,
           6.50222499887672944485e-02, 3.97917223959155352819e-01, 1.0]  # fmt: skip
_ERF_PA = [-2.16637559486879084300e-03, 3.54783043256182359371e-02, -1.10894694282396677476e-01,
           3.18346619901161753674e-01, -3.72207876035701323847e-01, 4.14856118683748331666e-01,
           -2.36211856075265944077e-03]  # fmt: skip
_ERF_QA = [1.19844998467991074170e-02, 1.36370839120290507362e-02, 1.26171219808761642112e-01,
           7.18286544141962662868e-02, 5.40397917702171048937e-01, 1.06420880400844228286e-01,
           1.0]  # fmt: skip
_ERF_RA = [-9.81432934416914548592e+00, -8.12874355063065934246e+01, -1.84605092906711035994e+02,
           -1.62396669462573470355e+02, -6.23753324503260060396e+01, -1.05586262253232909814e+01,
           -6.93858572707181764372e-01, -9.86494403484714822705e-03]  # fmt: skip
_ERF_SA = [-6.04244152148580987438e-02, 6.57024977031928170135e+00, 1.08635005541779435134e+02,
           4.29008140027567833386e+02, 6.45387271733267880336e+02, 4.34565877475229228821e+02,
           1.37657754143519042600e+02, 1.96512716674392571292e+01, 1.0]  # fmt: skip
_ERF_RB = [-4.83519191608651397019e+02, -1.02509513161107724954e+03, -6.37566443368389627722e+02,
           -1.60636384855821916062e+02, -1.77579549177547519889e+01, -7.99283237680523006574e-01,
           -9.86494292470009928597e-03]  # fmt: skip
_ERF_SB = [-2.24409524465858183362e+01, 4.74528541206955367215e+02, 2.55305040643316442583e+03,
           3.19985821950859553908e+03, 1.53672958608443695994e+03, 3.25792512996573918826e+02,
           3.03380607434824582924e+01, 1.0]  # fmt: skip


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, element-wise, float64, accurate to about one ulp."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    result = np.sign(x)  # erf(±x) → ±1 for |x| >= 6; NaN stays NaN

    small = ax < 0.84375  # erf(x) = x + x·P(x²)/Q(x²)
    xs = x[small]
    xs2 = xs * xs
    result[small] = xs + xs * (np.polyval(_ERF_PP, xs2) / np.polyval(_ERF_QQ, xs2))

    near_one = (ax >= 0.84375) & (ax < 1.25)  # erf(1 + s) = erx + P(s)/Q(s)
    s = ax[near_one] - 1.0
    result[near_one] *= _ERX + np.polyval(_ERF_PA, s) / np.polyval(_ERF_QA, s)

    tail = (ax >= 1.25) & (ax < 6.0)  # erfc(x) = exp(-x² - 0.5625 + R(1/x²)/S(1/x²)) / x
    at = ax[tail]
    inv2 = 1.0 / (at * at)
    middle = at < 1.0 / 0.35
    ratio = np.where(
        middle,
        np.polyval(_ERF_RA, inv2) / np.polyval(_ERF_SA, inv2),
        np.polyval(_ERF_RB, inv2) / np.polyval(_ERF_SB, inv2),
    )
    # -x² split as -t² + (t - x)(t + x) with t = x's high 32 bits, so t² is exact.
    high = (at.view(np.uint64) & np.uint64(0xFFFFFFFF00000000)).view(np.float64)
    erfc = np.exp(-high * high - 0.5625) * np.exp((high - at) * (high + at) + ratio) / at
    result[tail] *= 1.0 - erfc
    return result


# --------------------------------------------------------------------------- functions


def _identity(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(np.array(z, dtype=np.float64), out)


def _identity_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    return _store(np.ones_like(z, dtype=np.float64), out)


def _tanh(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return np.tanh(z, out)  # a positional out is ~0.07 µs cheaper than out= (hot path)


# a 0-d array: NumPy converts a Python float operand on every call (~0.1 µs)
_ONE = np.array(1.0)


def _tanh_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    result = np.multiply(y, y, out)  # positional out: cheaper than out= (hot path)
    return np.subtract(_ONE, result, result)


def _tanh_calls(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray) -> list[Call]:
    return [(np.tanh, (z, out))]  # as _tanh


def _tanh_d_calls(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray
) -> list[Call]:
    return [(np.multiply, (y, y, out)), (np.subtract, (_ONE, out, out))]  # as _tanh_d


def _sigmoid_f(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _sigmoid(z, out)


def _sigmoid_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    result = np.subtract(_ONE, y, out=out)
    return np.multiply(result, y, out=result)


def _relu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return np.maximum(z, 0.0, out=out)


def _relu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    return _store((z > 0).astype(np.float64), out)


def _leakyrelu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(np.where(z > 0, z, z * _num(p, "negative_slope")), out)


def _leakyrelu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    return _store(np.where(z > 0, 1.0, _num(p, "negative_slope")), out)


def _hardtanh(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return np.clip(z, _num(p, "min_val"), _num(p, "max_val"), out=out)


def _hardtanh_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    # torch lets the gradient through only strictly inside (min_val, max_val).
    inside = (z > _num(p, "min_val")) & (z < _num(p, "max_val"))
    return _store(inside.astype(np.float64), out)


def _softplus(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    beta, threshold = _num(p, "beta"), _num(p, "threshold")
    with np.errstate(over="ignore"):
        scaled = beta * z
    return _store(np.where(scaled > threshold, z, _softplus_unit(scaled) / beta), out)


def _softplus_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    beta, threshold = _num(p, "beta"), _num(p, "threshold")
    with np.errstate(over="ignore"):
        scaled = beta * z
    return _store(np.where(scaled > threshold, 1.0, _sigmoid(scaled)), out)


def _elu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    negative_part = _num(p, "alpha") * np.expm1(np.minimum(z, 0.0))
    return _store(np.where(z > 0, z, negative_part), out)


def _elu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    # torch: x <= 0 → alpha·e^x (so elu'(0) = alpha), else 1.
    alpha = _num(p, "alpha")
    return _store(np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))), out)


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_BETA = math.sqrt(2.0 / math.pi)
_GELU_TANH_KAPPA = 0.044715


def _gelu_tanh_inner(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(tanh(√(2/π)(z + 0.044715 z³)), z²); z³ may overflow to inf, where tanh is ±1."""
    with np.errstate(over="ignore", invalid="ignore"):
        z_squared = z * z
        inner = _GELU_TANH_BETA * (z + _GELU_TANH_KAPPA * z_squared * z)
    return np.tanh(inner), z_squared


def _gelu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    if p["approximate"] == "tanh":
        tanh_inner, _ = _gelu_tanh_inner(z)
        return _store(0.5 * z * (1.0 + tanh_inner), out)
    return _store(z * 0.5 * (1.0 + erf(z * _SQRT_HALF)), out)


def _gelu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    if p["approximate"] == "tanh":
        tanh_inner, z_squared = _gelu_tanh_inner(z)
        inner_slope = _GELU_TANH_BETA * (1.0 + 3.0 * _GELU_TANH_KAPPA * z_squared)
        with np.errstate(invalid="ignore", over="ignore"):
            right = 0.5 * z * (1.0 - tanh_inner * tanh_inner) * inner_slope
        # Far out, 0·inf is NaN where the true value is 0.
        right = np.where(np.abs(z) > 1e100, 0.0, right)
        return _store(0.5 * (1.0 + tanh_inner) + right, out)
    cdf = 0.5 * (1.0 + erf(z * _SQRT_HALF))
    with np.errstate(over="ignore"):
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    return _store(cdf + z * pdf, out)


def _silu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(z * _sigmoid(z), out)


def _silu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    s = _sigmoid(z)
    return _store(s * (1.0 + z * (1.0 - s)), out)


def _softsign(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(z / (1.0 + np.abs(z)), out)


def _softsign_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    with np.errstate(over="ignore"):
        denominator = 1.0 + np.abs(z)
        return _store(1.0 / (denominator * denominator), out)


def _hardsigmoid(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(np.clip(z + 3.0, 0.0, 6.0) / 6.0, out)


def _hardsigmoid_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    # 1/6 strictly inside (-3, 3), as torch; its kernel multiplies by the float32 constant
    # 1/6 = 0.16666667163... even in float64, and so do we, to match its gradients exactly.
    inside = (z > -3.0) & (z < 3.0)
    return _store(np.where(inside, _TORCH_ONE_SIXTH, 0.0), out)


_TORCH_ONE_SIXTH = float(np.float32(1.0 / 6.0))


def _mish(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return _store(z * np.tanh(_softplus_unit(z)), out)


def _mish_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    tanh_softplus = np.tanh(_softplus_unit(z))
    return _store(tanh_softplus + z * _sigmoid(z) * (1.0 - tanh_softplus * tanh_softplus), out)


def _celu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    alpha = _num(p, "alpha")
    with np.errstate(over="ignore"):
        negative_part = alpha * np.expm1(np.minimum(z / alpha, 0.0))
    return _store(np.where(z > 0, z, negative_part), out)


def _celu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    alpha = _num(p, "alpha")
    with np.errstate(over="ignore"):
        negative_slope = np.exp(np.minimum(z / alpha, 0.0))
    return _store(np.where(z > 0, 1.0, negative_slope), out)


# torch.nn.SELU's fixed constants.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _selu(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    negative_part = _SELU_ALPHA * np.expm1(np.minimum(z, 0.0))
    return _store(_SELU_SCALE * np.where(z > 0, z, negative_part), out)


def _selu_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    negative_slope = _SELU_ALPHA * np.exp(np.minimum(z, 0.0))
    return _store(_SELU_SCALE * np.where(z > 0, 1.0, negative_slope), out)


def _relu6(z: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None) -> np.ndarray:
    return np.clip(z, 0.0, 6.0, out=out)


def _relu6_d(
    z: np.ndarray, y: np.ndarray, p: dict[str, ParamValue], out: np.ndarray | None
) -> np.ndarray:
    return _store(((z > 0.0) & (z < 6.0)).astype(np.float64), out)


# --------------------------------------------------------------------------- registry


def _check_hardtanh(p: dict[str, ParamValue]) -> str | None:
    if _num(p, "min_val") >= _num(p, "max_val"):
        return f"min_val ({p['min_val']}) must be less than max_val ({p['max_val']})"
    return None


def _check_softplus(p: dict[str, ParamValue]) -> str | None:
    return None if _num(p, "beta") > 0 else f"beta must be positive, got {p['beta']}"


def _check_celu(p: dict[str, ParamValue]) -> str | None:
    return None if _num(p, "alpha") != 0 else "alpha must not be 0 for celu"


def _description(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


_ENTRIES = [
    # The chapter's six first: the order GET /api/activations lists them in.
    Activation(
        "tanh", "Tanh", {}, "tanh(x)", _tanh, _tanh_d,
        _description(
            "Smooth S-curve from -1 to 1; sensitive near 0, saturated for |x| beyond about 2.",
            "平滑的 S 形曲线，取值在 -1 到 1 之间；在 0 附近敏感，|x| 大于约 2 时饱和。",
        ),
        forward_calls=_tanh_calls,
        derivative_calls=_tanh_d_calls,
    ),
    Activation(
        "hardtanh", "Hardtanh", {"min_val": -1.0, "max_val": 1.0},
        "min(max(x, min_val), max_val)", _hardtanh, _hardtanh_d,
        _description(
            "The hard version of tanh: the identity between min_val and max_val, clamped "
            "(slope 0) outside.",
            "tanh 的“硬”版本：在 min_val 与 max_val 之间是恒等映射，之外被截断（斜率为 0）。",
        ),
        check_params=_check_hardtanh,
        special_points=lambda p: (_num(p, "min_val"), _num(p, "max_val")),
    ),
    Activation(
        "sigmoid", "Sigmoid", {}, "1 / (1 + exp(-x))", _sigmoid_f, _sigmoid_d,
        _description(
            "Logistic S-curve from 0 to 1; sensitive near 0, saturated for |x| beyond about 4.",
            "逻辑 S 形曲线，取值在 0 到 1 之间；在 0 附近敏感，|x| 大于约 4 时饱和。",
        ),
    ),
    Activation(
        "softplus", "Softplus", {"beta": 1.0, "threshold": 20.0},
        "log(1 + exp(beta·x)) / beta  (x where beta·x > threshold)", _softplus, _softplus_d,
        _description(
            "A smooth ReLU: near 0 for negative x (saturated there), near x for positive x.",
            "平滑版的 ReLU：x 为负时接近 0（在此饱和），x 为正时接近 x。",
        ),
        check_params=_check_softplus,
        special_points=lambda p: (0.0, _num(p, "threshold") / _num(p, "beta")),
    ),
    Activation(
        "relu", "ReLU", {}, "max(0, x)", _relu, _relu_d,
        _description(
            "Zero for negative x (slope 0, saturated), the identity for positive x.",
            "x 为负时输出 0（斜率为 0，饱和），x 为正时为恒等映射。",
        ),
    ),
    Activation(
        "leakyrelu", "LeakyReLU", {"negative_slope": 0.01},
        "max(0, x) + negative_slope·min(0, x)", _leakyrelu, _leakyrelu_d,
        _description(
            "ReLU with a small slope (negative_slope) for negative x, so it never goes fully "
            "flat.",
            "在 x 为负时保留一个小斜率（negative_slope）的 ReLU，因此永远不会完全平坦。",
        ),
    ),
    Activation(
        "identity", "Identity", {}, "x", _identity, _identity_d,
        _description(
            "No activation: the output is the input, slope 1 everywhere, never saturates.",
            "无激活：输出等于输入，处处斜率为 1，从不饱和。",
        ),
    ),
    Activation(
        "elu", "ELU", {"alpha": 1.0}, "x if x > 0 else alpha·(exp(x) - 1)", _elu, _elu_d,
        _description(
            "The identity for positive x, a smooth exponential approach to -alpha for "
            "negative x (saturated there).",
            "x 为正时为恒等映射，x 为负时以指数方式平滑趋近 -alpha（在此饱和）。",
        ),
    ),
    Activation(
        "gelu", "GELU", {"approximate": "none"},
        "x·Φ(x) = x·(1 + erf(x/√2))/2  (approximate='tanh': x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2)",
        _gelu, _gelu_d,
        _description(
            "x weighted by the normal CDF: near 0 for very negative x (saturated), near x for "
            "positive x, with a small dip below 0.",
            "以标准正态分布函数加权的 x：x 很负时接近 0（饱和），x 为正时接近 x，0 以下有一个小凹陷。",
        ),
        choices={"approximate": ("none", "tanh")},
    ),
    Activation(
        "silu", "SiLU", {}, "x·sigmoid(x)", _silu, _silu_d,
        _description(
            "x times sigmoid(x) (also called swish): near 0 for very negative x (saturated), "
            "near x for positive x.",
            "x 乘以 sigmoid(x)（又称 swish）：x 很负时接近 0（饱和），x 为正时接近 x。",
        ),
    ),
    Activation(
        "softsign", "Softsign", {}, "x / (1 + |x|)", _softsign, _softsign_d,
        _description(
            "An S-curve from -1 to 1 like tanh, but it saturates slowly (polynomially).",
            "与 tanh 类似的 -1 到 1 的 S 形曲线，但饱和得很慢（多项式速度）。",
        ),
    ),
    Activation(
        "hardsigmoid", "Hardsigmoid", {}, "min(max(x + 3, 0), 6) / 6",
        _hardsigmoid, _hardsigmoid_d,
        _description(
            "A piecewise-linear sigmoid: slope 1/6 between -3 and 3, flat at 0 and 1 outside.",
            "分段线性的 sigmoid：在 -3 与 3 之间斜率为 1/6，之外平坦地停在 0 和 1。",
        ),
        special_points=lambda p: (-3.0, 3.0),
    ),
    Activation(
        "mish", "Mish", {}, "x·tanh(softplus(x))", _mish, _mish_d,
        _description(
            "x times tanh(softplus(x)): near 0 for very negative x (saturated), near x for "
            "positive x, with a small dip below 0.",
            "x 乘以 tanh(softplus(x))：x 很负时接近 0（饱和），x 为正时接近 x，0 以下有一个小凹陷。",
        ),
    ),
    Activation(
        "celu", "CELU", {"alpha": 1.0}, "max(0, x) + min(0, alpha·(exp(x/alpha) - 1))",
        _celu, _celu_d,
        _description(
            "ELU rescaled so its slope is continuous at 0; approaches -alpha for negative x.",
            "经过缩放、在 0 处斜率连续的 ELU；x 为负时趋近 -alpha。",
        ),
        check_params=_check_celu,
    ),
    Activation(
        "selu", "SELU", {}, "scale·(max(0, x) + min(0, alpha·(exp(x) - 1))), fixed alpha, scale",
        _selu, _selu_d,
        _description(
            "ELU with torch's fixed alpha ≈ 1.673 and scale ≈ 1.051; saturates at about -1.758 "
            "for negative x.",
            "使用 torch 固定常数 alpha ≈ 1.673、scale ≈ 1.051 的 ELU；x 为负时饱和于约 -1.758。",
        ),
    ),
    Activation(
        "relu6", "ReLU6", {}, "min(max(0, x), 6)", _relu6, _relu6_d,
        _description(
            "ReLU capped at 6: slope 1 between 0 and 6, flat (saturated) on both sides.",
            "上限为 6 的 ReLU：在 0 与 6 之间斜率为 1，两侧平坦（饱和）。",
        ),
        special_points=lambda p: (0.0, 6.0),
    ),
]  # fmt: skip

ACTIVATIONS: dict[str, Activation] = {entry.name: entry for entry in _ENTRIES}


def get_activation(name: str) -> Activation:
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        known = ", ".join(ACTIVATIONS)
        raise UnknownActivation(f"unknown activation {name!r}; known: {known}") from None


def _coerce_param(activation: Activation, key: str, value: object) -> ParamValue:
    default = activation.defaults[key]
    where = f"{activation.name} parameter {key!r}"
    if isinstance(default, str):
        allowed = activation.choices.get(key, (default,))
        if not isinstance(value, str) or value not in allowed:
            options = ", ".join(repr(option) for option in allowed)
            raise BadActivationParams(f"{where} must be one of {options}, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, Real):
        raise BadActivationParams(f"{where} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise BadActivationParams(f"{where} must be finite, got {value!r}")
    if abs(number) > MAX_PARAM_MAGNITUDE:
        raise BadActivationParams(f"{where} must be within ±{MAX_PARAM_MAGNITUDE:g}, got {value!r}")
    return number


def resolve_params(name: str, params: Params | None) -> dict[str, ParamValue]:
    """Defaults merged with ``params``; BadActivationParams on unknown names/bad values."""
    activation = get_activation(name)
    resolved = dict(activation.defaults)
    for key, value in (params or {}).items():
        if key not in activation.defaults:
            accepted = ", ".join(activation.defaults) or "none"
            raise BadActivationParams(
                f"{name} has no parameter {key!r} (its parameters: {accepted})"
            )
        resolved[key] = _coerce_param(activation, key, value)
    problem = activation.check_params(resolved)
    if problem:
        raise BadActivationParams(f"{name}: {problem}")
    return resolved


def evaluate(
    name: str, x: np.ndarray, params: Params | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(y, dy/dx) of the activation at x."""
    activation = get_activation(name)
    resolved = resolve_params(name, params)
    z = np.asarray(x, dtype=np.float64)
    y = activation.forward(z, resolved, None)
    return y, activation.derivative(z, y, resolved, None)


# --------------------------------------------------------------------------- analysis

_FAR = 1e300  # stands in for ±∞ when taking limits of the output
_FAR_SLOPE = 1e6  # where the slope's limit is read (z³ is still finite there)


def _probe_points(activation: Activation, params: dict[str, ParamValue]) -> np.ndarray:
    """Sorted z values dense around the features and sparse out to ±1e6."""
    special = np.array(activation.special_points(params), dtype=np.float64)
    span = max(20.0, 4.0 * float(np.max(np.abs(special))))
    dense = np.linspace(-span, span, 40_001)
    far = np.geomspace(span, _FAR_SLOPE, 400)
    return np.unique(np.concatenate([-far, dense, far, special]))


def _values(activation: Activation, params: dict[str, ParamValue], z: np.ndarray) -> np.ndarray:
    return activation.forward(np.asarray(z, dtype=np.float64), params, None)


def _slopes(activation: Activation, params: dict[str, ParamValue], z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64)
    return activation.derivative(z, activation.forward(z, params, None), params, None)


def _refine_extremum(
    activation: Activation, params: dict[str, ParamValue], lo: float, hi: float, sign: float
) -> float:
    """Golden-section search for the minimum of sign·f on [lo, hi]; returns f there."""
    ratio = (math.sqrt(5.0) - 1.0) / 2.0
    for _ in range(80):
        a = hi - ratio * (hi - lo)
        b = lo + ratio * (hi - lo)
        fa, fb = sign * _values(activation, params, np.array([a, b]))
        if fa < fb:
            hi = b
        else:
            lo = a
    return float(_values(activation, params, np.array([(lo + hi) / 2.0]))[0])


def _extreme_value(
    activation: Activation, params: dict[str, ParamValue], sign: float
) -> float | None:
    """min f (sign=+1) or max f (sign=-1) over all z; None when unbounded that way."""
    z = _probe_points(activation, params)
    with np.errstate(over="ignore", invalid="ignore"):
        limits = _values(activation, params, np.array([-_FAR, _FAR]))
    values = _values(activation, params, z)
    # A side where f grows past 1e100 at z = ±1e300 is unbounded.
    if np.any(sign * limits < -1e100) or not np.all(np.isfinite(limits)):
        return None
    index = int(np.argmin(sign * values))
    best = float(values[index])
    if 0 < index < z.size - 1:
        refined = _refine_extremum(activation, params, z[index - 1], z[index + 1], sign)
        best = min(best, refined) if sign > 0 else max(best, refined)
    limit_best = float(np.min(sign * limits)) * sign
    return min(best, limit_best) if sign > 0 else max(best, limit_best)


def max_abs_slope(name: str, params: Params | None = None) -> float:
    """max |f'(z)| over all z (sampled densely, kinks included)."""
    resolved = resolve_params(name, params)
    return _max_abs_slope(name, tuple(sorted(resolved.items())))


@lru_cache(maxsize=256)
def _max_abs_slope(name: str, params: tuple[tuple[str, ParamValue], ...]) -> float:
    # A dense scan (~1 ms, more for gelu's erf): every slider move asks again, so remember it.
    activation = get_activation(name)
    resolved = dict(params)
    return float(np.max(np.abs(_slopes(activation, resolved, _probe_points(activation, resolved)))))


def properties(name: str, params: Params | None = None) -> dict[str, Any]:
    """JSON-ready: range [lo, hi] (None for ±inf), bounded_below, bounded_above,
    monotonic, saturating, value_at_0, slope_at_0.

    Computed from the registry's own functions: the range from limits at ±1e300 and a
    dense scan refined by golden-section search (gelu's, silu's, mish's minima);
    "monotonic" means non-decreasing or non-increasing; "saturating" means f' → 0 on at
    least one side; "slope_at_0" is torch's autograd value (relu'(0) = 0)."""
    activation = get_activation(name)
    resolved = resolve_params(name, params)
    z = _probe_points(activation, resolved)
    steps = np.diff(_values(activation, resolved, z))
    far_slopes = np.abs(_slopes(activation, resolved, np.array([-_FAR_SLOPE, _FAR_SLOPE])))
    steepest = max_abs_slope(name, resolved)
    lowest = _extreme_value(activation, resolved, 1.0)
    highest = _extreme_value(activation, resolved, -1.0)
    zero = np.zeros(1)
    return {
        "range": [lowest, highest],
        "bounded_below": lowest is not None,
        "bounded_above": highest is not None,
        "monotonic": bool(np.all(steps >= 0) or np.all(steps <= 0)),
        "saturating": bool(np.any(far_slopes <= 1e-9 * steepest)),
        "value_at_0": float(_values(activation, resolved, zero)[0]),
        "slope_at_0": float(_slopes(activation, resolved, zero)[0]),
        "max_slope": steepest,
    }


SENSITIVE_FRACTION = 0.1
RANGES_DEFINITION = (
    "A point x is in the sensitive range where |f'(w·x + b)| >= 0.1 · max over z of |f'(z)|, "
    "and in a saturated range where it is below that."
)


def ranges(
    name: str,
    params: Params | None,
    w: float,
    b: float,
    x_min: float,
    x_max: float,
) -> dict[str, Any]:
    """Sensitive and saturated x-intervals of f(w·x + b) within [x_min, x_max].

    Definition: x is in the *sensitive range* where |f'(w·x + b)| >= 0.1·max_z |f'(z)|
    (the maximum taken over all z for this activation and params) and in a *saturated
    range* where it is below. The identity, and relu on its positive side, never saturate.
    The boundaries are found on a dense grid (in z, dense around the activation's features)
    and refined by bisection to about 1e-12 relative; w = 0 gives one constant interval.

    JSON-ready: {"sensitive": [[lo, hi], ...], "saturated": [[lo, hi], ...],
    "threshold": float, "definition": str, "max_slope": float,
    "segments": [{"kind", "x": [lo, hi], "z": [lo, hi], "y": [f(lo), f(hi)]}, ...]}."""
    for label, number in (("w", w), ("b", b), ("x_min", x_min), ("x_max", x_max)):
        if not math.isfinite(number):
            raise ValueError(f"{label} must be finite, got {number!r}")
    if not x_min < x_max:
        raise ValueError(f"x_min ({x_min}) must be less than x_max ({x_max})")
    activation = get_activation(name)
    resolved = resolve_params(name, params)
    steepest = max_abs_slope(name, resolved)
    threshold = SENSITIVE_FRACTION * steepest

    def is_sensitive(x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore", invalid="ignore"):
            z = w * x + b
        return np.abs(_slopes(activation, resolved, z)) >= threshold

    boundaries: list[float] = []
    if w != 0:
        # Sample x where z falls on the activation's feature grid, plus an even grid in x.
        z_features = _probe_points(activation, resolved)
        x_features = (z_features - b) / w
        xs = np.concatenate([np.linspace(x_min, x_max, 2001), x_features])
        xs = np.unique(xs[(xs >= x_min) & (xs <= x_max)])
        flags = is_sensitive(xs)
        changes = np.flatnonzero(flags[1:] != flags[:-1])
        lo, hi = xs[changes], xs[changes + 1]
        lo_flag = flags[changes]
        # 32-way search: each pass evaluates 31 points inside every bracket at once and
        # keeps the sub-interval where the flag flips (2^65 narrower in 13 passes, where
        # bisection needs 64 calls: the calls, not the points, are the cost).
        fractions = np.linspace(0.0, 1.0, 33)[1:-1]
        rows = np.arange(len(lo))
        for _ in range(13):
            inside = lo[:, None] + (hi - lo)[:, None] * fractions  # (n_boundaries, 31)
            same_as_lo = is_sensitive(inside) == lo_flag[:, None]
            # the first point whose flag differs from lo's (31 if none before hi)
            first_other = np.argmin(same_as_lo, axis=1)
            first_other[same_as_lo.all(axis=1)] = len(fractions)
            candidates = np.concatenate([lo[:, None], inside, hi[:, None]], axis=1)
            lo, hi = candidates[rows, first_other], candidates[rows, first_other + 1]
        boundaries = [float(v) for v in (lo + hi) / 2.0]
        # Land exactly on a kink (relu's 0, hardtanh's bounds) rather than 1e-23 beside it.
        special_x = (np.array(activation.special_points(resolved)) - b) / w
        tolerance = 1e-9 * (x_max - x_min)
        for i, boundary in enumerate(boundaries):
            nearest = special_x[np.argmin(np.abs(special_x - boundary))]
            if abs(nearest - boundary) <= tolerance:
                boundaries[i] = float(nearest)
        first_sensitive = bool(flags[0])
    else:
        first_sensitive = bool(is_sensitive(np.array([x_min]))[0])

    edges = [float(x_min), *boundaries, float(x_max)]
    merged: list[tuple[bool, float, float]] = []
    kind = first_sensitive
    for left, right in zip(edges[:-1], edges[1:], strict=True):
        if right > left:
            if merged and merged[-1][0] == kind:
                merged[-1] = (kind, merged[-1][1], right)
            else:
                merged.append((kind, left, right))
        kind = not kind

    segments = []
    for sensitive, left, right in merged:
        z_ends = np.array([w * left + b, w * right + b])
        y_ends = _values(activation, resolved, z_ends)
        segments.append(
            {
                "kind": "sensitive" if sensitive else "saturated",
                "x": [left, right],
                "z": [float(z_ends[0]), float(z_ends[1])],
                "y": [float(y_ends[0]), float(y_ends[1])],
            }
        )
    return {
        "sensitive": [[s["x"][0], s["x"][1]] for s in segments if s["kind"] == "sensitive"],
        "saturated": [[s["x"][0], s["x"][1]] for s in segments if s["kind"] == "saturated"],
        "threshold": threshold,
        "max_slope": steepest,
        "definition": RANGES_DEFINITION,
        "segments": segments,
    }


def registry_summary() -> list[dict[str, Any]]:
    """GET /api/activations: every activation with its defaults, formula, properties and
    description; the chapter's six first (tanh, hardtanh, sigmoid, softplus, relu, leakyrelu)."""
    return [
        {
            "name": activation.name,
            "torch_name": activation.torch_name,
            "params": dict(activation.defaults),
            "formula": activation.formula,
            "properties": properties(activation.name),
            "description": dict(activation.description),
        }
        for activation in ACTIVATIONS.values()
    ]
