import json

import pytest

from mock_server.base.ids import is_uuid
from tests.conftest import basic
from tests.dots.helpers import PROD, SANDBOX, SEED_BODY, error, expected_user, person

AUTH = basic("client-a")


def test_create_user_returns_200_and_the_full_user(client):
    response = client.post(PROD, headers=AUTH, json=SEED_BODY)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert is_uuid(body["id"])
    assert body == expected_user(body["id"], SEED_BODY)
    assert list(body) == [
        "id", "first_name", "last_name", "email", "phone_number", "wallet", "status", "compliance",
        "metadata", "payout_options_exclude_list",
    ]  # fmt: skip


def test_create_user_keeps_keys_in_the_seed_order_on_the_wire(client):
    raw = client.post(PROD, headers=AUTH, json=SEED_BODY).get_data(as_text=True)
    assert raw.startswith('{"id":"')
    assert raw.index('"wallet"') < raw.index('"compliance"') < raw.index('"metadata"')


def test_same_seed_gives_the_same_user_ids():
    from mock_server import create_app

    ids = [
        create_app({"seed": 42}).test_client().post(PROD, headers=AUTH, json=SEED_BODY).get_json()["id"]
        for _ in range(2)
    ]
    assert ids[0] == ids[1]


@pytest.mark.parametrize("metadata", ["plain string", {"internal_id": "x", "nested": {"a": [1, 2]}}])
def test_create_user_echoes_metadata(client, metadata):
    body = client.post(PROD, headers=AUTH, json={**person(1), "metadata": metadata}).get_json()
    assert body["metadata"] == metadata


def test_create_user_without_metadata_answers_null(client):
    assert client.post(PROD, headers=AUTH, json=person(1)).get_json()["metadata"] is None


def test_create_user_with_date_of_birth_marks_it_collected(client):
    body = client.post(PROD, headers=AUTH, json=person(1, date_of_birth="1990-05-15")).get_json()
    assert body["compliance"]["date_of_birth_collected"] is True


def test_create_user_ignores_unknown_fields(client, state):
    response = client.post(PROD, headers=AUTH, json=person(1, favourite_colour="blue"))
    assert response.status_code == 200
    assert "favourite_colour" not in response.get_json()


def test_create_user_keeps_unicode_names_unescaped(client):
    response = client.post(PROD, headers=AUTH, json=person(1, first_name="Zoë 🚀", last_name="Łukasz"))
    assert response.get_json()["first_name"] == "Zoë 🚀"
    assert "Zoë 🚀" in response.get_data(as_text=True)


MISSING = [
    ("first_name", "invalid-input", "first_name is required."),
    ("last_name", "invalid-input", "last_name is required."),
    ("email", "invalid-email", "email is required."),
    ("country_code", "invalid-phone-number", "country_code is required."),
    ("phone_number", "invalid-phone-number", "phone_number is required."),
]


@pytest.mark.parametrize(("field", "code", "message"), MISSING)
def test_create_user_without_a_required_field_is_rejected(client, state, field, code, message):
    body = {key: value for key, value in person(1).items() if key != field}
    response = client.post(PROD, headers=AUTH, json=body)
    assert response.status_code == 400
    assert response.get_json() == error(code, message)
    assert state.store.count() == 0


INVALID = [
    ({"first_name": ""}, "invalid-input", "first_name must be 1 to 50 characters long."),
    ({"last_name": "x" * 51}, "invalid-input", "last_name must be 1 to 50 characters long."),
    ({"first_name": 7}, "invalid-input", "first_name must be a string."),
    ({"first_name": None}, "invalid-input", "first_name may not be null."),
    ({"email": "not-an-email"}, "invalid-email", "email must be a valid email address."),
    ({"email": ["a@b.co"]}, "invalid-email", "email must be a valid email address."),
    ({"country_code": "+1"}, "invalid-phone-number", "country_code must be 1 to 3 digits."),
    ({"country_code": "1234"}, "invalid-phone-number", "country_code must be 1 to 3 digits."),
    ({"phone_number": "415-555-0100"}, "invalid-phone-number", "phone_number must be 1 to 20 digits."),
    ({"phone_number": "4" * 21}, "invalid-phone-number", "phone_number must be 1 to 20 digits."),
    ({"phone_number": "4155550100\n"}, "invalid-phone-number", "phone_number must be 1 to 20 digits."),
    ({"phone_number": 4155550100}, "invalid-phone-number", "phone_number must be a string."),
    ({"username": ""}, "invalid-input", "username must be 1 to 50 characters long."),
    ({"date_of_birth": "15/05/1990"}, "invalid-input", "date_of_birth must be a date in YYYY-MM-DD format."),
    ({"metadata": 12}, "invalid-input", "metadata must be a string or an object."),
    ({"metadata": None}, "invalid-input", "metadata may not be null."),
    (
        {"payout_options_exclude_list": ["paypal", "paypal"]},
        "invalid-input",
        "payout_options_exclude_list must not repeat a rail.",
    ),
    (
        {"payout_options_exclude_list": ["carrier-pigeon"]},
        "invalid-input",
        "payout_options_exclude_list entries must be one of: "
        "ach, paypal, venmo, cash_app, intl_bank, airtm, payoneer, crypto.",
    ),
    (
        {"1099_adjustment": {"year": 2026, "form": "1099-NEC", "amount": 0}},
        "invalid-input",
        "1099_adjustment must be a 1099-NEC or 1099-K adjustment object.",
    ),
]


@pytest.mark.parametrize(("change", "code", "message"), INVALID)
def test_create_user_with_an_invalid_field_is_rejected(client, state, change, code, message):
    response = client.post(PROD, headers=AUTH, json={**person(1), **change})
    assert response.status_code == 400
    assert response.get_json() == error(code, message)
    assert state.store.count() == 0


def test_the_first_failed_field_in_declared_order_is_reported(client):
    response = client.post(PROD, headers=AUTH, json={"phone_number": "x", "email": "nope"})
    assert response.get_json() == error("invalid-input", "first_name is required.")


@pytest.mark.parametrize("amount", [500.0, 5e2])
def test_create_user_takes_a_whole_number_written_with_a_fraction_or_exponent(client, amount):
    nec = {"year": 2026.0, "form": "1099-NEC", "amount": amount}
    assert client.post(PROD, headers=AUTH, json=person(1, **{"1099_adjustment": nec})).status_code == 200


@pytest.mark.parametrize("amount", ["500.5", "true", '"500"', "1e400"])  # 1e400 reads as infinity
def test_create_user_refuses_an_amount_that_is_not_a_whole_number(client, amount):
    body = json.dumps(person(1)).rstrip("}")
    body += f', "1099_adjustment": {{"year": 2026, "form": "1099-NEC", "amount": {amount}}}}}'
    response = client.post(PROD, headers=AUTH, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == error(
        "invalid-input", "1099_adjustment must be a 1099-NEC or 1099-K adjustment object."
    )


def test_valid_1099_adjustments_are_accepted(client):
    nec = {"year": 2026, "form": "1099-NEC", "amount": 500}
    months = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
              "october", "november", "december"]  # fmt: skip
    k = {"year": 2026, "form": "1099-K", "monthly_amounts": dict.fromkeys(months, 100)}
    assert client.post(PROD, headers=AUTH, json=person(1, **{"1099_adjustment": nec})).status_code == 200
    assert client.post(PROD, headers=AUTH, json=person(2, **{"1099_adjustment": k})).status_code == 200


def test_production_returns_the_existing_user_for_a_known_phone_number(client, state):
    first = client.post(PROD, headers=AUTH, json=person(1)).get_json()
    again = client.post(PROD, headers=AUTH, json=person(2, phone_number=person(1)["phone_number"]))
    assert again.status_code == 200
    assert again.get_json() == first
    assert state.store.count("dots") == 1


def test_production_tells_phone_numbers_apart_by_country_code(client, state):
    client.post(PROD, headers=AUTH, json=person(1))
    client.post(PROD, headers=AUTH, json=person(2, phone_number=person(1)["phone_number"], country_code="44"))
    assert state.store.count("dots") == 2


def test_sandbox_allows_duplicate_phone_numbers(client, state):
    first = client.post(SANDBOX, headers=AUTH, json=person(1)).get_json()
    second = client.post(SANDBOX, headers=AUTH, json=person(2, phone_number=person(1)["phone_number"]))
    assert second.status_code == 200
    assert second.get_json()["id"] != first["id"]
    assert state.store.count("dots-sandbox") == 2


@pytest.mark.parametrize("path", [PROD, SANDBOX])
def test_a_second_user_with_the_same_email_is_a_conflict(client, path):
    client.post(path, headers=AUTH, json=person(1))
    response = client.post(path, headers=AUTH, json=person(2, email="USER1@example.com"))
    assert response.status_code == 409
    assert response.get_json() == error("auth-email-already-exists", "A user with this email already exists.")


@pytest.mark.parametrize("path", [PROD, SANDBOX])
def test_a_second_user_with_the_same_username_is_a_conflict(client, path):
    client.post(path, headers=AUTH, json=person(1, username="bob"))
    response = client.post(path, headers=AUTH, json=person(2, username="Bob"))
    assert response.status_code == 409
    assert response.get_json() == error(
        "auth-username-already-exists", "A user with this username already exists."
    )


def test_users_are_scoped_per_client_id(client):
    client.post(PROD, headers=basic("client-a"), json=person(1))
    other = client.post(PROD, headers=basic("client-b"), json=person(1))
    assert other.status_code == 200  # same email and phone: another client's user, not a duplicate
    listed = client.get(PROD, headers=basic("client-b")).get_json()["data"]
    assert [user["id"] for user in listed] == [other.get_json()["id"]]


def test_production_and_sandbox_have_separate_stores(client):
    client.post(PROD, headers=AUTH, json=person(1))
    assert client.get(SANDBOX, headers=AUTH).get_json() == {"data": [], "has_more": False}


def test_create_user_with_a_body_not_declared_as_json_is_415(client, state):
    response = client.post(PROD, headers=AUTH, data=json.dumps(person(1)), content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json() == error(
        "unsupported-media-type", "Content-Type must be application/json (UTF-8)."
    )
    assert state.store.count() == 0


def test_create_user_reads_a_body_without_a_content_type_as_json(client):
    response = client.post(PROD, headers=AUTH, data=json.dumps(person(1)))
    assert response.status_code == 200
