"""The rooms and their doors: which component may import which, and only through its face.

Read from the source with `ast`, so the rule holds for every later change:
- no import from ``dialogue`` to ``telephony``, from ``telephony`` to ``agenda``, from
  ``transcripts`` to ``staff``, ``agenda``, ``dialogue`` or ``telephony``, from ``agenda`` or
  ``transcripts`` to ``notifications``, from ``notifications`` to ``telephony``, ``dialogue``
  or ``staff``, from ``core`` to any
  component, nor from a component to the assembly (``standardiste``);
- no loop between top-level packages;
- a component imports another only through its face: ``import x`` or ``from x import name``
  with ``name`` in ``x.__all__``, never ``x.module``;
- ``telephony`` reads and writes only the call record in ``transcripts`` (never the inbox);
- no product module over 400 lines.
"""

from __future__ import annotations

import ast
import importlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core import PROJECT_ROOT

COMPONENTS = ("core", "agenda", "transcripts", "dialogue", "telephony", "staff", "notifications")
ASSEMBLIES = ("standardiste", "cluster")
PACKAGES = COMPONENTS + ASSEMBLIES
FORBIDDEN = {
    ("dialogue", "telephony"),
    ("telephony", "agenda"),
    ("transcripts", "staff"),
    ("transcripts", "agenda"),
    ("transcripts", "dialogue"),
    ("transcripts", "telephony"),
    # Texts follow the agenda through its outbox; the agenda does not know they exist.
    ("agenda", "notifications"),
    ("transcripts", "notifications"),
    ("notifications", "telephony"),
    ("notifications", "dialogue"),
    ("notifications", "staff"),
    *{("core", other) for other in PACKAGES if other != "core"},
    *{(component, "standardiste") for component in COMPONENTS},
    *{(component, "cluster") for component in COMPONENTS},
}
# The call record: what telephony may touch in transcripts (times, outcome, heartbeat, turns of
# the transcript and the recording file's place). The inbox is the dialogue's to write.
TELEPHONY_MAY_USE_OF_TRANSCRIPTS = {
    "CallStatus", "Speaker", "add_turn", "beat", "claim_call", "end_call", "get_call",
    "open_call_once", "partial_recording_path", "record_consent", "record_status",
    "recording_path", "seal_recording", "set_outcome",
    # The call record opened through the spool when the database does not answer.
    "DATABASE_UNREACHABLE", "call_write", "spool_for", "write_durably",
}
MAX_LINES = 400


@dataclass(frozen=True)
class Import:
    module: str
    """The importing module, e.g. ``telephony.session``."""
    target: str
    """The imported module, e.g. ``dialogue`` or ``dialogue.session``."""
    names: tuple[str, ...]
    line: int

    @property
    def source_package(self) -> str:
        return self.module.split(".")[0]

    @property
    def target_package(self) -> str:
        return self.target.split(".")[0]


def product_modules() -> Iterator[tuple[str, Path]]:
    """Every product module (dotted name, file), migrations and data aside."""
    for package in PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT)
            if "migrations" in relative.parts or "data" in relative.parts:
                continue
            yield ".".join(relative.with_suffix("").parts).removesuffix(".__init__"), path


def _imports() -> list[Import]:
    found = []
    for module, path in product_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                # ``import agenda`` then ``agenda.hold_slots(...)``: the names are what is used.
                found += [
                    Import(module, a.name, _used(tree, a.asname or a.name), node.lineno)
                    for a in node.names
                ]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = tuple(a.name for a in node.names)
                found.append(Import(module, node.module, names, node.lineno))
    return [i for i in found if i.target_package in PACKAGES]


def _used(tree: ast.Module, name: str) -> tuple[str, ...]:
    return tuple(sorted({
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    }))


IMPORTS = _imports()
CROSSING = [i for i in IMPORTS if i.source_package != i.target_package]


def test_no_forbidden_arrow() -> None:
    wrong = [
        f"{i.module}:{i.line} imports {i.target}"
        for i in CROSSING
        if (i.source_package, i.target_package) in FORBIDDEN
    ]
    assert wrong == []


def test_no_loop_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for i in CROSSING:
        graph[i.source_package].add(i.target_package)

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for after in graph[start]:
            if after == goal or (after not in seen and reaches(after, goal, seen | {after})):
                return True
        return False

    loops = sorted(p for p in PACKAGES if reaches(p, p, {p}))
    assert loops == [], {p: sorted(graph[p]) for p in loops}


def test_components_meet_only_through_their_faces() -> None:
    wrong = []
    for i in CROSSING:
        if i.target != i.target_package:
            wrong.append(f"{i.module}:{i.line} imports the inside {i.target}")
            continue
        public = set(getattr(importlib.import_module(i.target), "__all__", ()))
        hidden = [n for n in i.names if n not in public]
        if hidden:
            wrong.append(f"{i.module}:{i.line} imports {hidden} not in {i.target}.__all__")
    assert wrong == []


def test_telephony_touches_only_the_call_record_in_transcripts() -> None:
    used = {
        name
        for i in CROSSING
        if i.source_package == "telephony" and i.target_package == "transcripts"
        for name in i.names
    }
    assert used <= TELEPHONY_MAY_USE_OF_TRANSCRIPTS, sorted(used - TELEPHONY_MAY_USE_OF_TRANSCRIPTS)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_face_lists_what_it_offers(package: str) -> None:
    face = importlib.import_module(package)
    offered = getattr(face, "__all__", None)
    assert offered is not None, f"{package}/__init__.py has no __all__"
    assert [n for n in offered if not hasattr(face, n)] == []


def test_no_product_module_over_400_lines() -> None:
    long = {
        str(path.relative_to(PROJECT_ROOT)): n
        for _, path in product_modules()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
