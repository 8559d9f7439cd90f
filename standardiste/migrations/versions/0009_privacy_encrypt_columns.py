"""privacy: transcripts' free text encrypted at rest (turns, message bodies, call summaries)

The message details become text (they hold a Fernet token, no longer a JSON document); rows
written before are encrypted here with the data key (`core.data_key`): set the same
STANDARDISTE_DATA_KEY (or keep var/data.key) as the gateway's when running the upgrade.
Downgrading decrypts them back.

Revision ID: 0009_privacy
Revises: 0008_privacy
Create Date: 2026-12-04 19:40:00
"""

from __future__ import annotations

import json
from collections.abc import Callable

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import MultiFernet

from core import cipher_for, is_token

revision = '0009_privacy'
down_revision = '0008_privacy'
branch_labels = None
depends_on = None

_COLUMNS = (
    ("call_turns", "text"),
    ("inbox_messages", "summary"),
    ("inbox_messages", "details"),
    ("inbox_messages", "note"),
    ("calls", "summary"),
)


def _each_value(change: Callable[[MultiFernet, str], str | None]) -> None:
    bind = op.get_bind()
    cipher: MultiFernet | None = None
    for table, column in _COLUMNS:
        # Table and column names come from _COLUMNS above, never from data.
        select = f"SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
        update = f"UPDATE {table} SET {column} = :v WHERE id = :id"  # noqa: S608
        rows = bind.execute(sa.text(select)).all()
        for row_id, value in rows:
            if cipher is None:  # only when there is something to do: a fresh database needs no key
                cipher = cipher_for(url=bind.engine.url.render_as_string(hide_password=False))
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            new = change(cipher, text)
            if new is not None:
                bind.execute(sa.text(update), {"v": new, "id": row_id})


def _encrypt(cipher: MultiFernet, text: str) -> str | None:
    return None if is_token(text) else cipher.encrypt(text.encode("utf-8")).decode("ascii")


def _decrypt(cipher: MultiFernet, text: str) -> str | None:
    return cipher.decrypt(text.encode("ascii")).decode("utf-8") if is_token(text) else None


def upgrade() -> None:
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.alter_column('details', existing_type=sa.JSON(), type_=sa.Text(),
                              existing_nullable=False, postgresql_using='details::text')
    _each_value(_encrypt)


def downgrade() -> None:
    _each_value(_decrypt)
    with op.batch_alter_table('inbox_messages', schema=None) as batch_op:
        batch_op.alter_column('details', existing_type=sa.Text(), type_=sa.JSON(),
                              existing_nullable=False, postgresql_using='details::json')
