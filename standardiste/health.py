"""The gateway's own routes: `/healthz` and `/metrics` (public), `/openapi.json` (staff)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool

from standardiste.auth import StaffDep
from standardiste.deps import ContextDep

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
    try:
        reply = await context.http.get(f"{context.settings.rasa_base}/status", timeout=3.0)
        ok = reply.status_code == 200
        checks["rasa"] = {"ok": ok} if ok else {"ok": False, "error": f"HTTP {reply.status_code}"}
        if ok:
            checks["rasa"]["model"] = reply.json().get("model_file")
    except httpx.HTTPError as exc:
        checks["rasa"] = {"ok": False, "error": type(exc).__name__}
    healthy = all(c["ok"] for c in checks.values())
    return JSONResponse({"ok": healthy, "checks": checks}, status_code=200 if healthy else 503)


@router.get("/openapi.json", include_in_schema=False)
def openapi_schema(request: Request, _staff: StaffDep) -> JSONResponse:
    """The OpenAPI schema of the staff and integration API (staff session or API token)."""
    return JSONResponse(request.app.openapi())


@router.get("/metrics")
def metrics() -> Response:
    """Prometheus text exposition."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
