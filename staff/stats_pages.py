"""« Statistiques »: what the assistant did for the practice over a period, and its CSV export.

For practitioners and admins. Counts only: the page shows no name, number or words of a
caller; the export has one line per call without the caller's number, and the transcripts'
text only when an admin asks for it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response, status
from fastapi.responses import StreamingResponse

import transcripts
from core import AppContext, ContextDep
from staff import labels_fr, stats_view
from staff.auth_web import SettingsSession
from staff.models import Role
from staff.security import with_security_headers
from staff.stats_figures import (
    TROUBLE_KEYS,
    Channel,
    Period,
    PeriodError,
    Preset,
    gather,
    period_of,
)
from staff.templating import templates

router = APIRouter(include_in_schema=False)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_CHUNK = 500
"""Lines sent at once: each chunk crosses a thread, so not one at a time."""


@dataclass(frozen=True)
class Asked:
    """The period and channel a request asks for, or why they cannot be shown."""

    period: Period
    channel: Channel
    problem: str | None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def asked(
    context: AppContext, preset: str, first: str, last: str, channel: str, shown: str = ""
) -> Asked:
    """Read the query; a period that cannot be shown falls back to the last 30 days.

    ``shown`` is the period the form was drawn with (``from/to``): dates changed from it mean
    the chosen dates, whichever period button is still selected (no script needed).
    """
    today = dt.datetime.now(context.practice.tz).date()
    try:
        chosen = Channel(channel)
    except ValueError:
        chosen = Channel.VOICE
    if shown and first and last and shown != f"{first}/{last}":
        preset = Preset.CUSTOM.value
    try:
        return Asked(period_of(preset, _date(first), _date(last), today), chosen, None)
    except PeriodError as exc:
        fallback = period_of(Preset.LAST_30_DAYS.value, None, None, today)
        return Asked(fallback, chosen, str(exc))


def _asked_query(
    context: ContextDep,
    period: Annotated[str, Query(max_length=16)] = Preset.LAST_30_DAYS.value,
    first: Annotated[str, Query(alias="from", max_length=10)] = "",
    last: Annotated[str, Query(alias="to", max_length=10)] = "",
    channel: Annotated[str, Query(max_length=8)] = Channel.VOICE.value,
    shown: Annotated[str, Query(max_length=24)] = "",
) -> Asked:
    return asked(context, period, first, last, channel, shown)


AskedQuery = Annotated[Asked, Depends(_asked_query)]
"""The period and channel of the query (``period``, ``from``, ``to``, ``channel``, ``shown``)."""


def _minutes(value: str) -> float | None:
    try:
        minutes = float(value.replace(",", "."))
    except ValueError:
        return None
    return minutes if 0 < minutes <= 60 else None


@router.get("/stats")
def stats_page(
    request: Request,
    context: ContextDep,
    current: SettingsSession,
    wanted: AskedQuery,
    minutes: Annotated[str, Query(max_length=8)] = "",
) -> Response:
    """Calls, outcomes, messages and bookings of a period, charted and tabled."""
    figures = gather(
        context.db, context.practice, wanted.period, wanted.channel,
        now=dt.datetime.now(dt.UTC), minutes=_minutes(minutes),
    )
    values = stats_view.page_values(figures)
    values.update(
        problem=wanted.problem,
        presets=labels_fr.PERIOD_LABELS,
        channels=labels_fr.STATS_CHANNEL_LABELS,
        preset=wanted.period.preset.value,
        channel=wanted.channel.value,
        minutes_field=minutes if _minutes(minutes) is not None else "",
        export_query=_export_query(wanted),
        may_export_transcripts=current.user.role is Role.ADMIN,
        retention_days=context.practice.retention.transcripts_days,
    )
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if wanted.problem else status.HTTP_200_OK
    return templates.render(request, "stats.html", values, status_code=code)


def _export_query(wanted: Asked) -> str:
    p = wanted.period
    return (
        f"period=custom&from={p.first.isoformat()}&to={p.last.isoformat()}"
        f"&channel={wanted.channel.value}"
    )


def _cell(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _transcript_text(lines: tuple[transcripts.SaidLine, ...]) -> str:
    return "\n".join(
        f"{labels_fr.SPEAKER_LABELS.get(line.speaker, line.speaker)} : "
        + ("(silence)" if line.key == "silence" else line.text)
        for line in lines
    )


def csv_lines(
    context: AppContext, period: Period, channel: Channel, *, with_transcripts: bool
) -> Iterator[str]:
    """The export, a batch of lines at a time: a BOM and ``;`` so that a French spreadsheet
    opens it as it is."""
    tz = context.practice.tz
    start, end = period.bounds(tz)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    headers = list(labels_fr.CSV_HEADERS)
    if with_transcripts:
        headers.append(labels_fr.CSV_TRANSCRIPT_HEADER)
    writer.writerow(headers)
    yield "\ufeff" + out.getvalue()
    out.seek(0)
    out.truncate()
    with context.db.session() as session:
        for n, record in enumerate(transcripts.call_records(
            session, start, end, trouble_keys=TROUBLE_KEYS, channel=channel.only,
            with_transcripts=with_transcripts,
        ), start=1):
            writer.writerow(_csv_row(record, tz, with_transcripts))
            if n % _CSV_CHUNK == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def _csv_row(record: transcripts.CallRecord, tz: ZoneInfo, with_transcripts: bool) -> list[str]:
    row = [
        str(record.call_id),
        record.started_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"),
        record.ended_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if record.ended_at else "",
        "" if record.duration_s is None else str(record.duration_s),
        record.channel,
        record.answered_by,
        record.handling.value,
        record.outcome or "",
        record.group.value,
        labels_fr.OUTCOME_GROUP_LABELS[record.group.value],
        str(record.messages),
        ", ".join(labels_fr.REVIEW_REASON_LABELS[r.value] for r in record.reasons),
        labels_fr.CSV_YES if record.reviewed else labels_fr.CSV_NO,
    ]
    if with_transcripts:
        row.append(_cell(_transcript_text(record.transcript or ())))
    return row


@router.get("/stats/export.csv")
def stats_export(
    context: ContextDep,
    current: SettingsSession,
    wanted: AskedQuery,
    with_transcripts: Annotated[bool, Query(alias="transcripts")] = False,
) -> Response:
    """One line per call of the period; the transcripts' text for admins who ask for it."""
    if with_transcripts and current.user.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, labels_fr.TRANSCRIPTS_ADMIN_ONLY)
    if wanted.problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, wanted.problem)
    p = wanted.period
    name = f"appels-{p.first.isoformat()}-{p.last.isoformat()}.csv"
    response = StreamingResponse(
        csv_lines(context, p, wanted.channel, with_transcripts=with_transcripts),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
    return with_security_headers(response)
