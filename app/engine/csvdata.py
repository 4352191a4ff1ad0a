"""Pasted or uploaded tables of numbers → (x, y) for training.

Accepted: one row per line, separated by commas, semicolons, tabs or runs of spaces (the
first data line decides which); an optional header row (a first row that is not all numbers
is skipped); blank lines and lines starting with ``#`` are skipped. The last column is y,
the others are x, so at least two columns. Every value must be a finite number. Errors are
CSVError with the 1-based line number. Parsed with the csv module, never evaluated.
"""

from __future__ import annotations

import csv
import math

import numpy as np

MAX_COLUMNS = 100
MIN_ROWS = 2


class CSVError(ValueError):
    """A table that cannot be used; the message names the line."""


def _detect_delimiter(line: str) -> str | None:
    """The first separator found in the first data line; None means whitespace."""
    for delimiter in (",", ";", "\t"):
        if delimiter in line:
            return delimiter
    return None


def _split(line: str, delimiter: str | None, line_number: int) -> list[str]:
    if delimiter is None:
        return line.split()
    try:
        cells = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True, strict=True))
    except csv.Error as error:
        raise CSVError(f"line {line_number}: {error}") from None
    return [cell.strip() for cell in cells]


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def parse_csv(text: str, max_rows: int = 10000) -> tuple[np.ndarray, np.ndarray]:
    """x (n, columns - 1) and y (n, 1), float64; CSVError with the line number otherwise."""
    if "\x00" in text:
        raise CSVError("the data contains a NUL character; is it a binary file?")
    delimiter: str | None = None
    width: int | None = None
    header_allowed = True
    rows: list[list[float]] = []
    for line_number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        if width is None:
            delimiter = _detect_delimiter(line)
        cells = _split(line, delimiter, line_number)
        if width is None:
            width = len(cells)
            if width < 2:
                raise CSVError(
                    f"line {line_number}: need at least 2 columns (x ..., y), found {width}"
                )
            if width > MAX_COLUMNS:
                raise CSVError(f"line {line_number}: at most {MAX_COLUMNS} columns, found {width}")
        elif len(cells) != width:
            raise CSVError(
                f"line {line_number}: expected {width} values like the first row, "
                f"found {len(cells)}"
            )
        numbers = [_number(cell) for cell in cells]
        if header_allowed:
            header_allowed = False
            if any(number is None for number in numbers):
                continue  # a header row such as "t_u,t_c"
        values: list[float] = []
        for column, (cell, number) in enumerate(zip(cells, numbers, strict=True), start=1):
            if number is None:
                shown = cell if len(cell) <= 20 else cell[:20] + "…"
                raise CSVError(f"line {line_number}, column {column}: {shown!r} is not a number")
            if not math.isfinite(number):
                raise CSVError(
                    f"line {line_number}, column {column}: {cell!r} is not a finite number"
                )
            values.append(number)
        if len(rows) >= max_rows:
            raise CSVError(f"line {line_number}: too many rows (at most {max_rows})")
        rows.append(values)
    if len(rows) < MIN_ROWS:
        raise CSVError(f"need at least {MIN_ROWS} rows of numbers, found {len(rows)}")
    table = np.array(rows, dtype=np.float64)
    return table[:, :-1], table[:, -1:]
