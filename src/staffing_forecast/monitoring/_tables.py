"""Taking a monitoring table from a bundle, a survey or a frame, validated once at the public function."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from ..errors import ConfigError, Place, closest
from ..loaders.tables import TABLES, validate_table


@dataclass(frozen=True)
class Validated:
    """A table this package has already validated; passing it on between functions skips a second check."""

    frame: pd.DataFrame


def monitoring_table(data: object, name: str) -> pd.DataFrame:
    """Return table ``name`` of ``data`` (a :class:`~staffing_forecast.Bundle`, a survey or a DataFrame), validated.

    Validation is the same as for files: a row with more employed than graduates, a rating outside 1–5 or an
    unknown specialty code is a :class:`~staffing_forecast.SchemaError` naming the row.
    """
    if isinstance(data, Validated):
        return data.frame
    frame = getattr(data, name, data) if not isinstance(data, pd.DataFrame) else data
    if frame is None:
        raise ConfigError(f"the data has no {name} table; load one with sf.load_table(path, {name!r}).")
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(
            f"expected the {name} table as a pandas DataFrame, a Bundle or a Survey, got {type(data).__name__}."
        )
    return validate_table(frame, TABLES[name], Place(name, in_file=False))


def check_by(by: Sequence[str] | str, allowed: Sequence[str], function: str) -> list[str]:
    """Return ``by`` as a list, or raise a :class:`ConfigError` naming any column that cannot group."""
    columns = [by] if isinstance(by, str) else list(by)
    for column in columns:
        if column not in allowed:
            raise ConfigError(
                f"{function}: cannot group by {column!r}{closest(column, allowed)} Group by any of {list(allowed)}."
            )
    if len(set(columns)) != len(columns):
        raise ConfigError(f"{function}: by={columns} repeats a column.")
    return columns


def select_years(
    frame: pd.DataFrame, years: Iterable[int] | None, column: str, function: str
) -> pd.DataFrame:
    """Keep the rows of the given years; an empty selection is a :class:`ConfigError` listing the years there are."""
    if years is None:
        return frame
    wanted = [int(y) for y in years]
    out = frame[frame[column].isin(wanted)]
    if out.empty:
        present = sorted(frame[column].unique().tolist())
        raise ConfigError(f"{function}: none of the years {wanted} is in the data; it has {present}.")
    return out
