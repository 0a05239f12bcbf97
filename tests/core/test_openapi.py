"""The OpenAPI machinery on its own: patterns, the json_schema hook, URLs under the mount."""

import pytest
from marshmallow import Schema, fields

from mock_server.core.openapi import (
    JSON,
    JSON_SCHEMA,
    ApiDescription,
    Operation,
    Reply,
    build_document,
    ecma_pattern,
)


@pytest.mark.parametrize(
    ("python", "ecma"),
    [
        (r"^[0-9]{1,3}\Z", "^[0-9]{1,3}$"),
        (r"\A[a-z]+\Z", "^[a-z]+$"),
        (r"^a\\Z", r"^a\\Z"),  # an escaped backslash, then a literal Z
        (r"^a\\\Z", r"^a\\$"),  # an escaped backslash, then the anchor
        (r"^[0-9]{27}$", "^[0-9]{27}$"),
    ],
)
def test_ecma_pattern_turns_python_anchors_into_ecma_ones(python, ecma):
    assert ecma_pattern(python) == ecma


class Inner(Schema):
    n = fields.Integer(required=True)


class Described(fields.Field):
    json_schema = {"type": "string"}


class Referring(fields.Field):
    def json_schema(self, ref):
        return {"oneOf": [ref(Inner), {"type": "null"}]}


class Body(Schema):
    by_class = Described()
    by_class_nullable = Described(allow_none=True)
    by_method = Referring()
    by_metadata = fields.String(metadata={JSON_SCHEMA: lambda ref: {"pattern": r"^x\Z"}})


def document(**scheme_urls: str) -> dict:
    api = ApiDescription(
        title="T",
        version="1",
        description="d",
        security_schemes={
            "s": {"type": "oauth2", "flows": {"clientCredentials": {**scheme_urls, "scopes": {}}}}
        },
        security=[{"s": []}],
        operations=[Operation("post", "/things", "make", "Make", {201: Reply("made")}, body={JSON: Body})],
    )
    return build_document(api, "/mount")


def test_build_document_describes_fields_by_their_json_schema():
    assert document()["components"]["schemas"]["Body"]["properties"] == {
        "by_class": {"type": "string"},
        "by_class_nullable": {"type": ["string", "null"]},
        "by_method": {"oneOf": [{"$ref": "#/components/schemas/Inner"}, {"type": "null"}]},
        "by_metadata": {"type": "string", "pattern": "^x$"},
    }


def test_build_document_puts_absolute_paths_of_security_schemes_under_the_mount():
    flows = document(tokenUrl="/oauth/token", refreshUrl="https://auth.example/refresh")["components"]
    assert flows["securitySchemes"]["s"]["flows"]["clientCredentials"] == {
        "tokenUrl": "/mount/oauth/token",
        "refreshUrl": "https://auth.example/refresh",
        "scopes": {},
    }


def test_build_document_orders_its_sections_for_a_reader():
    built = document()
    assert list(built) == ["openapi", "info", "servers", "security", "paths", "components"]
    assert built["info"] == {"title": "T", "version": "1", "description": "d"}
    assert built["servers"] == [{"url": "/mount"}]
