"""The gateway's own routes: `/healthz` (public), `/metrics` (local or token), `/openapi.json`.

`/metrics` holds no personal data, but call volumes and outcomes are the practice's business: a
Prometheus on the server itself scrapes it as is, anyone else (or anything through the reverse
proxy) presents the API token, as staff routes do.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

import dialogue
from core import ContextDep, Settings, StaffDep, require_staff

_LOGGER = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(context: ContextDep) -> JSONResponse:
    """200 when the database and the Rasa server both answer, 503 otherwise, with each state."""
    checks: dict[str, Any] = {}
    try:
        await run_in_threadpool(context.db.ping)
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    replicas = await rasa_replicas(context.http, context.settings)
    checks["rasa"] = {**replicas[0], "ok": all(r["ok"] for r in replicas)}
    if len(replicas) > 1:
        checks["rasa"]["replicas"] = replicas
    healthy = all(c["ok"] for c in checks.values())
    return JSONResponse({"ok": healthy, "checks": checks}, status_code=200 if healthy else 503)


async def rasa_replicas(http: httpx.AsyncClient, settings: Settings) -> list[dict[str, Any]]:
    """Every Rasa replica's state, in `RASA_URLS` order (`/healthz` and `standardiste doctor`).

    Every replica, not the first: a conversation is pinned to one (`rasa_base_for`), so one
    still loading its model fails the conversations hashed to it.
    """
    return [await _rasa_status(http, settings, base) for base in settings.rasa_bases]


async def _rasa_status(http: httpx.AsyncClient, settings: Settings, base: str) -> dict[str, Any]:
    """One Rasa server's state: answering, and with which model."""
    try:
        reply = await http.get(
            f"{base}/status",
            params={"token": dialogue.rasa_auth_token(settings)},
            timeout=3.0,
        )
    except httpx.HTTPError as exc:
        return {"ok": False, "error": type(exc).__name__}
    if reply.status_code != 200:
        return {"ok": False, "error": f"HTTP {reply.status_code}"}
    return {"ok": True, "model": reply.json().get("model_file")}


@router.get("/openapi.json", include_in_schema=False)
def openapi_schema(request: Request, _staff: StaffDep) -> JSONResponse:
    """The OpenAPI schema of the staff and integration API (staff session or API token)."""
    return JSONResponse(request.app.openapi())


_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _local_scraper(request: Request) -> bool:
    """True for a client on this machine that did not come through a proxy."""
    if any(name in request.headers for name in _FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host if request.client else "").is_loopback
    except ValueError:
        return False


@router.get("/metrics")
def metrics(request: Request, context: ContextDep) -> Response:
    """Prometheus text exposition; 401 unless local (see the module) or with the API token."""
    if not _local_scraper(request):
        require_staff(request, context)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
