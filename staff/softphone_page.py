"""« Essayer l'assistant »: a text softphone in the browser, over the chat channel API.

The page's script (``static/softphone.js``) calls ``POST /api/chat`` and
``POST /api/chat/{id}`` with the session cookie and the CSRF header, exactly as a client of the
chat API would, so staff hear (read) what a caller would after a change of settings.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from core import ContextDep
from staff.auth_web import PageSession
from staff.templating import templates

router = APIRouter(include_in_schema=False)


@router.get("/try")
def try_page(request: Request, context: ContextDep, current: PageSession) -> Response:
    """The softphone page."""
    return templates.render(
        request, "softphone.html", {"timezone": context.practice.practice.timezone}
    )
