"""Column headers and values of reports, in Russian (the default for officials) and English.

Every column a report shows is listed once here with its kind, which decides its number format. A column
missing from the list keeps its internal name, so a new column never breaks a report; a test checks that every
column the library's reports write has a label.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["LANGS", "column_label", "value_label"]

LANGS = ("ru", "en")

# internal name: (Russian, English, kind); kind is share, index, count, number, year or text
_COLUMNS: dict[str, tuple[str, str, str]] = {
    # keys
    "institution": ("Организация", "Institution", "text"),
    "institution_name": ("Наименование организации", "Institution name", "text"),
    "kind": ("Тип организации", "Kind", "text"),
    "specialty": ("Код специальности", "Specialty code", "text"),
    "specialty_name": ("Специальность", "Specialty", "text"),
    "level": ("Уровень образования", "Level", "text"),
    "occupation": ("Код ОКЗ", "ОКЗ code", "text"),
    "occupation_name": ("Профессия (ОКЗ)", "Occupation", "text"),
    "employer": ("Работодатель", "Employer", "text"),
    "year": ("Год", "Year", "year"),
    "first_year": ("С года", "From year", "year"),
    "last_year": ("По год", "To year", "year"),
    # graduate outcomes
    "graduates": ("Выпуск, чел.", "Graduates", "count"),
    "employed": ("Трудоустроено, чел.", "Employed", "count"),
    "employed_in_field": ("Трудоустроено по специальности, чел.", "Employed in field", "count"),
    "employed_in_field_in_region": (
        "Трудоустроено по специальности в регионе, чел.",
        "Employed in field in the region",
        "count",
    ),
    "p_emp": ("Доля трудоустроенных", "Employed share", "share"),
    "p_emp_lo": ("Доля трудоустроенных: нижняя граница", "Employed share: lower bound", "share"),
    "p_emp_hi": ("Доля трудоустроенных: верхняя граница", "Employed share: upper bound", "share"),
    "p_field": ("Доля работающих по специальности", "In-field share of employed", "share"),
    "p_field_lo": ("По специальности: нижняя граница", "In-field share: lower bound", "share"),
    "p_field_hi": ("По специальности: верхняя граница", "In-field share: upper bound", "share"),
    "p_region": ("Доля оставшихся в регионе", "Regional retention", "share"),
    "p_region_lo": ("Закрепление в регионе: нижняя граница", "Retention: lower bound", "share"),
    "p_region_hi": ("Закрепление в регионе: верхняя граница", "Retention: upper bound", "share"),
    "too_few": ("Мало данных", "Too few to judge", "text"),
    # trends
    "rate": ("Показатель", "Indicator", "text"),
    "n_years": ("Лет наблюдений", "Years observed", "count"),
    "first": ("Значение в начале", "First value", "share"),
    "last": ("Значение в конце", "Last value", "share"),
    "change": ("Изменение, доли", "Change", "share"),
    "slope": ("Тренд за год, доли", "Trend per year", "share"),
    "p_value": ("Уровень значимости (p)", "p-value", "index"),
    "trend": ("Вывод", "Conclusion", "text"),
    # satisfaction
    "employers": ("Работодателей ответило", "Employers answering", "count"),
    "answers": ("Ответов", "Answers", "count"),
    "no_answer": ("Без оценки", "No rating", "count"),
    "graduates_hired": ("Принято выпускников, чел.", "Graduates hired", "count"),
    "graduates_rated": ("Оценено выпускников, чел.", "Graduates rated", "count"),
    "response_rate": ("Доля оценённых", "Response rate", "share"),
    "index": ("Индекс удовлетворённости (1–5)", "Satisfaction index (1–5)", "index"),
    "index_lo": ("Индекс: нижняя граница", "Index: lower bound", "index"),
    "index_hi": ("Индекс: верхняя граница", "Index: upper bound", "index"),
    "satisfied": ("Доля оценок 4–5", "Share rated 4–5", "share"),
    "satisfied_lo": ("Доля 4–5: нижняя граница", "Share 4–5: lower bound", "share"),
    "satisfied_hi": ("Доля 4–5: верхняя граница", "Share 4–5: upper bound", "share"),
    # scores and quota shares
    "satisfaction_index": ("Индекс удовлетворённости (1–5)", "Satisfaction index (1–5)", "index"),
    "satisfaction": ("Удовлетворённость (0–1)", "Satisfaction (0–1)", "share"),
    "score": ("Интегральная оценка (0–1)", "Score (0–1)", "index"),
    "missing": ("Нет данных по", "Missing components", "text"),
    "completion": ("Доля завершивших обучение", "Completion", "share"),
    "completion_lo": ("Завершение: нижняя граница", "Completion: lower bound", "share"),
    "completion_hi": ("Завершение: верхняя граница", "Completion: upper bound", "share"),
    "source_completion": ("Источник: завершение", "Source: completion", "text"),
    "source_p_emp": ("Источник: трудоустройство", "Source: employed", "text"),
    "source_p_field": ("Источник: по специальности", "Source: in field", "text"),
    "source_p_region": ("Источник: закрепление", "Source: retention", "text"),
    "note": ("Примечание", "Note", "text"),
    # quota
    "intake_year": ("Год приёма", "Intake year", "year"),
    "graduation_year": ("Год выпуска", "Graduation year", "year"),
    "duration": ("Срок обучения, лет", "Duration, years", "count"),
    "graduates_wanted": ("Потребность в выпускниках, чел.", "Graduates wanted", "number"),
    "other_supply": ("Выпускники из других источников, чел.", "Other supply", "number"),
    "yield": ("Доля принятых, дошедших до работы в регионе", "Yield per admitted student", "share"),
    "need": ("Требуется принять, чел.", "Admissions needed", "number"),
    "paid": ("Ожидаемый платный приём, чел.", "Expected fee-paying admissions", "number"),
    "raw_quota": ("КЦП до сглаживания", "Quota before smoothing", "number"),
    "previous": ("КЦП прошлого года", "Previous quota", "number"),
    "smoothed_quota": ("КЦП после сглаживания", "Smoothed quota", "number"),
    "quota": ("Рекомендуемые КЦП, мест", "Recommended quota, places", "count"),
    "low": ("Нижний сценарий", "Low scenario", "number"),
    "base": ("Базовый сценарий", "Base scenario", "number"),
    "high": ("Верхний сценарий", "High scenario", "number"),
    "reliability": ("Надёжность", "Reliability", "text"),
    "reliability_notes": ("Причины низкой надёжности", "Why reliability is low", "text"),
    "decision": ("Статус", "Status", "text"),
    "capacity": ("Мощность, мест", "Capacity, places", "count"),
    "exact_share": ("Расчётная доля, мест", "Exact share, places", "number"),
    "target_quota": ("В т.ч. целевое обучение", "Of which target training", "count"),
    "status": ("Основание", "Allocation", "text"),
    "pipeline": ("Ожидаемый выпуск обучающихся, чел.", "Pipeline graduates", "number"),
    "supply": ("Предложение, чел.", "Supply", "number"),
    "demand": ("Потребность, чел.", "Demand", "number"),
    "ratio": ("Обеспеченность", "Coverage ratio", "index"),
    "band": ("Оценка обеспеченности", "Coverage band", "text"),
    "scenario": ("Сценарий", "Scenario", "text"),
    "employment": ("Численность занятых, чел.", "Employment", "number"),
    "previous_employment": ("Численность годом ранее, чел.", "Employment a year before", "number"),
    "expansion": ("Изменение численности, чел.", "Expansion", "number"),
    "exits": ("Выбытие по возрасту и здоровью, чел.", "Exits", "number"),
    "transfers": ("Переход в другие профессии, чел.", "Transfers", "number"),
    "migration": ("Выезд из региона, чел.", "Migration", "number"),
    "replacement": ("Замещение, чел.", "Replacement", "number"),
    "backlog": ("Закрытие вакансий, чел.", "Backlog", "number"),
    "openings": ("Дополнительная потребность, чел.", "Openings", "number"),
    "quota_region": ("КЦП колледжей (решение региона)", "College quotas (region)", "count"),
    "quota_proposal": ("КЦП вузов (предложение)", "University quotas (proposal)", "count"),
    "programs": ("Специальностей", "Programs", "count"),
    "low_reliability": ("Из них с низкой надёжностью", "Of which low reliability", "count"),
    "step": ("Шаг расчёта", "Step", "text"),
    "value": ("Значение", "Value", "text"),
    "unit": ("Единица", "Unit", "text"),
    "source": ("Источник", "Source", "text"),
    "parameter": ("Параметр", "Parameter", "text"),
    "input": ("Исходный показатель", "Input", "text"),
    "swing": ("Размах, мест", "Swing, places", "number"),
    "quota_at_low": ("КЦП при нижнем значении", "Quota at low value", "number"),
    "quota_at_high": ("КЦП при верхнем значении", "Quota at high value", "number"),
    "low_value": ("Нижнее значение", "Low value", "text"),
    "high_value": ("Верхнее значение", "High value", "text"),
    # forecast
    "unique_id": ("Ряд", "Series", "text"),
    "region": ("Регион", "Region", "text"),
    "sector": ("ОКВЭД2", "ОКВЭД2 sector", "text"),
    "model": ("Модель", "Model", "text"),
    "period": ("Период", "Period", "year"),
    "mean": ("Прогноз, чел.", "Forecast, persons", "count"),
    "fallback": ("Причина замены модели", "Why the model fell back", "text"),
    # method sheet
    "indicator": ("Показатель", "Indicator", "text"),
    "formula": ("Формула", "Formula", "text"),
    "method": ("Метод", "Method", "text"),
}

_VALUES: dict[str, tuple[str, str]] = {
    "up": ("рост", "up"),
    "down": ("снижение", "down"),
    "flat": ("изменение в пределах случайных колебаний", "no change beyond noise"),
    "too_short": ("слишком короткий ряд", "too short"),
    "monitoring": ("мониторинг", "monitoring"),
    "reference": ("справочное значение", "reference value"),
    "p_emp": ("доля трудоустроенных", "employed share"),
    "p_field": ("доля работающих по специальности", "in-field share"),
    "p_region": ("доля оставшихся в регионе", "regional retention"),
    "spo9": ("СПО на базе 9 классов", "college after grade 9"),
    "spo11": ("СПО на базе 11 классов", "college after grade 11"),
    "bachelor": ("бакалавриат", "bachelor"),
    "specialist": ("специалитет", "specialist"),
    "master": ("магистратура", "master"),
    "college": ("колледж", "college"),
    "region": ("решение региона", "region's decision"),
    "proposal": ("предложение (вуз)", "proposal (university)"),
    "deficit": ("дефицит", "deficit"),
    "balanced": ("сбалансировано", "balanced"),
    "surplus": ("избыток", "surplus"),
    "no_demand": ("нет потребности", "no demand"),
    "university": ("вуз", "university"),
}


# Values whose words depend on the column ("low" is a scenario in one column and a reliability in another).
_COLUMN_VALUES: dict[str, dict[str, tuple[str, str]]] = {
    "scenario": {"low": ("нижний", "low"), "base": ("базовый", "base"), "high": ("верхний", "high")},
    "reliability": {"ok": ("достаточная", "ok"), "low": ("низкая", "low")},
    "status": {
        "share": ("пропорционально оценке и мощности", "share by score and capacity"),
        "capped": ("ограничено мощностью", "capped at capacity"),
        "left_out": ("меньше минимальной группы: не открывать", "below the minimum group: not opened"),
        "raised": ("увеличено до минимальной группы", "raised to the minimum group"),
        "no_capacity": ("нет мощности", "no capacity"),
    },
}


# Interval bounds of a forecast, lo_<level> and hi_<level>, for any level.
_BOUND = re.compile(r"^(lo|hi)_(\d+)$")
_BOUND_WORDS = {"lo": ("Нижняя граница", "Lower bound"), "hi": ("Верхняя граница", "Upper bound")}


def column_label(column: str, lang: str) -> tuple[str, str]:
    """Return the header of ``column`` in ``lang`` and its kind; an unknown column keeps its name, kind text."""
    if bound := _BOUND.match(column):
        ru_word, en_word = _BOUND_WORDS[bound[1]]
        return (
            f"{ru_word} {bound[2]} %, чел." if lang == "ru" else f"{en_word} {bound[2]} %, persons"
        ), "count"
    ru, en, kind = _COLUMNS.get(column, (column, column, "text"))
    return (ru if lang == "ru" else en), kind


def value_label(values: pd.Series, lang: str, column: str = "") -> pd.Series:
    """Translate coded values (trend words, sources, yes/no) of ``column`` into ``lang``."""
    if values.dtype == bool:
        return values.map({True: "да" if lang == "ru" else "yes", False: ""})
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        index = 0 if lang == "ru" else 1
        words = _VALUES | _COLUMN_VALUES.get(column, {})
        return values.map(lambda v: words[v][index] if isinstance(v, str) and v in words else v)
    return values


def known_columns() -> set[str]:
    """Every column with a label (used by the tests)."""
    return set(_COLUMNS)
