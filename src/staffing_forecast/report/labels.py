"""Column headers and values of reports, in Russian (the default for officials) and English.

Every column a report shows is listed once here with its kind, which decides its number format. A column
missing from the list keeps its internal name, so a new column never breaks a report; a test checks that every
column the library's reports write has a label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..errors import ConfigError
from ..quota.wording import SOURCE_PHRASES_RU
from ..reference import LEVEL_NAMES
from ..units import PERSONS, UNITS, unit_label

__all__ = [
    "INPUT_NAMES",
    "LANGS",
    "METRIC_NAMES",
    "PLOT_TEXT",
    "POLICY_NAMES",
    "POLICY_VALUES",
    "TABLE_NAMES_RU",
    "column_label",
    "hierarchy_label",
    "input_label",
    "method_label",
    "model_label",
    "plot_text",
    "remark_label",
    "text_label",
    "value_label",
]

LANGS = ("ru", "en")

# internal name: (Russian, English, kind); kind is share, index, count, number, value, year or text. A value is
# a head count in the unit of its sheet (persons, thousand persons): whole in persons, with decimals in thousands.
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
    "hierarchy_level": ("Уровень иерархии", "Hierarchy level", "text"),
    "year": ("Год", "Year", "year"),
    "first_year": ("Первый год", "First year", "year"),
    "last_year": ("Последний год", "Last year", "year"),
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
    "n_years": ("Лет с данными", "Years with data", "count"),
    "first": ("Доля в первый год", "Share in the first year", "share"),
    "last": ("Доля в последний год", "Share in the last year", "share"),
    "change": ("Изменение доли за период", "Change of the share", "share"),
    "slope": ("Изменение доли за год (тренд)", "Change of the share a year (trend)", "share"),
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
    "need_low": ("Требуется принять: нижний сценарий, чел.", "Admissions needed: low scenario", "number"),
    "need_high": ("Требуется принять: верхний сценарий, чел.", "Admissions needed: high scenario", "number"),
    "previous_source": ("Предыдущее значение для сглаживания", "Previous value for smoothing", "text"),
    "small_total": ("Меньше минимальной группы", "Below the minimum group", "text"),
    "outside_range": ("Вне диапазона сценариев", "Outside the scenario range", "text"),
    "range_note": ("Почему вне диапазона сценариев", "Why outside the scenario range", "text"),
    "employment_behind": ("Занятых за строкой, чел.", "Employment behind the row", "number"),
    "complete": ("Полнота года приёма", "Intake year complete", "text"),
    "missing_programs": (
        "Нет программ (выпуск после горизонта прогноза)",
        "Programs missing (graduating after the horizon)",
        "text",
    ),
    "outside_range_rows": ("Из них вне диапазона сценариев", "Of which outside the scenario range", "count"),
    "first_graduation": ("Первый возможный выпуск", "First graduation", "year"),
    "last_forecast_year": ("Последний год прогноза", "Last forecast year", "year"),
    "original_mean": ("Прогноз до корректировки, чел.", "Forecast before adjustment", "value"),
    "adjusted_by": ("Корректировка, чел.", "Adjusted by, persons", "value"),
    "adjustment": ("Вид корректировки", "Adjustment", "text"),
    "reason": ("Основание", "Reason", "text"),
    "age_band": ("Возрастная группа", "Age band", "text"),
    "age_share": ("Доля возрастной группы", "Age share", "share"),
    "exit_rate": ("Интенсивность выбытия", "Exit rate", "share"),
    "rule": ("Правило", "Rule", "text"),
    "rows": ("Строк", "Rows", "count"),
    "share_of_rows": ("Доля строк", "Share of rows", "share"),
    # forecasts
    "unique_id": ("Ряд", "Series", "text"),
    "region": ("Регион", "Region", "text"),
    "sector": ("Код ОКВЭД2", "ОКВЭД2 code", "text"),
    "ds": ("Дата", "Date", "text"),
    "model": ("Модель", "Model", "text"),
    "period": ("Период", "Period", "year"),
    "mean": ("Прогноз, чел.", "Forecast, persons", "value"),
    "fallback": ("Причина замены модели", "Why the model fell back", "text"),
    "horizon_change": ("Изменение за горизонт прогноза", "Change over the horizon", "share"),
    # track record of published forecasts
    "vintage": ("Дата выпуска прогноза", "Vintage", "text"),
    "mape": ("Средняя ошибка (MAPE), %", "Mean absolute percentage error (MAPE), %", "number"),
    "wape": ("Взвешенная ошибка (WAPE), %", "Weighted absolute percentage error (WAPE), %", "number"),
    "direction": ("Верно предсказано направление, %", "Direction of change right, %", "number"),
    "coverage": ("Факт в интервале прогноза, %", "Actuals within the interval, %", "number"),
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
    **LEVEL_NAMES,
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
    "model": {
        "no_change": ("эталон: без изменений", "benchmark: no change"),
        "constant_share": ("эталон: постоянная доля", "benchmark: constant share"),
        "linear_trend": ("эталон: линейный тренд", "benchmark: linear trend"),
        # the engine's models (sf.models.REGISTRY), as officials read them
        "auto": ("комбинация моделей (авто)", "auto"),
        "naive": ("без изменений (последнее значение)", "naive"),
        "seasonal_naive": ("сезонная: как год назад", "seasonal_naive"),
        "drift": ("продолжение среднего изменения (дрейф)", "drift"),
        "historic_average": ("среднее за всю историю", "historic_average"),
        "ets": ("экспоненциальное сглаживание (ETS)", "ets"),
        "ets_damped": ("экспоненциальное сглаживание с затухающим трендом (ETS)", "ets_damped"),
        "arima": ("модель ARIMA", "arima"),
        "ari": ("авторегрессия по приростам (ARI)", "ari"),
        "ces": ("комплексное экспоненциальное сглаживание (CES)", "ces"),
        "dot": ("тета-метод (DOT)", "dot"),
        "theta": ("тета-метод", "theta"),
        "croston": ("метод Кростона (прерывистый ряд)", "croston"),
        "tsb": ("метод TSB (прерывистый ряд)", "tsb"),
        "ensemble": ("комбинация моделей", "ensemble"),
        "survey_plan": ("планы работодателей", "survey_plan"),
        "plan": ("планы работодателей", "plan"),
        "sarimax": ("регрессия на факторы (SARIMAX)", "sarimax"),
        "unobserved_components": ("структурная модель временного ряда", "unobserved_components"),
        "prophet": ("модель Prophet", "prophet"),
        "lag_regression": ("регрессия на прошлые значения", "lag_regression"),
    },
    "scenario": {"low": ("нижний", "low"), "base": ("базовый", "base"), "high": ("верхний", "high")},
    "reliability": {"ok": ("достаточная", "ok"), "low": ("низкая", "low")},
    "status": {
        "share": ("пропорционально оценке и мощности", "share by score and capacity"),
        "capped": ("ограничено мощностью", "capped at capacity"),
        "left_out": ("меньше минимальной группы: не открывать", "below the minimum group: not opened"),
        "raised": ("увеличено до минимальной группы", "raised to the minimum group"),
        "no_capacity": ("нет мощности", "no capacity"),
    },
    "outside_range": {
        "smoothing": ("да: удержано правилом сглаживания", "yes: held by the smoothing rule"),
        "small_total": ("да: правило минимальной группы", "yes: the minimum group rule"),
    },
    "previous_source": {
        "given": ("КЦП прошлого года", "last year's quota"),
        "chained": ("сглаженное значение предыдущего года приёма", "the year before's smoothed value"),
    },
    "small_total": {
        "drop": ("не открывать", "not opened"),
        "raise": ("увеличено до минимальной группы", "raised to the minimum group"),
    },
    "complete": {
        "complete": ("полный", "complete"),
        "incomplete": ("неполный: только короткие программы", "incomplete: short programs only"),
    },
}

#: The bundle's tables in Russian: name and description (the summary workbook lists them).
TABLE_NAMES_RU: dict[str, tuple[str, str]] = {
    "employment": ("Численность занятых", "Среднегодовая численность по работодателям и профессиям (основной ряд прогноза)"),
    "vacancies": ("Вакансии", "Незаполненные вакансии на дату обследования по работодателям и профессиям"),
    "employment_quarterly": ("Численность занятых по кварталам", "Среднеквартальная численность по работодателям и профессиям"),
    "vacancies_quarterly": ("Вакансии по кварталам", "Незаполненные вакансии на конец квартала"),
    "hires": ("Принято на работу", "Принято за год по работодателям и профессиям"),
    "plans": ("Планы работодателей", "Ответы работодателей о численности по годам обследования: факт, оценка, планы"),
    "age": ("Возрастная структура", "Занятые по возрастным группам на дату обследования"),
    "graduates": ("Трудоустройство выпускников", "Мониторинг трудоустройства выпускников по организациям, специальностям, уровням и годам"),
    "enrolment": ("Контингент", "Обучающиеся по организациям, специальностям, уровням, формам, курсам и годам (на 1 октября)"),
    "admissions": ("Приём", "Приём по организациям, специальностям, уровням, формам и годам: бюджетный и платный"),
    "institutions": ("Организации", "Организации, их программы и мощность приёма"),
    "satisfaction": ("Удовлетворённость работодателей", "Оценки подготовки выпускников работодателями"),
    "crosswalk": ("Соответствие ОКЗ — специальности", "Доли специальностей и уровней в найме выпускников по профессиям"),
    "drivers": ("Факторы", "Показатели экономики региона: факт и сценарий"),
}  # fmt: skip

#: The quota's inputs by name, as the inputs sheet shows them.
INPUT_NAMES: dict[str, tuple[str, str]] = {
    "employment": ("Численность занятых (факт и прогноз)", "Employment (actual and forecast)"),
    "adjustments": ("Ручные корректировки прогноза", "Manual forecast adjustments"),
    "crosswalk": ("Соответствие ОКЗ — специальности", "Occupation–specialty crosswalk"),
    "capacity": ("Мощность организаций", "Institution capacity"),
    "age_shares": ("Возрастная структура занятых", "Age structure"),
    "exit_rates": ("Интенсивность выбытия", "Exit rates"),
    "transfer": ("Переход в другие профессии", "Transfers to other occupations"),
    "migrate": ("Выезд из региона", "Migration out of the region"),
    "vacancies": ("Вакансии", "Vacancies"),
    "grad_share": ("Доля выпускников среди принятых на работу", "Graduate share of openings"),
    "employers": ("Число работодателей", "Employers reporting"),
    "shares": ("Доли завершения, трудоустройства и закрепления", "Completion and outcome shares"),
    "scores": ("Оценки организаций", "Institution scores"),
    "pipeline": ("Ожидаемый выпуск обучающихся", "Pipeline graduates"),
    "other_supply": ("Выпускники из других источников", "Other supply"),
    "paid": ("Платный приём", "Fee-paying admissions"),
    "previous": ("КЦП прошлого года", "Last year's quota"),
    "population": ("Контрольные итоги численности", "Population control totals"),
    "target_share": ("Доля целевого обучения", "Target-training share"),
}

#: Policy fields, as the parameters sheet shows them.
POLICY_NAMES: dict[str, tuple[str, str]] = {
    "interval_level": (
        "Уровень интервала прогноза для сценариев, %",
        "Forecast interval level for scenarios, %",
    ),
    "cost_short": ("Цена нехватки одного выпускника", "Cost of one missing graduate"),
    "cost_surplus": ("Цена избытка одного выпускника", "Cost of one surplus graduate"),
    "max_change": ("Наибольшее изменение КЦП за год, доля", "Largest year-on-year change, share"),
    "min_group": ("Минимальная группа, чел.", "Minimum group, persons"),
    "small_total": ("Итог меньше минимальной группы", "Total below the minimum group"),
    "min_cell": ("Минимальная численность занятых за строкой", "Smallest reliable cell"),
    "min_employers": ("Минимальное число работодателей", "Fewest employers for a reliable row"),
    "apportionment": ("Метод распределения мест", "Apportionment method"),
    "intake_years": ("Годы приёма", "Intake years"),
}

#: Coded policy values in words.
POLICY_VALUES: dict[str, tuple[str, str]] = {
    "drop": ("не открывать (0)", "drop to 0"),
    "raise": ("увеличить до минимальной группы", "raise to the minimum group"),
    "largest_remainder": ("наибольших остатков (Гамильтона)", "largest remainder (Hamilton)"),
    "sainte_lague": ("Сент-Лагю", "Sainte-Laguë"),
    "dhondt": ("д'Ондта", "D'Hondt"),
    "all": ("все годы, выпуск которых в горизонте прогноза", "every year graduating within the horizon"),
}

# Sources and reliability reasons are written in English where they arise; quota.wording words them in Russian.
_PHRASES_RU = SOURCE_PHRASES_RU


def text_label(text: str, lang: str) -> str:
    """Word a source or reliability reason the library writes in English in ``lang``.

    Examples
    --------
    >>> text_label("bundle age table, 2025; regional average for ['2519']", "ru")
    "возрастная структура из пакета данных, 2025 г.; среднее по региону для ['2519']"
    """
    if lang != "ru" or not isinstance(text, str):
        return text
    for pattern, replacement in _PHRASES_RU:
        text = re.sub(pattern, replacement, text)
    return text


# What the engine writes into a forecast's `fallback` and `note` columns, worded in Russian (most specific first);
# a replacement is a template or, where a number needs a decimal comma, a function of the match.
_REMARKS_RU: list[tuple[str, str | Callable[[re.Match[str]], str]]] = [
    (r"(\w+) failed \((.*)\); used (\w+)", r"модель \1 не подошла (\2); прогноз построен моделью \3"),
    (r"(\d+) observations, (\w+) needs (\d+)", r"наблюдений: \1, модели \2 нужно \3"),
    (r"(\w+) could not be estimated on this series", r"модель \1 не удалось оценить на этом ряду"),
    (r"(\w+) gave non-finite ([\w, ]+)", r"модель \1 дала нечисловые значения (\2)"),
    (r"the estimation did not converge", "оценка параметров не сошлась"),
    (r"no survey plan made by (\d+)", r"нет плана работодателя, составленного к \1 г."),
    (r"the latest plan \(vintage (\d+)\) does not cover (\d+)", r"последний план (опрос \1 г.) не охватывает \2 г."),
    (r"too few observations to estimate the spread of (.*) for an interval", r"слишком мало наблюдений для оценки разброса (\1)"),
    (r"(\d+) observations, fewer than one season of (\d+)", r"наблюдений: \1, меньше одного сезона (\2)"),
    (r"fitted on the (\d+) values after (\d+) leading zeros?",
     r"оценено по значениям после нулей в начале ряда (нулей в начале: \2, значений после них: \1)"),
    (r"smooth \(roughness ([\d.]+)\): the average of ari and the median",
     lambda m: f"ряд меняется плавно (неровность {_comma(m[1])}): прогноз — среднее прогноза ARI и медианы прогнозов "
               "моделей комбинации"),
    (r"ARIMA\((\d+),(\d+),0\) with drift", r"ARIMA(\1,\2,0) с дрейфом"),
    (r", seasonally adjusted", ", с поправкой на сезонность"),
    (r"short \((\d+) observations; the combination needs (\d+)\): (\w+)", r"короткий ряд (наблюдений: \1, для комбинации нужно \2): \3"),
    (r"stopped: the last (\d+) values are 0 after (\d+) nonzero ones: forecast 0",
     r"деятельность прекращена (нулей в конце ряда: \1, ненулевых значений до них: \2): прогноз 0"),
    (r"a history of zeros: the interval has no width", "в истории только нули: интервал нулевой ширины"),
    (r"intermittent \((\d+)% zeros\): TSB", r"прерывистый ряд (нулей: \1 %): метод TSB"),
    (r"no nonzero value in the history: forecast 0", "в истории только нули: прогноз 0"),
    (r"no combination member could be fitted \((.*)\): drift", r"ни одну модель комбинации не удалось оценить (\1): дрейф"),
    (r"\(needs (\d+) observations\)", r"(нужно наблюдений: \1)"),
    (r"\(could not be estimated\)", "(не удалось оценить)"),
    (r"left out ", "без моделей "),
    (r"outlier dampened: ", "выброс сглажен: "),
    (r"\(value (\d+) of (\d+)\)", r"(значение \1 из \2)"),
    (r"negative values in the history: not clipped at 0", "в истории есть отрицательные значения: прогноз не ограничен нулём"),
    (r"(\d+) % interval widened \(Student's t\): (\d+) past errors where (\d+) calibrate it",
     r"интервал \1 % расширен (распределение Стьюдента): прошлых ошибок \2 вместо \3"),
    (r"interval beyond step (\d+) grown as the past errors grew \(∝ h\^([\d.]+)\)",
     r"интервал после шага \1 расширен так же, как росли прошлые ошибки (∝ h^\2)"),
    (r"(\d+) % interval from the series' (\d+) change\(s\) as a random walk",
     r"интервал \1 % по изменениям ряда (\2) как у случайного блуждания"),
    (r"(\d+) % interval from the panel's typical change as a random walk",
     r"интервал \1 % по типичному изменению других рядов как у случайного блуждания"),
    (r"no change in the history: interval scaled by the other series' typical change \(([\d.]+)% a period\)",
     r"ряд не менялся: интервал по типичному изменению других рядов (\1 % за период)"),
    (r"no change in this or any other series: the interval has no width", "ни один ряд не менялся: интервал нулевой ширины"),
    (r"a single observation of 0: the interval has no width", "одно наблюдение, равное 0: интервал нулевой ширины"),
]  # fmt: skip


def remark_label(text: str, lang: str) -> str:
    """Word the engine's ``fallback`` and ``note`` texts in ``lang`` (they are written in English).

    Examples
    --------
    >>> remark_label("ets failed (2 observations, ets needs 7); used naive", "ru")
    'модель ETS не подошла (наблюдений: 2, модели ETS нужно 7); прогноз построен моделью «без изменений»'
    >>> remark_label("left out ets (needs 7 observations), ets_damped (needs 8 observations)", "ru")
    'без моделей ETS (нужно наблюдений: 7), ETS с затухающим трендом (нужно наблюдений: 8)'
    >>> remark_label("smooth (roughness 0.29): the average of ari and the median", "ru")
    'ряд меняется плавно (неровность 0,29): прогноз — среднее прогноза ARI и медианы прогнозов моделей комбинации'
    """
    if lang != "ru" or not isinstance(text, str):
        return text
    for pattern, replacement in _REMARKS_RU:
        text = re.sub(pattern, replacement, text)
    # The models the remarks name («without ets», «used naive»), as officials read them.
    return _MODEL_NAME.sub(lambda m: _MODELS_IN_REMARKS_RU.get(m[0]) or model_label(m[0], "ru"), text)


#: Models named inside a remark: short words, as a list of them («без моделей ETS, DOT») reads.
_MODELS_IN_REMARKS_RU = {
    "ets": "ETS", "ets_damped": "ETS с затухающим трендом", "theta": "тета-метод", "stm": "стандартный тета-метод",
    "otm": "оптимизированный тета-метод", "dstm": "динамический тета-метод", "dot": "DOT", "ces": "CES",
    "arima": "ARIMA", "ari": "ARI", "drift": "«дрейф»", "naive": "«без изменений»", "tsb": "TSB",
}  # fmt: skip


_MODEL_NAME = re.compile(
    r"\b(?:"
    + "|".join(sorted({*_MODELS_IN_REMARKS_RU, *_COLUMN_VALUES["model"]}, key=len, reverse=True))
    + r")\b"
)


def _comma(number: str) -> str:
    """Write a number as Russian does: with a decimal comma."""
    return number.replace(".", ",")


# Interval bounds of a forecast, lo_<level> and hi_<level>, for any level.
_BOUND = re.compile(r"^(lo|hi)_(\d+)$")
_BOUND_WORDS = {"lo": ("Нижняя граница", "Lower bound"), "hi": ("Верхняя граница", "Upper bound")}


def column_label(column: str, lang: str) -> tuple[str, str]:
    """Return the header of ``column`` in ``lang`` and its kind; an unknown column keeps its name, kind text."""
    if bound := _BOUND.match(column):
        ru_word, en_word = _BOUND_WORDS[bound[1]]
        return (
            f"{ru_word} {bound[2]} %, чел." if lang == "ru" else f"{en_word} {bound[2]} %, persons"
        ), "value"
    if column.startswith("actual "):  # an actual period beside a forecast: "actual 2025"
        period = column.removeprefix("actual ")
        return (f"{period}, факт" if lang == "ru" else f"{period}, actual"), "value"
    ru, en, kind = _COLUMNS.get(column, (column, column, "text"))
    return (ru if lang == "ru" else en), kind


def in_unit(label: str, unit: str, lang: str) -> str:
    """Say a label written for persons in ``unit`` instead: the values of a panel in thousands are not persons.

    Examples
    --------
    >>> in_unit("Прогноз, чел.", "thousand persons", "ru"), in_unit("Forecast, persons", "persons", "en")
    ('Прогноз, тыс. чел.', 'Forecast, persons')
    >>> in_unit("среднее значение по годам (чел.)", "million persons", "ru")
    'среднее значение по годам (млн чел.)'
    """
    if unit == PERSONS or not isinstance(label, str):
        return label
    persons = UNITS[PERSONS][0 if lang == "ru" else 1]
    return re.sub(rf"(?<=[ (]){re.escape(persons)}(?=$|[),;:])", unit_label(unit, lang), label)


# The keys a level of a hierarchy keeps, in words (a level is named by its keys joined with "/").
_KEY_WORDS = {
    "total": ("всего", "total"),
    "region": ("регион", "region"),
    "sector": ("отрасль", "sector"),
    "employer": ("работодатель", "employer"),
    "occupation_group": ("группа профессий", "occupation group"),
    "occupation": ("профессия", "occupation"),
}


def hierarchy_label(level: str, lang: str) -> str:
    """Word a level of an ``sf.Hierarchy`` (its keys joined with ``/``) in ``lang``; unknown keys as they are.

    Examples
    --------
    >>> hierarchy_label("sector/occupation", "ru")
    'отрасль × профессия'
    >>> hierarchy_label("total", "en")
    'total'
    """
    if not isinstance(level, str):
        return level
    index = LANGS.index(lang)
    return " × ".join(_KEY_WORDS[k][index] if k in _KEY_WORDS else k for k in level.split("/"))


#: Columns of free text the library writes in English, and the function that words each in another language.
_WORDED: dict[str, Any] = {
    "hierarchy_level": lambda t, lang: hierarchy_label(t, lang),
    "fallback": lambda t, lang: remark_label(t, lang),
    "note": lambda t, lang: remark_label(t, lang),
    "reliability_notes": lambda t, lang: text_label(t, lang),
    "adjustment": lambda t, lang: _adjustment_label(t, lang),
    "model": lambda t, lang: model_label(t, lang),
}
# Reconciliation methods, as a reconciled model's name ends ("auto/mint_shrink").
_RECONCILED_RU = {
    "bottom_up": "снизу вверх",
    "top_down_historical": "сверху вниз по историческим долям",
    "top_down_forecast": "сверху вниз по долям прогноза",
    "middle_out": "от среднего уровня",
    "ols": "МНК",
    "wls_struct": "взвешенный МНК по структуре",
    "wls_var": "взвешенный МНК по дисперсиям",
    "mint_shrink": "MinT",
}


def method_label(method: str, lang: str) -> str:
    """Word a reconciliation method (``"mint_shrink"``, ``"wls_struct"``) in ``lang``; English keeps the name.

    Examples
    --------
    >>> method_label("wls_struct", "ru"), method_label("wls_struct", "en")
    ('взвешенный МНК по структуре', 'wls_struct')
    """
    return _RECONCILED_RU.get(method, method) if lang == "ru" else method


def model_label(name: str, lang: str) -> str:
    """Word a model's name (``"drift"``, ``"auto/mint_shrink"``) for officials in ``lang``; unknown names stay.

    Examples
    --------
    >>> model_label("drift", "ru"), model_label("auto/wls_struct", "ru"), model_label("drift", "en")
    ('продолжение среднего изменения (дрейф)', 'комбинация моделей (авто), согласовано: взвешенный МНК по структуре', 'drift')
    """
    if lang != "ru" or not isinstance(name, str):
        return name
    base, _, method = name.partition("/")
    words = _COLUMN_VALUES["model"].get(base, (base, base))[0]
    return f"{words}, согласовано: {method_label(method, lang)}" if method else words


_ADJUSTMENTS_RU = {"value": "задано значение", "delta": "сдвиг на", "factor": "умножено на"}


def _adjustment_label(text: str, lang: str) -> str:
    """``"delta +40"`` (as ``sf.adjust`` records it) → ``"сдвиг на +40"``."""
    if lang != "ru" or not isinstance(text, str):
        return text
    kind, _, amount = text.partition(" ")
    amount = amount.replace("×", "").replace(".", ",")  # a Russian decimal comma
    return f"{_ADJUSTMENTS_RU[kind]} {amount}" if kind in _ADJUSTMENTS_RU else text


def value_label(values: pd.Series, lang: str, column: str = "") -> pd.Series:
    """Translate coded values (trend words, sources, yes/no) and the library's remarks of ``column`` into ``lang``."""
    if column in _WORDED and (values.dtype == object or isinstance(values.dtype, pd.StringDtype)):
        return values.map(lambda t: _WORDED[column](t, lang))
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


#: Titles, legends and axis labels of ``sf.plot``: key → (Russian, English). Texts may hold ``{name}`` fields.
PLOT_TEXT: dict[str, tuple[str, str]] = {
    # monitoring
    "p_emp": ("Доля трудоустроенных выпускников", "Share of graduates employed"),
    "p_field": ("Доля работающих по специальности (от трудоустроенных)", "Share employed in the field (of employed)"),
    "p_region": ("Доля оставшихся в регионе (от работающих по специальности)",
                 "Share staying in the region (of those in the field)"),
    "satisfaction": ("Индекс удовлетворённости работодателей (1–5)", "Employer satisfaction index (1–5)"),
    "interval": ("доверительный интервал {level} %", "{level} % confidence interval"),
    "few": ("мало данных", "too few to judge"),
    # quota
    "quota": ("Рекомендуемые КЦП и диапазон сценариев, приём {year}",
              "Recommended quota and scenario range, intake {year}"),
    "recommended": ("рекомендация", "recommendation"),
    "range": ("нижний — верхний сценарий", "low — high scenario"),
    "outside": ("вне диапазона: удержано сглаживанием или правилом минимальной группы",
                "outside the range: held by smoothing or the minimum group rule"),
    "incomplete": ("неполный год приёма: только программы, выпуск которых в горизонте прогноза",
                   "incomplete intake year: only programs graduating within the horizon"),
    "places": ("мест", "places"),
    "persons": ("чел.", "persons"),
    "tornado": ("Чувствительность КЦП: {what}, приём {year}", "Quota sensitivity: {what}, intake {year}"),
    "at_low": ("нижнее значение показателя", "input at its low value"),
    "at_high": ("верхнее значение показателя", "input at its high value"),
    "tornado_centre": ("КЦП до сглаживания при исходных данных: {value:.0f} (рекомендация — после сглаживания)",
                       "quota before smoothing at the given inputs: {value:.0f} (the recommendation is smoothed)"),
    "tornado_axis": ("КЦП до сглаживания, мест", "Quota before smoothing, places"),
    "total": ("все специальности", "all specialties"),
    "waterfall": ("От потребности к КЦП: {what}, приём {year} (выпуск {graduation})",
                  "From openings to the quota: {what}, intake {year} (graduating {graduation})"),
    "waterfall_scenario": ("шаги 1–{base} — по базовому сценарию, {next}–{last} — выбор между сценариями и сглаживание",
                           "steps 1–{base} in the base scenario, {next}–{last} the choice among scenarios and smoothing"),
    "wf_total": ("исходная величина и итог", "start and result"),
    "wf_conversion": ("пересчёт в другую величину (× доли, ÷ выход)", "conversion to another quantity (× shares, ÷ yield)"),
    "wf_openings": ("Дополнительная потребность по связанным профессиям", "Openings in the linked occupations"),
    "wf_wanted": ("Потребность в выпускниках", "Graduates wanted"),
    "wf_need": ("Требуется принять", "Admissions needed"),
    "wf_state": ("Требуется принять на бюджет (без платного приёма)", "State-funded admissions needed (less fee-paying)"),
    "wf_raw": ("КЦП до сглаживания (выбор между сценариями)", "Quota before smoothing (choice among scenarios)"),
    "wf_smoothed": ("КЦП после сглаживания", "Smoothed quota"),
    "wf_quota": ("Рекомендуемые КЦП", "Recommended quota"),
    "up": ("увеличение", "increase"),
    "down": ("уменьшение", "decrease"),
    "coverage": ("Обеспеченность потребности ожидаемым выпуском", "Coverage of demand by pipeline graduates"),
    "coverage_note": ("предложение / потребность; дефицит < 0,8 ≤ баланс ≤ 1,2 < избыток",
                      "supply / demand; deficit < 0.8 ≤ balanced ≤ 1.2 < surplus"),
    "allocation": ("Распределение КЦП по организациям, приём {year}",
                   "Quota allocation to institutions, intake {year}"),
    "capacity": ("мощность", "capacity"),
    "quota_region": ("КЦП (решение региона)", "quota (region's decision)"),
    "quota_proposal": ("КЦП (предложение вуза)", "quota (university proposal)"),
    "target": ("в т.ч. целевое обучение", "of which target training"),
    # forecasts
    "history": ("факт", "actual"),
    "forecast": ("прогноз", "forecast"),
    "forecast_interval": ("интервал {level} %", "{level} % interval"),
    "fallback": ("замена модели", "model fell back"),
    "adjusted": ("до ручной корректировки", "before manual adjustment"),
    "employment": ("Численность, чел.", "Head count, persons"),
    "more_series": ("показаны {shown} рядов из {total}", "{shown} of {total} series shown"),
    "all_keys": ("все", "all"),
    # evaluation
    "cv_errors": ("Ошибка прогноза на исторических данных ({metric}) по шагам горизонта",
                  "Backtest error ({metric}) by horizon step"),
    "step": ("Шаг горизонта прогноза", "Horizon step"),
    "model_choice": ("Выбор модели по рядам (критерий: {metric})", "Model chosen per series (by {metric})"),
    "model_choice_plain": ("Выбор модели по рядам", "Model chosen per series"),
    "by_metric": ("лучшая по метрике", "best by the metric"),
    "by_rule": ("по правилу (мало окон, равенство)", "by rule (too few windows, tie)"),
    "naive_line": ("= ошибка наивного прогноза на истории", "= naive forecast's error on the history"),
    "series_count": ("Число рядов", "Number of series"),
    "series_share": ("{n} ({share:.0f} %)", "{n} ({share:.0f} %)"),
    "track_record": ("Прошлые прогнозы и факт", "Past forecasts against actuals"),
    "vintage": ("прогноз от {vintage}", "forecast of {vintage}"),
    "sum_of": ("сумма {n} рядов", "sum of {n} series"),
    # hierarchies
    "reconciliation": ("Согласование прогнозов уровней ({method})", "Reconciliation of the levels ({method})"),
    "base_forecast": ("базовый прогноз", "base forecast"),
    "children_sum": ("сумма базовых прогнозов составляющих: {level} ({n})",
                     "sum of the children's base forecasts: {level} ({n})"),
    "children_sum_plain": ("сумма базовых прогнозов составляющих", "sum of the children's base forecasts"),
    "reconciled": ("согласованный прогноз ({method})", "reconciled forecast ({method})"),
    "reconciled_plain": ("согласованный прогноз", "reconciled forecast"),
    "reconciled_interval": ("согласованный интервал {level} %", "reconciled {level} % interval"),
}  # fmt: skip

#: Metric names in words, for plot axes.
METRIC_NAMES: dict[str, tuple[str, str]] = {
    "mase": ("MASE (к наивному прогнозу)", "MASE (relative to naive)"),
    "rmsse": ("RMSSE (к наивному прогнозу)", "RMSSE (relative to naive)"),
    "mape": ("MAPE, %", "MAPE, %"),
    "smape": ("sMAPE, %", "sMAPE, %"),
    "wape": ("WAPE, %", "WAPE, %"),
    "mae": ("MAE, чел.", "MAE, persons"),
    "rmse": ("RMSE, чел.", "RMSE, persons"),
    "bias": ("Смещение, чел.", "Bias, persons"),
    "direction": ("Угадано направление, %", "Direction right, %"),
}


def input_label(name: str, lang: str) -> str:
    """Name a quota input (``"grad_share"``, ``"p_emp"``) in words, as the inputs sheet and the tornado show it.

    Examples
    --------
    >>> input_label("grad_share", "ru"), input_label("p_emp", "ru")
    ('Доля выпускников среди принятых на работу', 'Доля трудоустроенных')
    """
    if name in INPUT_NAMES:
        return INPUT_NAMES[name][LANGS.index(lang)]
    return column_label(name, lang)[0]


def plot_text(lang: str) -> dict[str, str]:
    """Return the plot texts (:data:`PLOT_TEXT`) in ``lang``, ``"ru"`` or ``"en"``.

    Examples
    --------
    >>> plot_text("en")["history"]
    'actual'
    """
    if lang not in LANGS:
        raise ConfigError(f"unknown plot language {lang!r}; use 'ru' or 'en'.")
    index = LANGS.index(lang)
    return {key: pair[index] for key, pair in PLOT_TEXT.items()}
