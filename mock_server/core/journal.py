"""The request journal: what clients sent and what the mock answered, in a bounded ring."""

from __future__ import annotations

import re
import threading
from collections import deque
from datetime import datetime
from typing import Any, NamedTuple

from flask import Response

from mock_server.base.clock import Clock
from mock_server.base.store import in_part
from mock_server.core.faults import DroppedConnection

# Headers whose values are secrets: the journal keeps only enough to tell credentials apart.
SECRET_HEADERS = frozenset({"authorization", "x-api-key", "cookie", "proxy-authorization"})
# Headers whose values are kept not even in part: the mock's own admin token (see admin_auth.py), sent by
# a client to every path alike, must never be readable through the admin API it guards.
HIDDEN_HEADERS = frozenset({"x-admin-token"})


# Body fields whose values are secrets, named in any case, with or without "_" or "-": client_secret,
# clientSecret, api-key, access_token (a token response's), password...
SECRET_FIELDS = frozenset(
    {
        "password",
        "secret",
        "clientsecret",
        "apikey",
        "xapikey",
        "apisecret",
        "accesstoken",
        "refreshtoken",
        "idtoken",
        "token",
        "authorization",
        "privatekey",
    }
)
FORM = "application/x-www-form-urlencoded"
# The rest of a JSON string after its opening quote. Possessive, so a string left unterminated is given
# up on at once: scanning a body stays linear whatever it holds.
STRING_REST = re.compile(r'(?:[^"\\]|\\.)*+"')
COLON = re.compile(r"\s*:\s*")
SCALAR = re.compile(r'[^\s",:{}\[\]]+')
LITERALS = ("null", "true", "false")  # a literal hides nothing
# A field starts the text or follows "&", so a body with no "=" in it is scanned once, not once per
# character: masking a 16 KiB body that is neither JSON nor a form stays linear.
FORM_FIELD = re.compile(r"(?:^|(?<=&))([^&=]+)=([^&]*)")
JSON_OPENERS = ("{", "[")


def mask(value: str) -> str:
    return value[:10] + "…" if len(value) > 10 else "…"


def _header_shown(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in HIDDEN_HEADERS:
        return "…"
    return mask(value) if lowered in SECRET_HEADERS else value


def is_secret_field(name: str) -> bool:
    return re.sub(r"[-_]", "", name).lower() in SECRET_FIELDS


def mask_body(text: str, media_type: str | None) -> str:
    """`text` with the value of every secret field masked as secret headers are. What the body holds
    decides, not only its Content-Type, which clients get wrong (a form sent labelled as JSON, or with
    no label): JSON members are masked in any body, and form fields in any body declared a form or
    not shaped as JSON (a JSON body keeps every other byte: a form reading could swallow its quotes)."""
    masked = mask_json(text)
    return mask_form(masked) if media_type == FORM or not looks_like_json(text) else masked


def looks_like_json(text: str) -> bool:
    """Whether the body opens as a JSON object or array, as every JSON body these APIs take does."""
    return text.lstrip(" \t\r\n\ufeff").startswith(JSON_OPENERS)


def mask_form(text: str) -> str:
    """A form-encoded body or a query string, its secret fields masked."""
    from urllib.parse import unquote_plus

    def masked(field: re.Match) -> str:
        name, value = field.groups()
        return f"{name}={mask(value)}" if is_secret_field(unquote_plus(name)) else field.group(0)

    return FORM_FIELD.sub(masked, text)


def mask_json(text: str) -> str:
    """The values of secret members masked. The text is scanned, not parsed, string by string from
    the left, so everything else is kept byte for byte, even in a truncated body or one that is not
    JSON at all."""
    pieces: list[str] = []
    kept_until = search_from = 0
    while (opening := text.find('"', search_from)) >= 0:
        closing = _string_end(text, opening)
        if closing is None:
            break
        search_from = closing
        colon = COLON.match(text, closing)
        if colon is None or not is_secret_field(text[opening + 1 : closing - 1]):
            continue
        value = _masked_value(text, colon.end())
        if value is not None:
            value_end, masked = value
            pieces += [text[kept_until : colon.end()], masked]
            kept_until = search_from = value_end
    return "".join(pieces) + text[kept_until:]


def _string_end(text: str, opening: int) -> int | None:
    """Where the string opened at `opening` ends (after its closing quote); None if it never does."""
    rest = STRING_REST.match(text, opening + 1)
    return rest.end() if rest else None


def _masked_value(text: str, start: int) -> tuple[int, str] | None:
    """The end of the value at `start` and its masked text; None when there is nothing to mask."""
    if text.startswith('"', start):
        end = _string_end(text, start)
        if end is None:
            return None
        kept = mask(text[start + 1 : end - 1])
        if "\\" in kept:  # never keep half an escape sequence
            kept = kept[: kept.index("\\")] + "…"
        return end, f'"{kept}"'
    scalar = SCALAR.match(text, start)
    if scalar is None or scalar.group() in LITERALS:
        return None
    return scalar.end(), mask(scalar.group())


# A journal entry keeps at most this much of a body, so large bodies cannot bloat the ring.
BODY_LIMIT = 16 * 1024


def body_text(data: bytes) -> str:
    text = data[:BODY_LIMIT].decode("utf-8", errors="replace")
    return text + "…" if len(data) > BODY_LIMIT else text


class JournalEntry(NamedTuple):
    """One request and its answer, kept as received (bytes, header pairs) and decoded and masked only
    when read: recording costs a request next to nothing, and secrets never leave unmasked. A named
    tuple, as it is built on every request: a frozen dataclass took several times as long."""

    time: datetime
    provider: str | None
    method: str
    path: str
    raw_query: bytes
    raw_headers: tuple[tuple[str, str], ...]
    raw_body: bytes  # at most BODY_LIMIT + 1 bytes: the extra byte says it was cut
    media_type: str | None
    status: int | None  # None: the connection was dropped (a fault rule) before any answer was sent
    raw_response_body: bytes
    scope: str | None = None  # the credential's data partition; None when the request had no valid one

    @property
    def query(self) -> str:
        return mask_form(self.raw_query.decode("latin-1"))

    @property
    def headers(self) -> dict[str, str]:
        return {name: _header_shown(name, value) for name, value in self.raw_headers}

    @property
    def body(self) -> str:
        return mask_body(body_text(self.raw_body), self.media_type)

    @property
    def response_body(self) -> str:
        return mask_body(body_text(self.raw_response_body), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "provider": self.provider,
            "scope": None if self.scope is None else mask(self.scope),  # a Dakota scope is its API key
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "status": self.status,
            "dropped": self.status is None,
            "response_body": self.response_body,
        }


class Journal:
    """At most `capacity` entries; the oldest fall off, so a long soak cannot eat memory."""

    def __init__(self, capacity: int) -> None:
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def record(self, entry: JournalEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def clear(self, provider: str | None = None, scope: str | None = None) -> None:
        """Forget every entry, a provider's, or one scope's of a provider (`scope` needs `provider`)."""
        with self._lock:
            kept = [
                entry for entry in self._entries if not in_part(provider, scope, entry.provider, entry.scope)
            ]
            self._entries.clear()
            self._entries.extend(kept)


def record_exchange(
    journal: Journal, clock: Clock, max_body_bytes: int, req: Any, response: Response, scope: str | None
) -> None:
    """Journal this request to an emulated API and the answer it got: none, when a fault rule
    dropped its connection (the client saw no status line, so none is recorded)."""
    # A body refused for its size is never read, not even for the journal.
    unread = (req.content_length or 0) > max_body_bytes
    dropped = isinstance(response, DroppedConnection)
    journal.record(
        JournalEntry(
            time=clock.now(),
            provider=req.provider.name,
            method=req.method,
            path=req.path,
            raw_query=req.query_string,
            raw_headers=tuple(req.headers.items()),
            raw_body=b"" if unread else req.get_data(cache=True)[: BODY_LIMIT + 1],
            media_type=req.mimetype,
            status=None if dropped else response.status_code,
            raw_response_body=b"" if dropped else _kept_response_body(response),
            scope=scope,
        )
    )


def _kept_response_body(response: Response) -> bytes:
    # A streamed body is not read: reading it here would leave nothing for the client.
    return b"" if response.is_streamed else response.get_data()[: BODY_LIMIT + 1]
