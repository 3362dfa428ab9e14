"""The quota workbook: what an official reads to decide on state-funded admissions, without Python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .excel import Sheet, check_lang, name_columns, write_workbook

if TYPE_CHECKING:
    from ..quota import Explanation, QuotaResult

__all__ = ["quota_workbook"]

_TITLES = {
    "ru": {
        "summary": "Сводка",
        "table": "КЦП по специальностям",
        "allocation": "По организациям",
        "coverage": "Обеспеченность",
        "openings": "Потребность по ОКЗ",
        "wanted": "Потребность в выпускниках",
        "explanation": "Пояснение расчёта",
        "inputs": "Исходные данные",
        "policy": "Параметры",
    },
    "en": {
        "summary": "Summary",
        "table": "Quotas by specialty",
        "allocation": "By institution",
        "coverage": "Coverage",
        "openings": "Openings by occupation",
        "wanted": "Graduates wanted",
        "explanation": "Explanation",
        "inputs": "Inputs",
        "policy": "Policy",
    },
}

_NOTES = {
    "ru": [
        "Рекомендуемые контрольные цифры приёма (КЦП) на места за счёт бюджета субъекта; строки вузов — предложения "
        "(КЦП вузов устанавливаются по итогам федерального конкурса), строки колледжей — решение региона.",
        "Диапазон «нижний — базовый — верхний» отражает только неопределённость прогноза занятости; неопределённость "
        "долей (завершение, трудоустройство, закрепление) показана анализом чувствительности.",
        "Низкая надёжность: мало занятых за строкой, верхний сценарий более чем вдвое выше нижнего, или менее трёх "
        "работодателей.",
    ],
    "en": [
        "Recommended state-funded admissions (КЦП); university rows are proposals (university quotas go through a "
        "federal competition), college rows are the region's decision.",
        "The low–base–high range carries the employment forecast's uncertainty only; uncertainty in the shares "
        "(completion, employment, retention) is shown by the sensitivity analysis.",
        "Low reliability: few people employed behind the row, a high scenario more than twice the low, or fewer "
        "than three employers.",
    ],
}


def quota_workbook(result: QuotaResult, path: str | os.PathLike[str], lang: str = "ru") -> Path:
    """Write a quota result as a workbook: summary, quotas, allocation, coverage, openings, explanation, inputs.

    Headers are Russian by default (``lang="en"`` for English); numbers are formatted, header rows frozen,
    university rows labelled as proposals. The file is written whole or not at all.

    Parameters
    ----------
    result
        A :class:`~staffing_forecast.quota.QuotaResult` from :func:`staffing_forecast.quota.compute`.
    path
        The ``.xlsx`` file to write.
    lang
        ``"ru"`` or ``"en"``.

    Examples
    --------
    >>> import tempfile, pathlib, staffing_forecast as sf
    >>> employment = pd.DataFrame({"occupation": "2512", "year": [2025, 2026, 2027, 2028, 2029],
    ...     "low": 400.0, "base": [400, 410, 420, 430, 440], "high": [400, 420, 440, 460, 480]})
    >>> capacity = pd.DataFrame({"institution": "C01", "specialty": "09.02.07", "level": "spo11", "capacity": [90]})
    >>> crosswalk = pd.DataFrame({"occupation": "2512", "specialty": "09.02.07", "level": "spo11", "share": [1.0]})
    >>> result = sf.quota.compute(sf.quota.Inputs(employment=employment, base_year=2025, crosswalk=crosswalk,
    ...                                           capacity=capacity))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = result.to_excel(pathlib.Path(folder) / "quota.xlsx")
    ...     with pd.ExcelFile(path) as book:
    ...         book.sheet_names[:3]
    ['Сводка', 'КЦП по специальностям', 'По организациям']
    """
    check_lang(lang)
    titles = _TITLES[lang]
    names = _institution_names(result)
    table = result.table.drop(columns=["small_total"])
    allocation = result.allocation
    sheets = [
        Sheet(titles["summary"], _summary(result), _NOTES[lang]),
        Sheet(titles["table"], name_columns(table, lang)),
        Sheet(titles["allocation"], name_columns(allocation, lang, names)),
        Sheet(titles["coverage"], name_columns(result.coverage, lang)),
        Sheet(titles["openings"], name_columns(result.openings, lang)),
        Sheet(titles["wanted"], name_columns(result.graduates_wanted, lang)),
        Sheet(titles["explanation"], _explanations(result, lang)),
        Sheet(titles["inputs"], _inputs(result), [f"{k}: {v}" for k, v in sorted(result.sources.items())]),
        Sheet(
            titles["policy"],
            pd.DataFrame(
                [(k, str(v)) for k, v in result.policy.to_dict().items()], columns=["parameter", "value"]
            ),
        ),
    ]
    return write_workbook(path, sheets, lang)


def _institution_names(result: QuotaResult) -> pd.DataFrame | None:
    capacity = result.inputs.capacity
    if "name" not in capacity.columns:
        return None
    return capacity[["institution", "name"]].astype(str)


def _summary(result: QuotaResult) -> pd.DataFrame:
    table = result.table
    rows = []
    for year, part in table.groupby("intake_year"):
        rows.append(
            {
                "intake_year": year,
                "quota": int(part["quota"].sum()),
                "quota_region": int(part.loc[part["decision"] == "region", "quota"].sum()),
                "quota_proposal": int(part.loc[part["decision"] == "proposal", "quota"].sum()),
                "low": float(part["low"].sum()),
                "base": float(part["base"].sum()),
                "high": float(part["high"].sum()),
                "programs": len(part),
                "low_reliability": int((part["reliability"] == "low").sum()),
            }
        )
    return pd.DataFrame(rows)


_STEPS_RU = [
    ("smoothed_quota", "КЦП после сглаживания"),
    ("raw_quota", "КЦП до сглаживания"),
    ("quota", "Рекомендуемые КЦП"),
    ("scenario low", "нижний сценарий"),
    ("scenario base", "базовый сценарий"),
    ("scenario high", "верхний сценарий"),
    ("need", "требуется принять"),
    ("graduates wanted in", "потребность в выпускниках в"),
    ("occupation", "профессия ОКЗ"),
    ("openings", "дополнительная потребность"),
    ("expansion", "изменение численности"),
    ("replacement", "замещение выбывающих"),
    ("backlog", "закрытие вакансий"),
    ("yield", "доля принятых, дошедших до работы в регионе"),
    ("institution", "организация"),
    ("reliability", "надёжность"),
    ("manual adjustment, occupation", "ручная корректировка прогноза, профессия"),
]
_UNITS_RU = {
    "persons": "чел.",
    "persons/yr": "чел./год",
    "graduates": "выпускников",
    "graduates/yr": "выпускников/год",
    "share": "доля",
    "places": "мест",
}


def _step_label(step: str, lang: str) -> str:
    if lang != "ru":
        return step
    for english, russian in _STEPS_RU:
        if step.startswith(english):
            return russian + step[len(english) :]
    return step


def _explanations(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Every program's first intake year explained, one step per row, indented by depth."""
    rows: list[dict[str, object]] = []
    first = result.table.sort_values("intake_year").drop_duplicates(["specialty", "level"])
    for row in first.itertuples(index=False):
        tree = result.explain(row.specialty, row.level, row.intake_year, lang=lang)
        keys = {"specialty": row.specialty, "level": row.level, "intake_year": row.intake_year}
        _flatten(tree, 0, rows, keys, lang)
    return pd.DataFrame(rows)


def _flatten(
    node: Explanation, depth: int, rows: list[dict[str, object]], keys: dict[str, object], lang: str
) -> None:
    value = node.value
    rows.append(
        keys
        | {
            "step": "    " * depth + _step_label(node.step, lang),
            "value": round(value, 3) if isinstance(value, float) else value,
            "unit": _UNITS_RU.get(node.unit, node.unit) if lang == "ru" else node.unit,
            "formula": node.formula,
            "source": node.source,
        }
    )
    for child in node.children:
        _flatten(child, depth + 1, rows, keys, lang)


def _inputs(result: QuotaResult) -> pd.DataFrame:
    columns = ["specialty", "level", "duration", "completion", "p_emp", "p_field", "p_region", "yield"]
    return result.programs[columns]
