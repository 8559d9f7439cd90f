"""Argon2id password hashes: verification, refusal of weak passwords, no plain text stored."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import staff
from core import AppContext
from staff.models import StaffAccount
from staff.passwords import MIN_LENGTH, hash_password, verify_password
from tests.staff.support import PASSWORD, add_user


def test_hash_is_argon2id_and_verifies_only_the_right_password() -> None:
    hashed = hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert verify_password(hashed, PASSWORD)
    assert not verify_password(hashed, PASSWORD + "x")
    assert not verify_password(hashed, "")
    assert hash_password(PASSWORD) != hashed  # salted


def test_missing_or_garbage_hash_never_verifies() -> None:
    assert not verify_password(None, PASSWORD)
    assert not verify_password("not-a-hash", PASSWORD)
    assert not verify_password(hash_password(PASSWORD), "x" * 5000)


def test_short_passwords_are_refused() -> None:
    with pytest.raises(staff.WeakPasswordError):
        hash_password("a" * (MIN_LENGTH - 1))


def test_authenticate_by_username_ignoring_case(context: AppContext) -> None:
    add_user(context, "Claire.Martin", staff.Role.PRACTITIONER)
    with context.db.session() as session:
        user = staff.authenticate(session, "  CLAIRE.martin ", PASSWORD)
        assert user is not None and user.username == "claire.martin"
        assert user.role is staff.Role.PRACTITIONER and user.may_change_settings
        assert staff.authenticate(session, "claire.martin", "mauvais mot de passe") is None
        assert staff.authenticate(session, "personne", PASSWORD) is None
        stored = session.scalar(select(StaffAccount.password_hash))
        assert stored is not None and stored.startswith("$argon2id$")


def test_disabled_accounts_cannot_log_in(context: AppContext) -> None:
    add_user(context, "ancien")
    with context.db.session() as session:
        row = session.scalar(select(StaffAccount).where(StaffAccount.username == "ancien"))
        assert row is not None
        row.active = False
    with context.db.session() as session:
        assert staff.authenticate(session, "ancien", PASSWORD) is None


def test_usernames_are_unique_and_well_formed(context: AppContext) -> None:
    add_user(context, "sophie")
    with pytest.raises(staff.AccountError):
        add_user(context, "SOPHIE")
    with pytest.raises(staff.AccountError):
        add_user(context, "sophie dupont")
