"""How every provider reads a JSON body and writes a JSON response (core/http.py)."""

import json

import pytest

from mock_server.core.http import dump_json, flatten_messages, parse_json


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (b'{"name": "Zo\xc3\xab"}', {"name": "Zoë"}),
        (b'\xef\xbb\xbf{"a": 1}', {"a": 1}),  # a UTF-8 byte-order mark is skipped
        (b'{"name": "\xff\xfe"}', {"name": "\ufffd\ufffd"}),  # bytes that are not UTF-8
        (b'{"name": "\\ud800"}', {"name": "\ufffd"}),  # a lone high surrogate
        (b'{"\\udfff": ["x\\udc00y"]}', {"\ufffd": ["x\ufffdy"]}),  # lone low ones, in a key and a list
        (b'{"name": "\\ud83d\\ude80"}', {"name": "🚀"}),  # a pair is one character, kept
        (b'{"name": "\\uD83D\\uDE80 \\uD83D"}', {"name": "🚀 \ufffd"}),
    ],
)
def test_parse_json_reads_utf8_as_node_and_go_do(raw, parsed):
    assert parse_json(raw) == parsed


@pytest.mark.parametrize(
    "raw",
    [
        '\ufeff{"a": 1}'.encode("utf-16-le"),  # json.loads(bytes) would decode these three
        '\ufeff{"a": 1}'.encode("utf-16-be"),
        '{"a": 1}'.encode("utf-32-le"),
        '{"a": 1}'.encode("utf-16-le"),  # no byte-order mark: guessed from the zero bytes
    ],
)
def test_parse_json_never_guesses_utf16_or_utf32(raw):
    assert json.loads(raw) == {"a": 1}
    with pytest.raises(json.JSONDecodeError):
        parse_json(raw)


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b"[Infinity]", b"-Infinity"])
def test_parse_json_refuses_what_is_not_json(raw):
    with pytest.raises(ValueError):
        parse_json(raw)


def test_dump_json_escapes_a_lone_surrogate_as_json_stringify_does():
    text = dump_json({"name": "a\ud800b", "emoji": "🚀"})
    assert text == '{"name":"a\\ud800b","emoji":"🚀"}'
    assert json.loads(text.encode()) == {"name": "a\ud800b", "emoji": "🚀"}


def test_flatten_messages_says_a_repeated_message_once():
    messages = {"email": ["email is invalid.", "email is invalid."], "address": {"city": ["a", "b"]}}
    assert flatten_messages(messages) == {"email": ["email is invalid."], "address.city": ["a", "b"]}
