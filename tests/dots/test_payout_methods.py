"""GET and PUT payout-methods, and the user's default payout method they lead to."""

from __future__ import annotations

import re

import pytest

from tests.conftest import basic
from tests.dots.helpers import ACH, CASH_APP, PAYPAL, PROD, SANDBOX, VENMO, error, person, under

AUTH = basic("client-a")
UNKNOWN_ID = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
ACH_ID = re.compile(r"acc_[a-z0-9]{14}")
NO_METHOD = "default_payout_method must be a payout method already configured by the user."
FOR_CASH_APP, FOR_VENMO = "when platform is cash_app.", "when platform is venmo."
NOT_A_UUID = error("invalid-input", "user_id must be a valid UUID.")
USER_NOT_FOUND = error("not-found", "User not found.")
METHODS = ["GET", "PUT"]
UNCONFIGURED_RAILS = ["venmo", "intl_bank", "crypto"]
# A change of the default to a method not configured, with another change that must not be kept either.
REFUSED_CHANGES = {"default_payout_method": "ach", "metadata": {"tier": "gold"}}


def add(client, user_id: str, body, base: str = PROD):
    return client.put(under(base, user_id, "payout-methods"), headers=AUTH, json=body)


def listed(client, user_id: str, base: str = PROD):
    return client.get(under(base, user_id, "payout-methods"), headers=AUTH)


def shown(client, user_id: str) -> dict:
    return client.get(under(PROD, user_id), headers=AUTH).get_json()


def stored(state, user: dict):
    return state.store.get("dots", "client-a", user["id"])


def listed_ach(method_id: str, **overrides) -> dict:
    method = {
        "id": method_id,
        "platform": "ach",
        "description": "Checking account",
        "mask": "6789",
        "country": "US",
        "currency": "USD",
        "rtp_enabled": False,
        "meta": None,
    }
    return {**method, **overrides}


def test_a_new_user_has_no_payout_methods(client, user):
    response = listed(client, user["id"])
    assert (response.status_code, response.get_json()) == (200, [])


@pytest.mark.parametrize("base", [PROD, SANDBOX])
def test_adding_ach_answers_the_method_with_an_acc_id(client, base):
    user = client.post(base, headers=AUTH, json=person(1)).get_json()
    response = add(client, user["id"], ACH, base)
    body = response.get_json()
    assert response.status_code == 200
    assert ACH_ID.fullmatch(body["id"])
    assert body == {
        "id": body["id"],
        "platform": "ach",
        "account_number": "123456789",
        "routing_number": "123456789",
        "account_type": "checking",
        "rtp_enabled": False,
        "meta": None,
    }
    assert listed(client, user["id"], base).get_json() == [listed_ach(body["id"])]


@pytest.mark.parametrize(
    ("body", "answered", "listed_as"),
    [
        (
            PAYPAL,
            {"platform": "paypal", "email": "bob.loblaw@gmail.com", "meta": None},
            {"platform": "paypal", "description": "PayPal", "email": "bob.loblaw@gmail.com"},
        ),
        (
            VENMO,
            {"platform": "venmo", "phone_number": "4158934432", "meta": None},
            {"platform": "venmo", "description": "Venmo", "phone_number": "4158934432"},
        ),
        (
            {"platform": "venmo", "handle": "@bob-loblaw"},
            {"platform": "venmo", "handle": "@bob-loblaw", "meta": None},
            {"platform": "venmo", "description": "Venmo @bob-loblaw"},
        ),
        (
            CASH_APP,
            {
                "platform": "cash_app",
                "cash_tag": "$bob",
                "account_number": "123456789",
                "routing_number": "123456789",
                "meta": None,
            },
            {"platform": "cash_app", "description": "Cash App", "mask": "6789", "cash_tag": "$bob"},
        ),
    ],
)
def test_adding_a_method_without_an_id(client, user, body, answered, listed_as):
    response = add(client, user["id"], body)
    assert (response.status_code, response.get_json()) == (200, answered)
    expected = {**listed_as, "country": "US", "currency": "USD", "meta": None}
    assert listed(client, user["id"]).get_json() == [expected]


def test_metadata_is_kept_as_meta(client, user):
    metadata = {"internal_id": "customer_123", "notes": "Primary business account", "priority": 1}
    body = add(client, user["id"], {**ACH, "metadata": metadata}).get_json()
    assert body["meta"] == metadata
    assert listed(client, user["id"]).get_json() == [listed_ach(body["id"], meta=metadata)]


def test_fields_of_another_platform_are_not_kept(client, user):
    body = add(client, user["id"], {**PAYPAL, "routing_number": "123456789", "cash_tag": "$x"}).get_json()
    assert body == {"platform": "paypal", "email": "bob.loblaw@gmail.com", "meta": None}


def test_methods_are_listed_in_the_order_added(client, user):
    for body in (VENMO, ACH, PAYPAL):
        add(client, user["id"], body)
    assert [method["platform"] for method in listed(client, user["id"]).get_json()] == [
        "venmo",
        "ach",
        "paypal",
    ]


def test_adding_a_platform_again_replaces_its_method_in_place(client, user):
    add(client, user["id"], PAYPAL)
    add(client, user["id"], VENMO)
    add(client, user["id"], {**PAYPAL, "email": "new@example.com"})
    methods = listed(client, user["id"]).get_json()
    assert [(method["platform"], method.get("email")) for method in methods] == [
        ("paypal", "new@example.com"),
        ("venmo", None),
    ]


def test_the_same_bank_account_keeps_its_id_and_another_gets_a_new_one(client, user):
    first = add(client, user["id"], ACH).get_json()["id"]
    assert add(client, user["id"], {**ACH, "account_type": "savings"}).get_json()["id"] == first
    other = add(client, user["id"], {**ACH, "account_number": "987654321"}).get_json()["id"]
    assert other != first
    assert listed(client, user["id"]).get_json() == [listed_ach(other, mask="4321")]


# --- the user's default payout method and auto payout ------------------------------------------


def test_is_default_makes_the_method_the_users_default(client, user):
    method_id = add(client, user["id"], {**ACH, "is_default": True}).get_json()["id"]
    assert shown(client, user["id"]) == {
        **{key: user[key] for key in ("id", "first_name", "last_name", "email", "phone_number")},
        "default_payout_method": "ach",
        "default_payout_method_details": listed_ach(method_id),
        **{
            key: user[key]
            for key in ("wallet", "status", "compliance", "metadata", "payout_options_exclude_list")
        },
    }


@pytest.mark.parametrize("is_default", [False, None])
def test_is_default_false_or_null_sets_no_default(client, user, is_default):
    add(client, user["id"], {**PAYPAL, "is_default": is_default})
    assert shown(client, user["id"]) == user


def test_a_later_default_takes_over(client, user):
    add(client, user["id"], {**ACH, "is_default": True})
    add(client, user["id"], {**VENMO, "is_default": True})
    body = shown(client, user["id"])
    assert (body["default_payout_method"], body["default_payout_method_details"]["platform"]) == (
        "venmo",
        "venmo",
    )


def test_auto_payout_enabled_is_set_on_the_user(client, state, user):
    add(client, user["id"], {**PAYPAL, "auto_payout_enabled": True})
    assert stored(state, user).auto_payout_enabled is True
    add(client, user["id"], {**PAYPAL, "auto_payout_enabled": None})
    assert stored(state, user).auto_payout_enabled is True
    add(client, user["id"], {**PAYPAL, "auto_payout_enabled": False})
    assert stored(state, user).auto_payout_enabled is False


def test_patch_default_payout_method_takes_a_configured_platform(client, user):
    add(client, user["id"], PAYPAL)
    response = client.patch(under(PROD, user["id"]), headers=AUTH, json={"default_payout_method": "paypal"})
    expected = {
        "platform": "paypal",
        "description": "PayPal",
        "email": "bob.loblaw@gmail.com",
        "country": "US",
        "currency": "USD",
        "meta": None,
    }
    assert response.status_code == 200
    assert (
        response.get_json()["default_payout_method"],
        response.get_json()["default_payout_method_details"],
    ) == (
        "paypal",
        expected,
    )
    assert shown(client, user["id"]) == response.get_json()


@pytest.mark.parametrize("rail", UNCONFIGURED_RAILS)
def test_patch_default_payout_method_refuses_a_platform_not_configured(client, user, rail):
    add(client, user["id"], PAYPAL)
    response = client.patch(under(PROD, user["id"]), headers=AUTH, json={"default_payout_method": rail})
    assert (response.status_code, response.get_json()) == (400, error("invalid-input", NO_METHOD))
    assert "default_payout_method" not in shown(client, user["id"])


def test_a_refused_patch_changes_nothing_else_either(client, user):
    assert client.patch(under(PROD, user["id"]), headers=AUTH, json=REFUSED_CHANGES).status_code == 400
    assert shown(client, user["id"]) == user


# --- refused ---------------------------------------------------------------------------------------


def without(body: dict, name: str) -> dict:
    return {key: value for key, value in body.items() if key != name}


BAD_METHODS = [
    ({}, "invalid-input", "platform is required."),
    ({"platform": "crypto"}, "invalid-input", "platform must be one of: paypal, venmo, cash_app, ach."),
    (without(ACH, "routing_number"), "invalid-input", "routing_number is required when platform is ach."),
    (without(ACH, "account_number"), "invalid-input", "account_number is required when platform is ach."),
    (without(ACH, "account_type"), "invalid-input", "account_type is required when platform is ach."),
    ({**ACH, "account_type": "cd"}, "invalid-input", "account_type must be one of: checking, savings."),
    ({**ACH, "routing_number": "12345678"}, "invalid-input", "routing_number must be 9 digits."),
    ({**ACH, "account_number": "12a4"}, "invalid-input", "account_number must be 4 to 17 digits."),
    (without(CASH_APP, "cash_tag"), "invalid-input", "cash_tag is required when platform is cash_app."),
    (without(CASH_APP, "routing_number"), "invalid-input", f"routing_number is required {FOR_CASH_APP}"),
    ({"platform": "paypal"}, "invalid-email", "email is required when platform is paypal."),
    ({**PAYPAL, "email": "bob"}, "invalid-email", "email must be a valid email address."),
    ({"platform": "venmo"}, "invalid-phone-number", f"phone_number or handle is required {FOR_VENMO}"),
    ({**VENMO, "phone_number": "+1 415"}, "invalid-phone-number", "phone_number must be 1 to 20 digits."),
    ({"platform": "venmo", "handle": ""}, "invalid-input", "handle must not be empty."),
    ({**PAYPAL, "is_default": "yes"}, "invalid-input", "is_default must be a boolean."),
    ({**PAYPAL, "auto_payout_enabled": 1}, "invalid-input", "auto_payout_enabled must be a boolean."),
]  # fmt: skip


@pytest.mark.parametrize(("body", "code", "message"), BAD_METHODS)
def test_a_bad_method_is_400_and_changes_nothing(client, state, user, body, code, message):
    before = stored(state, user)
    response = add(client, user["id"], body)
    assert (response.status_code, response.get_json()) == (400, error(code, message))
    assert stored(state, user) == before
    assert listed(client, user["id"]).get_json() == []


@pytest.mark.parametrize("method", METHODS)
def test_payout_methods_take_only_a_uuid_user_id(client, method):
    response = client.open(f"{PROD}/not-a-uuid/payout-methods", method=method, headers=AUTH, json=PAYPAL)
    assert (response.status_code, response.get_json()) == (400, NOT_A_UUID)


@pytest.mark.parametrize("method", METHODS)
def test_payout_methods_of_an_unknown_user_are_404(client, method):
    response = client.open(f"{PROD}/{UNKNOWN_ID}/payout-methods", method=method, headers=AUTH, json=PAYPAL)
    assert (response.status_code, response.get_json()) == (404, USER_NOT_FOUND)


def test_payout_methods_of_another_clients_user_are_404(client, user):
    add(client, user["id"], PAYPAL)
    other = basic("client-b")
    assert client.get(under(PROD, user["id"], "payout-methods"), headers=other).status_code == 404
    assert client.put(under(PROD, user["id"], "payout-methods"), headers=other, json=VENMO).status_code == 404
    assert len(listed(client, user["id"]).get_json()) == 1


def test_a_deleted_users_methods_are_gone(client, user):
    add(client, user["id"], PAYPAL)
    client.delete(under(PROD, user["id"]), headers=AUTH)
    assert listed(client, user["id"]).status_code == 404
