"""The words of quota explanations, in English and Russian (formulas keep their symbols in both)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..reference import LEVEL_NAMES

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "rounded": "rounded half up",
        "small_drop": "rounded half up; below min_group {m}: not opened",
        "small_raise": "rounded half up; below min_group {m}: raised to it",
        "where": "specialty {s} ({lv}), intake {a}, graduates {g}",
        "smooth": "clip(raw, (1 − {mc}) · previous, (1 + {mc}) · previous), previous = {prev:g}",
        "no_smooth": "no previous quota: no smoothing",
        "smooth_source_first": "step 10; previous: last year's quota ({source})",
        "smooth_source_later": "step 10; previous: the smoothed value for {year} (before rounding and the min_group "
        "rule)",
        "rank": "sorted {pos} of 3, at the {q:.2f} quantile",
        "outside_smoothing": "outside the scenario range {low:.1f}–{high:.1f}: held by the ±{pct:g} % rule from {whence} "
        "{prev:g}",
        "whence_first": "last year's",
        "whence_later": "the {year} smoothed value",
        "outside_small_total": "outside the scenario range {low:.1f}–{high:.1f}: a total below the minimum group {m} "
        "was {what}",
        "what_drop": "not opened (0)",
        "what_raise": "raised to {m}",
        "age_band": "E[{t0}] {e:.2f} · ageshare {share:.4f} · exit rate {rate:.4f}",
        "age_source": "age shares rolled forward from the base year (step 1)",
        "decide": "quantile q = cost_short / (cost_short + cost_surplus) = {q:.3f}, interpolated between the sorted "
        "scenario quotas low {low:.2f}, base {base:.2f}, high {high:.2f} (low and high at the {ql:.2f} and {qh:.2f} "
        "quantiles of a {L} % interval; summing bounds across occupations treats their errors as perfectly "
        "correlated: a deliberately wide range)",
        "step": "step {n}",
        "institution": "share of {T} in proportion to the weight score · capacity = {score:.3f} · {capacity} = "
        "{weight:.1f}; exact {exact:.2f}; {status}; target training {target}",
        "proposal": "step 11; university: a proposal (federal competition)",
        "region": "step 11; college: the region's decision",
        "reliability": "reliability rules",
        "k0": "max(0, need {need:.2f} − paid {paid:.2f})",
        "k0_source": "step 8; paid: {source}",
        "need": "max(0, graduates wanted {n:.2f} − other supply {other:.2f}) / yield {y:.4f}",
        "need_source": "step 7; other supply: {source}",
        "wanted": "Σ_o openings · grad_share · crosswalk share",
        "occupation": "openings {o:.2f} · grad_share {g:.3f} · crosswalk share {m:.3f}",
        "occupation_source": "crosswalk: {cw}; grad_share: {gs}",
        "merged": " (merged: {members})",
        "openings": "max(0, expansion {x:.2f} + replacement {s:.2f}) + backlog {b:.2f}",
        "expansion_source": "employment forecast, {scenario} scenario",
        "replacement": "exits {e:.2f} + transfers {t:.2f} + migration {m:.2f} = E[{t0}] · (Σ_b ageshare · exit + "
        "transfer {tr:.3f} + migrate {mg:.3f})",
        "replacement_source": "step 1; exit rates: {exits}; age: {age}",
        "backlog": "backlog_share[{g}] · vacancies {v:.0f}",
        "backlog_source": "vacancies: {source}",
        "yield": "completion {c:.3f} · p_emp {e:.3f} · p_field {f:.3f} · p_region {r:.3f}",
        "adjustment": "forecast mean {original:.2f} adjusted by {change:+.2f} ({how})",
        "low": "low",
        "base": "base",
        "high": "high",
    },
    "ru": {
        "rounded": "округлено до целого (половина вверх)",
        "small_drop": "округлено; меньше минимальной группы {m}: не открывать",
        "small_raise": "округлено; меньше минимальной группы {m}: увеличено до неё",
        "where": "специальность {s} ({lv}), приём {a}, выпуск {g}",
        "smooth": "не более чем на ±{mc:.0%} от КЦП прошлого года: КЦП до сглаживания, ограниченные пределами "
        "(1 − {mc}) · {prev:g} и (1 + {mc}) · {prev:g}",
        "no_smooth": "КЦП прошлого года нет: без сглаживания",
        "smooth_source_first": "шаг 10; КЦП прошлого года ({source})",
        "smooth_source_later": "шаг 10; предыдущее значение: КЦП после сглаживания на {year} (до округления и правила "
        "минимальной группы)",
        "rank": "{pos}-й по величине из 3, квантиль {q:.2f}",
        "outside_smoothing": "вне диапазона сценариев {low:.1f}–{high:.1f}: удержано правилом ±{pct:g} % от {whence} "
        "{prev:g}",
        "whence_first": "КЦП прошлого года",
        "whence_later": "сглаженного значения на {year}",
        "outside_small_total": "вне диапазона сценариев {low:.1f}–{high:.1f}: итог меньше минимальной группы {m}, "
        "{what}",
        "what_drop": "группа не открывается (0)",
        "what_raise": "увеличено до {m}",
        "age_band": "E[{t0}] {e:.2f} · доля возрастной группы {share:.4f} · интенсивность выбытия {rate:.4f}",
        "age_source": "возрастная структура, сдвинутая от базового года (шаг 1)",
        "decide": "квантиль q = цена нехватки / (цена нехватки + цена избытка) = {q:.3f}, линейная интерполяция "
        "между сценариями: нижний {low:.2f}, базовый {base:.2f}, верхний {high:.2f} (нижний и верхний — квантили "
        "{ql:.2f} и {qh:.2f} интервала {L} %; границы интервалов суммируются по профессиям как полностью "
        "коррелированные: диапазон намеренно широкий)",
        "step": "шаг {n}",
        "institution": "доля от {T} пропорционально весу оценка · мощность = {score:.3f} · {capacity} = "
        "{weight:.1f}; расчётно {exact:.2f}; {status}; в т.ч. целевое обучение {target}",
        "proposal": "шаг 11; вуз: предложение (КЦП вузов — по итогам федерального конкурса)",
        "region": "шаг 11; колледж: решение региона",
        "reliability": "правила надёжности",
        "k0": "наибольшее из 0 и (требуется принять {need:.2f} − платный приём {paid:.2f})",
        "k0_source": "шаг 8; платный приём: {source}",
        "need": "наибольшее из 0 и (потребность в выпускниках {n:.2f} − выпускники из других источников {other:.2f}) / доля "
        "дошедших до работы в регионе {y:.4f}",
        "need_source": "шаг 7; другие источники: {source}",
        "wanted": "Σ по профессиям: дополнительная потребность · доля выпускников · доля специальности",
        "occupation": "дополнительная потребность {o:.2f} · доля выпускников {g:.3f} · доля специальности {m:.3f}",
        "occupation_source": "соответствие ОКЗ — специальности: {cw}; доля выпускников: {gs}",
        "merged": " (объединены: {members})",
        "openings": "наибольшее из 0 и (изменение численности {x:.2f} + замещение {s:.2f}) + закрытие вакансий {b:.2f}",
        "expansion_source": "прогноз занятости, {scenario} сценарий",
        "replacement": "выбытие {e:.2f} + переход в другие профессии {t:.2f} + выезд {m:.2f} = E[{t0}] · "
        "(Σ доля возрастной группы · интенсивность выбытия + переход {tr:.3f} + выезд {mg:.3f})",
        "replacement_source": "шаг 1; интенсивность выбытия: {exits}; возраст: {age}",
        "backlog": "доля закрытия вакансий в {g} · вакансии {v:.0f}",
        "backlog_source": "вакансии: {source}",
        "yield": "завершение {c:.3f} · трудоустройство {e:.3f} · по специальности {f:.3f} · в регионе {r:.3f}",
        "adjustment": "прогноз (среднее) {original:.2f} скорректирован вручную на {change:+.2f}",
        "low": "нижний",
        "base": "базовый",
        "high": "верхний",
    },
}

#: Allocation statuses in words.
STATUS = {
    "en": {"share": "share", "capped": "capped at capacity", "left_out": "below the minimum group: not opened",
           "raised": "raised to the minimum group", "no_capacity": "no capacity"},
    "ru": {"share": "пропорционально", "capped": "ограничено мощностью", "left_out": "меньше минимальной группы: не открывать",
           "raised": "увеличено до минимальной группы", "no_capacity": "нет мощности"},
}  # fmt: skip


def range_note(row: Mapping[str, Any], max_change: float, min_group: int, lang: str = "en") -> str:
    """Why a recommendation lies outside its low–high scenario range, in words (empty when it does not).

    Examples
    --------
    >>> row = {"outside_range": "smoothing", "low": 0.0, "high": 3.2, "previous": 65.0, "previous_source": "given",
    ...        "intake_year": 2026, "small_total": "", "quota": 49}
    >>> range_note(row, 0.25, 15)
    "outside the scenario range 0.0–3.2: held by the ±25 % rule from last year's 65"
    """
    words = range_words(row, max_change, min_group)
    return words.render(lang) if words is not None else ""


def range_words(row: Mapping[str, Any], max_change: float, min_group: int) -> Words | None:
    """Return :func:`range_note` before it has a language (``None`` when the quota is inside its range)."""
    w = PHRASES
    if row["outside_range"] == "smoothing":
        whence = (
            w["whence_first"]
            if row["previous_source"] == "given"
            else w["whence_later"].format(year=int(row["intake_year"]) - 1)
        )
        return w["outside_smoothing"].format(
            low=row["low"],
            high=row["high"],
            pct=round(100 * max_change, 6),
            whence=whence,
            prev=float(row["previous"]),
        )
    if row["outside_range"] == "small_total":
        what = w[f"what_{row['small_total']}"].format(m=min_group)
        return w["outside_small_total"].format(low=row["low"], high=row["high"], m=min_group, what=what)
    return None


#: The four shares of the yield, as explanations name them.
SHARE_NAMES = {
    "en": {"completion": "completion", "p_emp": "p_emp", "p_field": "p_field", "p_region": "p_region"},
    "ru": {"completion": "завершение", "p_emp": "трудоустройство", "p_field": "по специальности",
           "p_region": "в регионе"},
}  # fmt: skip


def level_name(level: str, lang: str) -> str:
    """Name a level: its code in English explanations, its name as the workbook prints it in Russian ones."""
    return LEVEL_NAMES[level][0] if lang == "ru" and level in LEVEL_NAMES else level


@dataclass(frozen=True)
class Words:
    """Text of an explanation before it has a language: a template of :data:`WORDS` and its arguments.

    ``key`` names a template (``"need"``), an entry of a vocabulary (``"status:capped"``, ``"share:p_emp"``,
    ``"level:spo11"``), or ``"join"`` (``args["parts"]`` written one after another). Arguments are numbers,
    text or other ``Words``; :meth:`render` words them in English or Russian, so one stored explanation serves
    both languages (``explain.jsonl`` of the batch job).

    Examples
    --------
    >>> need = PHRASES["k0"].format(need=12.5, paid=3.0)
    >>> need.render("en"), need.render("ru")
    ('max(0, need 12.50 − paid 3.00)', 'наибольшее из 0 и (требуется принять 12.50 − платный приём 3.00)')
    >>> Words.from_dict(need.to_dict()) == need
    True
    """

    key: str
    args: Mapping[str, Any] = field(default_factory=dict)

    def format(self, **args: Any) -> Words:
        """Return the template with its arguments (as ``str.format`` would take them)."""
        return Words(self.key, args)

    def render(self, lang: str) -> str:
        """Word the text in ``lang`` (``"en"`` or ``"ru"``)."""
        if self.key == "join":
            return "".join(render(part, lang) for part in self.args["parts"])
        vocabulary, _, entry = self.key.partition(":")
        if entry:
            if vocabulary == "level":
                return level_name(entry, lang)
            return {"status": STATUS, "share": SHARE_NAMES}[vocabulary][lang][entry]
        template = WORDS[lang][self.key]
        return (
            template.format(**{k: render(v, lang) for k, v in self.args.items()}) if self.args else template
        )

    def to_dict(self) -> dict[str, Any]:
        """Return plain data for JSON: ``{"words": key, "args": {...}}``."""
        return {"words": self.key, "args": {k: to_plain(v) for k, v in self.args.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Words:
        """Rebuild from :meth:`to_dict`."""
        return cls(str(data["words"]), {k: from_plain(v) for k, v in data.get("args", {}).items()})

    def __add__(self, other: Words | str) -> Words:
        return join(self, other)

    def __radd__(self, other: Words | str) -> Words:
        return join(other, self)


class _Phrases:
    """``PHRASES["need"]`` is the template ``need`` without its arguments (``.format(...)`` adds them)."""

    def __getitem__(self, key: str) -> Words:
        if key not in WORDS["en"]:
            raise KeyError(key)
        return Words(key)


#: The templates of :data:`WORDS` as :class:`Words`, for explanations that are worded later.
PHRASES = _Phrases()


def join(*parts: Words | str) -> Words:
    """Return texts written one after another (``"; "`` and the like are parts too)."""
    flat: list[Words | str] = []
    for part in parts:
        flat.extend(part.args["parts"] if isinstance(part, Words) and part.key == "join" else [part])
    return Words("join", {"parts": flat})


def render(text: Any, lang: str) -> Any:
    """Word ``text`` in ``lang`` when it is :class:`Words`; anything else is returned as it is."""
    return text.render(lang) if isinstance(text, Words) else text


def to_plain(value: Any) -> Any:
    """Return ``value`` as plain data for JSON: :class:`Words` as ``{"words", "args"}``, numpy numbers as Python's."""
    if isinstance(value, Words):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def from_plain(value: Any) -> Any:
    """Rebuild what :func:`to_plain` wrote: ``{"words", "args"}`` becomes :class:`Words` again."""
    if isinstance(value, Mapping) and "words" in value:
        return Words.from_dict(value)
    if isinstance(value, list):
        return [from_plain(v) for v in value]
    return value


# Longer phrases come first, so that a short one ("given") never replaces part of a longer one.
#: Sources and reliability reasons (written in English where they arise) worded in Russian, longest first.
SOURCE_PHRASES_RU: list[tuple[str, str]] = [
    (r"bundle employment to (\d+), then the forecast \(mean and (\d+) % interval\)",
     r"данные о занятости по \1 г., далее прогноз (среднее и интервал \2 %)"),
    (r"the quarterly forecast averaged over each calendar year \(annual average head count, sf\.to_annual\), "
     r"years (\d+)–(\d+)", r"квартальный прогноз усреднён по календарным годам (среднегодовая численность), \1–\2 гг."),
    (r"the monthly forecast averaged over each calendar year \(annual average head count, sf\.to_annual\), "
     r"years (\d+)–(\d+)", r"месячный прогноз усреднён по календарным годам (среднегодовая численность), \1–\2 гг."),
    (r"the forecast's manual adjustments \(sf\.adjust\)", "ручные корректировки прогноза"),
    (r"bundle crosswalk table", "таблица соответствия ОКЗ — специальности из пакета данных"),
    (r"bundle institutions table", "таблица организаций из пакета данных"),
    (r"bundle age table, (\d+)", r"возрастная структура из пакета данных, \1 г."),
    (r"regional average for (\[[^\]]*\])", r"среднее по региону для \1"),
    (r"bundle vacancies table, (\d+)", r"вакансии из пакета данных, \1 г."),
    (r"employers reporting each occupation in (\d+) \(employment table\)",
     r"работодатели, сообщившие о профессии в \1 г. (таблица занятости)"),
    (r"monitoring: sf\.monitoring\.quota_shares \(graduates (\d+)–(\d+), admissions\)",
     r"мониторинг выпускников \1–\2 гг. и приёма"),
    (r"monitoring: sf\.monitoring\.quota_shares \(graduates (\d+)–(\d+)\)", r"мониторинг выпускников \1–\2 гг."),
    (r"monitoring: sf\.monitoring\.institution_scores \(last 3 years\)",
     "мониторинг: интегральная оценка организаций (последние 3 года)"),
    (r"no data for (.+?): the median score of the specialty \(else 1\)",
     r"нет данных по \1: медианная оценка по специальности (иначе 1)"),
    (r"bundle enrolment table, (\d+): students by course × completion still to go",
     r"контингент из пакета данных, \1 г.: обучающиеся по курсам × доля завершающих обучение"),
    (r"average fee-paying admissions (\d+)–(\d+) \(admissions table\)",
     r"средний платный приём \1–\2 гг. (таблица приёма)"),
    (r"state-funded admissions (\d+) \(admissions table\)", r"бюджетный приём \1 г. (таблица приёма)"),
    (r"reference: sf\.reference\.outcome_defaults\(\) \(no graduates table\)",
     "справочные значения по уровню образования (нет таблицы выпускников)"),
    (r"reference: sf\.reference\.outcome_defaults\(\)", "справочное значение по уровню образования"),
    (r"reference: sf\.reference\.crosswalk\(\) \(an assumption\)",
     "справочник соответствия ОКЗ — специальности (допущение)"),
    (r"reference: sf\.reference\.exit_rates\(\) \(350-ФЗ pension ages\)",
     "справочник интенсивности выбытия (пенсионный возраст по 350-ФЗ)"),
    (r"default: score 1 for every institution \(allocation by capacity\)",
     "по умолчанию: оценка 1 для всех организаций (распределение по мощности)"),
    (r"score 1 where none was given", "оценка 1, где она не задана"),
    (r"not known: the reliability rule on employers is skipped",
     "неизвестно: правило о числе работодателей не применяется"),
    (r"not given: coverage is not computed", "не задано: обеспеченность не рассчитывается"),
    (r"not given: no smoothing in the first intake year", "не задано: без сглаживания в первый год приёма"),
    (r"not given: the scope is the surveyed employers", "не задано: охват — обследованные работодатели"),
    (r"default: no fee-paying admissions", "по умолчанию: платного приёма нет"),
    (r"default: no graduates from elsewhere", "по умолчанию: выпускников из других источников нет"),
    (r"default: no target training", "по умолчанию: без целевого обучения"),
    (r"default \(assumption\)", "по умолчанию (допущение)"),
    (r"default assumption for", "допущение по умолчанию для"),
    (r"given \(override\)", "задано пользователем вместо данных пакета"),
    (r"employment behind it (\d+) < ([\d.]+)", r"занятых за строкой \1 < \2"),
    (r"high/low need ratio > 2", "потребность по верхнему сценарию более чем вдвое выше, чем по нижнему"),
    (r"low scenario needs no admissions", "по нижнему сценарию приём не нужен"),
    (r"fewer than (\d+) employers report its occupations", r"о профессиях строки сообщили менее \1 работодателей"),
    (r"\bgiven\b", "задано пользователем"),
    (r"^none$", "нет"),
]  # fmt: skip


def source_words(text: str, lang: str) -> str:
    """Word a source or reliability reason the library writes in English in ``lang``.

    Examples
    --------
    >>> source_words("bundle vacancies table, 2025", "ru")
    'вакансии из пакета данных, 2025 г.'
    """
    if lang != "ru" or not isinstance(text, str):
        return text
    for pattern, replacement in SOURCE_PHRASES_RU:
        text = re.sub(pattern, replacement, text)
    return text


# The names of the method's steps (``Explanation.step``) and their units in Russian; steps carry codes after a space.
_STEPS_RU: list[tuple[str, str]] = [
    (r"^raw_quota$", "КЦП до сглаживания"),
    (r"^smoothed_quota$", "КЦП после сглаживания"),
    (r"^quota$", "Рекомендуемые КЦП"),
    (r"^institution (.+)$", r"организация \1"),
    (r"^outside the scenario range$", "вне диапазона сценариев"),
    (r"^expansion$", "изменение численности"),
    (r"^replacement$", "замещение выбывающих"),
    (r"^backlog$", "закрытие вакансий"),
    (r"^openings$", "дополнительная потребность"),
    (r"^occupation (.+)$", r"профессия ОКЗ \1"),
    (r"^yield$", "доля принятых, дошедших до работы в регионе"),
    (r"^graduates wanted in (\d+)$", r"потребность в выпускниках в \1 г."),
    (r"^need$", "требуется принять"),
    (r"^scenario low$", "нижний сценарий"),
    (r"^scenario base$", "базовый сценарий"),
    (r"^scenario high$", "верхний сценарий"),
    (r"^manual adjustment, occupation (.+)$", r"ручная корректировка прогноза, профессия \1"),
    (r"^exits (.+)$", r"выбытие, возрастная группа \1"),
    (r"^reliability$", "надёжность"),
]
_UNITS_RU = {
    "persons": "чел.",
    "persons/yr": "чел./год",
    "graduates": "выпускников",
    "graduates/yr": "выпускников/год",
    "places": "мест",
    "share": "доля",
}


def step_words(step: str, lang: str) -> str:
    """Name a step of the method in ``lang``: ``"openings"`` → ``"дополнительная потребность"``.

    Examples
    --------
    >>> step_words("graduates wanted in 2030", "ru"), step_words("exits 60+", "ru")
    ('потребность в выпускниках в 2030 г.', 'выбытие, возрастная группа 60+')
    """
    if lang != "ru" or not isinstance(step, str):
        return step
    for pattern, replacement in _STEPS_RU:
        worded, n = re.subn(pattern, replacement, step)
        if n:
            return worded
    return step


def unit_words(unit: str, lang: str) -> str:
    """Word a unit of an explanation in ``lang`` (``"persons"`` → ``"чел."``)."""
    return _UNITS_RU.get(unit, unit) if lang == "ru" else unit
