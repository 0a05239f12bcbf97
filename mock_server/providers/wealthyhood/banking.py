"""Wallets and bank accounts, as records and the IBAN facts behind them: each user's wallet IBAN, and the
BIC and bank name of a linked account, come from schwifty (its IBAN rules and bank registry)."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime

# Wallet IBANs are Greek, at the bank and branch of the docs' own example wallet IBAN
# (GR16 0110 1250 0000 0001 2300 695: National Bank of Greece, ETHNGRAA).
WALLET_COUNTRY, WALLET_BANK, WALLET_BRANCH = "GR", "011", "0125"
# Test users come with an account at another Greek bank (Alpha Bank, CRBAGRAA), so a deposit's
# sending account is never the wallet itself.
SANDBOX_ACCOUNT_BANK, SANDBOX_ACCOUNT_BRANCH = "014", "0101"
GREEK_ACCOUNT_DIGITS = 16
ACCOUNT_CURRENCY = "EUR"  # "Always EUR for bank accounts created through this API"


@dataclass(frozen=True, slots=True)
class Wallet:
    """The wallet provisioned with a user. It is `created` until `active_from`, then `active`."""

    id: str
    owner: str
    iban: str
    created_at: datetime
    active_from: datetime

    def status_at(self, now: datetime) -> str:
        return "active" if now >= self.active_from else "created"

    def updated_at(self, now: datetime) -> datetime:
        """Its last change: becoming active, once it has."""
        return self.active_from if now >= self.active_from else self.created_at


@dataclass(frozen=True, slots=True)
class WalletView:
    """A wallet as it stands at one moment: what GET /wallets shows."""

    id: str
    owner: str
    iban: str
    status: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BankAccount:
    id: str
    owner: str
    holder_name: str
    iban: str
    bic: str | None
    bank_name: str | None
    currency: str = ACCOUNT_CURRENCY


@dataclass(frozen=True, slots=True)
class BankIdentity:
    """What the IBAN registry knows of the bank an IBAN belongs to (nothing, for a bank it lacks)."""

    bic: str | None
    name: str | None


def provision_wallet(owner: str, created_at: datetime, active_from: datetime) -> Wallet:
    """The wallet of user `owner`. Its id and IBAN are derived from the owner's id, so the same user (a
    bundled one, say) has the same wallet on every start, and no random draw is spent on it."""
    digest = hashlib.sha256(f"wallet of {owner}".encode()).digest()
    # An ObjectId of the owner's creation time (its first 8 hex digits) and 8 derived bytes.
    wallet_id = f"wal_{owner[:8]}{digest[:8].hex()}"
    account = int.from_bytes(digest[8:16], "big") % 10**GREEK_ACCOUNT_DIGITS
    iban = greek_iban(WALLET_BANK, WALLET_BRANCH, account)
    return Wallet(wallet_id, owner, iban, created_at, active_from)


def sandbox_account_iban(rng: random.Random) -> str:
    """A test user's own bank account: a valid IBAN with account digits from the seeded source."""
    return greek_iban(SANDBOX_ACCOUNT_BANK, SANDBOX_ACCOUNT_BRANCH, rng.randrange(10**GREEK_ACCOUNT_DIGITS))


def greek_iban(bank: str, branch: str, account: int) -> str:
    from schwifty import IBAN  # imported on first use: start-up does not pay for it

    account_code = str(account).zfill(GREEK_ACCOUNT_DIGITS)
    return IBAN.generate(
        WALLET_COUNTRY, bank_code=bank, branch_code=branch, account_code=account_code
    ).compact


def bank_of(iban: str) -> BankIdentity:
    """The BIC and bank name schwifty's registry gives for a (valid) IBAN's bank code."""
    from schwifty import IBAN

    parsed = IBAN(iban)
    bic = parsed.bic
    return BankIdentity(str(bic) if bic is not None else None, parsed.bank_name)
