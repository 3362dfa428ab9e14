"""The quota workbook: what an official reads to decide on state-funded admissions, without Python."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..quota.wording import range_note, render, step_words, unit_words
from ..reference import LEVEL_NAMES
from .excel import Sheet, check_lang, name_columns, write_workbook
from .labels import INPUT_NAMES, POLICY_NAMES, POLICY_VALUES, text_label, value_label

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
        "sources": "Источники",
        "policy": "Параметры",
        "reliability": "Надёжность",
        "adjustments": "Корректировки прогноза",
        "unreachable": "Вне горизонта прогноза",
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
        "sources": "Sources",
        "policy": "Policy",
        "reliability": "Reliability",
        "adjustments": "Forecast adjustments",
        "unreachable": "Beyond the horizon",
    },
}


def quota_workbook(result: QuotaResult, path: str | os.PathLike[str], lang: str = "ru") -> Path:
    """Write a quota result as a workbook: summary, quotas, allocation, coverage, openings, explanation, inputs.

    Every header, coded value, reason and source is in ``lang`` (Russian by default, ``"en"`` for English); numbers
    and years are stored as numbers, formatted; header rows are frozen; university rows are labelled proposals.
    Totals of intake years that cover only the short programs are marked incomplete, and rows whose recommendation
    lies outside its scenario range say why. The file is written whole or not at all.

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
    ...     path = sf.report.quota_workbook(result, pathlib.Path(folder) / "quota.xlsx")
    ...     with pd.ExcelFile(path) as book:
    ...         book.sheet_names[:3]
    ['Сводка', 'КЦП по специальностям', 'По организациям']
    """
    check_lang(lang)
    titles = _TITLES[lang]
    names = _institution_names(result)
    totals = result.totals()
    incomplete = _incomplete_note(totals, lang)
    sheets = [
        Sheet(titles["summary"], _summary(totals, lang), _summary_notes(result, lang) + incomplete),
        Sheet(titles["table"], name_columns(_table(result, lang), lang), incomplete),
        Sheet(titles["allocation"], name_columns(result.allocation, lang, names), incomplete),
        Sheet(titles["coverage"], name_columns(result.coverage, lang)),
        Sheet(titles["openings"], name_columns(result.openings, lang)),
        Sheet(titles["wanted"], name_columns(result.graduates_wanted, lang)),
        Sheet(titles["explanation"], _explanations(result, lang)),
        Sheet(titles["inputs"], name_columns(_inputs(result, lang), lang), [_WORDS[lang]["inputs_note"]]),
        Sheet(titles["sources"], _sources(result, lang)),
        Sheet(titles["policy"], _policy(result, lang)),
        Sheet(titles["reliability"], _reliability(result, lang), [_WORDS[lang]["reliability_note"]]),
    ]
    if result.adjustments is not None and len(result.adjustments):
        sheets.append(Sheet(titles["adjustments"], name_columns(result.adjustments, lang)))
    if len(result.unreachable):
        sheets.append(Sheet(titles["unreachable"], name_columns(result.unreachable, lang)))
    return write_workbook(path, sheets, lang)


_WORDS: dict[str, dict[str, Any]] = {
    "ru": {
        "notes": [
            "Рекомендуемые контрольные цифры приёма (КЦП) на места за счёт бюджета субъекта; строки вузов — "
            "предложения (КЦП вузов устанавливаются по итогам федерального конкурса), строки колледжей — решение "
            "региона.",
            "Диапазон «нижний — базовый — верхний» отражает только неопределённость прогноза занятости; "
            "неопределённость долей (завершение, трудоустройство, закрепление) показана анализом чувствительности.",
        ],
        "outside": "Строк, где рекомендация вне диапазона сценариев (удержана правилом ±{pct:g} % или правилом "
        "минимальной группы): {n} из {total}; причина — в столбце «Почему вне диапазона сценариев».",
        "reliability": "Низкая надёжность: {n} из {total} строк ({share:.0%}); по правилам — лист «Надёжность».",
        "incomplete": "Годы приёма {years} неполные: в них только программы, выпуск которых успевает до конца "
        "горизонта прогноза; их итоги — не весь приём года.",
        "inputs_note": "Доли по каждой программе и источник каждой доли; «справочное значение» — значение по "
        "умолчанию для уровня образования.",
        "reliability_note": "Доля строк с низкой надёжностью по каждому правилу (строка может попасть под "
        "несколько). Разброс сценариев оценивается по потребности в приёме до вычета платных мест.",
        "all_years": "все годы, выпуск которых в горизонте прогноза",
        "rules": {
            "small_cell": "мало занятых за строкой (< {min_cell:g})",
            "wide_range": "верхний сценарий потребности более чем вдвое выше нижнего",
            "few_employers": "менее {min_employers} работодателей",
            "any": "любое правило",
        },
    },
    "en": {
        "notes": [
            "Recommended state-funded admissions (КЦП); university rows are proposals (university quotas go through "
            "a federal competition), college rows are the region's decision.",
            "The low–base–high range carries the employment forecast's uncertainty only; uncertainty in the shares "
            "(completion, employment, retention) is shown by the sensitivity analysis.",
        ],
        "outside": "Rows whose recommendation lies outside the scenario range (held by the ±{pct:g} % rule or the "
        "minimum group rule): {n} of {total}; the reason is in the column 'Why outside the scenario range'.",
        "reliability": "Low reliability: {n} of {total} rows ({share:.0%}); by rule on the sheet 'Reliability'.",
        "incomplete": "Intake years {years} are incomplete: they hold only the programs whose graduates the forecast "
        "horizon reaches; their totals are not the year's whole intake.",
        "inputs_note": "The shares of each program and the source of each; 'reference value' is the level's default.",
        "reliability_note": "Share of rows flagged low by each rule (a row can meet several). The scenario spread is "
        "judged on the admissions needed, before fee-paying places are taken off.",
        "all_years": "every year graduating within the horizon",
        "rules": {
            "small_cell": "few people employed behind the row (< {min_cell:g})",
            "wide_range": "high scenario need more than twice the low",
            "few_employers": "fewer than {min_employers} employers",
            "any": "any rule",
        },
    },
}


def _institution_names(result: QuotaResult) -> pd.DataFrame | None:
    capacity = result.inputs.capacity
    if "name" not in capacity.columns:
        return None
    return capacity[["institution", "name"]].astype(str)


def _summary(totals: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = totals.copy()
    out["complete"] = out["complete"].map({True: "complete", False: "incomplete"})
    index = 0 if lang == "ru" else 1
    out["missing_programs"] = out["missing_programs"].str.replace(
        r"\((\w+)\)", lambda m: f"({LEVEL_NAMES.get(m[1], (m[1], m[1]))[index]})", regex=True
    )
    return out


def _summary_notes(result: QuotaResult, lang: str) -> list[str]:
    words = _WORDS[lang]
    table = result.table
    total = len(table)
    low = int((table["reliability"] == "low").sum())
    return [
        *words["notes"],
        words["outside"].format(
            pct=100 * result.policy.max_change, n=int((table["outside_range"] != "").sum()), total=total
        ),
        words["reliability"].format(n=low, total=total, share=low / total if total else 0.0),
    ]


def _incomplete_note(totals: pd.DataFrame, lang: str) -> list[str]:
    years = totals.loc[~totals["complete"], "intake_year"].astype(int).tolist()
    return [_WORDS[lang]["incomplete"].format(years=", ".join(map(str, years)))] if years else []


def _table(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Return the quota table with the range note in words and the reasons in ``lang``."""
    policy = result.policy
    table = result.table.copy()
    table["reliability_notes"] = table["reliability_notes"].map(lambda t: text_label(t, lang))
    notes = [range_note(row, policy.max_change, policy.min_group, lang) for row in table.to_dict("records")]
    table.insert(int(table.columns.get_loc("outside_range")) + 1, "range_note", notes)
    return table


def _reliability(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Count the share of rows each reliability rule flags."""
    table, policy = result.table, result.policy
    rules = {
        name: text.format(min_cell=policy.min_cell, min_employers=policy.min_employers)
        for name, text in _WORDS[lang]["rules"].items()
    }
    notes = table["reliability_notes"].fillna("").astype(str)  # an empty table's column holds no text
    flagged = {
        "small_cell": notes.str.contains("employment behind it"),
        "wide_range": notes.str.contains("high/low need ratio|low scenario needs no admissions"),
        "few_employers": notes.str.contains("employers report"),
        "any": table["reliability"] == "low",
    }
    total = len(table)
    rows = [
        {
            "rule": rules[name],
            "rows": int(mask.sum()),
            "share_of_rows": float(mask.sum()) / total if total else 0.0,
        }
        for name, mask in flagged.items()
    ]
    return pd.DataFrame(rows)


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
    if node.step in ("reliability", step_words("reliability", lang)) and isinstance(value, str):
        value = value_label(pd.Series([value]), lang, "reliability").iloc[0]
    rows.append(
        keys
        | {
            "step": "    " * depth + step_words(render(node.step, lang), lang),
            "value": round(value, 3) if isinstance(value, float) else value,
            "unit": unit_words(node.unit, lang),
            "formula": text_label(render(node.formula, lang), lang),
            "source": text_label(render(node.source, lang), lang),
        }
    )
    for child in node.children:
        _flatten(child, depth + 1, rows, keys, lang)


def _inputs(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Each program's duration, shares and yield, with the source of every share (defaults named as such)."""
    columns = ["specialty", "level", "duration", "completion", "p_emp", "p_field", "p_region", "yield"]
    sources = [f"source_{share}" for share in ("completion", "p_emp", "p_field", "p_region")]
    out = result.programs[columns + sources].copy()
    for column in sources:
        out[column] = out[column].map(lambda t: text_label(t, lang))
    return out


def _sources(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Where every input came from, defaults and assumptions included."""
    index = 0 if lang == "ru" else 1
    rows = [
        {"input": INPUT_NAMES.get(name, (name, name))[index], "source": text_label(source, lang)}
        for name, source in sorted(result.sources.items())
    ]
    return pd.DataFrame(rows, columns=["input", "source"])


def _policy(result: QuotaResult, lang: str) -> pd.DataFrame:
    """Word the policy's parameters, numbers kept as numbers."""
    index = 0 if lang == "ru" else 1
    rows = []
    for name, value in result.policy.to_dict().items():
        if name == "intake_years":
            years = value if isinstance(value, tuple) else ()
            shown: object = ", ".join(map(str, years)) if years else POLICY_VALUES["all"][index]
        elif isinstance(value, str):
            shown = POLICY_VALUES.get(value, (value, value))[index]
        else:
            shown = value
        rows.append({"parameter": POLICY_NAMES.get(name, (name, name))[index], "value": shown})
    return pd.DataFrame(rows, columns=["parameter", "value"])
