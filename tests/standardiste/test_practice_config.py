"""The practice file: valid examples load; every error names the file, the field and why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core import PROJECT_ROOT, ConfigError, load_practice

CONFIG = PROJECT_ROOT / "config" / "practice.yaml"


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "practice.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _base() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["practice.yaml", "practice.example.yaml"])
def test_shipped_configs_are_valid(name: str) -> None:
    config = load_practice(PROJECT_ROOT / "config" / name)
    assert config.practice.timezone == "Europe/Paris"
    assert config.practitioners


def test_reversed_range_names_file_field_and_reason(tmp_path: Path) -> None:
    data = _base()
    data["practitioners"][1]["hours"]["tuesday"] = [{"start": "14:00", "end": "12:00"}]
    path = _write(tmp_path, data)
    with pytest.raises(ConfigError) as err:
        load_practice(path)
    assert str(err.value).endswith(
        "practice.yaml: practitioners[1].hours.tuesday[0]: end 12:00 is before start 14:00"
    )
    assert err.value.path.endswith("practice.yaml")


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda d: d["practice"].update(timezone="Europe/Pariss"),
            "practice.timezone: unknown timezone 'Europe/Pariss'",
        ),
        (
            lambda d: d["appointment_types"][0].update(practitioners=["martin", "dupont"]),
            "appointment_types[0].practitioners[1]: unknown practitioner 'dupont'",
        ),
        (
            lambda d: d["practitioners"][0].update(colour="blue"),
            "practitioners[0].colour: unknown field",
        ),
        (lambda d: d["practice"].pop("name"), "practice.name: required field is missing"),
        (
            lambda d: d["answering"].update(mode="extended", extended_hours=None),
            "answering: mode 'extended' needs extended_hours",
        ),
        (lambda d: d["answering"].update(mode="sometimes"), "answering.mode: Input should be"),
        (
            lambda d: d["answering"]["outside_hours"].update(action="transfer"),
            "answering.outside_hours: action 'transfer' needs a transfer_number",
        ),
        (
            lambda d: d["answering"]["outside_hours"].update(
                announcement="Le cabinet est fermé. En cas d'urgence, appelez le 15."
            ),
            "answering.outside_hours.announcement: must state the emergency numbers 112",
        ),
        (
            lambda d: (
                d["answering"]["outside_hours"].update(announcement="Urgences : 15 ou 112."),
                d.update(emergency={"samu": "15", "european": "911"}),
            ),
            "answering.outside_hours.announcement: must state the emergency numbers 911",
        ),
        (
            lambda d: d["retention"].update(recordings_days=400),
            "retention.recordings_days: Input should be less than or equal to 183",
        ),
        (
            lambda d: d["practitioners"][0]["hours"].update(
                monday=[{"start": "08:00", "end": "12:00"}, {"start": "11:00", "end": "13:00"}]
            ),
            "practitioners[0].hours: monday: 11:00-13:00 overlaps 08:00-12:00",
        ),
        (
            lambda d: d["practitioners"].append(dict(d["practitioners"][0])),
            "practitioners[2].id: duplicate id 'martin'",
        ),
        (
            lambda d: d["closures"][0].update(end="2026-12-01"),
            "closures[0]: end 2026-12-01 is before start 2026-12-24",
        ),
        (
            lambda d: d.update(statistics={"minutes_per_call": 0}),
            "statistics.minutes_per_call: Input should be greater than 0",
        ),
    ],
)
def test_each_error_is_reported_with_its_path(tmp_path: Path, mutate, expected: str) -> None:
    data = _base()
    mutate(data)
    with pytest.raises(ConfigError) as err:
        load_practice(_write(tmp_path, data))
    assert any(problem.startswith(expected) for problem in err.value.problems), err.value.problems


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "practice.yaml"
    path.write_text("practice:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_practice(path)
    assert "line 3, column 1" in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_practice(tmp_path / "nope.yaml")


def test_bad_config_exits_non_zero_without_traceback(tmp_path: Path) -> None:
    data = _base()
    data["practitioners"][1]["hours"]["tuesday"] = [{"start": "14:00", "end": "12:00"}]
    path = _write(tmp_path, data)
    result = subprocess.run(
        [sys.executable, "-m", "standardiste", "serve"],
        env={
            "STANDARDISTE_CONFIG": str(path),
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "practitioners[1].hours.tuesday[0]: end 12:00 is before start 14:00" in result.stderr
    assert "Traceback" not in result.stderr
