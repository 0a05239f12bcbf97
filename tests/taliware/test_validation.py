"""DataAnnotations validation of a body System.Text.Json could read: 400 ValidationProblemDetails."""

import pytest

from tests.taliware.helpers import (
    CREATE,
    PROBLEM_JSON,
    PROBLEM_KEYS,
    headers,
    person,
    validation_problem,
)

PROPERTIES = [
    ("firstName", "FirstName"),
    ("lastName", "LastName"),
    ("email", "Email"),
    ("userName", "UserName"),
    ("phoneNumber", "PhoneNumber"),
]
INVALID_EMAIL = "The Email field is not a valid e-mail address."


def post(client, body):
    response = client.post(CREATE, headers=headers(), json=body)
    return response, response.get_json()


@pytest.mark.parametrize(("json_name", "property_name"), PROPERTIES)
@pytest.mark.parametrize("how", ["missing", "null", "whitespace"])
def test_create_user_without_a_required_value_is_400(client, state, json_name, property_name, how):
    body = person(1)
    if how == "missing":
        del body[json_name]
    else:
        body[json_name] = None if how == "null" else "   "
    response, problem = post(client, body)
    messages = [f"The {property_name} field is required."]
    if property_name == "Email" and how == "whitespace":
        messages.append(INVALID_EMAIL)  # every failed rule adds its message, [Required]'s first
    assert response.status_code == 400
    assert response.headers["Content-Type"] == PROBLEM_JSON
    assert problem == validation_problem(problem, {property_name: messages})
    assert list(problem) == PROBLEM_KEYS
    assert state.store.count() == 0


@pytest.mark.parametrize("email", ["plainaddress", "@example.com", "user@", "a@b@c", "two@@example.com"])
def test_create_user_with_an_invalid_email_is_400(client, email):
    response, problem = post(client, person(1, email=email))
    assert problem == validation_problem(problem, {"Email": [INVALID_EMAIL]})


@pytest.mark.parametrize("email", ["a@b", "user@example.com", "first.last+tag@sub.example.co.uk", "\u00fc@x"])
def test_create_user_accepts_what_email_address_attribute_accepts(client, email):
    assert post(client, person(1, email=email))[0].status_code == 200


def test_the_seed_400_example_is_reproduced_by_an_empty_object(client):
    """Seed 004's 400 example, field by field: `type`, `title` and `status` come with any invalid
    body; `errors` maps each property to one message per failed rule ("Email" gets two, like the
    example's "fieldName"); `detail` and `instance` are null in ASP.NET's automatic 400 and so are
    not written; `traceId` is the extension ASP.NET adds after them."""
    response = client.post(CREATE, headers=headers(), json={"email": ""})
    problem = response.get_json()
    assert problem == validation_problem(
        problem,
        {
            "Email": ["The Email field is required.", INVALID_EMAIL],
            "LastName": ["The LastName field is required."],
            "UserName": ["The UserName field is required."],
            "FirstName": ["The FirstName field is required."],
            "PhoneNumber": ["The PhoneNumber field is required."],
        },
    )
    # ModelState's order: keys by length, then case-insensitively; not the declaration order.
    assert list(problem["errors"]) == ["Email", "LastName", "UserName", "FirstName", "PhoneNumber"]
    raw = response.get_data(as_text=True)
    assert raw.startswith('{"type":"https://tools.ietf.org/html/rfc9110#section-15.5.1","title":')
