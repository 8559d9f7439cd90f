"""Who may call the website chat: pages of the practice's declared origins, and nobody else.

Each route of the chat runs through `WebsiteRoute`. A request whose ``Origin`` is not one the
practice declared (`website.origins` in its settings, read on every request so that a change in
the staff pages applies at once) is refused with 403 before anything is read or written; an
allowed one gets its ``Access-Control-Allow-Origin`` on every answer, errors included, so that
the widget can show the French reason of a 429 or a 410. A request without ``Origin`` is not a
browser's cross-site call: it is served (curl, the benchmark), within the same rate limits.
No cookie is ever involved: the conversation id in the URL is the only key.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.types import Message

from core import AppContext, PracticeConfig, get_context
from dialogue import catalogue
from dialogue.website.limits import MAX_BODY, MAX_TEXT

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = "Content-Type"
PREFLIGHT_MAX_AGE_S = 600


class WebsiteError(HTTPException):
    """A refusal the widget shows as is: a French ``detail`` and a stable ``code``."""

    def __init__(
        self, status_code: int, code: str, text: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(status_code, text, headers)
        self.code = code


def allowed_origins(context: AppContext, practice: PracticeConfig) -> set[str]:
    """The practice's declared website origins, and the gateway's own public address."""
    origins = set(practice.website.origins)
    public = context.settings.public_base
    if public:
        parts = urlsplit(public)
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def refusal(error: WebsiteError) -> JSONResponse:
    """The JSON answer of a refusal."""
    return JSONResponse(
        {"detail": error.detail, "code": error.code}, error.status_code, headers=error.headers
    )


def _error_answer(context: AppContext, exc: Exception) -> Response:
    if isinstance(exc, WebsiteError):
        return refusal(exc)
    if isinstance(exc, RequestValidationError):
        body = {"detail": jsonable_encoder(exc.errors()), "code": "invalid"}
        return JSONResponse(body, status.HTTP_422_UNPROCESSABLE_CONTENT)
    assert isinstance(exc, HTTPException)
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)


def too_long(practice: PracticeConfig) -> WebsiteError:
    """413: the message is over the length a message may have."""
    text = catalogue.say("utter_web_too_long", practice, limit=MAX_TEXT).text
    return WebsiteError(status.HTTP_413_CONTENT_TOO_LARGE, "too_long", text)


class WebsiteRoute(APIRoute):
    """A route of the website chat: the origin checked first, CORS headers on every answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the origin check and the CORS headers."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            context = get_context(request)
            origin = request.headers.get("origin")
            if origin is not None:
                practice = await context.fetch_practice()
                if origin.lower() not in allowed_origins(context, practice):
                    text = catalogue.say("utter_web_refused", practice).text
                    return refusal(WebsiteError(status.HTTP_403_FORBIDDEN, "origin", text))
            try:
                request = await _bounded(request, context)
                response = await handler(request)
            except (HTTPException, RequestValidationError) as exc:
                response = _error_answer(context, exc)
            if origin is not None:
                _allow(response, origin)
            return response

        return checked


async def _bounded(request: Request, context: AppContext) -> Request:
    """The request with its body read, at most MAX_BODY bytes (413 past them, before reading
    more). Done here rather than by a body-limit middleware, whose own 413 would go out
    without the CORS headers the widget needs to read it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_long(await context.fetch_practice())
    if request.method != "POST":
        return request
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise too_long(await context.fetch_practice())
    replayed = False
    receive = request.receive

    async def replay() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    return Request(request.scope, replay)


def _allow(response: Response, origin: str) -> None:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    response.headers.append("Vary", "Origin")


def preflight(request: Request) -> Response:
    """The answer to a browser's ``OPTIONS`` before a cross-origin POST (origin already
    checked by `WebsiteRoute`)."""
    method = request.headers.get("access-control-request-method", "")
    if method.upper() not in {m.strip() for m in ALLOWED_METHODS.split(",")}:
        return Response(status_code=status.HTTP_405_METHOD_NOT_ALLOWED)
    headers: dict[str, Any] = {
        "Access-Control-Allow-Methods": ALLOWED_METHODS,
        "Access-Control-Allow-Headers": ALLOWED_HEADERS,
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
    }
    return Response(status_code=status.HTTP_204_NO_CONTENT, headers=headers)
