"""Every Ledger error is {"error": {"code": ..., "message": ...}}."""

from __future__ import annotations

from flask import Response
from marshmallow import Schema, fields

from mock_server.base.errors import ApiError, InvalidRequest
from mock_server.core.http import json_response


class ErrorBody(Schema):
    error = fields.Dict(required=True)


def render_error(error: ApiError) -> Response:
    if isinstance(error, InvalidRequest) and error.fields:
        field, messages = next(iter(error.fields.items()))
        message = f"{field}: {messages[0]}"
    else:
        message = error.message
    return json_response({"error": {"code": error.status, "message": message}}, error.status)
