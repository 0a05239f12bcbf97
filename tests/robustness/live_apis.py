"""The four APIs as a client of the live server sees them, behind one small interface, so the
concurrency suites can drive every provider the same way. Each method returns the raw response."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import requests

from tests.dakota.helpers import person as dakota_person
from tests.dots.helpers import person as dots_person
from tests.taliware.helpers import person as taliware_person
from tests.wealthyhood.helpers import person as wealthyhood_person
from tests.wealthyhood.helpers import token_request

TIMEOUT = 30


def one_word(text: str) -> str:
    """`text` as an id every API takes: an API key without blanks, a well-formed Taliware tenant."""
    return re.sub(r"[^A-Za-z0-9_.-]", "-", text)[-64:].lstrip("-_.")


class LiveApi:
    """One provider's users, for one client (credential scope), on the live server."""

    name: str
    created_status: int
    deleted_status: int | None = None  # None: the API has no delete
    can_list = True

    def __init__(self, base_url: str, client_id: str) -> None:
        self.base_url = base_url
        self.client_id = one_word(client_id)

    def headers(self) -> dict[str, str]:
        """The client's credentials, for any request."""
        raise NotImplementedError

    def create_headers(self) -> dict[str, str]:
        return self.headers()

    def create_url(self) -> str:
        raise NotImplementedError

    def body(self, n: int, **overrides: Any) -> dict[str, Any]:
        raise NotImplementedError

    def create(self, session: requests.Session, n: int, **overrides: Any) -> requests.Response:
        body = self.body(n, **overrides)
        return session.post(self.create_url(), json=body, headers=self.create_headers(), timeout=TIMEOUT)

    def list_ids(self, session: requests.Session) -> set[str]:
        """Every user of the client (one page of up to 100 is all the suites ever make)."""
        raise NotImplementedError

    def get(self, session: requests.Session, user_id: str) -> requests.Response:
        raise NotImplementedError

    def delete(self, session: requests.Session, user_id: str) -> requests.Response:
        raise NotImplementedError


class Dots(LiveApi):
    name, created_status, deleted_status = "dots", 200, 200
    prefix = "/dots"

    def headers(self) -> dict[str, str]:
        token = base64.b64encode(f"{self.client_id}:sk_dev_secret".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def url(self, suffix: str = "") -> str:
        return f"{self.base_url}{self.prefix}/api/v2/users{suffix}"

    def create_url(self) -> str:
        return self.url()

    def body(self, n: int, **overrides: Any) -> dict[str, Any]:
        return dots_person(n, phone_number=f"415{n:07d}", **overrides)

    def list_ids(self, session):
        response = session.get(self.url("?limit=100"), headers=self.headers(), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        return {user["id"] for user in response.json()["data"]}

    def get(self, session, user_id):
        return session.get(self.url(f"/{user_id}"), headers=self.headers(), timeout=TIMEOUT)

    def delete(self, session, user_id):
        return session.delete(self.url(f"/{user_id}"), headers=self.headers(), timeout=TIMEOUT)


class DotsSandbox(Dots):
    name, prefix = "dots-sandbox", "/dots-sandbox"


class Dakota(LiveApi):
    name, created_status, deleted_status = "dakota", 201, 204

    def headers(self) -> dict[str, str]:
        return {"x-api-key": self.client_id}

    def create_headers(self) -> dict[str, str]:
        """With a new idempotency key: every create is a new request."""
        return {**self.headers(), "x-idempotency-key": str(uuid.uuid4())}

    def url(self, suffix: str = "") -> str:
        return f"{self.base_url}/dakota/users{suffix}"

    def create_url(self) -> str:
        return self.url()

    def body(self, n: int, **overrides: Any) -> dict[str, Any]:
        return dakota_person(n, **overrides)

    def list_ids(self, session):
        response = session.get(self.url("?limit=100"), headers=self.headers(), timeout=TIMEOUT)
        assert response.status_code == 200, response.text
        page = response.json()
        ids = {user["id"] for user in page["data"]}
        assert page["meta"]["total_count"] == len(ids)  # one page holds them all
        return ids

    def get(self, session, user_id):
        return session.get(self.url(f"/{user_id}"), headers=self.headers(), timeout=TIMEOUT)

    def delete(self, session, user_id):
        return session.delete(self.url(f"/{user_id}"), headers=self.headers(), timeout=TIMEOUT)


class Taliware(LiveApi):
    name, created_status = "taliware", 200

    def headers(self) -> dict[str, str]:
        return {"tenant": self.client_id, "X-API-Key": "key"}

    def body(self, n: int, **overrides: Any) -> dict[str, Any]:
        return taliware_person(n, **overrides)

    def create_url(self) -> str:
        return f"{self.base_url}/taliware/v1/cl2c/user"

    def list_ids(self, session):
        response = session.get(
            f"{self.base_url}/taliware/v1/cl2c/users", headers=self.headers(), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        return {user["id"] for user in response.json()}

    def get(self, session, user_id):
        url = f"{self.base_url}/taliware/v1/cl2c/users/{user_id}"
        return session.get(url, headers=self.headers(), timeout=TIMEOUT)


class Wealthyhood(LiveApi):
    """No list and no delete: a user is found again through GET /users/me."""

    name, created_status, can_list = "wealthyhood", 201, False

    def __init__(self, base_url: str, client_id: str) -> None:
        super().__init__(base_url, client_id)
        response = requests.post(
            f"{base_url}/wealthyhood/oauth/token", json=token_request(self.client_id), timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def body(self, n: int, **overrides: Any) -> dict[str, Any]:
        return wealthyhood_person(n, **overrides)

    def create_url(self) -> str:
        return f"{self.base_url}/wealthyhood/users"

    def get(self, session, user_id):
        url = f"{self.base_url}/wealthyhood/users/me"
        return session.get(url, headers={**self.headers(), "x-user-id": user_id}, timeout=TIMEOUT)


ALL_APIS: tuple[type[LiveApi], ...] = (Dots, DotsSandbox, Dakota, Taliware, Wealthyhood)
