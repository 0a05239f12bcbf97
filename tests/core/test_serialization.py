"""compile_dump gives what marshmallow's Schema.dump gives, key order included: for a schema that uses
every kind of field it compiles or hands back, and for every provider's response schemas over the
users of the bundled fixtures. (Every exact-body test of the providers goes through it as well.)"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pytest
from marshmallow import Schema, fields, post_dump, pre_dump

from mock_server import create_app
from mock_server.core.speedups import compile_dump
from mock_server.core.state import MockState
from mock_server.fixtures import BUNDLED_FIXTURES
from mock_server.providers.dakota import schemas as dakota
from mock_server.providers.dots import schemas as dots
from mock_server.providers.taliware import schemas as taliware
from mock_server.providers.wealthyhood import schemas as wealthyhood


def same_dump(schema: Schema, obj: Any) -> None:
    expected = schema.dump(obj)
    got = compile_dump(schema)(obj)
    # json.dumps keeps key order, and tells 1 from True and "1" from 1.
    assert json.dumps(got, default=repr) == json.dumps(expected, default=repr)


class Inner(Schema):
    code = fields.String()
    count = fields.Integer()


class Everything(Schema):
    text = fields.String()
    renamed = fields.String(data_key="Renamed")
    elsewhere = fields.String(attribute="other")
    number = fields.Integer()
    text_number = fields.Integer(as_string=True)
    flag = fields.Boolean()
    raw = fields.Raw()
    day = fields.Date()
    moment = fields.DateTime()
    defaulted = fields.String(dump_default="fallback")
    called_default = fields.Integer(dump_default=lambda: 7)
    inner = fields.Nested(Inner)
    inners = fields.Nested(Inner, many=True)
    only_code = fields.Nested(Inner, only=("code",))
    words = fields.List(fields.String())
    inner_list = fields.List(fields.Nested(Inner))
    computed = fields.Function(lambda obj: "computed")
    dotted = fields.String(attribute="inner.code")
    items = fields.String()  # a dict's method name: marshmallow falls back to getattr


@dataclass
class Record:
    text: Any = "plain"
    renamed: Any = "r"
    other: Any = "o"
    number: Any = 5
    text_number: Any = 6
    flag: Any = True
    raw: Any = None
    day: Any = None
    moment: Any = None
    inner: Any = None
    inners: Any = None
    only_code: Any = None
    words: Any = None
    inner_list: Any = None


INNER = {"code": "c", "count": 2}
FULL = Record(
    raw={"any": [1, "thing"]},
    day=date(2024, 2, 29),
    moment=datetime(2024, 2, 29, 12, 30, tzinfo=UTC),
    inner=INNER,
    inners=[INNER, {"code": "d"}],
    only_code=INNER,
    words=["a", "b"],
    inner_list=[INNER],
)
ODD_VALUES = Record(text=12, number=True, text_number=7.9, flag=1, renamed=None, words=[1, None])


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(FULL, id="every field set"),
        pytest.param(Record(), id="Nones"),
        pytest.param(ODD_VALUES, id="values of other types"),
        pytest.param({"text": "t", "flag": False, "inner": INNER}, id="a dict missing most keys"),
        pytest.param({"items": "mine", "inners": []}, id="a dict key named like a dict method"),
        pytest.param({}, id="an empty dict"),
    ],
)
def test_compiled_dump_equals_marshmallow_dump(obj: Any) -> None:
    same_dump(Everything(), obj)


def test_many_schemas_and_restricted_fields() -> None:
    same_dump(Everything(many=True), [FULL, Record()])
    same_dump(Everything(only=("text", "inner")), FULL)
    same_dump(Everything(exclude=("inners",)), FULL)


class WithHooks(Schema):
    name = fields.String()
    note = fields.String()

    @post_dump
    def drop_empty(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


class WithPreDump(Schema):
    name = fields.String()

    @pre_dump
    def upper(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {"name": data["name"].upper()}


def test_hooks_run_as_marshmallow_runs_them() -> None:
    same_dump(WithHooks(), {"name": "n", "note": None})
    same_dump(WithHooks(many=True), [{"name": "n", "note": None}])
    same_dump(WithPreDump(), {"name": "n"})
    assert compile_dump(WithPreDump())({"name": "n"}) == {"name": "N"}  # the hook really ran


def test_compiled_dump_can_tell_a_difference() -> None:
    """The comparison is not vacuous: a schema that converts differently is caught."""
    with pytest.raises(AssertionError):
        assert json.dumps(compile_dump(Everything())(ODD_VALUES)) == json.dumps(Inner().dump(ODD_VALUES))


# --- every provider's response schemas, over the users each really stores ------------------------------

RESPONSE_SCHEMAS = {
    "dots": dots.User,
    "dots-sandbox": dots.User,
    "wealthyhood": wealthyhood.User,
    "dakota": dakota.User,
    "taliware": taliware.User,
}


def stored_users(state: MockState, provider: str) -> list[Any]:
    return [user for scope in state.store.scopes(provider) for user in state.store.values(provider, scope)]


@pytest.mark.parametrize("provider", sorted(RESPONSE_SCHEMAS))
def test_provider_user_schemas_dump_the_same(provider: str) -> None:
    app = create_app({"seed": 3, "fixtures": str(BUNDLED_FIXTURES)})  # five users of each provider
    users = stored_users(app.extensions["mock_server"], provider)
    assert len(users) >= 5
    for user in users:
        same_dump(RESPONSE_SCHEMAS[provider](), user)


def test_page_schemas_dump_the_same() -> None:
    state = create_app({"seed": 3, "fixtures": str(BUNDLED_FIXTURES)}).extensions["mock_server"]
    dots_users = stored_users(state, "dots")
    same_dump(dots.UserList(), {"data": dots_users, "has_more": True})
    dakota_backend = state.backends["dakota"]
    scope = next(state.store.scopes("dakota"))
    page = dakota_backend.list(scope, **dakota.ListQuery().load({}))
    assert page.items
    same_dump(dakota.UserPage(), {"data": page.items, "meta": page})
