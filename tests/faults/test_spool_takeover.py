"""Spools are replayed by whoever is alive: files are named by the stable instance name, an
instance replays its own (from before a restart too) and that of an instance whose owner lock is
free and whose heartbeat stopped, never a live one's; set-aside writes go after the retention.

The dead instance is a real process killed with SIGKILL after spooling (its lock goes with it).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import transcripts
from core import AppContext
from standardiste.sweeping import replay_spool
from tests.support import CALLER, make_settings

WORDS = ("rappelez-moi pour mes résultats", "au 06 12 34 56 78")


@pytest.fixture
def spool_dir(context: AppContext) -> Path:
    return (context.settings.standardiste_var_dir / "spool").resolve()


def _open_call(context: AppContext, call_sid: str) -> None:
    with context.db.session() as session:
        transcripts.open_call(session, call_sid=call_sid, caller=CALLER, called=None,
                              answered_by="message")


def _caller_words(context: AppContext, call_sid: str) -> list[str]:
    with context.db.session() as session:
        return transcripts.caller_words(session, call_sid)


@pytest.fixture
def dead_instance(spool_dir: Path, context: AppContext) -> Iterator[subprocess.Popen[str]]:
    """An instance ``gw-a`` that serves (holds its owner lock), spools two turns, and waits."""
    _open_call(context, "CA-dead")
    code = textwrap.dedent(f"""
        import datetime as dt, pathlib, sys, time
        import transcripts
        from core import register_data_cipher
        from tests.support import make_settings
        # Same deployment, same data key: the instances of a cluster share it.
        register_data_cipher(make_settings(pathlib.Path({str(spool_dir.parent.parent)!r})))
        spool = transcripts.Spool(pathlib.Path({str(spool_dir)!r}), "gw-a")
        assert spool.claim()
        now = dt.datetime.now(dt.UTC)
        spool.append(*(transcripts.turn_write("CA-dead", transcripts.Speaker.CALLER, words,
                                              None, now) for words in {WORDS!r}))
        print("spooled", flush=True)
        time.sleep(120)
    """)
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "spooled"
        yield process
    finally:
        process.kill()
        process.wait()


def test_the_instance_name_is_stable_across_restarts(tmp_path: Path) -> None:
    name = make_settings(tmp_path).standardiste_instance
    assert name == socket.gethostname()[:64]  # not the process id: a restart keeps it
    assert make_settings(tmp_path).standardiste_instance == name
    assert transcripts.spool_for(tmp_path, name).path.name == f"{name}.jsonl"


def test_a_dead_instances_spool_is_replayed_by_another_a_live_ones_is_not(
    context: AppContext, spool_dir: Path, dead_instance: subprocess.Popen[str]
) -> None:
    other = transcripts.Spool(spool_dir, "gw-b")
    assert other.claim()
    try:
        assert other.replay(context.db, dead_after_s=0) == 0  # gw-a holds its lock: alive
        os.kill(dead_instance.pid, signal.SIGKILL)
        dead_instance.wait()
        # Its lock is free, but its heartbeat is recent: it may be alive on another host
        # sharing the folder, or just died; its turn comes once the heartbeat is old.
        assert other.replay(context.db, dead_after_s=3600) == 0
        assert other.replay(context.db, dead_after_s=0) == 2
    finally:
        other.release()
    assert _caller_words(context, "CA-dead") == list(WORDS)
    assert transcripts.Spool(spool_dir, "gw-a").pending() == []


def test_a_restarted_instance_replays_its_own_spool(context: AppContext, spool_dir: Path) -> None:
    _open_call(context, "CA-own")
    now = dt.datetime.now(dt.UTC)
    before = transcripts.Spool(spool_dir, context.settings.standardiste_instance)
    before.append(transcripts.turn_write("CA-own", transcripts.Speaker.CALLER, WORDS[0], None, now))
    # After the restart: another process, the same name, hence the same file.
    assert replay_spool(context.db, context.settings) == 1
    assert _caller_words(context, "CA-own") == [WORDS[0]]


def test_a_write_that_can_never_be_written_is_set_aside_not_retried(
    context: AppContext, spool_dir: Path
) -> None:
    _open_call(context, "CA-bad")
    spool = transcripts.Spool(spool_dir, "gw-c")
    spool.append(transcripts.PendingWrite("no-such-op", "CA-bad", {}))
    assert spool.replay(context.db) == 1  # set aside, not retried forever
    rejected = spool_dir / "gw-c.rejected"
    assert rejected.is_file() and spool.pending() == []
    assert spool.replay(context.db) == 0
    # Forgotten with the transcripts' retention: tests/transcripts/test_retention_everywhere.py.
