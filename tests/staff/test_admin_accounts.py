"""Accounts: disable and re-enable, change role, reset password (command line and admin page),
every act audited; the idle timeout counts a person's actions, not the inbox's polling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from typer.testing import CliRunner

import staff
from core import AppContext, get_settings
from staff.models import StaffAudit, StaffSession
from staff.sessions import IDLE_TIMEOUT
from standardiste.cli import app
from tests.staff.support import PASSWORD, add_user, logged_in, login

runner = CliRunner()


def _audit(context: AppContext) -> list[tuple[str, str, str]]:
    with context.db.session() as session:
        rows = session.scalars(select(StaffAudit).order_by(StaffAudit.id))
        return [(r.actor, r.action, r.target) for r in rows]


@pytest.fixture
def cli_env(context: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", context.settings.database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_command_line_disables_enables_changes_roles_and_resets(
    context: AppContext, cli_env: None, web: TestClient
) -> None:
    add_user(context, "patron", staff.Role.ADMIN)
    add_user(context, "sophie")
    assert login(web, "sophie").status_code == 303
    assert runner.invoke(app, ["user", "disable", "sophie"]).exit_code == 0
    # Her open session ended with the account, and she can no longer log in.
    assert web.get("/inbox", follow_redirects=False).status_code == 303
    assert login(web, "sophie").status_code == 401
    listed = runner.invoke(app, ["user", "list"]).output
    assert "sophie\tsecretary\tsophie\tdisabled" in listed
    assert runner.invoke(app, ["user", "enable", "sophie"]).exit_code == 0
    assert runner.invoke(app, ["user", "role", "sophie", "practitioner"]).exit_code == 0
    assert runner.invoke(app, ["user", "role", "sophie", "chef"]).exit_code == 2
    reset = runner.invoke(app, ["user", "reset-password", "sophie"])
    assert reset.exit_code == 0
    temporary = reset.output.split("temporary password of sophie: ")[1].split()[0]
    assert login(web, "sophie", PASSWORD).status_code == 401
    assert login(web, "sophie", temporary).status_code == 303
    # The last admin cannot be disabled nor demoted.
    refused = runner.invoke(app, ["user", "disable", "patron"])
    assert refused.exit_code == 1 and "last active admin" in refused.output
    assert runner.invoke(app, ["user", "role", "patron", "secretary"]).exit_code == 1
    assert runner.invoke(app, ["user", "disable", "personne"]).exit_code == 1
    actions = [(action, target) for actor, action, target in _audit(context)
               if actor.startswith("cli")]
    assert actions == [("account.disable", "sophie"), ("account.enable", "sophie"),
                       ("account.role", "sophie"), ("account.password", "sophie")]


def test_the_admin_page_manages_accounts_and_only_admins_see_it(
    context: AppContext, web: TestClient
) -> None:
    secretary = TestClient(web.app, base_url="http://localhost")
    logged_in(secretary, context, "sophie", staff.Role.SECRETARY)
    assert secretary.get("/admin/accounts").status_code == 403
    csrf = logged_in(web, context, "direction", staff.Role.ADMIN)
    page = web.get("/admin/accounts")
    assert page.status_code == 200 and "sophie" in page.text
    token = {"csrf_token": csrf}
    assert web.post("/admin/accounts/sophie/active", data={"active": "0"}).status_code == 403
    disabled = web.post("/admin/accounts/sophie/active", data={**token, "active": "0"})
    assert disabled.status_code == 200 and "désactivé" in disabled.text
    assert secretary.get("/inbox", follow_redirects=False).status_code == 303
    web.post("/admin/accounts/sophie/active", data={**token, "active": "1"})
    promoted = web.post("/admin/accounts/sophie/role", data={**token, "role": "practitioner"})
    assert promoted.status_code == 200 and "Praticien·ne" in promoted.text
    reset = web.post("/admin/accounts/sophie/password", data=token)
    assert reset.status_code == 200 and "Mot de passe provisoire de sophie" in reset.text
    last = web.post("/admin/accounts/direction/role", data={**token, "role": "secretary"})
    assert last.status_code == 409 and "administrateur actif" in last.text
    assert [a for _, a, _ in _audit(context)] == [
        "account.disable", "account.enable", "account.role", "account.password"]
    assert {actor for actor, _, _ in _audit(context)} == {"direction"}


def _age_session(context: AppContext, by: dt.timedelta) -> dt.datetime:
    """Move the session's last activity back; returns the new value."""
    moment = dt.datetime.now(dt.UTC) - by
    with context.db.session() as session:
        session.execute(update(StaffSession).values(last_seen_at=moment))
    return moment


def _last_seen(context: AppContext) -> dt.datetime:
    with context.db.session() as session:
        seen = session.scalar(select(StaffSession.last_seen_at))
    assert seen is not None
    return seen if seen.tzinfo else seen.replace(tzinfo=dt.UTC)


def test_polling_does_not_keep_an_idle_session_alive(context: AppContext, web: TestClient) -> None:
    logged_in(web, context, "sophie", staff.Role.SECRETARY)
    inbox = web.get("/inbox")
    # The page's polling elements mark their requests as background ones.
    assert inbox.text.count("X-Background") >= 2
    moved = _age_session(context, IDLE_TIMEOUT / 2)
    poll = web.get("/inbox/changes", headers={"HX-Request": "true", "X-Background": "1"})
    assert poll.status_code == 200
    assert abs((_last_seen(context) - moved).total_seconds()) < 1
    # A person's click does count.
    assert web.get("/inbox").status_code == 200
    assert _last_seen(context) > moved + IDLE_TIMEOUT / 4
    # Idle for the whole timeout: the next poll finds the session over.
    _age_session(context, IDLE_TIMEOUT + dt.timedelta(minutes=1))
    ended = web.get("/inbox/changes", headers={"HX-Request": "true", "X-Background": "1"})
    assert ended.status_code == 401 and ended.headers["HX-Redirect"] == "/login"
