"""The suite's time-dependent parts pass with the wall clock two years ahead.

A test that fixes a moment must ask every time-dependent question at that moment, or compute the
moment from today (`tests/clock.py`); otherwise it passes the day it is written and fails forever
after some date. This runs those tests again in a child pytest whose wall clock (the product's and
the tests', through `time-machine`) is moved ahead, so such a test fails today instead.

Left out: tests needing the Rasa server, PostgreSQL, Chromium or subprocess gateways, whose other
processes keep the real clock (a child's heartbeat then looks two years old to the parent).
The whole suite was run that way by hand, Rasa included (see the closing note of issue 22).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys

from core import PROJECT_ROOT

# Everything that reads a calendar: slot search, holds, booking and patients; retention, the inbox
# and its pages; staff sessions, login limits and the settings forms (closures); answering hours
# and holidays; French dates and birth dates; practice config; the chat channels without Rasa
# (the website's: its rate-limit windows and idle expiry); the reminders of appointments.
TIME_DEPENDENT = [
    "tests/agenda",
    "tests/transcripts",
    "tests/staff/test_sessions.py",
    "tests/staff/test_ratelimit.py",
    "tests/staff/test_settings_forms.py",
    "tests/staff/test_settings_pages.py",
    "tests/telephony/test_answering_hours.py",
    "tests/telephony/test_twiml.py",
    "tests/dialogue/test_french_dates.py",
    "tests/dialogue/test_actions.py",
    "tests/dialogue/test_chat_offline.py",
    "tests/dialogue/test_website_chat.py",
    "tests/standardiste",
    "tests/security/test_parser_fuzz.py",
    "tests/notifications/test_reminders.py",
]


# One run, two years ahead: a date fixed in a test fails once the clock passes it and stays
# failed, so two years ahead catches what one year ahead would; a second run, one year ahead, cost
# 90 s of the suite for the rarer weekday or leap-year accident.
YEARS = 2


def test_time_dependent_tests_pass_with_the_clock_moved_ahead() -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist",
            f"--clock-shift-days={365 * YEARS}",
            "-m", "not rasa and not postgres and not browser and not cluster",
            *TIME_DEPENDENT,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    summary = result.stdout[-4000:]
    assert result.returncode == 0, summary
    header = re.search(r"wall clock moved to (\d{4}-\d{2}-\d{2})", result.stdout)
    assert header, result.stdout[:2000]
    moved = dt.date.fromisoformat(header.group(1)) - dt.datetime.now(dt.UTC).date()
    assert abs(moved.days - 365 * YEARS) <= 1
    assert " passed" in summary and "failed" not in summary, summary
