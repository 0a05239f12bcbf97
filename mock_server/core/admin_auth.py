"""The admin token (--admin-token): with one set, every path under /__admin, the dashboard included, asks
for it: `Authorization: Bearer <token>` (or `X-Admin-Token: <token>`) from a script, a cookie set by the
login form from a browser. The emulated APIs never ask for it.

Enforced by one hook on the whole app, by path, not by route: a route added later, a blueprint of its
own under /__admin (the dashboard's) and a path that matches no route at all are all covered. The token
itself is never stored in the cookie, written to a page, or echoed in an answer."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, redirect, render_template, request

from mock_server.core.dashboard import UI_PREFIX
from mock_server.core.http import json_response
from mock_server.core.routing import OWN_PATH_PREFIX
from mock_server.core.state import current_state

LOGIN_PATH = UI_PREFIX + "/login"
HEALTH_PATH = OWN_PATH_PREFIX + "/health"
COOKIE_NAME = "mock_server_admin"
TOKEN_HEADER = "X-Admin-Token"  # for a call whose Authorization header carries a provider credential
# What the cookie holds: an HMAC of this label keyed with the token. It proves the token was given
# without being it, and changes when the token does (a restart with a new token logs everyone out).
COOKIE_LABEL = b"mock-server admin session v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Marks a request the token was given with; /__admin/health shows its details only then.
AUTHORIZED = "mock_server.admin_authorized"
REFUSED = (
    f"This admin API requires the admin token: send Authorization: Bearer <token>, or log in at {LOGIN_PATH}."
)
WRONG_TOKEN = "That is not the admin token."


def tokens_match(given: str | None, expected: str) -> bool:
    """Whether `given` is the token, compared in constant time, so the time an answer takes does not
    tell an attacker how much of a guess was right."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def cookie_value(token: str) -> str:
    return hmac.new(token.encode(), COOKIE_LABEL, hashlib.sha256).hexdigest()


def _bearer() -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else None


def _authorized(token: str) -> bool:
    if tokens_match(_bearer(), token):
        # The admin token is not a provider credential: the admin routes that map the Authorization
        # header to a credential's scope (reset, journal...) must not take it for one.
        request.environ.pop("HTTP_AUTHORIZATION", None)
        return True
    if tokens_match(request.headers.get(TOKEN_HEADER), token):
        return True
    cookie = request.cookies.get(COOKIE_NAME)
    return tokens_match(cookie, cookie_value(token)) and _same_origin_or_safe()


def _same_origin_or_safe() -> bool:
    """A cookie is sent by the browser on its own: a change it carries must come from a page of this
    server, not from another one on this host (SameSite=Strict does not tell ports apart)."""
    origin = request.headers.get("Origin")
    if request.method in SAFE_METHODS or origin is None:
        return True
    return urlsplit(origin).netloc == request.host


def _is_admin_path(path: str) -> bool:
    return path == OWN_PATH_PREFIX or path.startswith(OWN_PATH_PREFIX + "/")


def _exempt(path: str) -> bool:
    """The login page, and health: a probe (Docker's HEALTHCHECK, compose, a load balancer) must not need
    the secret; without it, health says only whether the server is up (see admin.health)."""
    return path in (LOGIN_PATH, HEALTH_PATH) or _is_preflight()


def _is_preflight() -> bool:
    """A browser's CORS preflight never carries credentials, and says nothing: refusing it would stop a
    script of another origin that has the token from ever sending it."""
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def refusal() -> Response:
    """401 in the admin API's error shape; a browser asking for a dashboard page is sent to log in."""
    if request.method == "GET" and request.path.startswith(UI_PREFIX + "/"):
        return redirect(LOGIN_PATH, 303)
    return json_response({"error": REFUSED}, 401, {"WWW-Authenticate": 'Bearer realm="mock-server admin"'})


def admin_authorized() -> bool:
    """Whether this request may see everything the admin API shows: no token is set, or it gave it."""
    return bool(request.environ.get(AUTHORIZED)) or current_state().config.admin_token is None


def init_admin_auth(app: Flask, token: str | None) -> None:
    """The hook that asks for the token, and the login form; nothing at all when no token is set."""
    app.register_blueprint(build_login_blueprint(token), url_prefix=UI_PREFIX)
    if token is None:
        return

    @app.before_request
    def require_admin_token() -> Response | None:
        if not _is_admin_path(request.path):
            return None  # the emulated APIs
        if _authorized(token):
            request.environ[AUTHORIZED] = True
            return None
        return None if _exempt(request.path) else refusal()


def build_login_blueprint(token: str | None) -> Blueprint:
    login = Blueprint("admin_login", __name__, template_folder="ui/templates")

    @login.get("/login")
    def login_form() -> Response | str:
        if token is None:
            return redirect(UI_PREFIX + "/", 303)  # nothing to log in to
        return render_template("admin_login.html", message=None)

    @login.post("/login")
    def log_in() -> Response | tuple[str, int]:
        if token is None:
            return redirect(UI_PREFIX + "/", 303)
        if not tokens_match(request.form.get("token"), token):
            return render_template("admin_login.html", message=WRONG_TOKEN), 401
        response = redirect(UI_PREFIX + "/", 303)
        response.set_cookie(
            COOKIE_NAME,
            cookie_value(token),
            path=OWN_PATH_PREFIX,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
        )
        return response

    return login
