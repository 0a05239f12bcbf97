"""OpenAPI 3.1 documents of the emulated APIs, served at `<prefix>/openapi.json`.

Each document is generated with apispec from the very marshmallow schemas that validate requests and
dump responses, so what the document says and what the mock does cannot drift apart. A provider
declares only what is its own (an `ApiDescription`: its security schemes and one `Operation` per route,
in its package's openapi.py); building them happens here, once (serving them: documents.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields

OPENAPI_VERSION = "3.1.0"
JSON = "application/json"
# A field's own description in its metadata: a JSON Schema dict, or a function of `ref` (which turns a
# marshmallow schema into a reference to its component) returning one. Evaluated only when a document
# is built, so heavy imports (a list of countries, say) wait until someone asks for the document.
JSON_SCHEMA = "json_schema"

SchemaLike = type[Schema] | Schema | Mapping[str, Any]
Requirement = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Reply:
    """A documented response: what it means, its body schema per media type, its headers (header
    name -> OpenAPI Header Object) and links (name -> OpenAPI Link Object: where its values lead)."""

    description: str
    content: Mapping[str, SchemaLike] = field(default_factory=dict)
    headers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    links: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Parameter:
    """A path or header parameter, described by the marshmallow field that checks it (or by JSON Schema)."""

    name: str
    location: str  # "path" or "header"
    schema: fields.Field | Mapping[str, Any]
    description: str = ""
    required: bool = True


@dataclass(frozen=True)
class Operation:
    """One route of the real API, as the real API spells its path (`/users/{user_id}`)."""

    method: str
    path: str
    operation_id: str
    summary: str
    responses: Mapping[int, Reply]
    body: Mapping[str, SchemaLike] | None = None  # media type -> schema of the request body
    body_example: Mapping[str, Any] | None = None  # the seed's own request, say
    body_required: bool = True  # False: a request may come with no body at all
    query: type[Schema] | Schema | None = None
    parameters: Sequence[Parameter] = ()
    security: Sequence[Requirement] | None = None  # None: the API's default; (): no credentials at all
    description: str = ""


@dataclass(frozen=True)
class ApiDescription:
    """What a provider declares. URLs in its security schemes (an OAuth token URL) that are absolute
    paths of the API are served under the API's mount, like its routes."""

    title: str
    version: str
    description: str
    security_schemes: Mapping[str, Mapping[str, Any]]
    security: Sequence[Requirement]
    operations: Sequence[Operation]


def build_document(api: ApiDescription, mount: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document of `api` served under `mount` ("" for the host's root)."""
    from apispec import APISpec  # imported on first use: start-up does not pay for it
    from apispec.ext.marshmallow import MarshmallowPlugin

    plugin = MarshmallowPlugin()
    options: dict[str, Any] = {}
    if mount:  # otherwise the default server, "/", is the document's own host
        options["servers"] = [{"url": mount}]
    spec = APISpec(api.title, api.version, OPENAPI_VERSION, plugins=[plugin], **options)
    converter = plugin.converter
    assert converter is not None  # set by APISpec, through the plugin's init_spec
    converter.add_attribute_function(_described_by_metadata)
    converter.add_attribute_function(_ecma_pattern)
    for name, scheme in api.security_schemes.items():
        spec.components.security_scheme(name, _under_mount(scheme, mount))
    for operation in api.operations:
        spec.path(operation.path, operations={operation.method: _operation_object(operation, converter)})
    document = spec.to_dict()
    document["info"] = {"title": api.title, "version": api.version, "description": api.description}
    document["security"] = [dict(requirement) for requirement in api.security]
    # The order a reader expects: what it is, where, how to authenticate, then the routes.
    order = ("openapi", "info", "servers", "security", "paths", "components")
    return {key: document[key] for key in order if key in document}


def _operation_object(operation: Operation, converter: Any) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": operation.operation_id, "summary": operation.summary}
    if operation.description:
        described["description"] = operation.description
    parameters = [_parameter_object(parameter, converter) for parameter in operation.parameters]
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})  # one parameter per field
    if parameters:
        described["parameters"] = parameters
    if operation.body is not None:
        content: dict[str, Any] = {media: {"schema": schema} for media, schema in operation.body.items()}
        if operation.body_example is not None:
            for media_type in content.values():
                media_type["example"] = dict(operation.body_example)
        described["requestBody"] = {"required": operation.body_required, "content": content}
    described["responses"] = {
        str(status): _response_object(reply) for status, reply in sorted(operation.responses.items())
    }
    if operation.security is not None:
        described["security"] = [dict(requirement) for requirement in operation.security]
    return described


def _parameter_object(parameter: Parameter, converter: Any) -> dict[str, Any]:
    schema = parameter.schema
    described: dict[str, Any] = {
        "name": parameter.name,
        "in": parameter.location,
        "required": parameter.required,
        "schema": converter.field2property(schema) if isinstance(schema, fields.Field) else dict(schema),
    }
    if parameter.description:
        described["description"] = parameter.description
    return described


def _response_object(reply: Reply) -> dict[str, Any]:
    described: dict[str, Any] = {"description": reply.description}
    if reply.content:
        described["content"] = {media: {"schema": schema} for media, schema in reply.content.items()}
    if reply.headers:
        described["headers"] = {name: dict(header) for name, header in reply.headers.items()}
    if reply.links:
        described["links"] = {name: dict(link) for name, link in reply.links.items()}
    return described


def _under_mount(value: Any, mount: str) -> Any:
    """A security scheme with its absolute-path URLs (tokenUrl, ...) moved under the mount."""
    if isinstance(value, Mapping):
        return {key: _under_mount(item, mount) for key, item in value.items()}
    if isinstance(value, str) and value.startswith("/") and mount:
        return mount + value
    return value


# --- apispec attribute functions: called with the converter as `self`, after apispec's own ---------


def _described_by_metadata(self: Any, field: fields.Field, ret: dict[str, Any], **kwargs: Any) -> dict:
    """What apispec cannot see (custom fields, validators written as functions), from the field's
    `json_schema` metadata, or else its class's `json_schema` attribute or method."""
    described = field.metadata.get(JSON_SCHEMA, getattr(field, JSON_SCHEMA, None))
    if described is None:
        return {}
    schema = dict(described(self.resolve_nested_schema) if callable(described) else described)
    if field.allow_none and "type" in schema:
        types = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
        schema["type"] = [*types, "null"]
    return schema


def _ecma_pattern(self: Any, field: fields.Field, ret: dict[str, Any], **kwargs: Any) -> dict:
    """JSON Schema patterns are ECMA-262 regular expressions; the schemas' are Python's."""
    pattern = ret.get("pattern")
    return {"pattern": ecma_pattern(pattern)} if pattern else {}


# An anchor, not preceded by an escaping backslash (an even number of backslashes may precede it).
_PYTHON_ANCHOR = re.compile(r"(?<!\\)((?:\\\\)*)\\([AZ])")


def ecma_pattern(pattern: str) -> str:
    """`pattern` for ECMA-262: Python's \\A and \\Z anchors (the end of the string, not of a line)
    are ^ and $ there, where $ never matches before a final newline."""
    return _PYTHON_ANCHOR.sub(lambda match: match.group(1) + ("^" if match.group(2) == "A" else "$"), pattern)
