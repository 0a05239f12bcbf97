"""Wealthyhood authenticates with Auth0 access tokens: a client-credentials grant at POST /oauth/token
issues a signed JWT, and every user route needs it as `Authorization: Bearer <token>` with the route's
scope. Expiry is judged by the app's clock, so tests expire tokens by moving the clock."""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote_plus

from flask import Request

from mock_server.base.clock import Clock
from mock_server.base.errors import MalformedBody
from mock_server.core.auth import Credential, basic_credentials, current_credential
from mock_server.core.http import body_bytes, read_json_object
from mock_server.providers.wealthyhood.errors import BearerTokenRejected, InsufficientScope, OAuthError

# The real scope names are not public (assumed): Auth0's "<action>:<resource>" convention.
READ_USERS = "read:users"
WRITE_USERS = "write:users"
ALL_SCOPES = (READ_USERS, WRITE_USERS)

# Auth0's subject for a client-credentials token: "<client_id>@clients".
CLIENT_SUBJECT = "{0}@clients"
ALGORITHM = "HS256"
TOKEN_LIFETIME_SECONDS = 3600
TOKEN_PARAMETERS = ("grant_type", "client_id", "client_secret", "audience", "scope")

MISSING_TOKEN = "Authorization header with a Bearer access token is required."
NOT_BEARER = "Authorization header must be of the form: Bearer <access token>."
NOT_A_JWT = "Access token is not a well-formed JWT."
BAD_SIGNATURE = "Access token signature is invalid."
NOT_ISSUED_HERE = "Access token was not issued by this server."
EXPIRED = "Access token has expired."
NOT_YET_VALID = "Access token is not valid yet."
BAD_TIME_CLAIM = "Access token claim {name} must be a number."
INSUFFICIENT_SCOPE = "Insufficient scope: this route needs {scope}."

MISSING_GRANT_TYPE = "Missing required parameter: grant_type"
UNSUPPORTED_GRANT_TYPE = "Unsupported grant type: {grant_type}"
NOT_A_STRING = "Parameter {name} must be a string."
UNREADABLE_BODY = "Request body must be a JSON object or application/x-www-form-urlencoded."
CLIENT_AUTH_FAILED = "Client authentication failed: client_id and client_secret are required."
TWO_AUTH_METHODS = (
    "Use one client authentication method: the Authorization header or client_secret in the body."
)
NO_AUDIENCE = "No audience parameter was provided, and no default audience has been configured"
SCOPES_NOT_GRANTED = "Client has not been granted scopes: {scopes}"


@dataclass(frozen=True)
class AuthTenant:
    """The Auth0 tenant of one Wealthyhood environment: each environment has its own, so a token the
    sandbox issued is not the production mock's own (and the other way round)."""

    # An Auth0 issuer is the tenant's URL; the mock's are under .invalid (RFC 2606), so never real.
    issuer: str
    # The audience of the tokens the mock hands out itself (credential_headers); any is accepted.
    audience: str
    # Names the environment in the seeded signing key, so two environments never share a key.
    key_name: str


PRODUCTION_TENANT = AuthTenant(
    "https://wealthyhood.mock-server.invalid/", "https://api.wealthyhood.com", "wealthyhood"
)
SANDBOX_TENANT = AuthTenant(
    "https://wealthyhood-sandbox.mock-server.invalid/",
    "https://api.sandbox.wealthyhood.com",
    "wealthyhood-sandbox",
)


@dataclass(frozen=True)
class TokenRequest:
    client_id: str
    audience: str
    scopes: tuple[str, ...]


class TokenAuthority:
    """Issues and verifies the mock's access tokens. By default it also accepts any well-formed JWT
    another issuer made, unverified, so a test can mint its own; `strict` accepts only its own."""

    def __init__(
        self,
        clock: Clock,
        *,
        strict: bool,
        seed: int | None,
        tenant: AuthTenant = PRODUCTION_TENANT,
        secret: bytes | None = None,
    ) -> None:
        self._clock = clock
        self._strict = strict
        self.tenant = tenant
        # A seeded server signs with a key derived from the seed, so its tokens survive a restart; else
        # with `secret` (the store's: shared by every worker and replica on it), else a random one.
        if seed is not None:
            self._key = hashlib.sha256(f"mock-server {tenant.key_name} signing key {seed}".encode()).digest()
        else:
            self._key = secret or secrets.token_bytes(32)

    def issue(self, grant: TokenRequest) -> str:
        import jwt  # imported on first use: start-up does not pay for it

        now = int(self._clock.now().timestamp())
        claims = {  # the claims of an Auth0 client-credentials access token
            "iss": self.tenant.issuer,
            "sub": CLIENT_SUBJECT.format(grant.client_id),
            "aud": grant.audience,
            "iat": now,
            "exp": now + TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(grant.scopes),
            "gty": "client-credentials",
            "azp": grant.client_id,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or BearerTokenRejected."""
        claims = _unverified_claims(token)
        ours = claims.get("iss") == self.tenant.issuer
        if self._strict and not ours:
            raise BearerTokenRejected(NOT_ISSUED_HERE)
        if ours:
            self._check_signature(token)
        self._check_lifetime(claims)
        return claims

    def _check_signature(self, token: str) -> None:
        import jwt

        # Only the signature: time is judged against the app's clock, not PyJWT's wall clock.
        checks_off = ("exp", "nbf", "iat", "aud", "iss", "sub", "jti")
        options: Any = {f"verify_{name}": False for name in checks_off}
        try:
            jwt.decode(token, self._key, algorithms=[ALGORITHM], options=options)
        except jwt.PyJWTError:
            raise BearerTokenRejected(BAD_SIGNATURE) from None

    def _check_lifetime(self, claims: Mapping[str, Any]) -> None:
        for name in ("exp", "nbf"):
            value = claims.get(name, 0)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise BearerTokenRejected(BAD_TIME_CLAIM.format(name=name))
        now = self._clock.now().timestamp()
        if "exp" in claims and now >= claims["exp"]:  # RFC 7519: not accepted on or after exp
            raise BearerTokenRejected(EXPIRED)
        if "nbf" in claims and now < claims["nbf"]:
            raise BearerTokenRejected(NOT_YET_VALID)


def _unverified_claims(token: str) -> dict[str, Any]:
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise BearerTokenRejected(NOT_A_JWT) from None
    if not isinstance(header.get("alg"), str):  # RFC 7515: every JWS header names its algorithm
        raise BearerTokenRejected(NOT_A_JWT)
    return claims


def data_partition(claims: Mapping[str, Any]) -> str:
    """Users are scoped per client: Auth0 puts `<client_id>@clients` in `sub` (and the id in `azp`)."""
    for name in ("sub", "azp"):
        value = claims.get(name)
        if isinstance(value, str) and value:
            return value
    return ""


class TokenHolder(Protocol):
    """The backend, as auth sees it: the app's own token authority."""

    tokens: TokenAuthority


def bearer_headers(backend: TokenHolder, scope: str) -> dict[str, str]:
    """A token this app's authority issued (so --strict-auth accepts it too), with every scope, whose
    data partition is `scope`: a partition is a token's subject, "<client_id>@clients", so a bare name is
    taken as the client id."""
    client_id = scope.removesuffix(CLIENT_SUBJECT.format(""))
    token = backend.tokens.issue(TokenRequest(client_id, backend.tokens.tenant.audience, ALL_SCOPES))
    return {"Authorization": f"Bearer {token}"}


def verify_bearer(request: Request, backend: TokenHolder) -> Credential:
    authority = backend.tokens
    header = request.headers.get("Authorization", "").strip()
    if not header:
        raise BearerTokenRejected(MISSING_TOKEN, challenge_error=None)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BearerTokenRejected(NOT_BEARER, challenge_error="invalid_request")
    claims = authority.verify(token.strip())
    return Credential(scope=data_partition(claims), claims=claims)


def granted_scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    scope = claims.get("scope")
    return frozenset(scope.split()) if isinstance(scope, str) else frozenset()


def requires_scope(scope: str) -> Callable[[Callable], Callable]:
    """Refuse (403) a caller whose token lacks `scope`; authentication has already run."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if scope not in granted_scopes(current_credential().claims):
                raise InsufficientScope(INSUFFICIENT_SCOPE.format(scope=scope), scope)
            return view(*args, **kwargs)

        return checked

    return decorate


# --- the token endpoint ----------------------------------------------------------------------------


def read_token_request(request: Request) -> TokenRequest:
    """A client-credentials grant, as Auth0 takes it: JSON or form-encoded, with the client's
    credentials in the body or in HTTP Basic. Any client id and secret are accepted (assumed)."""
    params = _token_parameters(request)
    grant_type = params.get("grant_type")
    if not grant_type:
        raise OAuthError(400, "invalid_request", MISSING_GRANT_TYPE)
    if grant_type != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", UNSUPPORTED_GRANT_TYPE.format(grant_type=grant_type))
    client_id = _authenticated_client(request, params)
    audience = params.get("audience")
    if not audience:  # Auth0 applies no default audience to the client-credentials grant
        raise OAuthError(403, "access_denied", NO_AUDIENCE)
    return TokenRequest(client_id, audience, _scopes_to_grant(params.get("scope")))


def _token_parameters(request: Request) -> dict[str, Any]:
    raw = body_bytes()  # read (and cached) first, so the form is parsed from it and it stays for the journal
    if request.mimetype == "application/x-www-form-urlencoded":
        params: dict[str, Any] = request.form.to_dict()
    elif not raw.strip():
        params = {}  # no body: every parameter is missing, which the checks below name
    else:
        try:
            params = read_json_object()
        except MalformedBody:
            raise OAuthError(400, "invalid_request", UNREADABLE_BODY) from None
    for name in TOKEN_PARAMETERS:
        if name in params and not isinstance(params[name], str):
            raise OAuthError(400, "invalid_request", NOT_A_STRING.format(name=name))
    return params


def _authenticated_client(request: Request, params: Mapping[str, str]) -> str:
    """The client id, from HTTP Basic (client_secret_basic) or the body (client_secret_post)."""
    uses_header = bool(request.headers.get("Authorization"))
    if uses_header:
        credentials = basic_credentials(request.headers.get("Authorization"))
        if credentials is None:  # not Basic, or a malformed one (RFC 7617: no colon, not base64)
            raise OAuthError(401, "invalid_client", CLIENT_AUTH_FAILED, basic_challenge=True)
        if "client_secret" in params:  # RFC 6749 section 2.3: one method per request
            raise OAuthError(400, "invalid_request", TWO_AUTH_METHODS)
        # RFC 6749 section 2.3.1: both are form-encoded before they are base64-encoded.
        client_id, secret = (unquote_plus(part) for part in credentials)
    else:
        client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
    if not client_id or not secret:
        raise OAuthError(401, "invalid_client", CLIENT_AUTH_FAILED, basic_challenge=uses_header)
    return client_id


def _scopes_to_grant(requested: str | None) -> tuple[str, ...]:
    """Every scope when none is asked for (as Auth0 grants a client all its authorized scopes);
    otherwise the ones asked for, each of which must exist."""
    if not requested or not requested.split():
        return ALL_SCOPES
    names = requested.split()
    unknown = [name for name in dict.fromkeys(names) if name not in ALL_SCOPES]
    if unknown:
        raise OAuthError(403, "access_denied", SCOPES_NOT_GRANTED.format(scopes=" ".join(unknown)))
    return tuple(scope for scope in ALL_SCOPES if scope in names)
