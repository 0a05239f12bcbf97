import json
import re
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from mock_server import create_app
from mock_server.base.clock import ManualClock
from tests.wealthyhood.helpers import (
    ADDRESS,
    EMPLOYMENT,
    ME,
    SEED_BODY,
    SEED_CREATED_AT,
    TAX_RESIDENCY,
    USERS,
    authorized,
    error,
    expected_user,
    person,
)


@pytest.fixture
def auth(client) -> dict[str, str]:
    return authorized(client)


def test_create_user_answers_201_with_the_seeds_response(client, auth):
    response = client.post(USERS, headers=auth, json=SEED_BODY)
    assert response.status_code == 201
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body == expected_user(body["id"], SEED_BODY)
    assert list(body) == [
        "id", "email", "firstName", "lastName", "dateOfBirth", "residencyCountry",
        "language", "nationalities", "portfolios",
        "emailVerified", "kycStatus", "createdAt", "updatedAt",
    ]  # fmt: skip
    assert (body["language"], body["nationalities"], body["portfolios"]) == ("en", [], [])
    assert body["createdAt"] == SEED_CREATED_AT  # the seed's own example timestamp


def test_create_user_id_is_an_object_id_embedding_the_creation_time(client, clock):
    clock.advance(86_400 + 0.75)
    body = client.post(USERS, headers=authorized(client), json=SEED_BODY).get_json()
    assert re.fullmatch(r"[0-9a-f]{24}", body["id"])
    assert ObjectId(body["id"]).generation_time == datetime(2024, 10, 4, 10, 30, tzinfo=UTC)
    assert body["createdAt"] == body["updatedAt"] == "2024-10-04T10:30:00Z"


def test_create_user_keeps_keys_in_the_seed_order_on_the_wire(client, auth):
    raw = client.post(USERS, headers=auth, json=SEED_BODY).get_data(as_text=True)
    assert raw.startswith('{"id":"')
    assert raw.endswith(f',"portfolios":[],"emailVerified":false,"kycStatus":"pending",'
                        f'"createdAt":"{SEED_CREATED_AT}","updatedAt":"{SEED_CREATED_AT}"}}')  # fmt: skip


def test_create_user_echoes_address_and_tax_residency(client, auth):
    body = person(1, taxResidency=TAX_RESIDENCY, address=ADDRESS)
    response = client.post(USERS, headers=auth, json=body)
    created = response.get_json()
    assert created == expected_user(created["id"], body)
    assert list(created)[8:10] == ["address", "taxResidency"]
    assert list(created["address"]) == ["line1", "city", "postalCode", "countryCode"]
    assert list(created["taxResidency"]) == ["countryCode", "proofType", "value"]


def test_create_user_ignores_unknown_fields(client, auth):
    body = person(1, favouriteColour="blue", address={**ADDRESS, "line2": "Flat 2"}, kycStatus="passed")
    created = client.post(USERS, headers=auth, json=body).get_json()
    assert created == expected_user(created["id"], {**person(1), "address": ADDRESS})


def test_create_user_keeps_unicode_names_unescaped(client, auth):
    response = client.post(USERS, headers=auth, json=person(1, firstName="Zoë 🚀", lastName="Łukasz"))
    assert response.get_json()["firstName"] == "Zoë 🚀"
    assert "Zoë 🚀" in response.get_data(as_text=True)


def test_create_user_with_a_body_not_declared_as_json_is_415(client, auth, state):
    response = client.post(USERS, headers=auth, data=json.dumps(SEED_BODY), content_type="text/plain")
    assert response.status_code == 415
    assert response.get_json() == error(
        "Content-Type must be application/json (UTF-8).", "UNSUPPORTED_MEDIA_TYPE"
    )
    assert state.store.count() == 0


def test_create_user_reads_a_body_without_a_content_type_as_json(client, auth):
    response = client.post(USERS, headers=auth, data=json.dumps(SEED_BODY))
    assert response.status_code == 201


def test_same_seed_gives_the_same_user_ids():
    def first_id() -> str:
        client = create_app({"seed": 42}, clock=ManualClock()).test_client()
        return client.post(USERS, headers=authorized(client), json=SEED_BODY).get_json()["id"]

    assert first_id() == first_id()


def test_create_user_accepts_names_of_100_characters_and_yesterdays_date(client, auth):
    body = person(1, firstName="x" * 100, lastName="y", dateOfBirth="2024-10-02")
    assert client.post(USERS, headers=auth, json=body).status_code == 201


def test_a_date_of_birth_is_in_the_past_by_the_apps_clock(client, auth, clock):
    refused = client.post(USERS, headers=auth, json=person(1, dateOfBirth="2024-10-04"))
    assert refused.get_json() == error("dateOfBirth must be a date in the past.", "BAD_REQUEST")
    clock.advance(86_400)
    refused = client.post(USERS, headers=authorized(client), json=person(1, dateOfBirth="2024-10-04"))
    assert refused.status_code == 400  # today is not in the past either
    clock.advance(86_400)
    assert (
        client.post(USERS, headers=authorized(client), json=person(1, dateOfBirth="2024-10-04")).status_code
        == 201
    )


REQUIRED = ["email", "firstName", "lastName", "dateOfBirth", "residencyCountry"]


@pytest.mark.parametrize("field", REQUIRED)
def test_create_user_without_a_required_field_is_400(client, auth, state, field):
    body = {key: value for key, value in SEED_BODY.items() if key != field}
    response = client.post(USERS, headers=auth, json=body)
    assert response.status_code == 400
    assert response.get_json() == error(f"{field} is required.", "BAD_REQUEST")
    assert state.store.count() == 0


@pytest.mark.parametrize(
    ("parent", "part", "complete"),
    [(parent, part, complete)
     for parent, complete in (("address", ADDRESS), ("taxResidency", TAX_RESIDENCY))
     for part in complete],
)  # fmt: skip
def test_create_user_with_an_incomplete_object_names_the_missing_part(
    client, auth, state, parent, part, complete
):
    partial = {key: value for key, value in complete.items() if key != part}
    response = client.post(USERS, headers=auth, json=person(1, **{parent: partial}))
    assert response.status_code == 400
    assert response.get_json() == error(f"{parent}.{part} is required.", "BAD_REQUEST")
    assert state.store.count() == 0


COUNTRY = "must be an ISO 3166-1 alpha-2 country code, such as GB."
INVALID = [
    ({"email": "not-an-email"}, "email must be a valid email address."),
    ({"email": "john@"}, "email must be a valid email address."),
    ({"email": "[email\u00a0protected]"}, "email must be a valid email address."),  # the seed page's text
    ({"email": 7}, "email must be a valid email address."),
    ({"email": None}, "email may not be null."),
    ({"firstName": ""}, "firstName must be 1 to 100 characters long."),
    ({"firstName": "x" * 101}, "firstName must be 1 to 100 characters long."),
    ({"firstName": 7}, "firstName must be a string."),
    ({"firstName": None}, "firstName may not be null."),
    ({"lastName": ""}, "lastName must be 1 to 100 characters long."),
    ({"lastName": "y" * 101}, "lastName must be 1 to 100 characters long."),
    ({"lastName": ["Doe"]}, "lastName must be a string."),
    ({"dateOfBirth": "15/05/1990"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "1990-5-15"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "19900515"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "1990-05-15T00:00:00Z"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "1990-02-30"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "1990-13-01"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "0000-01-01"}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": 19900515}, "dateOfBirth must be a real date in YYYY-MM-DD format."),
    ({"dateOfBirth": "2024-10-03"}, "dateOfBirth must be a date in the past."),  # today on the app's clock
    ({"dateOfBirth": "2090-01-01"}, "dateOfBirth must be a date in the past."),
    ({"residencyCountry": "ZZ"}, f"residencyCountry {COUNTRY}"),
    ({"residencyCountry": "UK"}, f"residencyCountry {COUNTRY}"),  # not ISO: the UK's code is GB
    ({"residencyCountry": "gb"}, f"residencyCountry {COUNTRY}"),
    ({"residencyCountry": "GBR"}, f"residencyCountry {COUNTRY}"),
    ({"residencyCountry": ""}, f"residencyCountry {COUNTRY}"),
    ({"residencyCountry": 826}, "residencyCountry must be a string."),
    ({"address": "1 Fleet Street"}, "address must be an object."),
    ({"address": [ADDRESS]}, "address must be an object."),
    ({"address": None}, "address may not be null."),
    ({"address": {**ADDRESS, "line1": ""}}, "address.line1 must not be empty."),
    ({"address": {**ADDRESS, "city": 5}}, "address.city must be a string."),
    ({"address": {**ADDRESS, "postalCode": None}}, "address.postalCode may not be null."),
    ({"address": {**ADDRESS, "countryCode": "XX"}}, f"address.countryCode {COUNTRY}"),
    ({"taxResidency": True}, "taxResidency must be an object."),
    ({"taxResidency": None}, "taxResidency may not be null."),
    ({"taxResidency": {**TAX_RESIDENCY, "countryCode": "gb"}}, f"taxResidency.countryCode {COUNTRY}"),
    ({"taxResidency": {**TAX_RESIDENCY, "proofType": ""}}, "taxResidency.proofType must not be empty."),
    ({"taxResidency": {**TAX_RESIDENCY, "value": 123}}, "taxResidency.value must be a string."),
]


@pytest.mark.parametrize(("change", "message"), INVALID)
def test_create_user_with_an_invalid_field_is_400(client, auth, state, change, message):
    response = client.post(USERS, headers=auth, json={**SEED_BODY, **change})
    assert response.status_code == 400
    assert response.get_json() == error(message, "BAD_REQUEST")
    assert state.store.count() == 0


def test_the_first_failed_field_in_declared_order_is_reported(client, auth):
    body = {"taxResidency": {}, "residencyCountry": "ZZ", "lastName": "", "email": "nope"}
    response = client.post(USERS, headers=auth, json=body)
    assert response.get_json() == error("email must be a valid email address.", "BAD_REQUEST")
    body["email"] = "a@b.co"
    response = client.post(USERS, headers=auth, json=body)
    assert response.get_json() == error("firstName is required.", "BAD_REQUEST")


def test_a_second_user_with_the_same_email_is_409(client, auth, state):
    first = client.post(USERS, headers=auth, json=person(1)).get_json()
    response = client.post(USERS, headers=auth, json=person(2, email="USER1@Example.com"))
    assert response.status_code == 409
    assert response.get_json() == error("A user with this email already exists.", "CONFLICT")
    assert state.store.count("wealthyhood") == 1
    assert client.get(ME, headers={**auth, "x-user-id": first["id"]}).get_json() == first


@pytest.mark.parametrize(
    ("host", "environment"),
    [("api.wealthyhood.com", "wealthyhood"), ("API.SANDBOX.WEALTHYHOOD.COM:443", "wealthyhood-sandbox")],
)
def test_the_real_hosts_reach_wealthyhood_without_the_prefix(client, state, host, environment):
    token = client.post(
        "/oauth/token",
        headers={"Host": host},
        json={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "audience": "a"},
    ).get_json()["access_token"]
    response = client.post(
        "/users", headers={"Host": host, "Authorization": f"Bearer {token}"}, json=SEED_BODY
    )
    assert response.status_code == 201
    assert state.store.count(environment) == state.store.count() == 1


def test_wealthyhood_served_alone_answers_at_the_root():
    client = create_app({"provider": "wealthyhood"}, clock=ManualClock()).test_client()
    response = client.post(
        "/oauth/token",
        json={"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "audience": "a"},
    )
    headers = {"Authorization": f"Bearer {response.get_json()['access_token']}"}
    assert client.post("/users", headers=headers, json=SEED_BODY).status_code == 201


# --- the fields the current docs add -------------------------------------------------------------------


def test_create_user_takes_language_nationality_and_employment_info(client, auth):
    body = person(1, language="el", nationality="GR", employmentInfo=EMPLOYMENT, address=ADDRESS)
    created = client.post(USERS, headers=auth, json=body).get_json()
    assert created == expected_user(created["id"], body)
    assert (created["language"], created["nationalities"]) == ("el", ["GR"])
    assert list(created)[6:12] == [
        "language", "nationalities", "address", "employmentInfo", "portfolios", "emailVerified"
    ]  # fmt: skip
    assert list(created["employmentInfo"]) == [
        "incomeRangeId",
        "employmentStatus",
        "sourcesOfWealth",
        "industry",
    ]
    assert client.get(ME, headers={**auth, "x-user-id": created["id"]}).get_json() == created


@pytest.mark.parametrize("status", ["Unemployed", "Retired", "Student"])
def test_industry_is_needed_only_for_the_employed_statuses(client, auth, status):
    info = {"incomeRangeId": "1", "employmentStatus": status, "sourcesOfWealth": ["Savings"]}
    created = client.post(USERS, headers=auth, json=person(1, employmentInfo=info)).get_json()
    assert created["employmentInfo"] == info


def test_industry_sent_for_another_status_is_kept(client, auth):
    info = {**EMPLOYMENT, "employmentStatus": "Retired"}
    created = client.post(USERS, headers=auth, json=person(1, employmentInfo=info)).get_json()
    assert created["employmentInfo"] == info


INDUSTRY_NEEDED = (
    "employmentInfo.industry is required when employmentStatus is one of: FullTime, PartTime, SelfEmployed."
)
SOURCES = "employmentInfo.sourcesOfWealth must list non-empty strings."
WITHOUT_INDUSTRY = {key: value for key, value in EMPLOYMENT.items() if key != "industry"}
NEW_FIELDS_INVALID = [
    ({"language": "fr"}, "language must be one of: en, el."),
    ({"language": "EN"}, "language must be one of: en, el."),
    ({"language": None}, "language may not be null."),
    ({"language": 1}, "language must be a string."),
    ({"nationality": "gr"}, f"nationality {COUNTRY}"),
    ({"nationality": "XX"}, f"nationality {COUNTRY}"),
    ({"nationality": ["GR"]}, "nationality must be a string."),
    ({"employmentInfo": "employed"}, "employmentInfo must be an object."),
    ({"employmentInfo": None}, "employmentInfo may not be null."),
    ({"employmentInfo": {}}, "employmentInfo.incomeRangeId is required."),
    (
        {"employmentInfo": {**EMPLOYMENT, "incomeRangeId": 5}},
        "employmentInfo.incomeRangeId must be a string.",
    ),
    (
        {"employmentInfo": {**EMPLOYMENT, "incomeRangeId": ""}},
        "employmentInfo.incomeRangeId must not be empty.",
    ),
    (
        {"employmentInfo": {**EMPLOYMENT, "employmentStatus": None}},
        "employmentInfo.employmentStatus may not be null.",
    ),
    (
        {"employmentInfo": {**WITHOUT_INDUSTRY, "sourcesOfWealth": "Salary"}},
        "employmentInfo.sourcesOfWealth must be a list of strings.",
    ),
    (
        {"employmentInfo": {**EMPLOYMENT, "sourcesOfWealth": []}},
        "employmentInfo.sourcesOfWealth must not be empty.",
    ),
    ({"employmentInfo": {**EMPLOYMENT, "sourcesOfWealth": [""]}}, SOURCES),
    ({"employmentInfo": {**EMPLOYMENT, "sourcesOfWealth": ["Salary", 3]}}, SOURCES),
    ({"employmentInfo": {**EMPLOYMENT, "sourcesOfWealth": [None]}}, SOURCES),
    ({"employmentInfo": WITHOUT_INDUSTRY}, INDUSTRY_NEEDED),
    ({"employmentInfo": {**WITHOUT_INDUSTRY, "employmentStatus": "FullTime"}}, INDUSTRY_NEEDED),
    ({"employmentInfo": {**EMPLOYMENT, "industry": ""}}, "employmentInfo.industry must not be empty."),
    ({"employmentInfo": {**EMPLOYMENT, "industry": None}}, "employmentInfo.industry may not be null."),
]


@pytest.mark.parametrize(("change", "message"), NEW_FIELDS_INVALID)
def test_create_user_with_an_invalid_new_field_is_400(client, auth, state, change, message):
    response = client.post(USERS, headers=auth, json={**SEED_BODY, **change})
    assert (response.status_code, response.get_json()) == (400, error(message, "BAD_REQUEST"))
    assert state.store.count() == 0
