"""French dates: time preferences (Duckling and the booking layer), dates of birth, choice among
proposed slots. The time-preference cases are those of the hand-written grammar Duckling
replaced, kept as regression cases, and the spoken forms it got wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.french.birth_date import birth_date_unknown, parse_birth_date
from dialogue.french.slot_choice import choose_slot
from dialogue.french.time_preference import PARIS, PartOfDay, TimePreference, parse_time_preference

# Wednesday 11 March 2026, 10:00 in Paris.
NOW = datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
TODAY = NOW.date()


def _day(day: int, month: int = 3, year: int = 2026) -> date:
    return date(year, month, day)


def _on(day: date) -> dict[str, Any]:
    return {"earliest": day, "latest": day}


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        (
            "jeudi prochain vers dix heures et demie",
            {**_on(_day(12)), "around": time(10, 30), "time_from": time(10), "time_to": time(11)},
        ),
        ("le plus tôt possible", {"asap": True}),
        ("dès que possible", {"asap": True}),
        ("au plus vite s'il vous plaît", {"asap": True}),
        ("aujourd'hui", _on(TODAY)),
        ("demain", _on(_day(12))),
        ("après-demain", _on(_day(13))),
        ("apres demain", _on(_day(13))),
        ("lundi", _on(_day(16))),
        ("mercredi", _on(_day(18))),
        ("la semaine prochaine", {"earliest": _day(16), "latest": _day(22)}),
        # The week of a day said without its month: the next such day's (Duckling: this week).
        ("plutôt la semaine du 18", {"earliest": _day(16), "latest": _day(22)}),
        ("dans la semaine du 18 au 20", {"earliest": _day(16), "latest": _day(22)}),
        ("la semaine du 2", {"earliest": date(2026, 3, 30), "latest": date(2026, 4, 5)}),
        ("cette semaine", {"earliest": TODAY, "latest": _day(15)}),
        ("dans quinze jours", {"earliest": _day(23), "latest": _day(29)}),
        ("dans huit jours", {"earliest": _day(16), "latest": _day(22)}),
        ("dans trois jours", _on(_day(14))),
        ("dans une semaine", {"earliest": _day(16), "latest": _day(22)}),
        ("dans un mois", {"earliest": _day(6, 4), "latest": _day(12, 4)}),
        ("le 3 décembre", _on(_day(3, 12))),
        ("le trois décembre", _on(_day(3, 12))),
        ("le trois", _on(_day(3, 4))),
        ("le onze", _on(TODAY)),
        ("le 1er avril", _on(_day(1, 4))),
        ("le vendredi 13", _on(_day(13))),
        ("le douze février", _on(_day(12, 2, 2027))),
        # Duckling's slices of a month and of a week (the hand-written grammar's were 1–10,
        # 11–20, Thursday–Saturday): a secretary would accept either.
        ("début janvier", {"earliest": _day(1, 1, 2027), "latest": _day(5, 1, 2027)}),
        ("mi avril", {"earliest": _day(10, 4), "latest": _day(19, 4)}),
        ("fin mars", {"earliest": _day(21), "latest": _day(31)}),
        ("en mai", {"earliest": _day(1, 5), "latest": _day(31, 5)}),
        ("le mois prochain", {"earliest": _day(1, 4), "latest": _day(30, 4)}),
        ("en fin de semaine", {"earliest": _day(12), "latest": _day(15)}),
        ("en début de semaine prochaine", {"earliest": _day(16), "latest": _day(17)}),
        ("ce week-end", {"earliest": _day(14), "latest": _day(15)}),
        ("jeudi en huit", _on(_day(19))),
        # The same slots as "that week, that weekday", said as the one day it is.
        ("jeudi de la semaine prochaine", _on(_day(19))),
        ("mardi la semaine prochaine", _on(_day(17))),
        (
            "la semaine prochaine plutôt le mardi",
            {"earliest": _day(16), "latest": _day(22), "weekdays": frozenset({1})},
        ),
        (
            "mardi ou jeudi",
            {"earliest": _day(12), "latest": _day(17), "weekdays": frozenset({1, 3})},
        ),
        ("à partir de lundi", {"earliest": _day(16)}),
        ("pas avant jeudi", {"earliest": _day(12)}),
        ("après le 15", {"earliest": _day(16)}),
        ("avant vendredi", {"latest": _day(12)}),
        ("jusqu'au 20", {"latest": _day(20)}),
        ("avant le 20 mars", {"latest": _day(19)}),
        ("d'ici la fin de la semaine", {"latest": _day(15)}),
        ("du 16 au 18 mars", {"earliest": _day(16), "latest": _day(18)}),
        ("le lundi", {"weekdays": frozenset({0})}),
        ("pas le mercredi", {"excluded_weekdays": frozenset({2})}),
        ("pas le mercredi ni le jeudi", {"excluded_weekdays": frozenset({2, 3})}),
        ("le mercredi je peux pas", {"excluded_weekdays": frozenset({2})}),
        ("je ne suis pas disponible le vendredi", {"excluded_weekdays": frozenset({4})}),
        ("n'importe quand", {"flexible": True}),
        (
            "n'importe quel jour sauf le lundi",
            {"flexible": True, "excluded_weekdays": frozenset({0})},
        ),
    ],
)
def test_time_preference_days(said: str, expected: dict[str, Any]) -> None:
    preference = parse_time_preference(said, NOW)
    for field, value in expected.items():
        assert getattr(preference, field) == value, field
    untouched = set(TimePreference.__dataclass_fields__) - set(expected)
    for field in untouched & {"earliest", "latest", "weekdays", "asap"}:
        assert getattr(preference, field) == getattr(TimePreference(), field), field


@pytest.mark.parametrize(
    ("said", "part", "window"),
    [
        ("le matin", PartOfDay.MORNING, (time(7), time(11, 59))),
        ("euh ben plutôt le matin", PartOfDay.MORNING, (time(7), time(11, 59))),
        ("en fin de matinée", PartOfDay.LATE_MORNING, (time(10, 30), time(12, 29))),
        ("en début d'après-midi", PartOfDay.EARLY_AFTERNOON, (time(13), time(14, 59))),
        ("l'après-midi", PartOfDay.AFTERNOON, (time(13), time(17, 59))),
        ("les mardis après-midi", PartOfDay.AFTERNOON, (time(13), time(17, 59))),
        ("en fin de journée", PartOfDay.LATE_AFTERNOON, (time(16), time(18, 59))),
        ("le soir", PartOfDay.EVENING, (time(17), time(21))),
        ("entre midi et deux", PartOfDay.NOON, (time(11, 30), time(13, 59))),
        ("pas le matin", PartOfDay.AFTERNOON, (time(13), time(17, 59))),
        ("pas l'après-midi", PartOfDay.MORNING, (time(7), time(11, 59))),
        ("tôt le matin", PartOfDay.EARLY_MORNING, (time(7), time(9, 59))),
        ("pas le soir", None, (None, None)),
        ("le matin ou l'après-midi", None, (None, None)),
    ],
)
def test_time_preference_parts_of_day(
    said: str, part: PartOfDay | None, window: tuple[time | None, time | None]
) -> None:
    preference = parse_time_preference(said, NOW)
    assert preference.part_of_day == part
    assert (preference.time_from, preference.time_to) == window


@pytest.mark.parametrize(
    ("said", "around", "window"),
    [
        ("vers dix heures", time(10), (time(9, 30), time(10, 30))),
        ("à dix heures", time(10), (time(10), time(10))),
        ("à 10h", time(10), (time(10), time(10))),
        ("à deux heures", time(14), (time(14), time(14))),
        ("à huit heures du soir", time(20), (time(20), time(20))),
        ("vers neuf heures du matin", time(9), (time(8, 30), time(9, 30))),
        ("à midi", time(12), (time(12), time(12))),
        ("vers midi", time(12), (time(11, 30), time(12, 30))),
        ("à une heure et demie", time(13, 30), (time(13, 30), time(13, 30))),
        ("entre quatorze et seize heures", None, (time(14), time(16))),
        ("de 14 heures à 16 heures 30", None, (time(14), time(16, 30))),
        ("avant dix heures", None, (None, time(9, 59))),
        ("après seize heures", None, (time(16), None)),
        ("à partir de midi", None, (time(12), None)),
        ("dès 14h", None, (time(14), None)),
    ],
)
def test_time_preference_clock(
    said: str, around: time | None, window: tuple[time | None, time | None]
) -> None:
    preference = parse_time_preference(said, NOW)
    assert preference.around == around
    assert (preference.time_from, preference.time_to) == window


def test_time_preference_combines_day_part_and_asap() -> None:
    preference = parse_time_preference(
        "euh le plus tôt possible mais pas le mercredi et plutôt en fin de matinée", NOW
    )
    assert preference.asap
    assert preference.excluded_weekdays == frozenset({2})
    assert preference.part_of_day is PartOfDay.LATE_MORNING


def test_nothing_understood() -> None:
    preference = parse_time_preference("je voudrais un rendez-vous", NOW)
    assert preference == TimePreference()
    assert not preference.understood
    assert parse_time_preference("demain", NOW).understood


@pytest.mark.parametrize(
    ("said", "slot", "fits"),
    [
        ("jeudi prochain vers dix heures et demie", datetime(2026, 3, 12, 10, 45), True),
        ("jeudi prochain vers dix heures et demie", datetime(2026, 3, 12, 11, 15), False),
        ("jeudi prochain vers dix heures et demie", datetime(2026, 3, 19, 10, 30), False),
        ("la semaine prochaine l'après-midi", datetime(2026, 3, 17, 14, 0), True),
        ("la semaine prochaine l'après-midi", datetime(2026, 3, 17, 9, 0), False),
        ("pas le mercredi", datetime(2026, 3, 18, 9, 0), False),
        ("pas le mercredi", datetime(2026, 3, 19, 9, 0), True),
        ("le lundi", datetime(2026, 3, 23, 9, 0), True),
        ("le lundi", datetime(2026, 3, 24, 9, 0), False),
    ],
)
def test_accepts(said: str, slot: datetime, fits: bool) -> None:
    assert parse_time_preference(said, NOW).accepts(slot) is fits


def test_accepts_reads_aware_slots_in_paris_time() -> None:
    # 09:00 UTC is 10:00 in Paris in March.
    preference = parse_time_preference("à dix heures", NOW)
    assert preference.accepts(datetime(2026, 3, 12, 9, 0, tzinfo=UTC))
    assert not preference.accepts(datetime(2026, 3, 12, 10, 0, tzinfo=UTC))


@pytest.mark.parametrize(
    ("said", "born"),
    [
        ("le douze mars mille neuf cent cinquante quatre", date(1954, 3, 12)),
        ("euh le douze mars euh mille neuf cent cinquante quatre", date(1954, 3, 12)),
        ("douze mars dix neuf cent cinquante quatre", date(1954, 3, 12)),
        ("12 03 1954", date(1954, 3, 12)),
        ("12/03/1954", date(1954, 3, 12)),
        ("douze trois cinquante quatre", date(1954, 3, 12)),
        ("douze zéro trois cinquante quatre", date(1954, 3, 12)),
        ("douze trois mille neuf cent cinquante quatre", date(1954, 3, 12)),
        ("douze zéro trois mille neuf cent cinquante quatre", date(1954, 3, 12)),
        ("douze deux mille neuf cent cinquante quatre", date(1954, 2, 12)),
        ("né le 1er avril 1980", date(1980, 4, 1)),
        ("née le premier avril quatre vingt", date(1980, 4, 1)),
        ("le trente et un décembre quatre vingt dix neuf", date(1999, 12, 31)),
        ("le vingt neuf février deux mille", date(2000, 2, 29)),
        ("le trois mai douze", date(2012, 5, 3)),
        ("le 3 mai 26", date(1926, 5, 3)),
        ("12031954", date(1954, 3, 12)),
        ("120354", date(1954, 3, 12)),
        ("un deux zéro trois un neuf cinq quatre", date(1954, 3, 12)),
        ("dupont marie née le 12 mars 1954", date(1954, 3, 12)),
        ("le onze mars deux mille vingt six", TODAY),
    ],
)
def test_parse_birth_date(said: str, born: date) -> None:
    assert parse_birth_date(said, TODAY) == born


@pytest.mark.parametrize(
    "said",
    [
        "premier avril",  # no year
        "le trente et un février mille neuf cent quatre vingt",  # impossible
        "le vingt neuf février deux mille un",  # not a leap year
        "le 12 mars 2030",  # future
        "le douze mars deux mille vingt six",  # tomorrow
        "31 13 1980",  # no 13th month
        "le 12 mars 1854",  # more than 130 years ago
        "je ne sais pas",
        "",
        "1954",
    ],
)
def test_parse_birth_date_rejects(said: str) -> None:
    assert parse_birth_date(said, TODAY) is None


@pytest.mark.parametrize(
    "said",
    [
        "je connais pas sa date de naissance exacte",
        "je ne la connais pas",
        "euh je sais plus",
        "aucune idée",
        "je l'ai pas sous la main",
        "je me souviens plus de sa date",
    ],
)
def test_a_date_of_birth_not_known(said: str) -> None:
    assert birth_date_unknown(said, TODAY)


@pytest.mark.parametrize(
    "said",
    # A date given, even unsure of it; or no date and no word of not knowing.
    ["je sais pas trop le douze mars cinquante quatre", "attendez", "elle a quatre vingt ans"],
)
def test_a_date_of_birth_given_or_still_to_come(said: str) -> None:
    assert not birth_date_unknown(said, TODAY)


SLOTS = [
    datetime(2026, 3, 12, 10, 0, tzinfo=PARIS),  # Thursday 12, 10:00
    datetime(2026, 3, 17, 14, 30, tzinfo=PARIS),  # Tuesday 17, 14:30
    datetime(2026, 4, 2, 9, 15, tzinfo=PARIS),  # Thursday 2 April, 09:15
]


@pytest.mark.parametrize(
    ("said", "index"),
    [
        ("le premier", 0),
        ("la première", 0),
        ("euh le premier", 0),
        ("le deuxième", 1),
        ("le deuxieme", 1),
        ("le 2e", 1),
        ("le second", 1),
        ("la seconde", 1),
        ("le troisième", 2),
        ("le dernier", 2),
        ("l'avant-dernier", 1),
        ("le numéro deux", 1),
        ("2", 1),
        ("trois", 2),
        ("celui de dix heures", 0),
        ("celui de quatorze heures trente", 1),
        ("celui de deux heures et demie", 1),
        ("celui de neuf heures quinze", 2),
        ("mardi", 1),
        ("le mardi", 1),
        ("celui de l'après-midi", 1),
        ("demain", 0),
        ("jeudi à dix heures", 0),
        ("le 17", 1),
        ("le dix sept", 1),
        ("le 2", 2),  # the slot on the 2nd
        ("le 2 avril", 2),
        ("le deuxième le mardi", 1),
        ("n'importe lequel", 0),
        ("le plus tard", 2),
    ],
)
def test_choose_slot(said: str, index: int) -> None:
    assert choose_slot(said, SLOTS, NOW) == index


@pytest.mark.parametrize(
    "said",
    [
        "aucun ne me convient",
        "ni l'un ni l'autre",
        "attendez une seconde",
        "le quatrième",
        "oui",
        "jeudi",  # two Thursdays
        "le matin",  # two morning slots
        "pas le premier",  # two left
        "le 1er avril",  # no slot that day
        "celui de onze heures",
        "",
    ],
)
def test_choose_slot_unresolved(said: str) -> None:
    assert choose_slot(said, SLOTS, NOW) is None


@pytest.mark.parametrize(
    ("said", "index"),
    [("le 2", 1), ("pas le premier", 1), ("celui du matin", 0), ("le premier", 0)],
)
def test_choose_slot_between_two(said: str, index: int) -> None:
    two = [datetime(2026, 3, 12, 10, 0, tzinfo=PARIS), datetime(2026, 3, 13, 15, 0, tzinfo=PARIS)]
    assert choose_slot(said, two, NOW) == index


def test_choose_slot_without_now_ignores_relative_days() -> None:
    assert choose_slot("demain", SLOTS) is None
    assert choose_slot("le premier", []) is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_parsers_never_crash(text: str) -> None:
    assert isinstance(parse_time_preference(text, NOW), TimePreference)
    born = parse_birth_date(text, TODAY)
    assert born is None or born <= TODAY
    index = choose_slot(text, SLOTS, NOW)
    assert index is None or 0 <= index < len(SLOTS)


_DATE_WORDS = [
    "le",
    "la",
    "lundi",
    "jeudi",
    "prochain",
    "semaine",
    "prochaine",
    "dans",
    "quinze",
    "jours",
    "vers",
    "dix",
    "heures",
    "et",
    "demie",
    "matin",
    "après-midi",
    "pas",
    "avant",
    "après",
    "jusqu'au",
    "à",
    "partir",
    "de",
    "fin",
    "début",
    "mars",
    "janvier",
    "douze",
    "mille",
    "neuf",
    "cent",
    "cinquante",
    "quatre",
    "31",
    "février",
    "premier",
    "deuxième",
    "dernier",
    "midi",
    "demain",
    "aujourd'hui",
    "en",
    "huit",
    "du",
    "au",
    "2",
    "celui",
    "mois",
    "une",
    "un",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_DATE_WORDS), max_size=10))
def test_parsers_on_date_talk_stay_consistent(words: list[str]) -> None:
    preference = parse_time_preference(" ".join(words), NOW)
    if preference.earliest is not None:
        assert preference.earliest >= TODAY
    if preference.time_from is not None and preference.time_to is not None:
        assert preference.time_from <= preference.time_to
    born = parse_birth_date(" ".join(words), TODAY)
    assert born is None or born <= TODAY
    index = choose_slot(" ".join(words), SLOTS, NOW)
    assert index is None or 0 <= index < len(SLOTS)
