"""CSV parsing for pasted and uploaded data, friendly and hostile."""

import time

import numpy as np
import pytest

from app.engine.csvdata import CSVError, parse_csv

THERMOMETER = """t_u,t_c
35.7,0.5
55.9,14.0
58.2,15.0
"""


def test_header_and_commas():
    x, y = parse_csv(THERMOMETER)
    assert x.shape == (3, 1) and y.shape == (3, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x[:, 0].tolist() == [35.7, 55.9, 58.2]
    assert y[:, 0].tolist() == [0.5, 14.0, 15.0]


@pytest.mark.parametrize(
    "text",
    [
        "1;2;3\n4;5;6\n",
        "1\t2\t3\n4\t5\t6\n",
        "1 2   3\n  4 5 6  \n",
        "# my data\n\n1, 2, 3\n\n# more\n4, 5, 6\r\n",
        "a;b;c\n1;2;3\n4;5;6",
        '"1","2","3"\n"4","5","6"\n',
        "1e0,2.0,3\n+4,5.,.6e1\n",
    ],
)
def test_separators_comments_and_blank_lines(text):
    x, y = parse_csv(text)
    np.testing.assert_array_equal(x, [[1, 2], [4, 5]])
    np.testing.assert_array_equal(y, [[3], [6]])


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("1,2\n3,4,5\n", "line 2: expected 2 values"),
        ("1,2\n3,abc\n", "line 2, column 2: 'abc' is not a number"),
        ("1,2\n3,nan\n", "line 2, column 2: 'nan' is not a finite"),
        ("1,2\n3,inf\n", "line 2, column 2"),
        ("1,2\n-Infinity,3\n", "not a finite"),
        ("x,y\nt_u,t_c\n1,2\n", "line 2, column 1"),
        ("1\n2\n3\n", "at least 2 columns"),
        ("1,2\n", "at least 2 rows"),
        ("x,y\n", "at least 2 rows"),
        ("", "at least 2 rows"),
        ("# only a comment\n\n", "at least 2 rows"),
        ("1,2\n3,\n", "line 2, column 2"),
        ("1,2\x00\n3,4\n", "NUL"),
        ("1,2\n" * 11, "line 11: too many rows (at most 10)"),
        ("x,y\n1,2\n__import__('os'),3\n", "line 3, column 1"),
        (",".join(["1"] * 101) + "\n", "at most 100 columns"),
        ('1,"2\n3,4\n', "line 1"),  # an unclosed quote
    ],
)
def test_bad_tables_name_the_line(text, fragment):
    with pytest.raises(CSVError) as error:
        parse_csv(text, max_rows=10)
    assert fragment in str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_huge_paste_is_refused_quickly_and_the_code_in_it_never_runs():
    # Refused after reading past the row limit, not after reading all 200 000 rows: it
    # takes about as long as reading a paste of exactly the limit, measured here.
    started = time.perf_counter()
    parse_csv("1,2\n" * 10_000)
    at_the_limit = time.perf_counter() - started
    started = time.perf_counter()
    with pytest.raises(CSVError, match="too many rows"):
        parse_csv("1,2\n" * 200_000)
    assert time.perf_counter() - started < 5 * at_the_limit
    with pytest.raises(CSVError, match="is not a number"):
        parse_csv("1,2\n3,__import__('os').system('echo hi')\n")


def test_many_columns_split_into_x_and_last_column_y():
    x, y = parse_csv("1,2,3,4\n5,6,7,8\n9,10,11,12\n")
    assert x.shape == (3, 3) and y.shape == (3, 1)
    assert y[:, 0].tolist() == [4, 8, 12]
