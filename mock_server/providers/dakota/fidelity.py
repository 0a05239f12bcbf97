"""What the Dakota mock does, and the source of each behaviour: the rows of the fidelity
table in docs/providers/dakota.md, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

USER_FACTS: tuple[Fact, ...] = (
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
        "production (`/dakota`, `api.platform.dakota.xyz`) and the sandbox (`/dakota-sandbox`, "
        "`api.platform.sandbox.dakota.xyz`) are two environments, each with its own store and webhook "
        "signing key, as Dots and Wealthyhood are",
        "docs (two hosts, two public keys), issue 15",
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

WEBHOOK_FACTS: tuple[Fact, ...] = (
    Fact(
        "`POST/GET /webhooks/targets`, `GET/PATCH/DELETE /webhooks/targets/{webhook_target_id}`, "
        "`GET /events`, `GET /webhooks`, `GET /webhooks/{event_id}`, "
        "`POST /webhooks/events/{event_id}/replay`; `x-api-key` on each, data per key",
        "spec",
    ),
    Fact(
        "`x-idempotency-key` (a UUID) required on target create and patch; not on replay",
        'spec (per operation; the preamble\'s "all POST" is not applied to replay: assumed)',
    ),
    Fact(
        "a target: `url` required, an absolute `http` or `https` URL (plain http allowed, for a "
        "local receiver); `global` default false; `event_types` from the spec's 40 `EventType`s; "
        "unknown type: 400 with `errors[]` entry `event_types.N`",
        "spec, assumed (http, field path)",
    ),
    Fact(
        "`PATCH` changes `global` and `event_types`; a `url` in it is refused (400, field `url`) "
        'rather than ignored; 404 title and detail "Webhook target not found"',
        "spec (no `url` in the update), assumed (refused)",
    ),
    Fact(
        "`time_last_healthy` and `time_last_attempted` start at the creation time, then follow the "
        "last successful and the last attempted delivery",
        "spec (descriptions; its examples show 0)",
    ),
    Fact(
        "`event_types` not given: sent as absent; a target that is not `global` and lists no type "
        "gets every event",
        'docs ("defaults to all events if not specified"), assumed (empty list)',
    ),
    Fact(
        "user routes emit `user.created` (`{user_id, email}`), `user.updated` (`{user_id, email}`) "
        "and `user.deleted` (`{user_id}`) in `data.object`; no `previous_attributes`, no `metadata`",
        "spec examples, Go SDK `UserData` (email on created: assumed)",
    ),
    Fact(
        "an event has `request: {id, idempotency_key}` of the API call that caused it; a replayed "
        "idempotent request runs nothing and emits nothing",
        "spec (EventRequest), assumed (always sent)",
    ),
    Fact(
        "`GET /events`: newest first, `limit` 1..100 (20), KSUID cursors `starting_after`/`ending_before`, "
        "`meta`; the newest 10,000 events of a key, and 20,000 of all keys, are kept",
        "spec (params, meta), assumed (order, bound)",
    ),
    Fact(
        "delivery: `POST` of the compact JSON envelope (UTF-8, not ASCII-escaped, as `JSON.stringify` "
        "writes it), `Content-Type: application/json`, `X-Webhook-Signature`, `X-Webhook-Timestamp`, "
        "`X-Dakota-Event-ID` (the event id); replays add `X-Webhook-Replay: true`",
        "docs, spec (replay header), assumed (serialisation)",
    ),
    Fact(
        "signature: standard base64 of Ed25519 over the timestamp's decimal string followed by the "
        "body bytes, no separator; the timestamp is the wall clock at each attempt (signed afresh)",
        "Go and TS SDKs, docs, assumed (per attempt)",
    ),
    Fact(
        "the mock signs with its own key per environment: `MOCK_SERVER_DAKOTA_WEBHOOK_SIGNING_KEY` "
        "(and `..._DAKOTA_SANDBOX_...`), else derived from `--seed`, else random, kept "
        "in the store (so a shared Redis sandbox's replicas and restarts sign alike); the "
        "public key (64 hex, for `DAKOTA_WEBHOOK_PUBLIC_KEY`) is in the banner and "
        "`GET /__admin/webhooks`",
        "issue 15 (Dakota's private keys are not public)",
    ),
    Fact(
        "success is any 2xx within `MOCK_SERVER_WEBHOOK_TIMEOUT_SECONDS` (10); a redirect is a "
        "failure; retries after 30 s, 2 m, 10 m, 30 m, 1 h, 3 h, 6 h, 12 h, 24 h "
        "(`MOCK_SERVER_WEBHOOK_RETRY_SCHEDULE`): 10 attempts over about 48 hours, then `failed`",
        "assumed (integrators report ~10 attempts over ~48 h)",
    ),
    Fact(
        "at most `MOCK_SERVER_WEBHOOK_CONCURRENCY` (8) attempts at once and "
        "`MOCK_SERVER_WEBHOOK_QUEUE_SIZE` (10,000) deliveries pending; a delivery made when the "
        "queue is full is recorded `failed`, never attempted, and the API call still succeeds",
        "assumed",
    ),
    Fact(
        "`GET /webhooks`: one record per event, target and replay, of the last 30 days (`from` "
        "clamped to it), grouped by event, the event with the newest record first; `status`, "
        "`event_type`, `from`, `to` (whole seconds), `limit`; `cursor` is the previous page's last event "
        "id and the next page starts after that event's records, so a page ends at an event's last "
        "record unless one event fills it alone (then the cursor is `<event id>:<records shown>`); a "
        'cursor naming nothing: 400 "Invalid query parameters"',
        "spec, assumed (grouping, split cursor)",
    ),
    Fact(
        "`GET /webhooks/{event_id}`: the first target's original record; 404 title and detail "
        '"Webhook delivery record not found"',
        "spec",
    ),
    Fact(
        'replay: 200 `{webhook_id, status: "queued", replayed_to_count}` to every target that '
        "selects the event now, new records with `is_replay: true`; `replay_count` counts them; "
        'the eleventh: 409 "Replay limit exceeded"; a replay that no target selects answers '
        "`replayed_to_count: 0` and counts too; an event no longer in the stream (see `/events`): 404",
        "spec, assumed (zero targets, stream bound)",
    ),
    Fact(
        'the replay\'s "operator" role is not checked (API keys have no roles here)',
        "assumed",
    ),
    Fact(
        "target URLs may name any host; `MOCK_SERVER_WEBHOOK_ALLOWED_HOSTS` limits them (400, field `url`)",
        "assumed (for a shared sandbox)",
    ),
)

SECTIONS = (("Users", USER_FACTS), ("Webhooks and events", WEBHOOK_FACTS))
FACTS = USER_FACTS + WEBHOOK_FACTS
