import json

import pytest

from mock_server import create_app
from tests.taliware.helpers import (
    CREATE,
    JSON_UTF8,
    SEED_BODY,
    SEED_HEADERS,
    USER_KEYS,
    USER_SERVICE_SOURCE,
    USERS,
    error_result,
    expected_user,
    headers,
    person,
)


def test_create_user_with_the_seed_request_returns_200_and_every_seed_field(client):
    response = client.post(CREATE, headers=SEED_HEADERS, json=SEED_BODY)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON_UTF8
    user = response.get_json()
    assert user == expected_user(user, SEED_BODY)
    assert list(user) == USER_KEYS


def test_create_user_writes_compact_json_in_the_seed_key_order(client):
    raw = client.post(CREATE, headers=SEED_HEADERS, json=SEED_BODY).get_data(as_text=True)
    assert raw.startswith('{"id":"')
    assert '"userName":"johndoe","firstName":"John"' in raw
    assert '"phoneNumber":"+1234567890"' in raw  # MVC's relaxed encoder leaves '+' alone


def test_create_user_keeps_the_auth_time_in_milliseconds(app, clock):
    clock.advance(0.9125)  # 10:30:00.9125 on the test clock
    user = app.test_client().post(CREATE, headers=headers(), json=person(1)).get_json()
    assert user["authValidUpto"] == "2024-10-04T10:30:00.912Z"


def test_a_user_stops_being_authenticated_when_its_auth_expires(client, clock):
    user = client.post(CREATE, headers=headers(), json=person(1)).get_json()
    clock.advance(24 * 60 * 60 - 1)
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json()["authenticated"] is True
    clock.advance(1)
    assert client.get(f"{USERS}/{user['id']}", headers=headers()).get_json()["authenticated"] is False


def test_same_seed_gives_the_same_ids_and_wallet_addresses():
    def first_user(seed: int) -> dict:
        return (
            create_app({"seed": seed})
            .test_client()
            .post(CREATE, headers=headers(), json=person(1))
            .get_json()
        )

    first, second, other = first_user(42), first_user(42), first_user(43)
    assert (first["id"], first["walletAddress"]) == (second["id"], second["walletAddress"])
    assert first["walletAddress"] != other["walletAddress"]


def test_create_user_gives_each_user_its_own_wallet(client):
    wallets = {
        client.post(CREATE, headers=headers(), json=person(n)).get_json()["walletAddress"] for n in range(5)
    }
    assert len(wallets) == 5


def test_create_user_matches_property_names_case_insensitively(client):
    body = {
        "FIRSTNAME": "Ann",
        "LastName": "Lee",
        "EMAIL": "ann@example.com",
        "username": "ann",
        "PhoneNumber": "1",
    }
    user = client.post(CREATE, headers=headers(), json=body).get_json()
    assert (user["firstName"], user["lastName"], user["email"], user["userName"]) == (
        "Ann", "Lee", "ann@example.com", "ann",
    )  # fmt: skip


def test_create_user_takes_the_last_of_duplicate_properties(client):
    raw = b'{"firstName":"A","firstName":"B","lastName":"L","email":"a@b.c","userName":"u","phoneNumber":"1"}'
    response = client.post(CREATE, headers=headers(), data=raw, content_type="application/json")
    assert response.get_json()["firstName"] == "B"


def test_create_user_ignores_unknown_properties_of_any_shape(client):
    body = person(1, favouriteColour="blue", nested={"deep": [1, {"x": None}]}, emailConfirmed=True)
    response = client.post(CREATE, headers=headers(), json=body)
    assert response.status_code == 200
    assert response.get_json() == expected_user(response.get_json(), body)


def test_create_user_unescapes_strings_and_writes_unicode_as_mvc_does(client):
    body = person(1, firstName="Zo\u00eb", lastName="\u0141ukasz \U0001f680", userName="zo\u00eb")
    raw_request = json.dumps(body, ensure_ascii=True).encode()  # \u escapes in the request
    response = client.post(CREATE, headers=headers(), data=raw_request, content_type="application/json")
    user = response.get_json()
    assert (user["firstName"], user["lastName"]) == ("Zo\u00eb", "\u0141ukasz \U0001f680")
    text = response.get_data(as_text=True)
    # Non-ASCII letters are written as they are; characters beyond the BMP as a surrogate pair.
    assert '"firstName":"Zo\u00eb"' in text
    assert '"lastName":"\u0141ukasz \\uD83D\\uDE80"' in text


def test_create_user_with_a_taken_username_is_409_in_error_result_shape(client, state):
    client.post(CREATE, headers=headers(), json=person(1, userName="johndoe"))
    response = client.post(CREATE, headers=headers(), json=person(2, userName="JohnDoe"))
    assert response.status_code == 409
    assert response.headers["Content-Type"] == "application/json"
    body = response.get_json()
    assert body == error_result(body, 409, "Username 'JohnDoe' is already taken.", USER_SERVICE_SOURCE)
    assert state.store.count("taliware") == 1


def test_a_conflict_message_keeps_unicode_unescaped_as_newtonsoft_does(client):
    client.post(CREATE, headers=headers(), json=person(1, userName="z\u00f6e"))
    response = client.post(CREATE, headers=headers(), json=person(2, userName="z\u00f6e"))
    assert "Username 'z\u00f6e' is already taken." in response.get_data(as_text=True)


def test_emails_and_phone_numbers_may_repeat(client):
    statuses = [
        client.post(
            CREATE, headers=headers(), json=person(n, email="same@example.com", phoneNumber="1")
        ).status_code
        for n in range(2)
    ]
    assert statuses == [200, 200]


@pytest.mark.parametrize("content_type", ["application/json", "text/json", "application/merge-patch+json"])
def test_create_user_reads_every_json_media_type(client, content_type):
    response = client.post(CREATE, headers=headers(), data=json.dumps(person(1)), content_type=content_type)
    assert response.status_code == 200


def test_create_user_reads_a_utf16_body_when_the_charset_says_so(client):
    raw = json.dumps(person(1, firstName="J\u00fcrgen"), ensure_ascii=False).encode("utf-16-le")
    response = client.post(
        CREATE, headers=headers(), data=raw, content_type="application/json; charset=utf-16"
    )
    assert response.get_json()["firstName"] == "J\u00fcrgen"


def test_create_user_skips_a_utf8_byte_order_mark(client):
    raw = b"\xef\xbb\xbf" + json.dumps(person(1)).encode()
    assert (
        client.post(CREATE, headers=headers(), data=raw, content_type="application/json").status_code == 200
    )
