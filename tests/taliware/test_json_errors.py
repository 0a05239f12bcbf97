"""Bodies System.Text.Json cannot read: the framework's own message, JSON path and position."""

import pytest

from tests.taliware.helpers import CREATE, PROBLEM_JSON, error_result, headers, person, validation_problem

REQUEST_TYPE = "Taliware.CL2C.Application.Users.CreateUserRequest"
NOT_A_STRING = "The JSON value could not be converted to System.String."
ZERO_DEPTH = (
    "Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array "
    "that should be closed."
)
NO_TOKENS = (
    "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, "
    "when isFinalBlock is true."
)
TRAILING_COMMA = (
    "The JSON object contains a trailing comma at the end which is not supported in this mode. "
    "Change the reader options."
)

BAD_TRUE = "'tru}' is an invalid JSON literal. Expected the literal 'true'."
AFTER_ROOT = "'{0}' is invalid after a single JSON value. Expected end of data."
AFTER_VALUE = "'{0}' is invalid after a value. Expected either ',', '}}', or ']'."
IN_STRING = "'{0}' is invalid within a JSON string. The string should be correctly escaped."
TRAILING_ARRAY_COMMA = (
    "The JSON array contains a trailing comma at the end which is not supported in this mode. "
    "Change the reader options."
)
NO_STRING_END = "Expected end of string, but instead reached end of data."
NO_E = "'{0}' is an invalid end of a number. Expected 'E' or 'e'."
NO_DELIMITER = "'{0}' is an invalid end of a number. Expected a delimiter."
NO_DIGIT_AFTER_SIGN = (
    "'{0}' is invalid within a number, immediately after a sign character ('+' or '-'). "
    "Expected a digit ('0'-'9')."
)
QUOTE = '"'
SPACED_PATH = "$['my note']"


def where(path: str, line: int, byte: int) -> str:
    return f"Path: {path} | LineNumber: {line} | BytePositionInLine: {byte}."


UNREADABLE = [
    # A value of the wrong type: the position is just after the value (or after its opening brace).
    (b'{"email": true}', "$.email", f"{NOT_A_STRING} {where('$.email', 0, 14)}"),
    (b'{"email": 1234}', "$.email", f"{NOT_A_STRING} {where('$.email', 0, 14)}"),
    (b'{"email": {"a": 1}}', "$.email", f"{NOT_A_STRING} {where('$.email', 0, 11)}"),
    (b'{"EMAIL": ["x"]}', "$.EMAIL", f"{NOT_A_STRING} {where('$.EMAIL', 0, 11)}"),
    (b'{\n  "firstName": "a",\n  "email": 5\n}', "$.email", f"{NOT_A_STRING} {where('$.email', 2, 12)}"),
    (b'{"email": "\xff"}', "$.email", f"{NOT_A_STRING} {where('$.email', 0, 13)}"),  # invalid UTF-8
    (b'{"email": "\\ud800"}', "$.email", f"{NOT_A_STRING} {where('$.email', 0, 18)}"),  # lone surrogate
    # A body that is not an object.
    (b"[1, 2]", "$", f"The JSON value could not be converted to {REQUEST_TYPE}. {where('$', 0, 1)}"),
    (b'"text"', "$", f"The JSON value could not be converted to {REQUEST_TYPE}. {where('$', 0, 6)}"),
    (b"42", "$", f"The JSON value could not be converted to {REQUEST_TYPE}. {where('$', 0, 2)}"),
    # Syntax, as Utf8JsonReader reports it.
    (b"   ", "$", f"{NO_TOKENS} {where('$', 0, 3)}"),
    (b"{", "$", f"{ZERO_DEPTH} {where('$', 0, 1)}"),
    (b'{"email": "a",}', "$", f"{TRAILING_COMMA} {where('$', 0, 14)}"),
    (b"{email: 1}", "$", f"'e' is an invalid start of a property name. Expected a '\"'. {where('$', 0, 1)}"),
    (b'{"email" "a"}', "$", f"'\"' is invalid after a property name. Expected a ':'. {where('$', 0, 9)}"),
    (b'{"email": tru}', "$.email", f"{BAD_TRUE} {where('$.email', 0, 13)}"),
    (b'{"email": "a"} x', "$", f"{AFTER_ROOT.format('x')} {where('$', 0, 15)}"),
    (b'{"email": "a" "b"}', "$", f"{AFTER_VALUE.format(QUOTE)} {where('$', 0, 14)}"),
    (b'{"email": "a\tb"}', "$.email", f"{IN_STRING.format('0x09')} {where('$.email', 0, 12)}"),
    (b'{"email": "abc', "$.email", f"{NO_STRING_END} {where('$.email', 0, 14)}"),
    (b'{"note": 01}', "$.note", f"Invalid leading zero before '1'. {where('$.note', 0, 10)}"),
    (b'{"note": 1.5x}', "$.note", f"{NO_E.format('x')} {where('$.note', 0, 12)}"),
    (b'{"note": 1e+}', "$.note", f"{NO_DIGIT_AFTER_SIGN.format('}')} {where('$.note', 0, 12)}"),
    (b'{"note": 1', "$.note", f"{NO_DELIMITER.format('1')} {where('$.note', 0, 10)}"),
    (b'{"note": [1,]}', "$.note", f"{TRAILING_ARRAY_COMMA} {where('$.note', 0, 12)}"),
    (b'{"my note": /}', "$['my note']", f"{AFTER_VALUE.format('/')} {where(SPACED_PATH, 0, 12)}"),
    (b'{"email": NaN}', "$.email", f"'N' is an invalid start of a value. {where('$.email', 0, 10)}"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "key", "message"), UNREADABLE)
def test_create_user_with_an_unreadable_body_is_400_with_the_framework_message(
    client, state, raw, key, message
):
    response = client.post(CREATE, headers=headers(), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM_JSON
    problem = response.get_json()
    assert problem == validation_problem(problem, {key: [message]})
    assert state.store.count() == 0


def test_a_conversion_error_comes_before_later_syntax_errors(client):
    # The serializer streams: it meets the bad value before it reaches the broken end.
    raw = b'{"email": 5, "firstName": '
    problem = client.post(CREATE, headers=headers(), data=raw, content_type="application/json").get_json()
    assert list(problem["errors"]) == ["$.email"]


@pytest.mark.parametrize("raw", [b"", b"null", b" null "])
def test_create_user_without_a_body_is_400_non_empty_body_required(client, raw):
    response = client.post(CREATE, headers=headers(), data=raw, content_type="application/json")
    problem = response.get_json()
    assert problem == validation_problem(problem, {"": ["A non-empty request body is required."]})


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/xml",
        "application/json; charset=latin1",
    ],
)
def test_create_user_with_a_body_that_is_not_json_is_415(client, state, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = client.post(CREATE, headers=headers(), data=b'{"email": "a@b.c"}', **kwargs)
    assert response.status_code == 415
    assert response.headers["Content-Type"] == PROBLEM_JSON
    problem = response.get_json()
    assert problem["traceId"] == validation_problem(problem, {})["traceId"]
    assert problem == {
        "type": "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        "title": "Unsupported Media Type",
        "status": 415,
        "traceId": problem["traceId"],
    }
    assert state.store.count() == 0


def test_a_body_over_the_limit_is_413_in_error_result_shape_before_it_is_read(app, state):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = app.test_client().post(CREATE, headers=headers(), json=person(1, firstName="x" * limit))
    assert response.status_code == 413
    body = response.get_json()
    assert body == error_result(
        body,
        413,
        f"Request body too large. The max request body size is {limit} bytes.",
        "Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1ContentLengthMessageBody",
    )
    assert state.store.count() == 0


def test_property_names_in_error_keys_are_written_unescaped(client):
    raw = '{"pr\u00e9nom": tru}'.encode()
    response = client.post(CREATE, headers=headers(), data=raw, content_type="application/json")
    assert '"$.pr\u00e9nom":' in response.get_data(as_text=True)
