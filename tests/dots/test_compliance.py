"""PUT compliance (W-9, W-8BEN) and PUT addresses: what they take, and what they change in the user."""

from __future__ import annotations

import json

import pytest

from tests.conftest import basic
from tests.dots.helpers import (
    ADDRESS,
    PROD,
    SANDBOX,
    W8BEN,
    W9,
    compliance,
    error,
    expected_user,
    person,
    under,
    w9_status,
)

AUTH = basic("client-a")
UNKNOWN_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
UNKNOWN_USER_IDS = [UNKNOWN_ID, "not-a-uuid"]
USER_NOT_FOUND = error("not-found", "User not found.")
TIN_CHECK_SECONDS = 3
W9_COLLECTED = {
    "tax_id_collected": True,
    "address_collected": True,
    "date_of_birth_collected": True,
    "1099_collected": True,
}


def submit(client, user_id: str, body, base: str = PROD):
    return client.put(under(base, user_id, "compliance"), headers=AUTH, json=body)


def shown(client, user_id: str, base: str = PROD) -> dict:
    return client.get(under(base, user_id), headers=AUTH).get_json()


def after_w9(verification: str, **w9_overrides) -> dict:
    """The compliance object after a W-9, its TIN check at `verification`."""
    return compliance(
        **W9_COLLECTED,
        tax_id_verification=verification,
        w9=w9_status(
            tax_id_collected=True, address_collected=True, tax_id_verification=verification, **w9_overrides
        ),
    )


# --- W-9 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("base", [PROD, SANDBOX])
def test_a_w9_answers_200_and_its_tin_is_pending_then_matched(client, clock, base):
    user = client.post(base, headers=AUTH, json=person(1)).get_json()
    response = submit(client, user["id"], {"w9": W9}, base)
    assert (response.status_code, response.get_json()) == (200, {})
    assert shown(client, user["id"], base) == {**user, "compliance": after_w9("pending")}
    clock.advance(TIN_CHECK_SECONDS - 0.5)
    assert shown(client, user["id"], base)["compliance"]["tax_id_verification"] == "pending"
    clock.advance(0.5)
    assert shown(client, user["id"], base) == {**user, "compliance": after_w9("matched")}


def test_the_settled_check_shows_in_the_list_too(client, clock, user):
    submit(client, user["id"], {"w9": W9})
    clock.advance(TIN_CHECK_SECONDS)
    assert client.get(PROD, headers=AUTH).get_json()["data"] == [{**user, "compliance": after_w9("matched")}]


@pytest.mark.parametrize("tin", ["000000000", "000123456", "12345678X", "12-345678"])
def test_a_tin_that_cannot_match_ends_mismatched(client, clock, user, tin):
    submit(client, user["id"], {"w9": {**W9, "tin": tin}})
    assert shown(client, user["id"])["compliance"]["tax_id_verification"] == "pending"
    clock.advance(TIN_CHECK_SECONDS)
    assert shown(client, user["id"])["compliance"] == after_w9("mismatched")


def test_a_mismatched_tin_is_corrected_by_resubmitting(client, clock, user):
    submit(client, user["id"], {"w9": {**W9, "tin": "000000000"}})
    clock.advance(TIN_CHECK_SECONDS)
    submit(client, user["id"], {"w9": W9})
    assert shown(client, user["id"])["compliance"]["tax_id_verification"] == "pending"
    clock.advance(TIN_CHECK_SECONDS)
    assert shown(client, user["id"])["compliance"] == after_w9("matched")


def test_a_business_w9_shows_its_entity_and_name(client, clock, user):
    submit(client, user["id"], {"w9": {**W9, "entity_type": "business", "business_name": "Loblaw Law LLC"}})
    clock.advance(TIN_CHECK_SECONDS)
    expected = after_w9("matched", entity_type="business", business_name="Loblaw Law LLC")
    assert shown(client, user["id"])["compliance"] == expected


def test_unknown_fields_are_ignored(client, user):
    response = submit(client, user["id"], {"w9": {**W9, "nickname": "Bobby"}, "w10": {}})
    assert response.status_code == 200


# --- W-8BEN -------------------------------------------------------------------------------------


def test_a_w8ben_alone_makes_a_foreign_payee(client, clock, user):
    response = submit(client, user["id"], {"w8ben": W8BEN})
    assert (response.status_code, response.get_json()) == (200, {})
    clock.advance(TIN_CHECK_SECONDS)
    expected = compliance(
        address_collected=True, date_of_birth_collected=True, w8_ben_collected=True, w9=None
    )
    assert shown(client, user["id"]) == {**user, "compliance": expected}


@pytest.mark.parametrize("country", ["AU", "BM", "VG", "KY", "JP"])
def test_citizens_of_exempt_countries_need_no_foreign_tax_id(client, user, country):
    form = {key: value for key, value in W8BEN.items() if key != "foreign_tax_id"}
    assert submit(client, user["id"], {"w8ben": {**form, "citizenship_country": country}}).status_code == 200


def test_a_w8ben_with_every_treaty_field_is_taken(client, user):
    treaty = {
        "tax_treaty_country": "FR",
        "tax_treaty_citation": "Article 12, paragraph 1",
        "tax_treaty_rate": 0.15,
        "tax_treaty_income_type": "copyright12",
        "tax_treaty_explanation": "Royalties",
    }
    assert submit(client, user["id"], {"w8ben": {**W8BEN, **treaty}}).status_code == 200


def test_both_forms_at_once_leave_a_us_payee(client, clock, user):
    submit(client, user["id"], {"w9": W9, "w8ben": W8BEN})
    clock.advance(TIN_CHECK_SECONDS)
    assert shown(client, user["id"])["compliance"] == {**after_w9("matched"), "w8_ben_collected": True}


def test_a_w8ben_after_a_w9_keeps_the_w9(client, clock, user):
    submit(client, user["id"], {"w9": W9})
    submit(client, user["id"], {"w8ben": W8BEN})
    clock.advance(TIN_CHECK_SECONDS)
    assert shown(client, user["id"])["compliance"] == {**after_w9("matched"), "w8_ben_collected": True}


# --- refused --------------------------------------------------------------------------------------


def without(form: dict, name: str) -> dict:
    return {key: value for key, value in form.items() if key != name}


W8BEN_ADDRESS = W8BEN["address"]
SIGNATURE = W8BEN["signature"]
RATE_RANGE = "w8ben.tax_treaty_rate must be between 0 and 1 (0.15 is 15%)."
REFUSED = [
    ({}, "w9 or w8ben is required."),
    ({"w9": None}, "w9 may not be null."),
    ({"w9": "yes"}, "w9 must be an object."),
    ({"w8ben": []}, "w8ben must be an object."),
    ({"w9": without(W9, "entity_type")}, "w9.entity_type is required."),
    ({"w9": {**W9, "entity_type": "trust"}}, "w9.entity_type must be one of: individual, business."),
    ({"w9": {**W9, "entity_type": "business"}}, "w9.business_name is required when entity_type is business."),
    ({"w9": {**W9, "business_name": ""}}, "w9.business_name must not be empty."),
    ({"w9": without(W9, "date_of_birth")}, "w9.date_of_birth is required."),
    ({"w9": {**W9, "date_of_birth": "15/05/1990"}}, "w9.date_of_birth must be a date in YYYY-MM-DD format."),
    ({"w9": without(W9, "tin")}, "w9.tin is required."),
    ({"w9": {**W9, "tin": "12345678"}}, "w9.tin must be exactly 9 characters long."),
    ({"w9": {**W9, "tin": "1234567890"}}, "w9.tin must be exactly 9 characters long."),
    ({"w9": {**W9, "tin": 123456789}}, "w9.tin must be a string."),
    ({"w9": without(W9, "address")}, "w9.address is required."),
    ({"w9": {**W9, "address": "1 Market St"}}, "w9.address must be an object."),
    ({"w9": {**W9, "address": without(ADDRESS, "state")}}, "w9.address.state is required."),
    ({"w9": {**W9, "address": {**ADDRESS, "city": ""}}}, "w9.address.city must not be empty."),
    ({"w8ben": without(W8BEN, "name")}, "w8ben.name is required."),
    ({"w8ben": {**W8BEN, "citizenship_country": "France"}},
     "w8ben.citizenship_country must be a 2-letter ISO country code, such as US."),
    ({"w8ben": without(W8BEN, "foreign_tax_id")},
     "w8ben.foreign_tax_id is required unless citizenship_country is one of: AU, BM, VG, KY, JP."),
    ({"w8ben": {**W8BEN, "tax_treaty_rate": 15}}, RATE_RANGE),
    ({"w8ben": {**W8BEN, "tax_treaty_rate": -0.1}}, RATE_RANGE),
    ({"w8ben": {**W8BEN, "tax_treaty_rate": 10**400}}, RATE_RANGE),
    ({"w8ben": {**W8BEN, "tax_treaty_rate": "0.15"}}, "w8ben.tax_treaty_rate must be a number."),
    ({"w8ben": {**W8BEN, "tax_treaty_income_type": "salary"}},
     "w8ben.tax_treaty_income_type must be one of: interest1, dividend6, dividend7, pension15, "
     "socialSecurity, equipment10, knowhow10, patent10, film11, copyright12."),
    ({"w8ben": {**W8BEN, "address": without(W8BEN_ADDRESS, "postcode")}},
     "w8ben.address.postcode is required."),
    ({"w8ben": without(W8BEN, "signature")}, "w8ben.signature is required."),
    ({"w8ben": {**W8BEN, "signature": {**SIGNATURE, "consent": False}}},
     "w8ben.signature.consent must be true."),
    ({"w8ben": {**W8BEN, "signature": {**SIGNATURE, "consent": "yes"}}},
     "w8ben.signature.consent must be a boolean."),
    ({"w8ben": {**W8BEN, "signature": {**SIGNATURE, "email": "hana"}}},
     "w8ben.signature.email must be a valid email address."),
    ({"w9": W9, "w8ben": without(W8BEN, "date_of_birth")}, "w8ben.date_of_birth is required."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "message"), REFUSED, ids=lambda value: json.dumps(value)[:60])
def test_a_bad_submission_is_400_and_changes_nothing(client, clock, user, body, message):
    response = submit(client, user["id"], body)
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))
    clock.advance(TIN_CHECK_SECONDS)
    assert shown(client, user["id"]) == user


@pytest.mark.parametrize("user_id", UNKNOWN_USER_IDS)
def test_compliance_for_an_unknown_user_is_404(client, user_id):
    response = submit(client, user_id, {"w9": W9})
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)


def test_compliance_for_another_clients_user_is_404_and_changes_nothing(client, user):
    response = client.put(under(PROD, user["id"], "compliance"), headers=basic("client-b"), json={"w9": W9})
    assert response.status_code == 404
    assert shown(client, user["id"]) == user


# --- addresses --------------------------------------------------------------------------------------

US_ADDRESS = {
    "postcode": "94105",
    "city": "San Francisco",
    "state": "CA",
    "country": "US",
    "line_1": "1 Market St",
}


def put_address(client, user_id: str, body):
    return client.put(under(PROD, user_id, "addresses"), headers=AUTH, json=body)


def test_an_address_answers_200_and_marks_it_collected(client, user):
    response = put_address(client, user["id"], {**US_ADDRESS, "line_2": "Suite 300", "line_3": "Attn: Bob"})
    assert (response.status_code, response.get_json()) == (200, {})
    expected = compliance(address_collected=True, w9=w9_status(address_collected=True))
    assert shown(client, user["id"]) == expected_user(user["id"], person(1), compliance=expected)


def test_a_foreign_address_takes_any_state(client, user):
    body = {
        "postcode": "75001",
        "city": "Paris",
        "state": "Ile-de-France",
        "country": "FR",
        "line_1": "5 rue",
    }
    assert put_address(client, user["id"], body).status_code == 200


def test_an_address_for_a_foreign_payee_keeps_w9_null(client, user):
    submit(client, user["id"], {"w8ben": W8BEN})
    put_address(client, user["id"], US_ADDRESS)
    assert shown(client, user["id"])["compliance"]["w9"] is None


BAD_ADDRESSES = [
    (without(US_ADDRESS, "postcode"), "postcode is required."),
    (without(US_ADDRESS, "line_1"), "line_1 is required."),
    ({**US_ADDRESS, "city": ""}, "city must not be empty."),
    ({**US_ADDRESS, "country": "USA"}, "country must be a 2-letter ISO country code, such as US."),
    (
        {**US_ADDRESS, "state": "California"},
        "state must be a 2-letter state code, such as CA, for a US address.",
    ),
    ({**US_ADDRESS, "line_2": 5}, "line_2 must be a string."),
]


@pytest.mark.parametrize(("body", "message"), BAD_ADDRESSES)
def test_a_bad_address_is_400_and_changes_nothing(client, user, body, message):
    response = put_address(client, user["id"], body)
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", message))
    assert shown(client, user["id"]) == user


@pytest.mark.parametrize("user_id", UNKNOWN_USER_IDS)
def test_an_address_for_an_unknown_user_is_404(client, user_id):
    response = put_address(client, user_id, US_ADDRESS)
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)
