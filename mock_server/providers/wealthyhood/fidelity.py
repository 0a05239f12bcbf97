"""What the Wealthyhood mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/wealthyhood.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

FACTS: tuple[Fact, ...] = (
    Fact(
        "two environments, each with its own store and Auth0 tenant: production at `/wealthyhood` and "
        "`api.wealthyhood.com`, the sandbox at `/wealthyhood-sandbox` and `api.sandbox.wealthyhood.com`",
        "docs (hosts), assumed (separate stores, as Dots has)",
    ),
    Fact(
        "`POST /users`: required `email` (unique), `firstName`, `lastName` (1-100 characters), "
        "`dateOfBirth` (YYYY-MM-DD), `residencyCountry` (two-letter ISO code); optional "
        "`address`, `taxResidency`",
        "seed 002",
    ),
    Fact(
        "`POST /users` also takes `language` (`en` or `el`), `nationality` (ISO code) and "
        "`employmentInfo` (`incomeRangeId`, `employmentStatus`, `sourcesOfWealth` required; `industry` "
        "when `employmentStatus` is `FullTime`, `PartTime` or `SelfEmployed`)",
        "docs",
    ),
    Fact(
        "`employmentInfo` optional on create (one version of the page says required, another optional; "
        "seed 002 creates a user without it); its values free text (none are published), "
        "`sourcesOfWealth` a non-empty list of non-empty strings; `industry` kept for any other status",
        "seed 002, docs, assumed (values, list rules)",
    ),
    Fact(
        "response keys in the seed's order: `id`, `email`, `firstName`, `lastName`, "
        "`dateOfBirth`, `residencyCountry`, `emailVerified`, `kycStatus`, `createdAt`, "
        "`updatedAt`",
        "seed 002",
    ),
    Fact(
        "the docs' fields after `residencyCountry`: `language`, `nationalities`, then `address`, "
        "`taxResidency`, `employmentInfo` when sent (left out when not), then `portfolios`",
        "docs (fields), assumed (position, omission)",
    ),
    Fact(
        "`language` `en` when none was sent; `nationalities` `[nationality]`, or `[]`; `portfolios` `[]` "
        "for a new user",
        "docs (`portfolios` example `[]`), assumed (defaults)",
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
    Fact(
        'create answers **201** (the seed says "User created successfully" but shows no code); so do '
        "`POST /bank-accounts`, `POST /test/users` and `POST /test/deposits`",
        "assumed",
    ),
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
    Fact(
        "`PATCH /users/me/employment-info` (`x-user-id`) with `{employmentInfo}` (required, checked as on "
        "create): the info replaced whole; answers **200** with the user, its `updatedAt` moved",
        "docs (route, body), assumed (status, body, replace)",
    ),
    Fact(
        "a wallet is provisioned with every user (fixture users too); `GET /wallets?owner=<id>` answers "
        "`{id, owner, iban, status, createdAt, updatedAt}`; `x-user-id` is not read there",
        "docs",
    ),
    Fact(
        "wallet `status` `created` until `MOCK_SERVER_WEALTHYHOOD_WALLET_ACTIVATION_SECONDS` (5 by "
        "default; `..._WEALTHYHOOD_SANDBOX_...` for the sandbox) have passed on the app's clock, then "
        "`active`, its `updatedAt` the moment it became so; never `delayed`, `deactivated` or `closed`",
        "docs (statuses), assumed (lifecycle, delay)",
    ),
    Fact(
        "a wallet's id is `wal_` and an ObjectId of its owner's creation time; its IBAN a valid Greek "
        "one (schwifty) at the docs' example bank and branch (NBG, 011 0125): both derived from the "
        "owner's id, so a bundled user's wallet is the same on every start",
        "docs (formats, example IBAN), assumed (derivation)",
    ),
    Fact(
        "`owner` missing or not 24 hex characters: 400 `BAD_REQUEST`; no such user of this client: 404 "
        '`NOT_FOUND` "Wallet not found."',
        "assumed",
    ),
    Fact(
        "`POST /bank-accounts` (`x-user-id`): `holderName` (1-100) and the IBAN as `iban` or as "
        "`accountNumber` (the cash-movements guide's body, whose `accountName` is read but not shown); "
        "answers `{id, owner, holderName, iban, currency, bic, bankName}`, `currency` `EUR`",
        "docs (fields), assumed (request body: the reference page's is not visible)",
    ),
    Fact(
        "the IBAN checked by schwifty (check digits, length, national check digits), spaces and lower "
        "case taken, answered compact; `bic` and `bankName` from schwifty's bank registry; a bank it "
        "lacks: `bic` null, `bankName` the one sent (or null)",
        "docs (derived from BIC), assumed (library, unknown banks)",
    ),
    Fact(
        'an IBAN already linked to the user: 409 `CONFLICT` "A bank account with this IBAN is already '
        'linked to the user."; another user may link it',
        "assumed",
    ),
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
        "scopes `read:users` (the `GET` routes) and `write:users` (the others); all granted "
        "unless `scope` asks for fewer; an unknown requested scope is 403 `access_denied`",
        "docs (`read:users`), assumed (`write:users`, which route needs which)",
    ),
    Fact(
        "token: HS256 JWT with Auth0's client-credentials claims (`iss`, `sub: "
        "<client_id>@clients`, `aud`, `iat`, `exp`, `scope`, `gty`, `azp`); issuer "
        "`https://wealthyhood.mock-server.invalid/`, the sandbox's "
        "`https://wealthyhood-sandbox.mock-server.invalid/`",
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
        "a seeded server signs with a key derived from the seed and the environment, so its tokens "
        "survive a restart and one environment's never pass as the other's; unseeded, a random key",
        "assumed",
    ),
    Fact("no idempotency key, no rate limit", "docs"),
    Fact(
        "fixture users: `id` a MongoDB ObjectId whose embedded time is `createdAt` (= "
        "`updatedAt`); `emailVerified` false, `kycStatus` `pending`, `language` `en`, UK nationals",
        "seed 002 (fields), assumed (fixture values)",
    ),
    Fact(
        "the bundled users (five per environment) belong to client id `mockserver` (token subject "
        "`mockserver@clients`)",
        "assumed",
    ),
    Fact(
        "test routes in the sandbox only; production answers them as any unknown route (404 `Cannot "
        "POST /test/users`); an M2M token, no `x-user-id`",
        "docs",
    ),
    Fact(
        '`GET /test/help/statuses`: `{"statuses": ["INVESTED", "INVESTED_WITH_CASH", '
        '"INVESTED_WITH_SAVINGS"]}`; `POST /test/users` takes only these (not `FULL_USER_NBG`)',
        "docs",
    ),
    Fact(
        "`POST /test/users` `{email, status, props?}` answers `{user: {_id, email, status, currency: "
        '"EUR", portfolios}}`; `props.firstName`/`lastName` 1-100, random names (seeded) when not given',
        "docs",
    ),
    Fact(
        "a test user is a whole user (`GET /users/me`): a Greek resident, `language` `en`, KYC "
        "`passed`, email verified, a portfolio of the docs' example holdings (Apple 12.5, "
        "etf_vanguard_snp500 8), an account at Alpha Bank, a wallet active at once",
        'docs ("with all associated data", examples), assumed (values)',
    ),
    Fact(
        "`POST /test/deposits` `{userId, amount, bankAccountId? | bankAccount?}` answers `{id: dep_…, "
        'amount (cents), currency, status: "Settled", reference (16 alphanumerics), createdAt}`',
        "docs",
    ),
    Fact(
        '`amount` a JSON number above 0 with at most two decimals (100.505 and "100.50" refused); '
        "`bankAccountId` and `bankAccount` not both",
        "docs (> 0, not both), assumed (decimals, strings)",
    ),
    Fact(
        "the deposit's account: `bankAccountId` (one of the user's, else 404 \"Bank account not "
        'found"), `bankAccount` details (an account with the same IBAN reused, else linked), or the '
        'user\'s first; none: 400 "User has no bank account: send bankAccountId or bankAccount"',
        "docs (order, 400), assumed (wording)",
    ),
    Fact(
        'unknown user: 404 `{"message": "User not found", "code": "NOT_FOUND"}` (no full stop, as '
        'printed); a user without a portfolio (any `POST /users` user): 400 "User has no portfolio"',
        "docs (404), assumed (400 and its wording)",
    ),
    Fact(
        "portfolio and deposit timestamps with milliseconds (`2024-01-15T10:30:00.000Z`), users' and "
        "wallets' in whole seconds",
        "docs (examples)",
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
