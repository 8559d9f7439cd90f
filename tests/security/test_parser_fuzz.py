"""hypothesis against what reads outside input: Twilio's media frames, the French date, number
and phone parsers the dialogue applies to what callers say, and the practice file loader.

None may raise on bad input: a frame becomes a `ProtocolError` with a stable code, a parser
answers None (or its input normalised), a bad practice file a `ConfigError` whose every line is
``file: field: reason``. Example counts are bounded to keep the module fast.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import PROJECT_ROOT, ConfigError, load_practice
from dialogue.french.birth_date import parse_birth_date
from dialogue.french.normalize import normalize_transcript
from dialogue.french.phone_numbers import parse_french_phone
from dialogue.french.slot_choice import choose_slot
from dialogue.french.time_preference import PARIS, parse_time_preference
from telephony.twilio_stream import (
    Connected,
    Dtmf,
    Mark,
    Media,
    ProtocolError,
    ProtocolErrorCode,
    Start,
    Stop,
    parse_message,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EVENTS = ("connected", "start", "media", "dtmf", "mark", "stop")
EVENT_TYPES = (Connected, Start, Media, Dtmf, Mark, Stop)

# --- Twilio media frames ------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
# Numbers and digits as Twilio's string counters could carry them, including non-ASCII digits.
counters = st.one_of(
    st.integers(), st.text(alphabet="0123456789²³¹٣߂𝟗 -+", max_size=6), json_values
)


@st.composite
def twilio_like_frames(draw: st.DrawFn) -> dict[str, Any]:
    """A frame shaped like Twilio's, with any field possibly wrong, missing or extra."""
    event = draw(st.sampled_from(EVENTS) | st.text(max_size=12))
    body: dict[str, Any] = {
        "payload": draw(
            st.binary(max_size=400).map(lambda b: base64.b64encode(b).decode())
            | st.text(max_size=40)
            | json_values
        ),
        "track": draw(st.sampled_from(["inbound", "outbound"]) | json_values),
        "chunk": draw(counters),
        "timestamp": draw(counters),
        "digit": draw(st.text(max_size=2) | json_values),
        "name": draw(st.text(max_size=10) | json_values),
        "callSid": draw(st.text(max_size=34) | json_values),
        "accountSid": draw(st.text(max_size=34) | json_values),
        "streamSid": draw(st.text(max_size=34) | json_values),
        "tracks": draw(st.lists(st.text(max_size=8), max_size=3) | json_values),
        "customParameters": draw(
            st.dictionaries(st.text(max_size=8), st.text(max_size=8) | json_values, max_size=4)
            | json_values
        ),
        "mediaFormat": draw(
            st.fixed_dictionaries(
                {"encoding": st.text(max_size=12) | json_values,
                 "sampleRate": counters, "channels": counters}
            )
            | json_values
        ),
    }
    keep = draw(st.sets(st.sampled_from(sorted(body))))
    inner = {k: v for k, v in body.items() if k in keep}
    frame: dict[str, Any] = {"event": event, event: draw(st.just(inner) | json_values)}
    for key in draw(st.sets(st.sampled_from(["sequenceNumber", "streamSid", "protocol"]))):
        frame[key] = draw(counters)
    return frame


def _parsed_or_refused(frame: str | bytes) -> None:
    result = parse_message(frame)
    assert isinstance(result, (*EVENT_TYPES, ProtocolError))
    if isinstance(result, ProtocolError):
        assert isinstance(result.code, ProtocolErrorCode) and result.detail
    if isinstance(result, Media):
        assert isinstance(result.payload, bytes)
        assert result.chunk is None or isinstance(result.chunk, int)
    if isinstance(result, Start):
        assert all(isinstance(v, str) for v in result.custom_parameters.values())
        assert isinstance(result.media_format.sample_rate, int)


@FAST
@given(twilio_like_frames())
def test_twilio_like_frames_are_parsed_or_refused(frame: dict[str, Any]) -> None:
    _parsed_or_refused(json.dumps(frame))


@FAST
@given(st.text(max_size=300) | st.binary(max_size=300) | json_values.map(json.dumps))
def test_any_frame_is_parsed_or_refused(frame: str | bytes) -> None:
    _parsed_or_refused(frame)


def test_hostile_frames_get_a_clear_refusal() -> None:
    cases: dict[str | bytes, ProtocolErrorCode] = {
        b"\x00\x01": ProtocolErrorCode.BINARY_FRAME,
        "{": ProtocolErrorCode.INVALID_JSON,
        "[" * 100_000 + "]" * 100_000: ProtocolErrorCode.INVALID_JSON,  # deeper than the parser
        "1" * 10_000: ProtocolErrorCode.INVALID_JSON,  # longer than Python converts to int
        '"media"': ProtocolErrorCode.NOT_AN_OBJECT,
        '{"event": 1}': ProtocolErrorCode.MISSING_FIELD,
        '{"event": "dance"}': ProtocolErrorCode.UNKNOWN_EVENT,
        '{"event": "media", "media": {"payload": "@@@"}}': ProtocolErrorCode.BAD_BASE64,
        '{"event": "media", "media": {"payload": 5}}': ProtocolErrorCode.BAD_FIELD,
        '{"event": "start", "start": [], "streamSid": "MZ"}': ProtocolErrorCode.BAD_FIELD,
        '{"event": "start", "streamSid": "MZ", "start": {"mediaFormat": {"sampleRate": "²"}}}':
            ProtocolErrorCode.BAD_FIELD,
    }
    for frame, code in cases.items():
        result = parse_message(frame)
        assert isinstance(result, ProtocolError) and result.code is code, (frame[:20], result)
    # Counters are informational: a non-ASCII digit loses the counter, not the audio.
    frame = {"event": "media", "sequenceNumber": "٣", "media": {"payload": "", "chunk": "²"}}
    counted = parse_message(json.dumps(frame))
    assert isinstance(counted, Media) and counted.sequence_number is None and counted.chunk is None
    huge = base64.b64encode(bytes(2_000_000)).decode()
    media = parse_message(json.dumps({"event": "media", "media": {"payload": huge}}))
    assert isinstance(media, Media) and len(media.payload) == 2_000_000


# --- French words: dates, numbers, phone numbers --------------------------------------------

_WORD_TEXT = (
    "le la du de à et un une deux trois quatre cinq six sept huit neuf dix onze douze vingt "
    "trente quarante cinquante soixante cent cents mille million milliard zéro quatre-vingt "
    "soixante-dix et-un premier 1er 2ème dernier lundi mardi mercredi jeudi vendredi samedi "
    "dimanche matin après-midi soir midi minuit heure heures h demi quart moins janvier février "
    "mars avril mai juin juillet août septembre octobre novembre décembre semaine mois année "
    "prochain prochaine demain après-demain aujourd'hui hier avant après vers entre tôt tard "
    "possible plus euh ben non oui 0 7 12 31 99 1954 2026 2099 123456789 06 +33 . / - : , 1/2 "
    "29 février 2023 0612345678 zéro-six 31/02/1990 00 00h 25h 24h60"
)
WORDS = _WORD_TEXT.split()
french_speech = st.lists(st.sampled_from(WORDS), max_size=14).map(" ".join)
any_text = st.text(max_size=80)
NOW = dt.datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
SLOTS = [NOW + dt.timedelta(days=d, hours=h) for d in (1, 2, 8) for h in (0, 4)]


@FAST
@given(french_speech | any_text)
def test_normalize_never_raises(text: str) -> None:
    assert isinstance(normalize_transcript(text), str)


@FAST
@given(french_speech | any_text, st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
def test_birth_dates_are_a_past_date_or_none(text: str, today: dt.date) -> None:
    born = parse_birth_date(normalize_transcript(text), today)
    assert born is None or born <= today


@FAST
@given(french_speech | any_text)
def test_time_preferences_and_slot_choices_never_raise(text: str) -> None:
    normalised = normalize_transcript(text)
    parse_time_preference(normalised, NOW)
    choice = choose_slot(normalised, SLOTS, NOW)
    assert choice is None or 0 <= choice < len(SLOTS)


@FAST
@given(french_speech | any_text | st.text(alphabet="0123456789 .+-()", max_size=30))
def test_phone_numbers_are_e164_or_none(text: str) -> None:
    number = parse_french_phone(normalize_transcript(text))
    assert number is None or re.fullmatch(r"\+[1-9]\d{6,14}", number)


# --- the practice configuration file ---------------------------------------------------------

SAMPLE = yaml.safe_load((PROJECT_ROOT / "config" / "practice.yaml").read_text(encoding="utf-8"))
_PROBLEM = re.compile(r"^[^:\n]+: [^:\n]+: .+$")  # file: field: reason


def _mutations(value: Any) -> st.SearchStrategy[Any]:
    """The sample practice with one value somewhere replaced by anything YAML can hold."""
    yaml_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
        | st.dates() | st.times().map(str),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
            st.text(string.ascii_lowercase + "_", max_size=10), inner, max_size=3
        ),
        max_leaves=6,
    )
    if isinstance(value, dict) and value:
        return st.one_of(
            yaml_values,
            st.sampled_from(sorted(value)).flatmap(
                lambda key: _mutations(value[key]).map(lambda new: {**value, key: new})
            ),
            st.sampled_from(sorted(value)).map(
                lambda key: {k: v for k, v in value.items() if k != key}
            ),
            st.text(string.ascii_lowercase, min_size=1, max_size=8).map(
                lambda key: {**value, key: "surprise"}
            ),
        )
    if isinstance(value, list) and value:
        return st.one_of(
            yaml_values,
            st.integers(0, len(value) - 1).flatmap(
                lambda i: _mutations(value[i]).map(lambda new: [*value[:i], new, *value[i + 1:]])
            ),
        )
    return yaml_values


def _loads_or_explains(path: Path) -> None:
    try:
        load_practice(path)
    except ConfigError as exc:
        assert exc.problems
        for line in str(exc).splitlines():
            assert _PROBLEM.match(line) and line.startswith(f"{exc.path}: "), line


def _with_offset_hours() -> str:
    """The sample practice with a time of day that carries a UTC offset."""
    data = yaml.safe_load(yaml.safe_dump(SAMPLE))
    data["practitioners"][0]["hours"]["monday"][0]["start"] = "08:30+01:00"
    return yaml.safe_dump(data, allow_unicode=True)


@pytest.fixture(scope="module")
def practice_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("practice") / "practice.yaml"


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=_mutations(SAMPLE))
def test_a_changed_practice_file_loads_or_says_what_is_wrong(
    practice_file: Path, data: Any
) -> None:
    practice_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    _loads_or_explains(practice_file)


@settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.text(max_size=200) | st.binary(max_size=200))
def test_any_file_content_loads_or_says_what_is_wrong(
    practice_file: Path, raw: str | bytes
) -> None:
    if isinstance(raw, str):
        practice_file.write_text(raw, encoding="utf-8")
    else:
        practice_file.write_bytes(raw)
    _loads_or_explains(practice_file)


def test_hostile_practice_files_are_explained(practice_file: Path) -> None:
    for raw in (
        b"\xff\xfe not utf-8",
        "a: &x [*x]\n",  # a recursive alias
        "[" * 600,  # deeper than the YAML parser recurses
        "practice: !!python/object:os.system {}\n",  # no code from YAML
        "- just\n- a list\n",
        _with_offset_hours(),
    ):
        data = raw if isinstance(raw, bytes) else raw.encode()
        practice_file.write_bytes(data)
        with pytest.raises(ConfigError):
            load_practice(practice_file)
        _loads_or_explains(practice_file)
