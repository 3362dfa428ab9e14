"""The library's exceptions, in one tree.

::

    StaffingForecastError (ValueError)
    ├── SchemaError           a frame or file does not have the expected shape, types or values
    ├── ConfigError           a parameter, option or configuration is invalid or unknown
    ├── NotFittedError        a model was used before ``fit``
    └── InfeasibleQuotaError  the quota inputs admit no solution (capacity, yields, shares)

    SeriesFailure (Exception)  a model cannot handle one series; the engine falls back and says why
    DataWarning (UserWarning)  a value was read but looks wrong (a decimal comma among thousands, a jump by a
                               factor of 100); it is kept, and named so that it can be checked

Every exception is also a ``ValueError``, so code that already catches ``ValueError`` keeps working.
Results that had to leave something out warn with ``StaffingForecastWarning`` (a ``UserWarning``) and count it.
Messages say what is wrong, where (file, sheet, row, column or series), what was expected and how to fix it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

__all__ = [
    "ConfigError",
    "DataWarning",
    "InfeasibleQuotaError",
    "NotFittedError",
    "Place",
    "SchemaError",
    "SeriesFailure",
    "StaffingForecastError",
    "StaffingForecastWarning",
    "closest",
    "raise_problems",
]


class StaffingForecastError(ValueError):
    """Base class of every error raised by staffing_forecast."""


class SchemaError(StaffingForecastError):
    """A frame or file does not have the expected columns, types or values."""


class ConfigError(StaffingForecastError):
    """A parameter, option or configuration value is invalid or unknown."""


class NotFittedError(StaffingForecastError):
    """A model was asked to predict before it was fitted."""


class InfeasibleQuotaError(StaffingForecastError):
    """The quota inputs admit no feasible allocation."""


class SeriesFailure(Exception):
    """A model cannot handle one series (too short, degenerate).

    Raised by a model's per-series code with a sentence saying why (``"2 observations, ets needs 7"``); the
    engine catches it, forecasts that series with the fallback model and writes the sentence into the
    ``fallback`` column. Not a :class:`StaffingForecastError`: it never reaches a user.
    """


class StaffingForecastWarning(UserWarning):
    """A result left something out (e.g. rows without a scale); the message says what and how many."""


class DataWarning(UserWarning):
    """A value was read but looks wrong; the message names where it is and what to check."""


def closest(word: str, known: Iterable[str], n: int = 3) -> str:
    """Return a ``"did you mean ...?"`` hint for ``word`` among ``known``, or an empty string.

    Examples
    --------
    >>> closest("etss", ["ets", "arima", "theta"])
    "; did you mean 'ets'?"
    >>> closest("zzz", ["ets"])
    ''
    """
    matches = difflib.get_close_matches(str(word), [str(k) for k in known], n=n, cutoff=0.6)
    if not matches:
        return ""
    return "; did you mean " + " or ".join(repr(m) for m in matches) + "?"


class Place:
    """Where a value came from, so that error messages can point at it.

    ``Place("survey.xlsx", sheet="2025")`` formats a file location; frames loaded from files keep the
    source row numbers in their index, so ``row`` is the row a user sees in Excel or a text editor.
    A frame passed in by a user is described by name, with its index labels. ``headers`` maps the library's
    column names back to the file's own headers where a loader renamed them, so messages name what the user sees.

    Examples
    --------
    >>> Place("survey.xlsx", sheet="2025").at(row=14, column="headcount")
    "survey.xlsx, sheet '2025', row 14, column 'headcount'"
    >>> Place("panel", in_file=False).at(row=3)
    'panel, index 3'
    >>> Place("staff.csv", headers={"y": "Численность"}).at(row=3, column="y")
    "staff.csv, row 3, column 'Численность'"
    """

    def __init__(
        self,
        name: str,
        *,
        sheet: str | None = None,
        in_file: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.name = str(name)
        self.sheet = sheet
        self.in_file = in_file
        self.headers = dict(headers or {})

    def renamed(self, headers: Mapping[str, str]) -> Place:
        """Return the same place, knowing that the columns ``headers`` maps (library name → file header) were renamed."""
        return Place(self.name, sheet=self.sheet, in_file=self.in_file, headers=self.headers | dict(headers))

    def at(self, row: object = None, column: str | None = None, series: str | None = None) -> str:
        """Say where: ``survey.xlsx, sheet '2025', row 14, column 'y (Численность)'`` from what is known."""
        parts = [self.name]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if series is not None:
            parts.append(f"series {series!r}")
        if row is not None:
            parts.append(f"{'row' if self.in_file else 'index'} {row}")
        if column is not None:
            parts.append(f"column {self.headers.get(column, column)!r}")
        return ", ".join(parts)

    def __repr__(self) -> str:
        return f"Place({self.name!r}, sheet={self.sheet!r}, in_file={self.in_file})"


def raise_problems(
    problems: list[str], error: type[StaffingForecastError] = SchemaError, limit: int = 20
) -> None:
    """Raise one error listing every problem found (at most ``limit`` shown), or do nothing if there are none.

    The same problem in many rows is said once (:func:`group_rows`).
    """
    if not problems:
        return
    problems = group_rows(problems)
    if len(problems) == 1:
        raise error(problems[0])
    shown = problems[:limit]
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    raise error(f"{len(problems)} problems found:\n  " + "\n  ".join(shown) + more)


_ROW = re.compile(r", (row|index) (\d+)(?=[,:])")
_VALUE = re.compile(r""" ('[^']*'|"[^"]*")""")


def group_rows(problems: list[str], least: int = 3) -> list[str]:
    """Say a problem that repeats in ``least`` or more rows once, with the count and the first rows.

    Problems are the same when they differ only in the row and the value shown.

    Examples
    --------
    >>> lines = [f"staff.csv, row {r}, column 'y': value '{r},5' is not a whole number of people." for r in (4, 5, 6, 9)]
    >>> group_rows(lines + ["staff.csv, row 7, column 'ds': the date is empty."])
    ["staff.csv, column 'y': 4 rows: value is not a whole number of people. E.g. rows 4 ('4,5'), 5 ('5,5'), \
6 ('6,5').", "staff.csv, row 7, column 'ds': the date is empty."]
    """
    groups: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for problem in problems:
        row = _ROW.search(problem)
        if row is None:
            groups.setdefault((problem, "", ""), []).append(("", "", problem))
            continue
        rest = problem[: row.start()] + problem[row.end() :]
        head, _, tail = rest.partition(": ")
        value = _VALUE.search(tail)
        key = (head, row[1], tail[: value.start()] + tail[value.end() :] if value else tail)
        groups.setdefault(key, []).append((row[2], value[1] if value else "", problem))
    out: list[str] = []
    for key, members in groups.items():
        if len(members) < least:
            out.extend(problem for _, _, problem in members)
            continue
        head, word, tail = key
        rows = "rows" if word == "row" else "indexes"
        examples = ", ".join(f"{r} ({v})" if v else r for r, v, _ in members[:3])
        out.append(f"{head}: {len(members)} {rows}: {tail} E.g. {rows} {examples}.")
    return out
