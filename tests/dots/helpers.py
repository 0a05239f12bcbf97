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
