"""Every request a Dakota test sends through a `client` is checked against the spec's response contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.dakota.helpers import PRODUCTION, SANDBOX, check_contract


class ContractClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any):
        response = super().open(*args, **kwargs)
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "/")
        host = dict(kwargs.get("headers") or {}).get("Host", "")
        if path.startswith("/dakota") or host.split(":")[0].endswith("dakota.xyz"):
            sandbox = host.split(":")[0].lower() == urlsplit(SANDBOX).hostname or path.startswith(
                "/dakota-sandbox"
            )
            origin = SANDBOX if sandbox else PRODUCTION
            check_contract(kwargs.get("method", "GET").upper(), path.split("?")[0], response, origin)
        return response


@pytest.fixture
def app(app: Flask) -> Flask:
    app.test_client_class = ContractClient
    return app


@pytest.fixture
def make_app(clock: ManualClock) -> Callable[..., Flask]:
    """An app with other settings, on the test's clock, whose clients check the contract too."""

    def build(**config: Any) -> Flask:
        app = create_app({"seed": 1234, **config}, clock=clock)
        app.test_client_class = ContractClient
        return app

    return build
