"""The end-of-turn state machine, driven frame by frame without audio."""

from __future__ import annotations

import pytest

from telephony.turns import TurnDetector, TurnEvent, TurnParams

FRAME = 0.02


def _run(
    detector: TurnDetector, pattern: list[tuple[bool, float]]
) -> list[tuple[float, TurnEvent]]:
    """Feed (is_speech, seconds) runs; return (time, event) for every decision."""
    events: list[tuple[float, TurnEvent]] = []
    now = 0.0
    for is_speech, seconds in pattern:
        for _ in range(round(seconds / FRAME)):
            now = round(now + FRAME, 6)
            event = detector.process(FRAME, is_speech)
            if event:
                events.append((now, event))
    return events


def test_speech_then_silence_ends_the_turn_after_the_window() -> None:
    events = _run(TurnDetector(), [(False, 0.5), (True, 1.5), (False, 1.0)])
    assert events == [(0.7, TurnEvent.SPEECH_STARTED), (2.6, TurnEvent.END_OF_TURN)]


def test_a_cough_does_not_start_an_utterance() -> None:
    detector = TurnDetector()
    events = _run(detector, [(True, 0.1), (False, 0.3), (True, 0.12), (False, 2.0)])
    assert events == []
    assert not detector.in_speech


def test_short_gaps_before_the_start_do_not_reset_the_count() -> None:
    # Two 0.1 s bursts 0.06 s apart: one utterance onset of 0.2 s of speech.
    events = _run(TurnDetector(), [(True, 0.1), (False, 0.06), (True, 0.1)])
    assert events == [(0.26, TurnEvent.SPEECH_STARTED)]


def test_pauses_shorter_than_the_window_keep_the_turn() -> None:
    events = _run(TurnDetector(), [(True, 1.0), (False, 0.5), (True, 1.0), (False, 0.7)])
    assert [e for _, e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_TURN]
    assert events[-1][0] == 3.1


def test_isolated_noise_frames_do_not_reset_the_silence() -> None:
    detector = TurnDetector()
    pattern = [(True, 1.0), (False, 0.3), (True, 0.02), (False, 0.3), (True, 0.02), (False, 1.0)]
    events = _run(detector, pattern)
    # 0.3 + 0.02 + 0.28 = 0.6 s after speech: the lone frames counted as silence.
    assert events[-1] == (1.6, TurnEvent.END_OF_TURN)


def test_dictation_waits_longer() -> None:
    detector = TurnDetector()
    detector.set_dictating(True)
    assert detector.end_silence_s == TurnParams().dictation_end_silence_s
    events = _run(detector, [(True, 1.0), (False, 0.9), (True, 0.5), (False, 1.5)])
    assert [e for _, e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_TURN]
    assert events[-1][0] == 3.6
    detector.set_dictating(False)
    assert detector.end_silence_s == TurnParams().end_silence_s


def test_recognizer_final_ends_the_turn_early_after_a_short_silence() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 1.0), (False, 0.1)])
    assert detector.on_final("") is None  # no words: no early end
    assert detector.on_final("네 예약") is None  # words, but only 0.1 s of silence yet
    events = _run(detector, [(False, 0.3)])
    assert events == [(0.2, TurnEvent.END_OF_TURN)]  # at 0.3 s of silence


def test_recognizer_final_after_enough_silence_ends_at_once() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 1.0), (False, 0.4)])
    assert detector.on_final("bonjour") is TurnEvent.END_OF_TURN
    assert not detector.in_speech


def test_speech_after_a_final_cancels_the_early_end() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 1.0), (False, 0.1)])
    detector.on_final("bonjour")
    events = _run(detector, [(True, 0.2), (False, 0.4)])
    assert events == []  # 0.4 s of silence is past the 0.3 s hint, but the hint was dropped
    assert detector.in_speech


def test_partials_mark_words_heard() -> None:
    detector = TurnDetector()
    detector.on_partial("ignored while quiet")
    _run(detector, [(True, 0.5)])
    detector.on_partial("bonjour")
    assert detector._words_heard


def test_silence_timeout_only_when_armed() -> None:
    detector = TurnDetector(TurnParams(silence_timeout_s=2.0))
    assert _run(detector, [(False, 5.0)]) == []
    detector.arm_silence_timeout()
    assert _run(detector, [(False, 3.0)]) == [(2.0, TurnEvent.SILENCE_TIMEOUT)]
    # Fires once, then stays quiet until armed again.
    assert _run(detector, [(False, 3.0)]) == []


def test_speech_disarms_the_silence_timeout() -> None:
    detector = TurnDetector(TurnParams(silence_timeout_s=2.0))
    detector.arm_silence_timeout()
    events = _run(detector, [(False, 1.0), (True, 0.5), (False, 3.0)])
    assert [e for _, e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_TURN]


def test_blips_do_not_count_towards_the_silence_timeout_nor_start_speech() -> None:
    detector = TurnDetector(TurnParams(silence_timeout_s=1.0))
    detector.arm_silence_timeout()
    events = _run(detector, [(False, 0.5), (True, 0.06), (False, 0.6)])
    assert [e for _, e in events] == [TurnEvent.SILENCE_TIMEOUT]


def test_disarm() -> None:
    detector = TurnDetector(TurnParams(silence_timeout_s=1.0))
    detector.arm_silence_timeout()
    detector.disarm_silence_timeout()
    assert _run(detector, [(False, 2.0)]) == []


def test_endless_speech_ends_at_the_cap() -> None:
    events = _run(TurnDetector(TurnParams(max_utterance_s=5.0)), [(True, 6.0)])
    # Cut at the cap, then the still-speaking caller starts a new utterance.
    assert events == [
        (0.2, TurnEvent.SPEECH_STARTED),
        (5.0, TurnEvent.END_OF_TURN),
        (5.2, TurnEvent.SPEECH_STARTED),
    ]


def test_params_are_checked() -> None:
    with pytest.raises(ValueError, match="positive"):
        TurnParams(end_silence_s=0)
    with pytest.raises(ValueError, match="dictation"):
        TurnParams(end_silence_s=1.0, dictation_end_silence_s=0.5)


def test_a_caller_who_asked_for_slower_speech_gets_longer_silences() -> None:
    detector = TurnDetector(TurnParams(end_silence_s=0.6, slow_caller_factor=1.5))
    assert detector.end_silence_s == pytest.approx(0.6)
    detector.slow_down()
    assert detector.end_silence_s == pytest.approx(0.9)
    detector.set_dictating(True)
    assert detector.end_silence_s == pytest.approx(TurnParams().dictation_end_silence_s * 1.5)


def test_words_that_answer_end_the_turn_after_a_short_silence() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 0.4), (False, 0.1)])
    assert detector.on_partial("oui", answered=True) is None  # 0.1 s of silence yet
    events = _run(detector, [(False, 0.5)])
    assert events == [(0.16, TurnEvent.END_OF_TURN)]  # at 0.26 s, not the 0.6 s window


def test_an_answer_decoded_after_the_short_silence_ends_the_turn_at_once() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 0.4), (False, 0.3)])
    assert detector.on_partial("oui", answered=True) is TurnEvent.END_OF_TURN
    assert not detector.in_speech


def test_speech_after_an_answer_brings_back_the_ordinary_window() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 0.4), (False, 0.1)])
    detector.on_partial("oui", answered=True)
    events = _run(detector, [(True, 0.3), (False, 0.5)])
    assert events == []  # "oui… mais": 0.5 s is past the short silence, not the window
    assert detector.in_speech


def test_a_caller_who_pauses_long_gets_a_longer_window_from_the_next_utterance() -> None:
    detector = TurnDetector()
    events = _run(detector, [(True, 1.0), (False, 0.5), (True, 1.0), (False, 0.7)])
    assert events[-1] == (3.1, TurnEvent.END_OF_TURN)  # this utterance: the default window
    params = detector.params
    learned = params.learned_margin * 0.5 + params.learned_pad_s
    assert detector.end_silence_s == pytest.approx(learned)
    assert learned > params.end_silence_s
    # The same 0.7 s pause no longer ends the next utterance.
    events = _run(detector, [(False, 1.0), (True, 1.0), (False, 0.7), (True, 0.5), (False, 1.0)])
    assert [e for _, e in events] == [TurnEvent.SPEECH_STARTED, TurnEvent.END_OF_TURN]


def test_a_fluent_caller_gets_a_shorter_window_never_below_the_floor() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 1.0), (False, 0.12), (True, 1.0), (False, 0.7)])
    assert detector.end_silence_s == pytest.approx(detector.params.learned_floor_s)
    assert detector.end_silence_s < detector.params.end_silence_s


def test_a_caller_cut_off_gets_the_gap_as_their_window_at_once() -> None:
    detector = TurnDetector()
    events = _run(detector, [(True, 1.0), (False, 0.8), (True, 1.0), (False, 2.0)])
    ends = [t for t, e in events if e is TurnEvent.END_OF_TURN]
    assert ends[0] == 1.6  # ended on 0.6 s of silence; the caller went on 0.2 s later
    params = detector.params
    gap = 0.8
    assert detector.end_silence_s == pytest.approx(
        params.learned_margin * gap + params.learned_pad_s
    )
    assert ends[1] == pytest.approx(2.8 + detector.end_silence_s, abs=0.03)


def test_a_caller_cut_off_after_an_answer_gets_a_longer_short_silence() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 0.4), (False, 0.1)])
    detector.on_partial("oui", answered=True)
    _run(detector, [(False, 0.2), (True, 0.6), (False, 0.1)])  # ended at 0.26 s, went on
    detector.on_partial("oui", answered=True)
    assert not _run(detector, [(False, 0.3)])  # 0.4 s, not 0.26 s, now
    assert _run(detector, [(False, 0.2)])


def test_dictation_keeps_its_own_learned_pauses() -> None:
    detector = TurnDetector()
    detector.set_dictating(True)
    _run(detector, [(True, 1.0), (False, 1.0), (True, 1.0), (False, 1.5)])
    params = detector.params
    assert detector.end_silence_s == pytest.approx(
        params.learned_margin * 1.0 + params.learned_pad_s
    )
    detector.set_dictating(False)
    assert detector.end_silence_s == params.end_silence_s  # ordinary pauses not learned yet


def test_speech_once_the_answer_plays_is_a_reply_not_a_caller_cut_off() -> None:
    detector = TurnDetector()
    _run(detector, [(True, 1.0), (False, 0.8)])
    detector.answer_started()
    _run(detector, [(True, 1.0), (False, 2.0)])
    assert detector.end_silence_s == detector.params.end_silence_s


def test_nothing_is_learned_while_the_caller_leaves_a_message() -> None:
    detector = TurnDetector()
    detector.set_dictating(True)
    detector.set_leaving_message(True)
    window = detector.end_silence_s
    # Pauses inside a sentence, and a next sentence soon after one ended.
    _run(detector, [(True, 1.0), (False, 1.0), (True, 1.0), (False, 1.6), (True, 1.0)])
    assert detector.end_silence_s == window
