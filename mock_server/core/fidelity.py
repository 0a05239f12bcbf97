"""What the sandbox does for every provider, and the source of each behaviour: the rows of
docs/sandbox.md's fidelity tables, which tools/docs.py renders from here."""

from mock_server.base.fidelity import Fact

# The admin API, faults, documents and request handling that every provider shares.
FACTS: tuple[Fact, ...] = (
    Fact("secret fields masked in journaled bodies and query strings, as credential headers are", "assumed"),
    Fact(
        "a full reset also clears fault rules, so one test's faults never leak into the next",
        "assumed (WireMock's way)",
    ),
    Fact(
        "a reset (of everything, a provider or one credential's scope) loads again the fixture users loaded"
        " at start that belong to what it reset: back to the start state",
        "assumed (WireMock's and moto's reset)",
    ),
    Fact(
        "an injected `status` is answered as the provider answers that status itself: its own code, "
        "type, title and headers (a 401 is Dots' `unauthorized`, Wealthyhood's `UNAUTHORIZED`, "
        "Dakota's `#authentication-error`, Taliware's ErrorResult from its API-key handler); a status "
        "the provider has no error of gets a code named after it (Dots `bad-gateway`, Wealthyhood "
        "`BAD_GATEWAY`, the reason phrase in upper snake case); a rule's `message` replaces the wording",
        "issue 14, assumed (the codes a provider does not document)",
    ),
    Fact(
        "an injected 405 carries an empty `Allow` (the resource allows no method while the rule lasts); "
        "Wealthyhood's injected 401 carries `WWW-Authenticate: Bearer` as its own 401s do; every "
        "provider's 429, injected or counted, carries one `Retry-After` (60 for an injected one)",
        "RFC 9110 sections 10.2.1 and 11.6.1, RFC 6750 section 3, RFC 6585 section 4",
    ),
    Fact(
        "a dropped connection (`drop` rule) is journaled with `status` null and `dropped` true, and an "
        "empty `response_body`: the client saw no status line; every other entry has `dropped` false",
        "issue 14, assumed (the fields)",
    ),
    Fact(
        "an OpenAPI 3.1 document at `<prefix>/openapi.json` (`/openapi.json` through a real host "
        "or served alone), and `GET /__admin/openapi`",
        "assumed (the mock's own; the real APIs publish theirs elsewhere)",
    ),
    Fact(
        "a document lists only the statuses the mock answers on purpose: no 5xx (the mock never "
        "crashes on input) and none of the fault rules' statuses",
        "assumed",
    ),
    Fact(
        "unlisted methods (405 with `Allow`) and unknown paths (404) are not operations of the document",
        "assumed",
    ),
    Fact(
        "request schemas leave unknown fields open (they are ignored); response schemas are "
        "closed (`additionalProperties: false`): the mock sends nothing else",
        "assumed (matches the code)",
    ),
    Fact(
        "a body is read as UTF-8 whatever its bytes look like (a UTF-8 byte-order mark is "
        "skipped; UTF-16 or UTF-32 is never guessed): a UTF-16 body is malformed JSON at line 1, "
        "column 1",
        "assumed (the real stacks read UTF-8)",
    ),
    Fact(
        "a chunked body that runs past the size limit is 413 in the provider's shape, like a declared one",
        "assumed",
    ),
    Fact(
        "a declared `Content-Length` over the limit is answered 413 without the body being read "
        "or waited for (also with `Expect: 100-continue`: no `100 Continue` is sent)",
        "issue 7",
    ),
    Fact(
        "a path with a trailing slash is an unknown route: 404 in the provider's shape (Taliware: no body)",
        "assumed (stricter than Express's and ASP.NET Core's defaults, so a client that passes "
        "here passes there)",
    ),
    Fact("header names and media types in any case", "docs (RFC 9110)"),
    Fact(
        "a request that did not arrive whole (its body stalled past `MOCK_SERVER_BODY_TIMEOUT_SECONDS`, "
        "ended before its `Content-Length`, or broke its chunked framing) is never acted on: refused in "
        "the provider's shape (408, 400), journaled, and no idempotency key reserved",
        "RFC 9112 section 6.3 (incomplete messages), assumed (the answers)",
    ),
    Fact(
        "an HTTP/1.1 request with no `Host`, two, or an invalid or empty one: 400 in the provider's shape",
        "RFC 9112 section 3.2, RFC 9110 section 4.2.1 (empty host), assumed (the body)",
    ),
)

# How the JSON providers read a request body; Taliware, an ASP.NET Core service, has its own rules.
JSON_BODY_FACTS: tuple[Fact, ...] = (
    Fact(
        "a body declared as anything but JSON (`application/json` or `application/*+json`, with "
        "charset `utf-8` if one is named) is **415** before it is read: Dots "
        "`unsupported-media-type`, Wealthyhood `UNSUPPORTED_MEDIA_TYPE`, Dakota "
        '`#unsupported-media-type` "Unsupported Media Type"; message/detail "Content-Type must be '
        'application/json (UTF-8)."',
        "assumed (Express's `express.json()` leaves such a body unread; 415 says why)",
    ),
    Fact("a body without a `Content-Type` is read as JSON", "assumed"),
    Fact(
        "bytes that are not UTF-8, and `\\ud800`-style lone surrogate escapes, are read as U+FFFD "
        "(stored and echoed so)",
        "assumed (Node's and Go's decoders)",
    ),
    Fact(
        'an email longer than 254 characters is invalid ("email must be a valid email address")',
        "assumed (RFC 5321)",
    ),
    Fact("spaces around an email make it invalid (400, same message)", "assumed"),
    Fact(
        "Wealthyhood's token endpoint keeps its own media rule (JSON or form-encoded; anything "
        "unreadable is 400 `invalid_request`)",
        "unchanged",
    ),
)

SECTIONS: tuple[tuple[str, tuple[Fact, ...]], ...] = (
    ("All providers", FACTS),
    ("JSON request bodies (Dots, Wealthyhood, Dakota)", JSON_BODY_FACTS),
)
