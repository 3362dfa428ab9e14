"""The unit of a panel's values: persons, thousand persons or million persons.

Published tables are often in thousands («Численность, тыс. чел.», or «тыс. чел.» in the title); a workbook
that then says «чел.» is wrong by a factor of 1,000. The loaders read the unit from the value header or the
lines above the table (or take ``unit=``) and put it in ``panel.attrs["unit"]``; :func:`staffing_forecast.aggregate`,
:func:`staffing_forecast.to_annual` and :func:`staffing_forecast.forecast` carry it to their results, and the
reports and plots label every value with it. A frame without one is in persons.
"""

from __future__ import annotations

import re

import pandas as pd

from .errors import ConfigError, closest

__all__ = ["PERSONS", "UNITS", "check_unit", "find_unit", "same_unit", "unit_label", "unit_of"]

PERSONS = "persons"

#: Unit → (Russian label, English label). The key is how the unit is written in code and in ``attrs``.
UNITS: dict[str, tuple[str, str]] = {
    PERSONS: ("чел.", "persons"),
    "thousand persons": ("тыс. чел.", "thousand persons"),
    "million persons": ("млн чел.", "million persons"),
}

# The unit as tables write it: «тыс. чел.», «тыс.чел», «тысяч человек», «(человек)», "thousand persons".
_SPELLINGS = (
    ("thousand persons", re.compile(r"\bтыс(?:\.|яч[аи]?)?\s*(?:чел\b|человек)|\bthousands?\s+(?:of\s+)?(?:persons|people)\b", re.I)),
    ("million persons", re.compile(r"\bмлн\.?\s*(?:чел\b|человек)|\bmillions?\s+(?:of\s+)?(?:persons|people)\b", re.I)),
    (PERSONS, re.compile(r"(?<![\w.])(?:чел\b\.?|человек\b)|\b(?:persons|people)\b", re.I)),
)


def find_unit(text: object) -> str | None:
    """Return the unit a header or title names, or ``None``.

    Examples
    --------
    >>> [find_unit(t) for t in ["Численность, тыс. чел.", "(человек)", "Занятые, млн чел.", "Год", None]]
    ['thousand persons', 'persons', 'million persons', None, None]
    """
    if not isinstance(text, str):
        return None
    for unit, pattern in _SPELLINGS:
        if pattern.search(text):
            return unit
    return None


def check_unit(unit: str) -> str:
    """Return the unit's key for any of its spellings (``"тыс. чел."``, ``"thousand persons"``); refuse others.

    Examples
    --------
    >>> check_unit("тыс. чел.")
    'thousand persons'
    """
    if isinstance(unit, str):
        if unit in UNITS:
            return unit
        found = next((key for key, labels in UNITS.items() if unit.strip().casefold() in labels), None)
        found = found or find_unit(unit)
        if found is not None:
            return found
    spellings = [s for labels in UNITS.values() for s in labels]
    raise ConfigError(f"unit={unit!r}{closest(str(unit), spellings) or ';'} use one of {spellings}.")


def unit_of(frame: pd.DataFrame) -> str:
    """Return the unit of a frame's values: ``frame.attrs["unit"]``, persons when it has none.

    Examples
    --------
    >>> unit_of(pd.DataFrame({"y": [1.5]}).pipe(lambda f: f.attrs.update(unit="thousand persons") or f))
    'thousand persons'
    """
    return str(frame.attrs.get("unit", PERSONS))


def same_unit(out: pd.DataFrame, source: pd.DataFrame) -> pd.DataFrame:
    """Give ``out`` the unit of ``source`` (when it has one) and return it: for results built as new frames."""
    if "unit" in source.attrs:
        out.attrs["unit"] = source.attrs["unit"]
    return out


def unit_label(unit: str, lang: str) -> str:
    """Return the unit as an official reads it: ``тыс. чел.`` (``lang="ru"``) or ``thousand persons``.

    Examples
    --------
    >>> unit_label("thousand persons", "ru"), unit_label("persons", "en")
    ('тыс. чел.', 'persons')
    """
    ru, en = UNITS[check_unit(unit)]
    return ru if lang == "ru" else en
