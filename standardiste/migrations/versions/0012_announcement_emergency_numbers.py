"""practice settings: the outside-hours announcement states the emergency numbers

The practice file's loader now refuses an announcement that does not state the emergency
numbers (15 and 112, or the practice's own). Settings stored before that rule would no longer
load, so the sentence giving the numbers is added to such an announcement. Data only; the
downgrade leaves the sentence (it is true either way).

Revision ID: 0012_announcement_numbers
Revises: 0011_stats_rollup
Create Date: 2026-12-04 20:00:00
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = '0012_announcement_numbers'
down_revision = '0011_stats_rollup'
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must not change when the catalogue does.
_SENTENCE = "En cas d'urgence, appelez le {samu} ou le {european}."


def _states(text: str, number: str) -> bool:
    return re.search(rf"(?<!\d){re.escape(number)}(?!\d)", text) is not None


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, document FROM practice_settings")).fetchall()
    for row_id, document in rows:
        data = json.loads(document)
        outside = (data.get("answering") or {}).get("outside_hours") or {}
        text = outside.get("announcement")
        numbers = data.get("emergency") or {}
        samu, european = str(numbers.get("samu", "15")), str(numbers.get("european", "112"))
        if not text or not text.strip() or (_states(text, samu) and _states(text, european)):
            continue
        outside["announcement"] = f"{text.rstrip()} {_SENTENCE.format(samu=samu, european=european)}"
        bind.execute(
            sa.text("UPDATE practice_settings SET document = :document WHERE id = :id"),
            {"document": json.dumps(data, ensure_ascii=False), "id": row_id},
        )


def downgrade() -> None:
    pass
