"""`RASA_URLS`: every gateway sends a conversation to the same Rasa replica, and spreads them."""

from __future__ import annotations

from collections import Counter

from core import Settings

URLS = "http://127.0.0.1:5006/, http://127.0.0.1:5007"


def test_rasa_urls_are_read_comma_separated_and_one_replica_serves_each_conversation() -> None:
    one, other = Settings(_env_file=None, rasa_urls=URLS), Settings(_env_file=None, rasa_urls=URLS)
    assert one.rasa_bases == ["http://127.0.0.1:5006", "http://127.0.0.1:5007"]
    ids = [f"CA{n:032x}" for n in range(200)]
    # Two gateways (two Settings, two processes' worth) agree on every conversation.
    assert [one.rasa_base_for(i) for i in ids] == [other.rasa_base_for(i) for i in ids]
    spread = Counter(one.rasa_base_for(i) for i in ids)
    assert set(spread) == set(one.rasa_bases)
    assert min(spread.values()) > 60  # roughly even, not all on one


def test_without_rasa_urls_rasa_url_serves_everything() -> None:
    settings = Settings(_env_file=None, rasa_url="http://127.0.0.1:5099/")
    assert settings.rasa_bases == ["http://127.0.0.1:5099"]
    assert settings.rasa_base_for("CA1") == settings.rasa_base == "http://127.0.0.1:5099"
