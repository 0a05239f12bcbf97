"""Requests and expected bodies shared by the Dots suites."""

from __future__ import annotations

from typing import Any

PROD = "/dots/api/v2/users"
SANDBOX = "/dots-sandbox/api/v2/users"

# The seed's own request body (seed 000).
SEED_BODY: dict[str, Any] = {
    "first_name": "Bob",
    "last_name": "Loblaw",
    "email": "bob@bobloblaw.com",
    "country_code": "1",
    "phone_number": "4154332334",
    "metadata": {"internal_id": "user_121344"},
}

NEW_WALLET = {"amount": 0, "withdrawable_amount": 0, "credit_balance": 0}
NEW_COMPLIANCE = {
    "tax_id_collected": False,
    "address_collected": False,
    "date_of_birth_collected": False,
    "must_collect_1099": False,
    "1099_collected": False,
    "w8_ben_collected": False,
    "flagged": False,
    "id_verified": False,
    "tax_id_verification": "unsubmitted",
    "w9": {
        "entity_type": "individual",
        "business_name": None,
        "tax_id_collected": False,
        "address_collected": False,
        "tax_id_verification": "unsubmitted",
    },
}


def expected_user(user_id: str, body: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    """The exact body Dots answers for a user created from `body`."""
    user = {
        "id": user_id,
        "first_name": body["first_name"],
        "last_name": body["last_name"],
        "email": body["email"],
        "phone_number": {"country_code": body["country_code"], "phone_number": body["phone_number"]},
        "wallet": NEW_WALLET,
        "status": "unverified",
        "compliance": NEW_COMPLIANCE,
        "metadata": body.get("metadata"),
        "payout_options_exclude_list": body.get("payout_options_exclude_list", []),
    }
    user.update(overrides)
    return user


def error(code: str, message: str) -> dict[str, Any]:
    return {"success": False, "error_code": code, "message": message}


def person(n: int, **overrides: Any) -> dict[str, Any]:
    body = {
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "email": f"user{n}@example.com",
        "country_code": "1",
        "phone_number": f"415555{n:04d}",
    }
    body.update(overrides)
    return body


# --- the routes under a user (issue 14) ---------------------------------------------------------

ADDRESS = {
    "line_1": "1 Market St",
    "city": "San Francisco",
    "state": "CA",
    "country": "US",
    "postcode": "94105",
}
W9 = {
    "entity_type": "individual",
    "first_name": "Bob",
    "last_name": "Loblaw",
    "date_of_birth": "1990-05-15",
    "tin": "123456789",
    "address": ADDRESS,
}
W8BEN = {
    "name": "Hana Sato",
    "citizenship_country": "FR",
    "date_of_birth": "1988-02-29",
    "foreign_tax_id": "1234567890123",
    "address": {"line_1": "5 rue de Rivoli", "city": "Paris", "country": "FR", "postcode": "75001"},
    "signature": {"consent": True, "name": "Hana Sato", "email": "hana@example.com"},
}
ACH = {
    "platform": "ach",
    "routing_number": "123456789",
    "account_number": "123456789",
    "account_type": "checking",
}
PAYPAL = {"platform": "paypal", "email": "bob.loblaw@gmail.com"}
VENMO = {"platform": "venmo", "phone_number": "4158934432"}
CASH_APP = {
    "platform": "cash_app",
    "routing_number": "123456789",
    "account_number": "123456789",
    "cash_tag": "$bob",
}


def under(base: str, user_id: str, route: str = "") -> str:
    """The URL of a user (`route` ""), or of one of its routes ("compliance", "verify"...)."""
    return f"{base}/{user_id}/{route}" if route else f"{base}/{user_id}"


def w9_status(**overrides: Any) -> dict[str, Any]:
    return {**NEW_COMPLIANCE["w9"], **overrides}


def compliance(**overrides: Any) -> dict[str, Any]:
    return {**NEW_COMPLIANCE, **overrides}


def sent_messages(client: Any, user_id: str) -> list[dict[str, Any]]:
    return client.get(f"/__admin/messages?user_id={user_id}").get_json()["messages"]


def last_code(client: Any, user_id: str) -> str:
    return sent_messages(client, user_id)[-1]["code"]
