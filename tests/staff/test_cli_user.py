"""`standardiste user add|password|list`: accounts created from the command line can log in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import staff
from core import Database
from standardiste.cli import app
from standardiste.migrate import upgrade

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    from core import get_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    get_settings.cache_clear()
    yield {"DATABASE_URL": url}
    get_settings.cache_clear()


def _check(url: str, username: str, password: str) -> staff.StaffUser | None:
    db = Database(url)
    try:
        with db.session() as session:
            return staff.authenticate(session, username, password)
    finally:
        db.dispose()


def test_add_with_password_on_stdin(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["user", "add", "claire", "--role", "practitioner", "--name", "Dr Claire Martin",
              "--password-stdin"],
        input="un mot de passe solide\n", env=env,
    )
    assert result.exit_code == 0, result.output
    user = _check(env["DATABASE_URL"], "claire", "un mot de passe solide")
    assert user is not None and user.role is staff.Role.PRACTITIONER
    assert user.display_name == "Dr Claire Martin"
    listed = runner.invoke(app, ["user", "list"], env=env)
    assert "claire\tpractitioner\tDr Claire Martin" in listed.output


def test_add_prompts_twice_for_the_password(env: dict[str, str]) -> None:
    result = runner.invoke(
        app, ["user", "add", "sophie"], input="secrétariat 2026!\nsecrétariat 2026!\n", env=env
    )
    assert result.exit_code == 0, result.output
    assert "secrétariat 2026!" not in result.output
    assert _check(env["DATABASE_URL"], "sophie", "secrétariat 2026!") is not None


def test_refusals(env: dict[str, str]) -> None:
    short = runner.invoke(app, ["user", "add", "marc", "--password-stdin"], input="court\n",
                          env=env)
    assert short.exit_code == 1 and "12" in short.output
    role = runner.invoke(app, ["user", "add", "marc", "--role", "boss", "--password-stdin"],
                         input="un mot de passe solide\n", env=env)
    assert role.exit_code == 2
    runner.invoke(app, ["user", "add", "marc", "--password-stdin"],
                  input="un mot de passe solide\n", env=env)
    twice = runner.invoke(app, ["user", "add", "Marc", "--password-stdin"],
                          input="un autre mot de passe\n", env=env)
    assert twice.exit_code == 1 and "taken" in twice.output
    assert _check(env["DATABASE_URL"], "marc", "un autre mot de passe") is None


def test_password_change(env: dict[str, str]) -> None:
    runner.invoke(app, ["user", "add", "marc", "--password-stdin"],
                  input="un mot de passe solide\n", env=env)
    result = runner.invoke(app, ["user", "password", "marc", "--password-stdin"],
                           input="un nouveau mot de passe\n", env=env)
    assert result.exit_code == 0, result.output
    assert _check(env["DATABASE_URL"], "marc", "un mot de passe solide") is None
    assert _check(env["DATABASE_URL"], "marc", "un nouveau mot de passe") is not None
