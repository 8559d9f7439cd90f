"""Signature-checked access to Twilio's form-encoded webhooks (voice in telephony, SMS in
notifications: both check the same way, so the check lives on the ground floor)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from core.deps import ContextDep
from core.metrics import WEBHOOK_REJECTED
from core.twilio_signature import SIGNATURE_HEADER, SignatureChecker

_LOGGER = logging.getLogger(__name__)


def get_checker(context: ContextDep) -> SignatureChecker:
    """The signature checker for the configured token and public URL."""
    token = context.settings.twilio_auth_token
    return SignatureChecker(
        token.get_secret_value() if token else None, context.settings.public_base
    )


CheckerDep = Annotated[SignatureChecker, Depends(get_checker)]


async def signed_form(request: Request, checker: CheckerDep) -> dict[str, str]:
    """The webhook's form parameters, once its signature is proven; 403 and nothing else if not."""
    form = await request.form()
    params = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    signature = request.headers.get(SIGNATURE_HEADER)
    if not checker.check_webhook(request.url.path, params, signature, request.url.query):
        WEBHOOK_REJECTED.labels(route=request.url.path).inc()
        _LOGGER.warning(
            "twilio signature rejected",
            extra={
                "path": request.url.path,
                "had_signature": bool(signature),
                "configured": checker.configured,
            },
        )
        raise HTTPException(status_code=403)
    return params


SignedForm = Annotated[dict[str, str], Depends(signed_form)]
