"""A safe parser for the formulas learners type, such as ``sin(3*x) + 0.5*x^2``.

``ast.parse(text, mode="eval")`` only builds a syntax tree; nothing is executed. The tree
is then checked node by node against a small whitelist and turned into a chain of NumPy
calls (closures), never into code: the only names are ``x``, ``pi`` and ``e``, the only
calls are the functions in ``FUNCTIONS``, the only operators ``+ - * / ** %`` and unary
``-``/``+``. ``^`` means power, as learners type it (``x^2`` is ``x**2``).

Limits keep evaluation cheap whatever is typed: the text's length, the tree's depth and
size, and constant exponents (``x**1e9``, ``9**9**9`` are refused before anything is
computed). Arithmetic is float64 throughout, so nothing can grow without bound; NaN and
±inf appear where the maths says so (``log(-1)``, ``1/0``).
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_DEPTH = 50
MAX_NODES = 500
MAX_CONSTANT_EXPONENT = 100.0

Evaluator = Callable[[np.ndarray], np.ndarray]
# A NumPy ufunc taking arrays or float64 scalars.
BinaryOperation = Callable[[Any, Any], Any]


class FormulaError(ValueError):
    """A formula that cannot be accepted; the message is meant for the learner."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _step(z: np.ndarray) -> np.ndarray:
    return np.where(z >= 0, 1.0, 0.0)


def _clip(z: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return np.minimum(np.maximum(z, low), high)


# name -> (number of arguments, function)
FUNCTIONS: dict[str, tuple[int, Callable[..., np.ndarray]]] = {
    "sin": (1, np.sin),
    "cos": (1, np.cos),
    "tan": (1, np.tan),
    "arcsin": (1, np.arcsin),
    "asin": (1, np.arcsin),
    "arccos": (1, np.arccos),
    "acos": (1, np.arccos),
    "arctan": (1, np.arctan),
    "atan": (1, np.arctan),
    "sinh": (1, np.sinh),
    "cosh": (1, np.cosh),
    "tanh": (1, np.tanh),
    "exp": (1, np.exp),
    "log": (1, np.log),
    "ln": (1, np.log),
    "log2": (1, np.log2),
    "log10": (1, np.log10),
    "sqrt": (1, np.sqrt),
    "abs": (1, np.abs),
    "sign": (1, np.sign),
    "floor": (1, np.floor),
    "ceil": (1, np.ceil),
    "round": (1, np.round),  # half to even, as NumPy
    "sigmoid": (1, _sigmoid),
    "step": (1, _step),  # 0 for x < 0, 1 for x >= 0
    "heaviside": (2, np.heaviside),  # heaviside(x, value at 0)
    "minimum": (2, np.minimum),
    "maximum": (2, np.maximum),
    "min": (2, np.minimum),
    "max": (2, np.maximum),
    "clip": (3, _clip),  # clip(x, low, high)
}

CONSTANTS = {"pi": math.pi, "e": math.e}

_BINARY: dict[type[ast.operator], BinaryOperation] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
    ast.Mod: np.mod,
}

# What learners most often type by mistake, in words they recognise.
_NODE_WORDS: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Lambda: "lambda",
    ast.IfExp: "if/else",
    ast.Compare: "comparison",
    ast.BoolOp: "and/or",
    ast.ListComp: "list comprehension",
    ast.GeneratorExp: "generator expression",
    ast.SetComp: "set comprehension",
    ast.DictComp: "dict comprehension",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.Starred: "*argument",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "f-string",
    ast.Await: "await",
    ast.Yield: "yield",
}


@dataclass(frozen=True)
class Formula:
    text: str
    _evaluator: Evaluator

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """The formula at every x: float64, same shape as x (NaN/inf where undefined)."""
        x = np.asarray(x, dtype=np.float64)
        with np.errstate(all="ignore"):
            result = self._evaluator(x)
        return np.broadcast_to(np.asarray(result, dtype=np.float64), x.shape).copy()


def _position_map(original: str) -> list[int]:
    """For each index of the text with ^ written as **, the index in the original."""
    positions: list[int] = []
    for index, char in enumerate(original):
        positions.extend([index, index] if char == "^" else [index])
    positions.append(len(original))
    return positions


class _Compiler:
    def __init__(self, positions: list[int]) -> None:
        self.positions = positions

    def where(self, node: ast.AST) -> str:
        offset = getattr(node, "col_offset", None)
        if offset is None:
            return ""
        return f" at position {self.positions[min(offset, len(self.positions) - 1)] + 1}"

    def fail(self, message: str, node: ast.AST) -> FormulaError:
        return FormulaError(message + self.where(node))

    def compile(self, node: ast.AST, depth: int = 0) -> Evaluator | float:
        """An evaluator for the node, or a float when the node is a constant (folded)."""
        if depth > MAX_DEPTH:
            raise self.fail(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", node)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.compile(node.operand, depth + 1)
            if isinstance(node.op, ast.UAdd):
                return operand
            if isinstance(operand, float):
                return -operand
            negated = operand
            return lambda x: np.negative(negated(x))
        if isinstance(node, ast.BinOp):
            return self.binary(node, depth)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.UnaryOp):
            raise self.fail("only - and + can stand before a value", node)
        what = _NODE_WORDS.get(type(node), type(node).__name__)
        raise self.fail(f"{what} is not allowed in a formula", node)

    def constant(self, node: ast.Constant) -> float:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{value!r} is not a number; only real numbers are allowed", node)
        number = float(value) if isinstance(value, float) or abs(value) < 10**308 else math.inf
        if not math.isfinite(number):
            raise self.fail("number is too large", node)
        return number

    def name(self, node: ast.Name) -> Evaluator | float:
        if node.id == "x":
            return lambda x: x
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        if node.id in FUNCTIONS:
            raise self.fail(f"{node.id} is a function: write {node.id}(...)", node)
        raise self.fail(f"unknown name {node.id!r}: use x, pi, e and functions like sin(x)", node)

    def binary(self, node: ast.BinOp, depth: int) -> Evaluator | float:
        if type(node.op) not in _BINARY:
            symbol = {ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|"}
            shown = symbol.get(type(node.op), type(node.op).__name__)
            raise self.fail(f"operator {shown} is not allowed (use + - * / ^ %)", node)
        operation = _BINARY[type(node.op)]
        left = self.compile(node.left, depth + 1)
        right = self.compile(node.right, depth + 1)
        if isinstance(node.op, ast.Pow) and isinstance(right, float):
            if abs(right) > MAX_CONSTANT_EXPONENT:
                raise self.fail(
                    f"exponent {right:g} is too large (at most {MAX_CONSTANT_EXPONENT:g})", node
                )
        if isinstance(left, float) and isinstance(right, float):
            # Constant folding in float64: cannot hang, unlike Python's integer powers.
            with np.errstate(all="ignore"):
                return float(operation(np.float64(left), np.float64(right)))
        return _combine(operation, left, right)

    def call(self, node: ast.Call, depth: int) -> Evaluator:
        if not isinstance(node.func, ast.Name):
            found = _NODE_WORDS.get(type(node.func), type(node.func).__name__)
            raise self.fail(
                f"only plain function names can be called, like sin(x) (found {found})", node
            )
        name = node.func.id
        if name not in FUNCTIONS:
            known = ", ".join(FUNCTIONS)
            raise self.fail(f"unknown function {name!r}; allowed: {known}", node)
        if node.keywords:
            raise self.fail(f"{name}() takes no keyword arguments", node)
        arity, function = FUNCTIONS[name]
        if len(node.args) != arity:
            plural = "argument" if arity == 1 else "arguments"
            raise self.fail(f"{name}() takes {arity} {plural}, got {len(node.args)}", node)
        arguments = [_as_evaluator(self.compile(arg, depth + 1)) for arg in node.args]
        return lambda x: function(*(argument(x) for argument in arguments))


def _as_evaluator(part: Evaluator | float) -> Evaluator:
    if isinstance(part, float):
        value = np.float64(part)
        return lambda x: np.full_like(x, value)
    return part


def _combine(
    operation: BinaryOperation,
    left: Evaluator | float,
    right: Evaluator | float,
) -> Evaluator:
    if isinstance(left, float):
        left_value = np.float64(left)
        right_fn = _as_evaluator(right)
        return lambda x: operation(left_value, right_fn(x))
    if isinstance(right, float):
        right_value = np.float64(right)
        return lambda x: operation(left(x), right_value)
    left_fn = left
    return lambda x: operation(left_fn(x), right(x))


def parse_formula(text: str, max_length: int = 500) -> Formula:
    """Check ``text`` and build a Formula; FormulaError with a learner-facing message."""
    if not isinstance(text, str):
        raise FormulaError("formula must be text")
    if len(text) > max_length:
        raise FormulaError(f"formula is too long ({len(text)} characters, at most {max_length})")
    if not text.strip():
        raise FormulaError("formula is empty: write something like sin(3*x)")
    # ^ is power for learners; Python's ^ (xor) would also bind looser than +.
    python_text = text.replace("^", "**")
    # Offsets below count from the first non-blank character, which .strip() makes index 0.
    lead = len(python_text) - len(python_text.lstrip())
    positions = _position_map(text)[lead:]
    try:
        with warnings.catch_warnings():
            # "1e" and friends warn before failing; the learner gets our message instead.
            warnings.simplefilter("ignore")
            tree = ast.parse(python_text.strip(), mode="eval")
    except SyntaxError as error:
        where = ""
        if error.offset:
            where = f" at position {positions[min(error.offset - 1, len(positions) - 1)] + 1}"
        reason = (error.msg or "invalid syntax").split("(")[0].strip()
        raise FormulaError(f"cannot read the formula{where}: {reason}") from None
    except (RecursionError, MemoryError, ValueError):
        raise FormulaError("formula is nested too deeply or malformed") from None
    node_count = sum(1 for _ in ast.walk(tree))
    if node_count > MAX_NODES:
        raise FormulaError(f"formula is too complex ({node_count} parts, at most {MAX_NODES})")
    compiler = _Compiler(positions)
    try:
        compiled = compiler.compile(tree.body)
    except RecursionError:
        raise FormulaError("formula is nested too deeply") from None
    return Formula(text=text, _evaluator=_as_evaluator(compiled))
