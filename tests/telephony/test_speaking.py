"""The reply audio cache: only replies heard twice are kept, bounded, keyed by their text."""

from __future__ import annotations

from telephony.speaking import ReplyAudioCache


def test_a_reply_is_kept_from_its_second_synthesis() -> None:
    cache = ReplyAudioCache()
    frames = [b"\x01" * 160, b"\x02" * 160]
    cache.offer("Quel est votre nom ?", frames)
    assert cache.get("Quel est votre nom ?") is None
    cache.offer("Quel est votre nom ?", frames)
    assert cache.get("Quel est votre nom ?") == tuple(frames)
    assert cache.get("Quel est votre prénom ?") is None


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    cache = ReplyAudioCache(max_entries=2)
    for text in ("a", "b", "c", "a", "b"):
        cache.offer(text, [text.encode()])
    cache.offer("c", [b"c"])  # "a", then "b", then "c" kept: "a" goes
    assert len(cache) == 2
    assert cache.get("a") is None and cache.get("b") == (b"b",) and cache.get("c") == (b"c",)


def test_one_off_replies_are_remembered_only_as_digests() -> None:
    cache = ReplyAudioCache(max_seen=2)
    for text in ("Madame Dupont", "Monsieur Martin", "Mademoiselle Roux"):
        cache.offer(text, [b"x"])
    cache.offer("Madame Dupont", [b"x"])  # forgotten: counts as a first time again
    assert cache.get("Madame Dupont") is None
    assert all(isinstance(key, bytes) for key in cache._seen)
