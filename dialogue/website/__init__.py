"""The chat on the practice's website: the widget its pages embed, and the public API behind it.

- `widget.py`: ``/widget.js``, ``/widget.css`` and ``GET /public/chat/config`` (name, colours,
  French labels from the catalogue);
- `api.py`: open a conversation, send a message, end it (``/public/chat…``);
- `cors.py`: only the practice's declared origins, CORS headers on every answer;
- `limits.py`: rate limits and once-only claims, counted in the database;
- `expiry.py`: conversations end once, and those left idle expire.
"""

from fastapi import APIRouter

from dialogue.website.api import router as _chat
from dialogue.website.expiry import expire_idle_conversations as expire_idle_conversations
from dialogue.website.limits import DialogueBase as DialogueBase
from dialogue.website.widget import config_router as _config
from dialogue.website.widget import static_router as _static

router = APIRouter()
router.include_router(_config)
router.include_router(_chat)
router.include_router(_static)

__all__ = ["DialogueBase", "expire_idle_conversations", "router"]
