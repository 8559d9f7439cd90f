"""The statistics page's charts and tables, made from `stats_figures.Figures`.

Charts and tables are built from the same rows, so the numbers under a chart are the chart's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import agenda
from staff import charts, labels_fr
from staff.stats_figures import Figures, share
from transcripts import HANDLING_ORDER, Handling, OutcomeGroup, kind_label


@dataclass(frozen=True)
class KeyFigure:
    """A number in the summary at the top, with what it means."""

    key: str
    label: str
    value: str
    hint: str = ""


def percent(part: int, whole: int) -> str:
    """``42 %`` (French spacing), or an em dash with nothing to divide by."""
    ratio = share(part, whole)
    return "—" if ratio is None else f"{round(ratio * 100)}\u202f%"


def duration(seconds: float | None) -> str:
    """``2 h 05`` or ``35 min`` (an em dash when unknown)."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}"


def _bucket_label(day: dt.date, weekly: bool) -> str:
    return f"{'sem. ' if weekly else ''}{day:%d/%m}"


def key_figures(f: Figures) -> list[KeyFigure]:
    """The summary line of the page."""
    total = f.total
    return [
        KeyFigure("calls", "Appels", str(total)),
        KeyFigure("assistant", labels_fr.HANDLING_LABELS["assistant"],
                  str(f.handled(Handling.ASSISTANT))),
        KeyFigure("transferred", labels_fr.HANDLING_LABELS["transferred"],
                  str(f.handled(Handling.TRANSFERRED))),
        KeyFigure("outside_hours", "Hors horaires", str(f.handled(Handling.OUTSIDE_HOURS))),
        KeyFigure("resolved", "Réglés sans intervention du cabinet", percent(f.resolved, total),
                  f"{f.resolved} appels : rendez-vous pris, déplacés ou annulés, "
                  "renseignements donnés"),
        KeyFigure("time_saved", "Temps de secrétariat économisé (estimation)",
                  duration(f.minutes_saved * 60),
                  f"{f.taken_in_charge} appels menés à bien par l'assistant "
                  f"× {f.minutes_per_call:g} min"),
        KeyFigure("transfers_unanswered", "Transferts sans réponse", str(f.transfers_unanswered)),
        KeyFigure("open_too_long", "Messages non traités après 24 h",
                  str(f.messages.open_too_long)),
        KeyFigure("median_handling", "Délai médian de traitement d'un message",
                  duration(f.messages.median_handling_s),
                  f"sur {f.messages.handled} messages traités"),
        KeyFigure("to_review", "Appels à revoir", str(f.to_review - f.reviewed),
                  f"{f.to_review} appels ont mal fini, {f.reviewed} déjà revus"),
    ]


def calls_by_bucket(f: Figures) -> tuple[charts.StackedBars, list[dict[str, Any]]]:
    """Calls per day (per week for long periods), stacked by who handled them."""
    rows: list[dict[str, Any]] = [
        {
            "label": _bucket_label(b.first, f.weekly),
            "first": b.first,
            "counts": [b.counts.get(h, 0) for h in HANDLING_ORDER],
            "total": b.total,
        }
        for b in f.buckets
    ]
    chart = charts.stacked_bars(
        [(r["label"], r["counts"]) for r in rows],
        [labels_fr.HANDLING_LABELS[h.value] for h in HANDLING_ORDER],
        unit="appels",
    )
    return chart, rows


def heat(f: Figures) -> charts.HeatMap:
    """Calls by weekday and hour of the day."""
    return charts.heat_map(f.heat, labels_fr.WEEKDAY_SHORT)


def outcomes(f: Figures) -> tuple[charts.HorizontalBars, list[dict[str, Any]]]:
    """Calls by outcome group, in a fixed order, the groups with no call left out."""
    total = f.total
    rows: list[dict[str, Any]] = [
        {
            "key": g.value,
            "label": labels_fr.OUTCOME_GROUP_LABELS[g.value],
            "count": f.group(g),
            "share": percent(f.group(g), total),
        }
        for g in OutcomeGroup
        if f.group(g)
    ]
    chart = charts.horizontal_bars([(r["label"], r["count"]) for r in rows], unit="appels")
    return chart, rows


def bookings(f: Figures) -> tuple[charts.HorizontalBars, list[dict[str, Any]]]:
    """New appointments and moves by channel."""
    rows: list[dict[str, Any]] = [
        {
            "key": channel.value,
            "label": labels_fr.BOOKING_CHANNEL_LABELS[channel.value],
            "booked": f.bookings.booked.get(channel, 0),
            "moved": f.bookings.moved.get(channel, 0),
        }
        for channel in agenda.BookingChannel
    ]
    chart = charts.horizontal_bars([(r["label"], r["booked"]) for r in rows],
                                   unit="rendez-vous")
    return chart, rows


def cancellations(f: Figures) -> list[dict[str, Any]]:
    """Cancellations by who cancelled (SMS only when texts are in use)."""
    counts = f.bookings.cancelled
    return [
        {"key": who.value, "label": labels_fr.CANCELLER_LABELS[who.value],
         "count": counts.get(who, 0)}
        for who in agenda.Canceller
        if who is not agenda.Canceller.SMS or f.sms is not None or counts.get(who, 0)
    ]


def messages(f: Figures) -> list[dict[str, Any]]:
    """Messages left for the secretariat, by kind."""
    return [
        {"key": kind, "label": kind_label(kind), "count": n}
        for kind, n in sorted(f.messages.by_kind.items(), key=lambda item: -item[1])
    ]


def page_values(f: Figures) -> dict[str, Any]:
    """Everything the template draws."""
    calls_chart, calls_rows = calls_by_bucket(f)
    outcome_chart, outcome_rows = outcomes(f)
    booking_chart, booking_rows = bookings(f)
    return {
        "figures": f,
        "key_figures": key_figures(f),
        "calls_chart": calls_chart,
        "calls_rows": calls_rows,
        "calls_totals": [f.handled(h) for h in HANDLING_ORDER],
        "handling_labels": [labels_fr.HANDLING_LABELS[h.value] for h in HANDLING_ORDER],
        "heat_chart": heat(f),
        "weekdays": labels_fr.WEEKDAY_SHORT,
        "outcome_chart": outcome_chart,
        "outcome_rows": outcome_rows,
        "booking_chart": booking_chart,
        "booking_rows": booking_rows,
        "cancellation_rows": cancellations(f),
        "message_rows": messages(f),
    }
