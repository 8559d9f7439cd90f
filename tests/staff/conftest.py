"""A TestClient that talks to the app as a browser on the server itself (http://localhost)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core import AppContext
from standardiste.app import create_app


@pytest.fixture
def web(context: AppContext) -> Iterator[TestClient]:
    """The whole app, reached at http://localhost (session cookies are not Secure there)."""
    with TestClient(create_app(context=context), base_url="http://localhost") as client:
        yield client
