"""A user to act on, for the suites of the routes under a user."""

from __future__ import annotations

import pytest

from tests.conftest import basic
from tests.dots.helpers import PROD, person

AUTH = basic("client-a")


@pytest.fixture
def user(client) -> dict:
    """A new production user of client-a, as create answered it."""
    response = client.post(PROD, headers=AUTH, json=person(1))
    assert response.status_code == 200
    return response.get_json()
