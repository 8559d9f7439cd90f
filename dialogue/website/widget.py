"""The widget a practice pastes in its pages, and what it shows: the script, its style, and its
settings (the practice's name, colours and every French word, from the one catalogue).

``<script src="https://<gateway>/widget.js" data-practice="<key>" defer></script>`` loads the
script; it reads ``GET /public/chat/config`` and draws its button and window in a shadow root,
so the host page's style and the widget's never mix. The script holds no French: the labels
come from `responses.yml` through the config.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse
from pydantic import BaseModel

from core import ContextDep, PracticeConfig
from dialogue import catalogue
from dialogue.website.cors import WebsiteError, WebsiteRoute, preflight
from dialogue.website.limits import MAX_TEXT

STATIC = Path(__file__).resolve().parent / "static"
# Long enough to spare the gateway a request per page view, short enough for a fix to land.
_STATIC_CACHE = "public, max-age=3600"

# What the widget shows, by its name in the script → the catalogue's response.
LABELS = {
    "launcher": "utter_web_launcher",
    "title": "utter_web_title",
    "region": "utter_web_region",
    "close": "utter_web_close",
    "notice": "utter_web_notice",
    "emergency": "utter_web_emergency",
    "log": "utter_web_log",
    "you": "utter_web_you",
    "assistant": "utter_web_assistant",
    "input": "utter_web_input",
    "hint": "utter_web_hint",
    "send": "utter_web_send",
    "waiting": "utter_web_waiting",
    "end": "utter_web_end",
    "ended": "utter_web_ended",
    "restart": "utter_web_restart",
    "too_long": "utter_web_too_long",
    "too_many": "utter_web_too_many",
    "unavailable": "utter_web_unavailable",
}

static_router = APIRouter(include_in_schema=False)
config_router = APIRouter(route_class=WebsiteRoute, tags=["website chat"])


class Colours(BaseModel):
    """The widget's colours: the practice's accent and the text that reads on it."""

    accent: str
    on_accent: str


class WidgetConfig(BaseModel):
    """What the widget needs to draw itself."""

    practice: str
    colours: Colours
    labels: dict[str, str]
    max_length: int


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_colour_on(accent: str) -> str:
    """White or near-black, whichever contrasts more with ``accent`` (WCAG's ratio); either
    way at least 4.5:1 for one of them, whatever the accent."""
    light = _luminance(accent)
    on_white = 1.05 / (light + 0.05)
    on_black = (light + 0.05) / (_luminance("#111111") + 0.05)
    return "#ffffff" if on_white >= on_black else "#111111"


def labels(practice: PracticeConfig, idle_minutes: float) -> dict[str, str]:
    """Every label of the widget, as this practice says it."""
    values = {
        "practice_phone": practice.practice.phone,
        "limit": MAX_TEXT,
        "minutes": round(idle_minutes),
    }
    return {name: catalogue.say(key, practice, **values).text for name, key in LABELS.items()}


def check_practice(practice: PracticeConfig, key: str | None) -> None:
    """404 when the tag names another practice than this gateway's (a tag pasted wrongly)."""
    if key is not None and key != practice.website_key:
        text = catalogue.say("utter_web_refused", practice).text
        raise WebsiteError(status.HTTP_404_NOT_FOUND, "practice", text)


@config_router.get("/public/chat/config", response_model=WidgetConfig)
def widget_config(
    context: ContextDep,
    practice: Annotated[str | None, Query(max_length=100)] = None,
) -> WidgetConfig:
    """The practice's name, colours and labels for the widget."""
    current = context.practice
    check_practice(current, practice)
    accent = current.website.color
    return WidgetConfig(
        practice=current.practice.name,
        colours=Colours(accent=accent, on_accent=text_colour_on(accent)),
        labels=labels(current, context.settings.website_chat_idle_minutes),
        max_length=MAX_TEXT,
    )


@config_router.options("/public/chat/config", include_in_schema=False)
def widget_config_preflight(request: Request) -> Response:
    """CORS preflight (a page may ask with its own headers)."""
    return preflight(request)


def _static(name: str, media_type: str) -> FileResponse:
    return FileResponse(
        STATIC / name, media_type=media_type, headers={"Cache-Control": _STATIC_CACHE}
    )


@static_router.get("/widget.js")
def widget_script() -> FileResponse:
    """The script the practice's pages embed."""
    return _static("widget.js", "text/javascript; charset=utf-8")


@static_router.get("/widget.css")
def widget_style() -> FileResponse:
    """The widget's style (loaded by the script into its shadow root)."""
    return _static("widget.css", "text/css; charset=utf-8")
