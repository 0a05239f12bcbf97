"""The pieces of ASP.NET Core's JSON behaviour the provider reproduces, tested directly."""

import pytest

from mock_server.providers.taliware.errors import model_state_order
from mock_server.providers.taliware.system_text_json import dumps, json_path


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("plain <b>&'+`", '"plain <b>&\'+`"'),  # UnsafeRelaxedJsonEscaping leaves HTML characters alone
        ('quote " backslash \\', '"quote \\" backslash \\\\"'),
        ("\n\t\r\b\f", '"\\n\\t\\r\\b\\f"'),
        ("\x01\x1f\x7f", '"\\u0001\\u001F\\u007F"'),  # upper-case hex, DEL too
        ("caf\u00e9 \u0141\u00f3d\u017a \u4e2d\u6587", '"caf\u00e9 \u0141\u00f3d\u017a \u4e2d\u6587"'),
        ("nbsp\u00a0soft\u00adzwsp\u200bline\u2028", '"nbsp\\u00A0soft\\u00ADzwsp\\u200Bline\\u2028"'),
        ("\U0001f680", '"\\uD83D\\uDE80"'),  # beyond the BMP: a surrogate pair
    ],
)
def test_strings_are_escaped_as_mvc_writes_them(text, written):
    assert dumps(text) == written


def test_dumps_is_compact_and_keeps_key_order():
    assert dumps({"b": [1, True, None], "a": {"c": 1.5}}) == '{"b":[1,true,null],"a":{"c":1.5}}'


def test_model_state_order_is_breadth_first_by_length_then_case_insensitive():
    fields = {
        key: [key] for key in ["PhoneNumber", "$.email", "UserName", "", "lastName", "Email", "$", "a[0]"]
    }
    assert list(model_state_order(fields)) == [
        "", "$", "Email", "lastName", "UserName", "PhoneNumber", "$.email", "a[0]",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (None, "$"),
        ("email", "$.email"),
        ("my note", "$['my note']"),
        ("a.b", "$['a.b']"),
        ("\u00e9", "$.\u00e9"),
    ],
)
def test_json_paths_bracket_names_with_special_characters(name, path):
    assert json_path(name) == path
