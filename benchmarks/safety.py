"""Safety-net benchmark: how many emergencies are answered, and how many routine calls alarmed.

The corpus (``benchmarks/safety_corpus/*.yaml``) holds emergencies as a French speech recognizer
writes them (each with a category, a kind — ``medical`` for the 15/112, ``suicidal`` for the 3114 —
who is concerned, and a ``dev`` or ``test`` split) and routine calls that mention symptoms or
alarming words without being an emergency. It was written apart from the net's rules, so the
figures measure the net rather than echo it; the ``test`` split is for reporting only (tune on
``dev``; this module prints the texts it gets wrong on ``dev`` only).

Each utterance is the first caller turn of a new conversation, in each mode, through the real text
channel in-process: ``POST /api/chat`` then ``POST /api/chat/{id}`` on the app of
``standardiste.app.create_app``, over a fresh SQLite database migrated by ``standardiste.upgrade``.
Rasa is pointed at a dead port: the net runs before Rasa, and a routine call then gets the
technical-problem reply, which is no emergency answer. The first reply is an emergency answer
(``utter_emergency``/``utter_emergency_suicide``), the net's confirmation question
(``utter_emergency_check``: answered "oui", and an emergency answer then counts as confirmed), or
neither. Run with ``python -m benchmarks safety``.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from benchmarks._figures import free_port, write_section
from core import PROJECT_ROOT, Settings, load_yaml
from dialogue import check_emergency
from standardiste.app import build_context, create_app
from standardiste.migrate import upgrade
from tests.clock import staffed_tuesday, tuesday_night

CORPUS = Path(__file__).with_name("safety_corpus")
MODES = ("assistant", "message", "announcement")
SPLITS = ("dev", "test")
KINDS = ("medical", "suicidal", "routine")
WHO = ("self", "child", "infant", "relative", "elderly", "pregnant", "other")
ANSWER_OF_KIND = {"medical": "utter_emergency", "suicidal": "utter_emergency_suicide"}
EMERGENCY_KEYS = frozenset(ANSWER_OF_KIND.values())
CHECK_KEY = "utter_emergency_check"
YES = "oui"
CALLER = "+33612345678"
TOKEN = "safety-bench-token-0123456789"  # noqa: S105 (a throwaway in-process app's token)
DOCS_TITLE = "Safety net"


class CorpusError(ValueError):
    """A corpus file that does not say what it should (names the file, the entry and the field)."""


@dataclass(frozen=True)
class Utterance:
    """One line of the corpus."""

    text: str
    category: str
    kind: str
    split: str
    who: str | None
    source: str

    @property
    def emergency(self) -> bool:
        return self.kind != "routine"

    @property
    def round(self) -> int:
        """The round of authors that wrote it: ``x.yaml`` is the first, ``x.2.yaml`` the second…"""
        suffix = self.source.removesuffix(".yaml").rpartition(".")[2]
        return int(suffix) if suffix.isdigit() else 1


def load_corpus(folder: Path = CORPUS) -> list[Utterance]:
    """Every utterance of the corpus folder, checked field by field."""
    found: list[Utterance] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CorpusError(f"{folder}: no *.yaml corpus file")
    for path in files:
        data = load_yaml(path.read_text(encoding="utf-8"))
        entries = data.get("utterances") if isinstance(data, dict) else None
        if not isinstance(entries, list) or not entries:
            raise CorpusError(f"{path.name}: needs a non-empty list under 'utterances'")
        found += [_utterance(path.name, n, entry) for n, entry in enumerate(entries, 1)]
    return found


def _utterance(source: str, number: int, entry: object) -> Utterance:
    where = f"{source}, entry {number}"
    if not isinstance(entry, dict):
        raise CorpusError(f"{where}: an entry is a mapping (text, category, kind, split, who)")

    def read(name: str, allowed: Iterable[str] | None = None, required: bool = True) -> str | None:
        value = entry.get(name)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise CorpusError(f"{where}: '{name}' must be a non-empty string")
        if allowed is not None and value not in allowed:
            raise CorpusError(f"{where}: '{name}' is {value!r}, not one of {sorted(allowed)}")
        return value

    kind = read("kind", KINDS)
    return Utterance(
        text=str(read("text")),
        category=str(read("category")),
        kind=str(kind),
        split=str(read("split", SPLITS)),
        who=read("who", WHO, required=kind != "routine"),
        source=source,
    )


@dataclass(frozen=True)
class Outcome:
    """What the net did with one utterance in one mode."""

    utterance: Utterance
    mode: str
    first_keys: tuple[str | None, ...]
    answer: str | None
    """The emergency answer's key, at once or after the confirmation."""
    checked: bool
    """The first reply was the confirmation question."""

    @property
    def at_once(self) -> bool:
        return self.answer is not None and not self.checked

    @property
    def confirmed(self) -> bool:
        return self.answer is not None and self.checked


class ChatChannel:
    """The real text channel of a fresh app, in-process; one new conversation per utterance."""

    def __init__(self, client: TestClient) -> None:
        self._client = client
        self._headers = {"Authorization": f"Bearer {TOKEN}"}

    def _post(self, path: str, body: dict[str, Any], status: int) -> dict[str, Any]:
        reply = self._client.post(path, json=body, headers=self._headers)
        if reply.status_code != status:
            raise RuntimeError(f"POST {path}: {reply.status_code} {reply.text}")
        data: dict[str, Any] = reply.json()
        return data

    def run(self, mode: str, utterance: Utterance) -> Outcome:
        """Open a conversation in ``mode``, say the utterance, answer "oui" to a confirmation."""
        at = staffed_tuesday() if mode == "assistant" else tuesday_night()
        opened = self._post("/api/chat", {"mode": mode, "caller": CALLER, "at": at}, 201)
        turn = f"/api/chat/{opened['session_id']}"
        first = self._post(turn, {"text": utterance.text}, 200)
        keys = tuple(r["key"] for r in first["replies"])
        answer = next((k for k in keys if k in EMERGENCY_KEYS), None)
        checked = answer is None and CHECK_KEY in keys
        if checked and not first["ended"]:
            second = self._post(turn, {"text": YES}, 200)
            answer = next((r["key"] for r in second["replies"] if r["key"] in EMERGENCY_KEYS), None)
        return Outcome(utterance, mode, keys, answer, checked)


class NetChannel:
    """The net alone (``check_emergency``), read as the text channel answers it: a certain hit is
    the emergency answer at once, a possible one the question and then, after "oui", the answer
    its kind calls for. A tenth of the channel's time; the tests measure their floors on it and
    hold the channel to it, every mode, on a sample (`test_every_mode_judges_the_same`)."""

    def run(self, mode: str, utterance: Utterance) -> Outcome:
        hit = check_emergency(utterance.text)
        if hit is None:
            return Outcome(utterance, mode, (), None, False)
        answer = ANSWER_OF_KIND[hit.kind.value]
        if hit.certain:
            return Outcome(utterance, mode, (answer,), answer, False)
        return Outcome(utterance, mode, (CHECK_KEY,), answer, True)


Channel = ChatChannel | NetChannel


@contextmanager
def chat_channel() -> Iterator[ChatChannel]:
    """A fresh app over a new migrated SQLite database, Rasa pointed at a port nobody listens on.

    The database goes to memory-backed /dev/shm where there is one: hundreds of conversations
    commit thousands of times, and the figures are about the net, not the disk. The app's logs
    are silenced meanwhile (every routine call logs Rasa's absence, every emergency its answer);
    a request that fails still raises.
    """
    shm = Path("/dev/shm")  # noqa: S108 (only a private TemporaryDirectory goes there)
    where = str(shm) if shm.is_dir() else None
    quiet_before = logging.root.manager.disable
    with tempfile.TemporaryDirectory(prefix="standardiste-safety-bench-", dir=where) as tmp:
        folder = Path(tmp)
        settings = Settings(
            _env_file=None,
            standardiste_config=PROJECT_ROOT / "config" / "practice.yaml",
            database_url=f"sqlite:///{folder / 'safety.db'}",
            rasa_url=f"http://127.0.0.1:{free_port()}",
            standardiste_api_token=TOKEN,
            standardiste_var_dir=folder / "var",
        )
        upgrade(settings.database_url)
        context = build_context(settings)
        logging.disable(logging.ERROR)
        try:
            with TestClient(create_app(context=context), base_url="http://testserver") as client:
                yield ChatChannel(client)
        finally:
            logging.disable(quiet_before)
            context.db.dispose()


@dataclass
class Tally:
    """Counts behind the rates of one slice (a mode, a split, a category)."""

    emergencies: int = 0
    at_once: int = 0
    with_confirmation: int = 0
    wrong_number: int = 0
    routine: int = 0
    false_alarms: int = 0
    checks: int = 0

    def add(self, outcome: Outcome) -> None:
        if outcome.utterance.emergency:
            self.emergencies += 1
            self.at_once += outcome.at_once
            self.with_confirmation += outcome.answer is not None
            expected = ANSWER_OF_KIND[outcome.utterance.kind]
            self.wrong_number += outcome.answer is not None and outcome.answer != expected
        else:
            self.routine += 1
            self.false_alarms += outcome.at_once
            self.checks += outcome.checked

    @property
    def recall_at_once(self) -> float | None:
        """Emergencies answered at the first reply, without a question."""
        return self.at_once / self.emergencies if self.emergencies else None

    @property
    def recall_with_confirmation(self) -> float | None:
        """Emergencies answered, at once or after a "oui" to the confirmation question."""
        return self.with_confirmation / self.emergencies if self.emergencies else None

    @property
    def false_alarm_rate(self) -> float | None:
        """Routine calls given an emergency answer at the first reply."""
        return self.false_alarms / self.routine if self.routine else None

    @property
    def confirmation_rate(self) -> float | None:
        """Routine calls asked whether it is an emergency."""
        return self.checks / self.routine if self.routine else None

    def rates(self) -> dict[str, float | None]:
        return {
            "recall_at_once": self.recall_at_once,
            "recall_with_confirmation": self.recall_with_confirmation,
            "false_alarm_rate": self.false_alarm_rate,
            "confirmation_rate": self.confirmation_rate,
        }


@dataclass
class Figures:
    """One mode on one split (``None``: both): the overall tally, per category, and the misses."""

    mode: str
    split: str | None
    overall: Tally = field(default_factory=Tally)
    categories: dict[str, Tally] = field(default_factory=dict)
    missed: list[str] = field(default_factory=list)
    """Emergencies with no emergency answer at the first reply (confirmed ones included)."""
    unanswered: list[str] = field(default_factory=list)
    """Emergencies with no emergency answer at all, even after "oui" to a confirmation."""
    false_alarms: list[str] = field(default_factory=list)


def figures_of(mode: str, split: str | None, outcomes: Iterable[Outcome]) -> Figures:
    """The figures of ``mode`` on ``split`` from outcomes (other modes and splits are skipped)."""
    figures = Figures(mode, split)
    for outcome in outcomes:
        if outcome.mode != mode or (split is not None and outcome.utterance.split != split):
            continue
        figures.overall.add(outcome)
        figures.categories.setdefault(outcome.utterance.category, Tally()).add(outcome)
        if outcome.utterance.emergency and not outcome.at_once:
            figures.missed.append(outcome.utterance.text)
        if outcome.utterance.emergency and outcome.answer is None:
            figures.unanswered.append(outcome.utterance.text)
        if not outcome.utterance.emergency and outcome.at_once:
            figures.false_alarms.append(outcome.utterance.text)
    return figures


def run_corpus(
    modes: Iterable[str], utterances: list[Utterance], channel: Channel | None = None
) -> list[Outcome]:
    """Every utterance in every mode, on ``channel`` or a fresh one."""
    if channel is None:
        with chat_channel() as fresh:
            return run_corpus(modes, utterances, fresh)
    return [channel.run(mode, u) for mode in modes for u in utterances]


def evaluate(
    mode: str,
    split: str | None = None,
    *,
    corpus: list[Utterance] | None = None,
    channel: Channel | None = None,
) -> Figures:
    """The net's figures in ``mode`` on ``split`` of the corpus (a fresh app unless given one)."""
    if mode not in MODES:
        raise ValueError(f"mode {mode!r} is not one of {MODES}")
    chosen = [u for u in corpus or load_corpus() if split is None or u.split == split]
    return figures_of(mode, split, run_corpus([mode], chosen, channel))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _pair(dev: Tally, test: Tally, rate: str) -> str:
    return f"{_pct(getattr(dev, rate))} / {_pct(getattr(test, rate))}"


def _rounds_of(corpus: set[Utterance], split: str) -> str:
    """Which rounds of authors a split holds, by their files: "rounds 14 and 15, `*.14.yaml` and
    `*.15.yaml`"."""
    rounds = sorted({u.round for u in corpus if u.split == split})
    files = ["`*.yaml`" if r == 1 else f"`*.{r}.yaml`" for r in rounds]
    if len(rounds) > 2 and rounds == list(range(rounds[0], rounds[-1] + 1)):
        return f"rounds {rounds[0]} to {rounds[-1]}, {files[0]} to {files[-1]}"
    said = "s" if len(rounds) > 1 else ""
    return f"round{said} {' and '.join(map(str, rounds))}, {' and '.join(files)}"


def report_lines(outcomes: list[Outcome]) -> list[str]:
    """The docs section: a summary per mode and split, then per category (dev / test)."""
    every = {(m, s): figures_of(m, s, outcomes) for m in MODES for s in (*SPLITS, None)}
    corpus = {o.utterance for o in outcomes}
    emergencies = sum(u.emergency for u in corpus)
    lines = [
        f"## {DOCS_TITLE}",
        "",
        f"`python -m benchmarks safety`: the corpus of `benchmarks/safety_corpus/` ({emergencies} "
        f"emergencies in {len({u.category for u in corpus if u.emergency})} categories, "
        f"{len(corpus) - emergencies} routine calls), each said as the first turn of a new "
        "conversation in each mode through `POST /api/chat` (in-process app, fresh SQLite, Rasa "
        "unreachable: the net runs before it). *At once*: an emergency answer at the first reply. "
        "*With confirmation*: at once, or after \"oui\" to the net's confirmation question. "
        "*Wrong number*: answered, but 15/112 for a suicidal crisis or 3114 for a medical one. "
        "*False alarms*: routine calls given an emergency answer at once; *asked*: routine calls "
        "given the confirmation question. Splits: *dev*, what the net was tuned on "
        f"({_rounds_of(corpus, 'dev')}); *test*, held out ({_rounds_of(corpus, 'test')}, each "
        "by four new authors who read neither "
        "the rules nor the older corpora, never read by whoever tunes the net). Goals (issue "
        "13, on text the net was not tuned on, so the test split): with confirmation 100 %, "
        "at once ≥ 95 %, false alarms ≤ 1 %. Counts, not timings: the machine's load does "
        "not change them. "
        f"Measured {dt.date.today().isoformat()}.",
        "",
        "| mode | split | emergencies | at once | with confirmation | wrong number | routine "
        "| false alarms | asked |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (mode, split), f in every.items():
        t = f.overall
        lines.append(
            f"| {mode} | {split or 'all'} | {t.emergencies} | {_pct(t.recall_at_once)} "
            f"| {_pct(t.recall_with_confirmation)} | {t.wrong_number} | {t.routine} "
            f"| {_pct(t.false_alarm_rate)} | {_pct(t.confirmation_rate)} |"
        )
    lines += _category_rows(every, emergency=True)
    lines += _category_rows(every, emergency=False)
    return lines


def _category_rows(every: dict[tuple[str, str | None], Figures], emergency: bool) -> list[str]:
    """One row per category of emergencies (or routine calls): each mode's rates, dev / test."""
    rates, names = (
        (("recall_at_once", "recall_with_confirmation"), ("at once", "with confirmation"))
        if emergency
        else (("false_alarm_rate", "confirmation_rate"), ("false alarms", "asked"))
    )
    head = " | ".join(f"{m} {n}" for m in MODES for n in names)
    rows = [
        "",
        f"| {'emergency' if emergency else 'routine'} category | n (dev / test) | {head} |",
        "|---|---|" + "---|" * (len(MODES) * len(rates)),
    ]
    sizes = {s: every[(MODES[0], s)].categories for s in SPLITS}
    kinds = every[(MODES[0], None)].categories
    for cat in sorted(c for c, t in kinds.items() if (t.emergencies > 0) == emergency):
        cells = []
        for mode in MODES:
            dev, test = (every[(mode, s)].categories.get(cat, Tally()) for s in SPLITS)
            cells += [_pair(dev, test, rate) for rate in rates]
        n = [sizes[s].get(cat, Tally()) for s in SPLITS]
        counts = " / ".join(str(t.emergencies + t.routine) for t in n)
        rows.append(f"| {cat} | {counts} | {' | '.join(cells)} |")
    return rows


def main() -> dict[str, Any]:
    """Run the corpus in every mode, print the tables and the dev misses, write the docs."""
    corpus = load_corpus()
    outcomes = run_corpus(MODES, corpus)
    lines = report_lines(outcomes)
    print("\n".join(lines[4:]), flush=True)
    shown: dict[str, tuple[str, list[str]]] = {}
    for mode in MODES:
        dev = figures_of(mode, "dev", outcomes)
        # Only the dev split's texts: the test split stays unseen by whoever tunes the net.
        lists = (("not answered at once", dev.missed), ("false alarms", dev.false_alarms))
        for what, texts in lists:
            print(f"\n{mode}, dev: {len(texts)} {what}", end="")
            if what in shown and shown[what][1] == texts:
                print(f", the same as {shown[what][0]}", flush=True)
                continue
            shown.setdefault(what, (mode, texts))
            print("\n" + "".join(f"  - {text}\n" for text in texts), end="", flush=True)
    write_section(DOCS_TITLE, lines)
    return {
        mode: {split or "all": figures_of(mode, split, outcomes).overall.rates()
               for split in (*SPLITS, None)}
        for mode in MODES
    }


if __name__ == "__main__":
    main()
