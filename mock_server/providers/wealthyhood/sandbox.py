"""What the sandbox's test builder makes (the docs' "User builder" and "Sandbox payments" flows): the data
of a test user that a request does not give, and a deposit's bank reference, all drawn from the app's
seeded random source so a seeded server builds the same users every run."""

from __future__ import annotations

import random
import string
from datetime import date, timedelta

# A test user is invested in the holdings of the docs' example portfolio (GET /portfolios):
# (isin, assetCommonId, quantity).
SAMPLE_HOLDINGS = (("US0378331005", "equities_apple", 12.5), ("EU0009658145", "etf_vanguard_snp500", 8))
# Test users are Greek residents, as the docs' examples are ("GR", EUR).
TEST_USER_COUNTRY = "GR"
TEST_USER_CURRENCY = "EUR"
# "If omitted, random values are used for firstName and lastName."
FIRST_NAMES = (
    "Maria",
    "Nikos",
    "Eleni",
    "Giorgos",
    "Katerina",
    "Dimitris",
    "Sofia",
    "Yannis",
    "Anna",
    "Kostas",
)
LAST_NAMES = ("Papadopoulos", "Georgiou", "Nikolaou", "Ioannou", "Vlachos", "Konstantinou", "Dimas", "Karras")
REFERENCE_ALPHABET = string.ascii_letters + string.digits
REFERENCE_LENGTH = 16  # "a 16-character alphanumeric string"
YOUNGEST_DAYS, OLDEST_DAYS = 18 * 366, 80 * 365


def random_names(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def adult_birth_date(rng: random.Random, today: date) -> date:
    """A date of birth of an adult: between 18 and 80 years before `today`."""
    return today - timedelta(days=rng.randint(YOUNGEST_DAYS, OLDEST_DAYS))


def deposit_reference(rng: random.Random) -> str:
    return "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
