"""What the Dakota mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/dakota.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

FACTS: tuple[Fact, ...] = (
    Fact(
        "`POST /users` answers **201** with `id`, `first_name`, `last_name`, `email`, `role`, "
        "`created_at`, `is_super_admin` (only when true), `swift_enabled`, in that order",
        "seed 003",
    ),
    Fact(
        "required `first_name`, `last_name` (min length 1), `email` (email), `role` (`admin`|`viewer`)",
        "seed 003, spec",
    ),
    Fact(
        "`id` is a 27-character base62 KSUID whose embedded time is the creation second; "
        "`created_at` is that second in integer Unix time",
        "seed 003, spec",
    ),
    Fact(
        "`swift_enabled` is `false`; `is_super_admin` is never true for a user made through the "
        "API, so it is never sent; `client_id`/`client_name` (optional in the spec) are not sent",
        "assumed",
    ),
    Fact(
        "`x-api-key` header; missing, empty or with blanks inside: 401 `#authentication-error`, "
        'detail "Missing or invalid API key"',
        "docs",
    ),
    Fact(
        "any well-formed key is accepted; users, idempotency keys and rate-limit windows are per key",
        "assumed (stripe-mock's way)",
    ),
    Fact(
        "one user per email per API key, compared case-insensitively: 409 `#conflict`, title and "
        'detail "User already exists"',
        "spec (409), assumed (case)",
    ),
    Fact(
        "`x-idempotency-key` required on POST and PATCH, a canonical UUID; missing or not a UUID: "
        "400 `#invalid-request` with an `errors[]` entry for the header",
        "spec (required, uuid), assumed (body)",
    ),
    Fact(
        "same key, same API key, same request within 24 hours "
        "(`MOCK_SERVER_IDEMPOTENCY_TTL_SECONDS`): the stored status, `Content-Type` and body come "
        "back byte for byte and nothing runs again",
        'spec ("the original response will be returned"), docs (24 h)',
    ),
    Fact(
        "a replay carries `Idempotent-Replayed: true` (the spec names no replay header; Stripe's) "
        "and its own fresh `x-request-id`",
        "assumed",
    ),
    Fact(
        '"the same request" = method + path + body compared as JSON (spacing and key order do not matter)',
        "assumed",
    ),
    Fact(
        'same key with another body, or on another route: 422 `#validation-error` "Unprocessable entity"',
        "spec (type, title of its 422), assumed (status: IETF idempotency-key draft)",
    ),
    Fact(
        'a key whose first request is still running: 409 `#conflict` "Conflict - duplicate request detected"',
        "spec (title), assumed (when)",
    ),
    Fact(
        "a request refused before it runs (401, 429, bad key, body over the limit) reserves no "
        "key; 4xx answers of the request itself (400 validation, malformed JSON, 404, 409) are "
        "stored and replayed; a 500 is not stored, so a retry runs again",
        "issue (validation), assumed (the rest)",
    ),
    Fact(
        "at most `MOCK_SERVER_IDEMPOTENCY_MAX_KEYS` keys are kept (in two generations: when the "
        "newer half fills, the older half is dropped), and expired keys are dropped",
        "assumed",
    ),
    Fact(
        "errors are RFC 9457 `application/problem+json`: `type` "
        "(`https://docs.dakota.xyz/api-reference/errors#<anchor>`), `title`, `status`, `detail`, "
        "`instance`, `request_id`",
        "spec, docs",
    ),
    Fact(
        "`instance` is an absolute URL: `https://` + the real host the request was for + its path "
        "without our `/dakota` prefix (`https://api.platform.dakota.xyz/users`); through "
        "`api.platform.sandbox.dakota.xyz` it names the sandbox host, and every other request "
        "(prefix-mounted, or on a port of its own) the production host",
        "spec (format uri; its examples are absolute, on production's host), issue 14",
    ),
    Fact(
        "`instance` leaves out the query string, and percent-encodes the path (RFC 3986: `/users/caf%C3%A9`)",
        'assumed (the spec calls it "the request path"; none of its examples has a query)',
    ),
    Fact(
        'validation errors: title "Invalid Request", detail "One or more fields failed '
        'validation.", every failed field in `errors[]` as `{field, message, code}` in declared '
        "order",
        "docs",
    ),
    Fact(
        'field messages (`"first_name is required"`) and codes other than `invalid_format` '
        "(`required`, `invalid_type`, `too_short`, `invalid_value`, `out_of_range`)",
        "assumed",
    ),
    Fact(
        "`request_id` and the `x-request-id` header on every response, success or error: `req_` + "
        "a lower-case ULID",
        "spec (example `req_01hzy6y7v8w9x0y1z2a3b4c5d6`), issue (header)",
    ),
    Fact(
        'a body that is not a JSON object: 400 "Request body must be a valid JSON object" (with '
        "line and column when parsing stopped)",
        "assumed",
    ),
    Fact("unknown body fields and query parameters are ignored", "assumed"),
    Fact(
        "`GET /users`: `limit` 1-100 (default 20), `starting_after`/`ending_before` KSUID "
        "cursors, `search`, `created_at_from`/`created_at_to`, `roles`, `sort_by` "
        "`created_at|email|name|role` (default `created_at`), `sort_dir` (default `desc`); body "
        '`{"data", "meta": {"total_count", "has_more_after", "has_more_before"}}`',
        "spec",
    ),
    Fact(
        "`search` matches every word, case-insensitively, in first name, last name, email or id; "
        "`roles` is comma-separated and unknown roles match nothing (the spec's example asks for "
        "`admin,member`); the date range is inclusive and needs a time zone; ties in any sort "
        "keep creation order; `name` sorts by first then last name, case-insensitively",
        "assumed",
    ),
    Fact(
        "`total_count` counts every match on all pages; a cursor marks its place in the sorted "
        "list even when its user is filtered out; a cursor naming no user, or both cursors at "
        "once: 400",
        "assumed",
    ),
    Fact(
        "`GET /users/{user_id}` answers 200 with the user (the spec has no such operation; the docs list it)",
        "docs",
    ),
    Fact(
        "`PATCH /users/{user_id}` takes `first_name`, `last_name`, `role`; answers **204** "
        "without a body; other fields ignored",
        "spec",
    ),
    Fact("`DELETE /users/{user_id}` answers **204**, needs no idempotency key", "spec"),
    Fact(
        'unknown user, or another API key\'s: 404 `#not-found`, title and detail "User not found"; '
        "a `user_id` that is not a KSUID: 400",
        "spec (404), assumed (400)",
    ),
    Fact(
        'unknown route: 404 `#not-found` "Not Found"; wrong method: 405 `#method-not-allowed` '
        "with `Allow`; body too large: 413 `#payload-too-large`; crash: 500 `#internal-error` "
        '"Internal server error" without a trace',
        "spec (anchors, titles of 404/413/500), assumed (405, details)",
    ),
    Fact(
        "rate limit 60 a minute per API key, off unless `--rate-limit dakota=60/min`; every "
        "counted response has `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset` "
        "(absolute Unix seconds); 429 adds `Retry-After` (seconds)",
        "spec (info), docs (60/min)",
    ),
    Fact(
        '429 body: problem details `#rate-limit-exceeded` "Too Many Requests", detail "Too many '
        'requests. Please retry after the rate limit window resets."',
        "docs (detail wording), assumed (type, title)",
    ),
    Fact(
        "a fault rule's status carries that status's type and title: 401 `#authentication-error` "
        '"Unauthorized", 403 `#forbidden` "Forbidden", 404 `#not-found` "Not Found", 409 `#conflict` '
        '"Conflict", 422 `#validation-error` "Unprocessable entity", 429 `#rate-limit-exceeded` "Too '
        'Many Requests", 500 `#internal-error` "Internal server error", 501 `#not-implemented` "Not '
        'implemented", 502 `#provider-error` "Bad Gateway"; the detail repeats the title unless the '
        "rule gives a `message`",
        "spec (the examples' types, titles, title = detail; 502: POST /users's own example), "
        "assumed (429, as the rate limiter's)",
    ),
    Fact(
        'an injected 503 is `#service-unavailable` "Service Unavailable"; another status with no type '
        "of Dakota's is `#invalid-request` titled with its reason phrase (4xx), or `#internal-error` "
        '"Internal server error" (5xx)',
        'spec (503: the anchor; the spec also answers 503 as `#internal-error` "Service unavailable"), '
        "assumed (the rest)",
    ),
    Fact(
        "an injected 429 carries `Retry-After: 60` (the length of Dakota's one-minute window), with no "
        "`X-RateLimit-*` headers unless the rate limit is on",
        "spec (info: a 429 carries Retry-After), assumed (the value)",
    ),
    Fact(
        "fixed windows opening at a key's first request; refused requests do not count; requests "
        "without a key are not counted (they get 401); replays and unknown routes count",
        "assumed",
    ),
    Fact(
        "production and sandbox hosts share one store (API keys differ between them, so data does not mix)",
        "assumed",
    ),
    Fact(
        "fixture users: `id` a KSUID whose embedded second is `created_at`",
        "seed 003 (fields), assumed (they agree; the seed's own example pair does not)",
    ),
    Fact(
        "the bundled users belong to API key `dk_test_mockserver`",
        "spec (the `dk_live_` key shape), assumed (the `dk_test_` prefix)",
    ),
    Fact(
        "`first_name` / `last_name` have no maximum length: 10^5 characters are stored and echoed whole",
        "spec (minLength 1 only)",
    ),
    Fact(
        "operation ids (createClientUser, listClientUsers, updateClientUser, deleteClientUser), "
        "security scheme ApiKeyAuth (x-api-key), x-idempotency-key as a required uuid header",
        "spec",
    ),
    Fact(
        "GET /users/{user_id} (getClientUser), 413, 422 and 429 in the document, "
        "Idempotent-Replayed and X-RateLimit-* headers",
        "assumed",
    ),
    Fact(
        "a body that stalls: 408 `#request-timeout` (Request Timeout); one that ends early, or a bad "
        "Host: 400 `#invalid-request`",
        "assumed (not in the spec's anchors)",
    ),
)
