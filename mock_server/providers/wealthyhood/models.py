"""The Wealthyhood backend: users per API client, each with the wallet provisioned with it, its bank
accounts and (in the sandbox) its test deposits; and the token authority. Knows nothing of HTTP.

A user is stored as one record holding everything that is its own, so the store counts users, a reset
or a fixtures take-back removes all of it at once, and a change is one replace of the record."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from mock_server.base.config import setting
from mock_server.base.errors import Conflict, InvalidRequest, NotFound
from mock_server.base.store import Collection
from mock_server.core.fixtures import creation_times
from mock_server.core.http import validate
from mock_server.core.provider import BackendContext
from mock_server.providers.wealthyhood.auth import PRODUCTION_TENANT, AuthTenant, TokenAuthority
from mock_server.providers.wealthyhood.banking import (
    BankAccount,
    Wallet,
    WalletView,
    bank_of,
    provision_wallet,
    sandbox_account_iban,
)
from mock_server.providers.wealthyhood.sandbox import (
    SAMPLE_HOLDINGS,
    TEST_USER_COUNTRY,
    TEST_USER_CURRENCY,
    adult_birth_date,
    deposit_reference,
    random_names,
)
from mock_server.providers.wealthyhood.schemas import TIMESTAMP_FORMAT, UserCreate

if TYPE_CHECKING:
    from faker import Faker

USER_NOT_FOUND = "User not found."
WALLET_NOT_FOUND = "Wallet not found."
EMAIL_TAKEN = "A user with this email already exists."
IBAN_LINKED = "A bank account with this IBAN is already linked to the user."
INVALID_FIXTURE_ID = "id must be a MongoDB ObjectId (24 hexadecimal characters)."
CREATED_AT_NOT_ID_TIME = "createdAt must be the time embedded in id: {0}."
# The test routes' messages, as the docs print them: no full stop.
TEST_USER_NOT_FOUND = "User not found"
TEST_BANK_ACCOUNT_NOT_FOUND = "Bank account not found"
NO_PORTFOLIO = "User has no portfolio"
NO_BANK_ACCOUNT = "User has no bank account: send bankAccountId or bankAccount"
MAX_ACTIVATION_SECONDS = 86_400

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
# Generated users are adults of any age an investing app sees.
YOUNGEST, OLDEST = timedelta(days=18 * 366), timedelta(days=80 * 365)
DEFAULT_LANGUAGE = "en"
USER_CURRENCY = "EUR"  # bank accounts and deposits are EUR; so is every user's cash (assumed)
T = TypeVar("T")


@dataclass(frozen=True)
class WealthyhoodSettings:
    # MOCK_SERVER_WEALTHYHOOD_WALLET_ACTIVATION_SECONDS (and ..._WEALTHYHOOD_SANDBOX_...): how long, on
    # the app's clock, a new user's wallet stays `created` before it is `active`; 0: active at once.
    wallet_activation_seconds: float = field(
        default=5.0,
        metadata=setting(help="seconds a new Wealthyhood wallet stays `created` before it is `active`"),
    )

    def __post_init__(self) -> None:
        if not 0 <= self.wallet_activation_seconds <= MAX_ACTIVATION_SECONDS:
            raise ValueError(f"wallet_activation_seconds must be from 0 to {MAX_ACTIVATION_SECONDS}")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str
    postal_code: str
    country_code: str


@dataclass(frozen=True, slots=True)
class TaxResidency:
    country_code: str
    proof_type: str
    value: str


@dataclass(frozen=True, slots=True)
class EmploymentInfo:
    income_range_id: str
    employment_status: str
    sources_of_wealth: tuple[str, ...]
    industry: str | None = None


@dataclass(frozen=True, slots=True)
class Holding:
    isin: str
    asset_common_id: str
    quantity: float | int


@dataclass(frozen=True, slots=True)
class Portfolio:
    id: str
    currency: str
    holdings: tuple[Holding, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Deposit:
    id: str
    amount: int  # cents
    currency: str
    reference: str
    created_at: datetime
    bank_account_id: str
    status: str = "Settled"  # a test deposit settles at once


@dataclass(frozen=True, slots=True)
class WealthyhoodUser:
    id: str  # a MongoDB ObjectId whose embedded time is created_at
    email: str
    first_name: str
    last_name: str
    date_of_birth: date
    residency_country: str
    created_at: datetime
    updated_at: datetime
    wallet: Wallet
    address: Address | None = None
    tax_residency: TaxResidency | None = None
    language: str = DEFAULT_LANGUAGE
    nationalities: tuple[str, ...] = ()
    employment_info: EmploymentInfo | None = None
    portfolios: tuple[Portfolio, ...] = ()  # a new user has not invested yet
    email_verified: bool = False  # nobody has clicked a verification link yet
    kyc_status: str = "pending"  # pending | failed | passed; KYC has not run yet
    currency: str = USER_CURRENCY
    bank_accounts: tuple[BankAccount, ...] = ()
    deposits: tuple[Deposit, ...] = ()
    test_status: str | None = None  # INVESTED...: a user the sandbox's test builder made


def creation_time(object_id: str) -> datetime:
    """The time embedded in an ObjectId, so `id` and `createdAt` can never disagree."""
    from bson import ObjectId  # imported on first use: start-up does not pay for it

    return ObjectId(object_id).generation_time


class WealthyhoodBackend:
    def __init__(self, context: BackendContext, tenant: AuthTenant = PRODUCTION_TENANT) -> None:
        self._ids = context.ids
        self._clock = context.clock
        self._rng = context.rng
        settings = context.settings or WealthyhoodSettings()
        self._activation = timedelta(seconds=settings.wallet_activation_seconds)
        self._users: Collection[WealthyhoodUser] = context.collection(
            not_found=lambda: NotFound(USER_NOT_FOUND),
            conflict=lambda _field, _user: Conflict(EMAIL_TAKEN, field="email"),
        )
        self.tokens = TokenAuthority(
            context.clock,
            strict=context.config.strict_auth,
            seed=context.config.seed,
            tenant=tenant,
            secret=context.secret(f"{tenant.key_name} signing key"),
        )

    def today(self) -> date:
        """Today on the app's clock: a date of birth must be before it."""
        return self._clock.now().date()

    # --- users ----------------------------------------------------------------------------------------

    def create(self, scope: str, fields: dict[str, Any]) -> WealthyhoodUser:
        user_id = self._ids.object_id()
        user = self._new_user(user_id, creation_time(user_id), fields)
        self._insert(scope, user)
        return user

    def get(self, scope: str, user_id: str) -> WealthyhoodUser:
        return self._users.get(scope, user_id.lower())

    def update_employment_info(self, scope: str, user_id: str, info: dict[str, Any]) -> WealthyhoodUser:
        """Replace the user's employment info whole, as on create; the user's updatedAt moves."""

        def change(user: WealthyhoodUser) -> tuple[WealthyhoodUser, WealthyhoodUser]:
            updated = dataclasses.replace(
                user, employment_info=_employment_info(info), updated_at=self._clock.now()
            )
            return updated, updated

        return self._change(scope, user_id, USER_NOT_FOUND, change)

    def _new_user(self, user_id: str, created: datetime, fields: dict[str, Any]) -> WealthyhoodUser:
        wallet = provision_wallet(user_id, created, active_from=created + self._activation)
        return _user(user_id, created, fields, wallet)

    def _insert(self, scope: str, user: WealthyhoodUser) -> None:
        # Emails compare case-insensitively (assumed: addresses are case-insensitive in practice).
        self._users.insert(scope, user.id, user, _unique_values(user))

    def _change(
        self,
        scope: str,
        user_id: str,
        not_found: str,
        change: Callable[[WealthyhoodUser], tuple[WealthyhoodUser, T]],
    ) -> T:
        """Apply `change` (the updated user, and what to answer) to one user in one atomic step, so no
        racing change is lost; an error it raises leaves the user as it was. The store may run `change`
        again after a concurrent write (drawing new ids: they are never reused)."""
        answers: list[T] = []
        found: list[bool] = []

        def apply(user: WealthyhoodUser) -> tuple[WealthyhoodUser, Any]:
            found.append(True)
            updated, answer = change(user)
            answers.append(answer)
            return updated, _unique_values(updated)

        try:
            self._users.update(scope, user_id.lower(), apply)
        except NotFound:
            if found:  # `change` ran: the NotFound is its own (an unknown bank account, say)
                raise
            raise NotFound(not_found) from None
        return answers[-1]

    def _user_or(self, scope: str, user_id: str, not_found: str) -> WealthyhoodUser:
        try:
            return self.get(scope, user_id)
        except NotFound:
            raise NotFound(not_found) from None

    # --- wallets and bank accounts --------------------------------------------------------------------

    def wallet(self, scope: str, owner: str) -> WalletView:
        """The owner's wallet as it stands now on the app's clock."""
        wallet = self._user_or(scope, owner, WALLET_NOT_FOUND).wallet
        now = self._clock.now()
        return WalletView(
            wallet.id,
            wallet.owner,
            wallet.iban,
            wallet.status_at(now),
            wallet.created_at,
            wallet.updated_at(now),
        )

    def add_bank_account(self, scope: str, user_id: str, details: dict[str, Any]) -> BankAccount:
        def change(user: WealthyhoodUser) -> tuple[WealthyhoodUser, BankAccount]:
            iban = _iban_of(details)
            if _linked_account(user, iban) is not None:
                raise Conflict(IBAN_LINKED, field="iban")
            account = self._bank_account(user.id, details)
            return dataclasses.replace(user, bank_accounts=(*user.bank_accounts, account)), account

        return self._change(scope, user_id, USER_NOT_FOUND, change)

    def _bank_account(self, owner: str, details: dict[str, Any]) -> BankAccount:
        iban = _iban_of(details)
        bank = bank_of(iban)
        # The name comes from the BIC; one the registry lacks keeps the name the client sent, if any.
        bank_name = bank.name if bank.bic is not None else details.get("bank_name")
        return BankAccount(self._ids.object_id(), owner, details["holder_name"], iban, bank.bic, bank_name)

    # --- the sandbox's test builder -------------------------------------------------------------------

    def create_test_user(self, scope: str, fields: dict[str, Any]) -> WealthyhoodUser:
        """A user as the test builder leaves it: KYC passed, invested (the docs' example holdings), with
        a bank account of its own and a wallet already active."""
        user_id = self._ids.object_id()
        created = creation_time(user_id)
        first_name, last_name = self._test_user_names(fields.get("props", {}))
        own_account = {"holder_name": f"{first_name} {last_name}", "iban": sandbox_account_iban(self._rng)}
        user = WealthyhoodUser(
            id=user_id,
            email=fields["email"],
            first_name=first_name,
            last_name=last_name,
            date_of_birth=adult_birth_date(self._rng, self.today()),
            residency_country=TEST_USER_COUNTRY,
            created_at=created,
            updated_at=created,
            wallet=provision_wallet(user_id, created, active_from=created),
            nationalities=(TEST_USER_COUNTRY,),
            portfolios=(self._invested_portfolio(created),),
            email_verified=True,
            kyc_status="passed",
            currency=TEST_USER_CURRENCY,
            bank_accounts=(self._bank_account(user_id, own_account),),
            test_status=fields["status"],
        )
        self._insert(scope, user)
        return user

    def _test_user_names(self, props: dict[str, Any]) -> tuple[str, str]:
        """The names `props` gives, random ones for those it does not (both drawn, so a seeded server's
        later draws do not depend on which names were given)."""
        random_first, random_last = random_names(self._rng)
        return props.get("first_name", random_first), props.get("last_name", random_last)

    def _invested_portfolio(self, created: datetime) -> Portfolio:
        holdings = tuple(Holding(*holding) for holding in SAMPLE_HOLDINGS)
        return Portfolio(self._ids.object_id(at=created), TEST_USER_CURRENCY, holdings, created, created)

    def create_test_deposit(self, scope: str, fields: dict[str, Any]) -> Deposit:
        """A deposit settled at once, from the bank account named (by id or by details: an account with
        the same IBAN is reused, another is linked) or else the user's first."""

        def change(user: WealthyhoodUser) -> tuple[WealthyhoodUser, Deposit]:
            if not user.portfolios:
                raise InvalidRequest(NO_PORTFOLIO)
            user, account = self._deposit_account(user, fields)
            deposit = Deposit(
                id=f"dep_{self._ids.object_id()}",
                amount=fields["amount"],
                currency=user.currency,
                reference=deposit_reference(self._rng),
                created_at=self._clock.now(),
                bank_account_id=account.id,
            )
            return dataclasses.replace(user, deposits=(*user.deposits, deposit)), deposit

        return self._change(scope, fields["user_id"], TEST_USER_NOT_FOUND, change)

    def _deposit_account(
        self, user: WealthyhoodUser, fields: dict[str, Any]
    ) -> tuple[WealthyhoodUser, BankAccount]:
        if "bank_account_id" in fields:
            wanted = fields["bank_account_id"].lower()
            account = next((acc for acc in user.bank_accounts if acc.id == wanted), None)
            if account is None:
                raise NotFound(TEST_BANK_ACCOUNT_NOT_FOUND)
            return user, account
        if "bank_account" in fields:
            details = fields["bank_account"]
            account = _linked_account(user, _iban_of(details))
            if account is not None:
                return user, account
            account = self._bank_account(user.id, details)
            return dataclasses.replace(user, bank_accounts=(*user.bank_accounts, account)), account
        if not user.bank_accounts:
            raise InvalidRequest(NO_BANK_ACCOUNT)
        return user, user.bank_accounts[0]

    # --- fixtures and reset ---------------------------------------------------------------------------

    def load_fixture(self, scope: str, entry: dict[str, Any]) -> None:
        """Store a fixtures-file user under its own ObjectId, validated as a create request is. The id
        carries the creation time; `createdAt`, when given, must agree with it."""
        user_id = entry.get("id")
        if not isinstance(user_id, str) or not OBJECT_ID.fullmatch(user_id):
            raise InvalidRequest(fields={"id": [INVALID_FIXTURE_ID]})
        created = creation_time(user_id)
        stamp = created.strftime(TIMESTAMP_FORMAT)
        if entry.get("createdAt", stamp) != stamp:
            raise InvalidRequest(fields={"createdAt": [CREATED_AT_NOT_ID_TIME.format(stamp)]})
        body = {key: value for key, value in entry.items() if key not in ("id", "createdAt")}
        fields = validate(UserCreate(today=self.today), body)
        self._insert(scope, self._new_user(user_id.lower(), created, fields))

    def fixture_entries(self, faker: Faker, count: int) -> list[dict[str, Any]]:
        """Realistic UK residents (the provider's Faker locale is en_GB) with an address and a National
        Insurance number, created over the months before now."""
        today = self.today()
        entries = []
        for created in creation_times(faker, count, self._clock.now()):
            born = faker.date_between_dates(today - OLDEST, today - YOUNGEST)
            entries.append(
                {
                    "id": self._ids.object_id(at=created),
                    "email": faker.unique.email(),
                    "firstName": faker.first_name(),
                    "lastName": faker.last_name(),
                    "dateOfBirth": born.isoformat(),
                    "residencyCountry": "GB",
                    "address": {
                        "line1": f"{faker.building_number()} {faker.street_name()}",
                        "city": faker.city(),
                        "postalCode": faker.postcode(),
                        "countryCode": "GB",
                    },
                    # QQ is the prefix HMRC never issues, so a generated number is never a real person's.
                    "taxResidency": {"countryCode": "GB", "proofType": "NINO", "value": _nino(faker)},
                    "language": "en",
                    "nationality": "GB",
                    "createdAt": created.strftime(TIMESTAMP_FORMAT),
                }
            )
        return entries

    def reset(self) -> None:
        self._users.clear()

    def reset_scope(self, scope: str) -> None:
        self._users.clear_scope(scope)


def _unique_values(user: WealthyhoodUser) -> dict[str, str]:
    return {"email": user.email.lower()}


def _iban_of(details: dict[str, Any]) -> str:
    """The IBAN of a bank account's details, sent as `iban` or as `accountNumber`."""
    return details["iban"] if "iban" in details else details["account_number"]


def _linked_account(user: WealthyhoodUser, iban: str) -> BankAccount | None:
    return next((account for account in user.bank_accounts if account.iban == iban), None)


def _employment_info(info: dict[str, Any]) -> EmploymentInfo:
    return EmploymentInfo(**{**info, "sources_of_wealth": tuple(info["sources_of_wealth"])})


def _user(user_id: str, created: datetime, fields: dict[str, Any], wallet: Wallet) -> WealthyhoodUser:
    """A user of the validated create `fields`, its optional objects as records."""
    objects = ("address", "tax_residency", "nationality", "employment_info")
    address, tax_residency = fields.get("address"), fields.get("tax_residency")
    nationality, employment = fields.get("nationality"), fields.get("employment_info")
    return WealthyhoodUser(
        id=user_id,
        created_at=created,
        updated_at=created,
        wallet=wallet,
        **{name: value for name, value in fields.items() if name not in objects},
        address=Address(**address) if address is not None else None,
        tax_residency=TaxResidency(**tax_residency) if tax_residency is not None else None,
        nationalities=(nationality,) if nationality is not None else (),
        employment_info=_employment_info(employment) if employment is not None else None,
    )


def _nino(faker: Faker) -> str:
    return faker.numerify("QQ######") + faker.random_element("ABCD")
