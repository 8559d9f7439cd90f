"""Reading the practice file: YAML, validation, and one line per problem naming file and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.practice import PracticeConfig, _PathError


class ConfigError(Exception):
    """A practice configuration that cannot be used, with one line per problem."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


def _format_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _problems(exc: ValidationError) -> list[str]:
    problems = []
    for err in exc.errors():
        ctx_error = (err.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _PathError):
            problems.append(f"{ctx_error.path}: {ctx_error.reason}")
            continue
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        problems.append(f"{_format_loc(tuple(err['loc']))}: {message}")
    return problems


def parse_practice(data: Any, source: Path | str = "<memory>") -> PracticeConfig:
    """Validate already-loaded YAML data; raises `ConfigError`."""
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping of sections"])
    try:
        return PracticeConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _problems(exc)) from None


def load_practice(path: Path | str) -> PracticeConfig:
    """Read and validate a practice file; raises `ConfigError` naming the file, field and reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (set STANDARDISTE_CONFIG)"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"byte {exc.start}: not UTF-8 text"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        # One line per problem, as every other error of this file.
        raise ConfigError(path, [f"{where}: {' '.join(str(problem).split())}"]) from None
    except RecursionError:
        raise ConfigError(path, ["YAML: nested too deeply"]) from None
    try:
        return parse_practice(data, _display_path(path))
    except RecursionError:  # e.g. an alias that contains itself
        raise ConfigError(path, ["(top level): a value contains itself"]) from None


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
