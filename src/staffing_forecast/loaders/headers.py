"""Russian headers read as the bundle tables' columns: the headers the library's reports print, and the usual ones.

A header matches when it equals an alias after case, ``ё``/``е``, spacing and a trailing unit (``, чел.``) are
set aside, so ``Выпуск, чел.`` (as the monitoring workbook prints it) and ``выпуск`` are both ``graduates``.
A test checks that every bundle column the reports print is read back under its Russian header.
"""

from __future__ import annotations

import re
import warnings

import pandas as pd

from ..errors import DataWarning, Place, SchemaError
from ..schema import Y
from ..units import PERSONS, check_unit, find_unit

__all__ = ["RUSSIAN_HEADERS", "normalise_header", "panel_unit", "rename_known_headers"]

#: Column → the Russian headers read as it (only for the columns the table at hand has).
RUSSIAN_HEADERS: dict[str, tuple[str, ...]] = {
    "region": ("Регион", "Код региона", "Субъект РФ"),
    "sector": ("ОКВЭД2", "Код ОКВЭД2", "ОКВЭД", "Код ОКВЭД"),
    "employer": ("Работодатель", "Код работодателя"),
    "occupation": ("Код ОКЗ", "ОКЗ", "Профессия (код ОКЗ)"),
    "ds": ("Год", "Дата", "Период"),
    "y": ("Численность", "Значение", "Количество", "Вакансии", "Принято на работу"),
    "vintage": ("Год опроса", "Год обследования", "Дата выпуска прогноза"),
    "kind": ("Тип организации", "Тип", "Вид значения", "Вид"),
    "value": ("Значение", "Численность"),
    "year": ("Год",),
    "age_band": ("Возрастная группа", "Возраст"),
    "persons": ("Численность", "Человек"),
    "institution": ("Организация", "Образовательная организация", "Код организации"),
    "name": ("Наименование", "Наименование организации"),
    "specialty": ("Код специальности", "Специальность (код)"),
    "level": ("Уровень образования", "Уровень"),
    "form": ("Форма обучения",),
    "course": ("Курс",),
    "students": ("Обучающихся", "Численность обучающихся", "Контингент"),
    "budget": ("Бюджетный приём", "Приём на бюджет"),
    "paid": ("Платный приём", "Ожидаемый платный приём"),
    "capacity": ("Мощность",),
    "graduates": ("Выпуск",),
    "employed": ("Трудоустроено",),
    "employed_in_field": ("Трудоустроено по специальности",),
    "employed_in_field_in_region": ("Трудоустроено по специальности в регионе",),
    "graduates_hired": ("Принято выпускников",),
    "rating": ("Оценка",),
    "share": ("Доля",),
    "grp": ("ВРП",),
    "it_revenue": ("Выручка ИТ-отрасли", "Выручка ИТ"),
    "wage": ("Средняя заработная плата", "Средняя зарплата"),
    "scenario": ("Сценарий",),
}

_UNIT = re.compile(r",\s*[^,]*$")


def normalise_header(header: str) -> str:
    """Lower case, ``ё`` as ``е``, single spaces and no trailing unit.

    Examples
    --------
    >>> normalise_header("Трудоустроено по  специальности, чел.")
    'трудоустроено по специальности'
    """
    text = " ".join(str(header).replace("ё", "е").replace("Ё", "Е").split()).casefold()
    return _UNIT.sub("", text).strip()


def rename_known_headers(cells: pd.DataFrame, names: list[str], place: Place) -> pd.DataFrame:
    """Rename Russian headers to the table's column ``names``; a column already named canonically stays."""
    wanted: dict[str, str] = {}
    for name in names:
        for alias in (*RUSSIAN_HEADERS.get(name, ()), name):  # the name itself with a unit: `y, тыс. чел.`
            wanted.setdefault(normalise_header(alias), name)
    renames: dict[str, str] = {}
    for header in cells.columns:
        target = wanted.get(normalise_header(header)) if header not in names else None
        if target is None or target in cells.columns:
            continue
        if target in renames.values():
            first = next(h for h, t in renames.items() if t == target)
            raise SchemaError(
                f"{place.at()}: both {first!r} and {header!r} are read as column {target!r}; keep one, or say "
                "which is which with columns=."
            )
        renames[header] = target
    return cells.rename(columns=renames) if renames else cells


def panel_unit(cells: pd.DataFrame, place: Place, unit: str | None) -> str:
    """Return the unit of the values: ``unit`` when given, else the one the value header or a title names.

    The value header is read first (``Численность, тыс. чел.``), then the lines above the table, top to bottom
    (``attrs["above"]``, as the file readers leave it); persons when none names one. A given ``unit`` that
    differs from the file's is used, with a warning.

    Examples
    --------
    >>> cells = pd.DataFrame({"y": ["1,5"]})
    >>> cells.attrs["above"] = ["Занятые в ИТ, тыс. чел."]
    >>> panel_unit(cells, Place("staff.csv"), None)
    'thousand persons'
    """
    header = place.headers.get(Y, Y) if Y in cells.columns else ""
    texts = [header, *cells.attrs.get("above", [])]
    found = next((u for u in map(find_unit, texts) if u is not None), None)
    if unit is None:
        return found or PERSONS
    unit = check_unit(unit)
    if found is not None and found != unit:
        warnings.warn(
            f"{place.at()}: the file gives its values in {found}, but unit={unit!r} was passed; the values are "
            f"taken as {unit}.",
            DataWarning,
            stacklevel=4,
        )
    return unit

