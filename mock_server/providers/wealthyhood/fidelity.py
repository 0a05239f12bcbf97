"""What the Wealthyhood mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/wealthyhood.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

FACTS: tuple[Fact, ...] = (
    Fact(
        "`POST /users`: required `email` (unique), `firstName`, `lastName` (1-100 characters), "
        "`dateOfBirth` (YYYY-MM-DD), `residencyCountry` (two-letter ISO code); optional "
        "`address`, `taxResidency`",
        "seed 002",
    ),
    Fact(
        "response keys in the seed's order: `id`, `email`, `firstName`, `lastName`, "
        "`dateOfBirth`, `residencyCountry`, `emailVerified`, `kycStatus`, `createdAt`, "
        "`updatedAt`",
        "seed 002",
    ),
    Fact(
        "`address` and `taxResidency` echoed after `residencyCountry` when sent, left out when not",
        "seed 002 (fields), assumed (position, omission)",
    ),
    Fact(
        "`id` is a MongoDB ObjectId (pymongo's bson) whose embedded time is the creation time; "
        "`createdAt` is that time",
        "seed 002",
    ),
    Fact(
        "`emailVerified` false, `kycStatus` `pending` on creation (enum `pending`, `failed`, `passed`)",
        "seed 002",
    ),
    Fact("`createdAt` = `updatedAt`, UTC, whole seconds with `Z` (`2024-10-03T10:30:00Z`)", "seed 002"),
    Fact('create answers **201** (the seed says "User created successfully" but shows no code)', "assumed"),
    Fact(
        "`address` needs `line1`, `city`, `postalCode`, `countryCode`; `taxResidency` needs "
        "`countryCode`, `proofType`, `value`; each a non-empty string",
        "docs (fields), assumed (all required)",
    ),
    Fact(
        "`residencyCountry` and both `countryCode`s: an ISO 3166-1 alpha-2 code that exists "
        "(pycountry), upper case only",
        "seed 002 (ISO), assumed (case)",
    ),
    Fact(
        "`dateOfBirth` must be exactly `YYYY-MM-DD`, a real calendar date, and before today on "
        "the app's clock",
        "seed 002 (format), assumed (real, past)",
    ),
    Fact("`email` checked by marshmallow's email validator", "seed 002 (`string<email>`)"),
    Fact("unknown fields (top level and nested) are ignored and not echoed", "assumed"),
    Fact(
        'duplicate email (case-insensitively, per client): 409 `CONFLICT` "A user with this email '
        'already exists."',
        "seed 002 (unique), assumed (status, wording, case)",
    ),
    Fact(
        '`GET /users/me` with `x-user-id: <ObjectId>`: the user, or 404 `NOT_FOUND` "User not found."',
        "docs",
    ),
    Fact(
        "`x-user-id` missing or not 24 hex characters: 400 `BAD_REQUEST`; upper-case hex accepted",
        "assumed",
    ),
    Fact('error body `{"message", "code"}` with `BAD_REQUEST`, `NOT_FOUND`', "docs"),
    Fact(
        "codes `UNAUTHORIZED`, `FORBIDDEN`, `CONFLICT`, `METHOD_NOT_ALLOWED` (with `Allow`), "
        "`PAYLOAD_TOO_LARGE`, `INTERNAL_SERVER_ERROR`",
        "assumed",
    ),
    Fact(
        "one error at a time: the first failed field in declared order, named by its path "
        "(`address.city is required.`); wording",
        "assumed",
    ),
    Fact(
        "invalid JSON: `Request body is not valid JSON: <reason> at line L, column C.`; JSON that "
        "is not an object: `Request body must be a JSON object.`",
        "assumed",
    ),
    Fact("unknown route: 404 `Cannot GET /path` (Express's wording)", "assumed"),
    Fact("`Authorization: Bearer <token>` on every user route", "seed 002"),
    Fact(
        "`POST /oauth/token` client-credentials grant, JSON body `{grant_type, client_id, "
        'client_secret, audience}`, answer `{access_token, token_type: "Bearer", expires_in: '
        "3600, scope}`",
        "docs",
    ),
    Fact(
        "the token endpoint also takes form-encoded bodies and client credentials in HTTP Basic",
        "docs (Auth0, RFC 6749)",
    ),
    Fact("token responses carry `Cache-Control: no-store`, `Pragma: no-cache`", "docs (RFC 6749 5.1)"),
    Fact("any client id and secret are accepted", "assumed (stripe-mock's way)"),
    Fact(
        'token errors `{"error", "error_description"}`: missing `grant_type` 400 '
        "`invalid_request`, other grants 400 `unsupported_grant_type`, no client credentials 401 "
        "`invalid_client` (`WWW-Authenticate: Basic` when Basic was used), both Basic and "
        "`client_secret` 400 `invalid_request`",
        "docs (RFC 6749 5.2), assumed (wording)",
    ),
    Fact(
        "no `audience`: 403 `access_denied` (client credentials get no default audience); any "
        "audience accepted",
        "docs (Auth0), assumed (wording, any audience)",
    ),
    Fact(
        "scopes `read:users` (`GET /users/me`) and `write:users` (`POST /users`); all granted "
        "unless `scope` asks for fewer; an unknown requested scope is 403 `access_denied`",
        "assumed (real names unpublished)",
    ),
    Fact(
        "token: HS256 JWT with Auth0's client-credentials claims (`iss`, `sub: "
        "<client_id>@clients`, `aud`, `iat`, `exp`, `scope`, `gty`, `azp`); issuer "
        "`https://wealthyhood.mock-server.invalid/`",
        "docs (claims), assumed (HS256: Auth0 signs RS256; the mock publishes no JWKS)",
    ),
    Fact("expiry judged by the app's clock; refused on or after `exp`, before `nbf`", "docs (RFC 7519)"),
    Fact(
        "missing header, other scheme, not a JWT, bad signature on a token claiming the mock's "
        "issuer, expired: 401 `UNAUTHORIZED`; missing scope: 403 `FORBIDDEN`",
        "seed 002 (scopes), assumed (wording)",
    ),
    Fact(
        '`WWW-Authenticate: Bearer`, with `error="invalid_request"`, `"invalid_token"` or '
        '`"insufficient_scope"` (and `scope`)',
        "docs (RFC 6750 3)",
    ),
    Fact(
        "any well-formed JWT from another issuer is accepted unverified (its `exp`/`nbf` still "
        "checked, `scope` claim still needed); `--strict-auth` accepts only the mock's own",
        "assumed (issue 4)",
    ),
    Fact(
        "users scoped per token subject (`sub`, else `azp`): per client id for the mock's tokens",
        "assumed",
    ),
    Fact(
        "a seeded server signs with a key derived from the seed, so its tokens survive a restart; "
        "unseeded, a random key",
        "assumed",
    ),
    Fact("no idempotency key, no rate limit", "docs"),
    Fact(
        "fixture users: `id` a MongoDB ObjectId whose embedded time is `createdAt` (= "
        "`updatedAt`); `emailVerified` false, `kycStatus` `pending`",
        "seed 002 (fields), assumed (fixture values)",
    ),
    Fact(
        "the bundled users belong to client id `mockserver` (token subject `mockserver@clients`)",
        "assumed",
    ),
    Fact(
        "the document's security scheme: OAuth 2 client credentials, tokenUrl /oauth/token, "
        "scopes read:users and write:users",
        "docs (Auth0), assumed (scope names)",
    ),
    Fact(
        "a body that stalls: 408 `REQUEST_TIMEOUT`; one that ends early, or a bad Host: 400 `BAD_REQUEST`",
        "assumed",
    ),
)
