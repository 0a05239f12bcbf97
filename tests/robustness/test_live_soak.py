"""Concurrency over real sockets against the production server (granian), across every provider.

The races on one unique value and on one idempotency key are in each provider's own test_live.py;
here: creates, lists, gets and deletes of every provider interleaved from many threads for a few
seconds lose nothing; deletes racing each other succeed once; and one unique value spelled in
different cases still races to one user."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import requests

from tests.concurrency import race
from tests.robustness.live_apis import ALL_APIS, Dakota, Dots, LiveApi, Taliware, Wealthyhood

WORKERS = 8  # the server's own thread count
SOAK_SECONDS = 3.0
MAX_OPERATIONS_PER_WORKER = 400  # a bound even on a machine fast enough to do more in the time
LIVE_CAP = 60  # deletes win when this many users are live, so one page of 100 lists them all
RACERS = 16


@dataclass
class Ledger:
    """What one provider's client knows, as the answers come in. `claimed` holds every id a worker
    has decided to delete (deleted or about to be), so a list that misses it is not wrong."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    live: dict[str, dict] = field(default_factory=dict)  # id -> the body create answered
    claimed: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("create", "list", "get", "delete"), 0)
    )

    def count(self, operation: str) -> None:
        with self.lock:
            self.counts[operation] += 1

    def claim_one(self, rng: random.Random) -> str | None:
        with self.lock:
            if not self.live:
                return None
            user_id = rng.choice(sorted(self.live))
            del self.live[user_id]
            self.claimed.add(user_id)
            return user_id


class Soak:
    """Workers picking an API and an operation at random (seeded per worker), until the time or
    their operation budget runs out. Every surprise is written down, to be asserted after the join:
    an assertion inside a thread would fail nothing."""

    def __init__(self, apis: list[LiveApi]) -> None:
        self.apis = apis
        self.ledgers = {api.name: Ledger() for api in apis}
        self.numbers = itertools.count(1)
        self.problems: list[str] = []
        self.deadline = 0.0

    def run(self) -> None:
        self.deadline = time.monotonic() + SOAK_SECONDS
        workers = [threading.Thread(target=self.work, args=(seed,)) for seed in range(WORKERS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()

    def work(self, seed: int) -> None:
        rng = random.Random(seed)
        with requests.Session() as session:
            for _ in range(MAX_OPERATIONS_PER_WORKER):
                if time.monotonic() >= self.deadline:
                    return
                api = rng.choice(self.apis)
                try:
                    self.operation(api, rng)(api, session, rng)
                except Exception as error:  # a socket error is a finding too, not a crash of the test
                    self.problems.append(f"{api.name}: {type(error).__name__}: {error}")

    def operation(self, api: LiveApi, rng: random.Random) -> Callable:
        ledger = self.ledgers[api.name]
        if api.deleted_status is not None and len(ledger.live) >= LIVE_CAP:
            return self.delete
        choices = [self.create, self.create, self.find]
        if api.deleted_status is not None:
            choices.append(self.delete)
        return rng.choice(choices)

    def create(self, api: LiveApi, session: requests.Session, rng: random.Random) -> None:
        response = api.create(session, next(self.numbers))
        ledger = self.ledgers[api.name]
        ledger.count("create")
        if response.status_code != api.created_status:
            self.problems.append(f"{api.name} create: {response.status_code} {response.text[:200]}")
            return
        with ledger.lock:
            ledger.live[response.json()["id"]] = response.json()

    def find(self, api: LiveApi, session: requests.Session, rng: random.Random) -> None:
        """A list must hold every user created before it and not claimed by its end, and none deleted
        before it began; without a list, a get of a live user must find it."""
        ledger = self.ledgers[api.name]
        with ledger.lock:
            live_before, deleted_before = set(ledger.live), set(ledger.deleted)
        if not api.can_list:
            if live_before:
                self.get_live(api, session, rng.choice(sorted(live_before)))
            return
        listed = api.list_ids(session)
        ledger.count("list")
        with ledger.lock:
            claimed_after = set(ledger.claimed)
        if missing := (live_before - claimed_after) - listed:
            self.problems.append(f"{api.name} list lost {sorted(missing)}")
        if back := listed & deleted_before:
            self.problems.append(f"{api.name} list shows deleted {sorted(back)}")

    def get_live(self, api: LiveApi, session: requests.Session, user_id: str) -> None:
        response = api.get(session, user_id)
        self.ledgers[api.name].count("get")
        if response.status_code != 200:
            self.problems.append(f"{api.name} get {user_id}: {response.status_code} {response.text[:200]}")

    def delete(self, api: LiveApi, session: requests.Session, rng: random.Random) -> None:
        ledger = self.ledgers[api.name]
        user_id = ledger.claim_one(rng)
        if user_id is None:
            return
        response = api.delete(session, user_id)
        ledger.count("delete")
        if response.status_code != api.deleted_status:
            self.problems.append(f"{api.name} delete {user_id}: {response.status_code} {response.text[:200]}")
            return
        with ledger.lock:
            ledger.deleted.add(user_id)


def test_interleaved_creates_lists_and_deletes_lose_nothing(live_server, unique_client):
    apis = [api(live_server.url, f"soak-{api.__name__}-{unique_client}") for api in ALL_APIS]
    soak = Soak(apis)
    started = time.monotonic()
    soak.run()
    assert time.monotonic() - started < SOAK_SECONDS + 30  # bounded: the budget, plus one request's timeout
    assert soak.problems == []
    with requests.Session() as session:
        for api in apis:
            ledger = soak.ledgers[api.name]
            assert ledger.counts["create"] >= 10, (api.name, ledger.counts)  # it really ran
            assert ledger.claimed == ledger.deleted  # every claimed delete answered as it should
            if api.deleted_status is not None:
                assert ledger.counts["delete"] >= 5, (api.name, ledger.counts)
            if api.can_list:
                assert ledger.counts["list"] >= 5, (api.name, ledger.counts)
                assert api.list_ids(session) == set(ledger.live)  # nothing lost, nothing extra
            for user_id, created in ledger.live.items():  # every 2xx create is found, as it was made
                response = api.get(session, user_id)
                assert (response.status_code, response.json()) == (200, created)
            for user_id in ledger.deleted:  # every delete is gone
                assert api.get(session, user_id).status_code == 404


@pytest.mark.parametrize("api_class", [Dots, Dakota], ids=["dots", "dakota"])
def test_concurrent_deletes_of_one_user_succeed_exactly_once(live_server, unique_client, api_class):
    api = api_class(live_server.url, unique_client)
    with requests.Session() as session:
        user_id = api.create(session, 1).json()["id"]
        responses = race(RACERS, lambda _: api.delete(requests.Session(), user_id))
        statuses = sorted(response.status_code for response in responses)
        assert statuses == sorted([api.deleted_status] + [404] * (RACERS - 1))
        assert api.get(session, user_id).status_code == 404
        assert api.list_ids(session) == set()


@pytest.mark.parametrize(
    ("api_class", "field", "spellings"),
    [
        (Dots, "email", ["same@example.com", "SAME@example.com", "Same@Example.com"]),
        (Dakota, "email", ["same@example.com", "SAME@example.com", "Same@Example.com"]),
        (Wealthyhood, "email", ["same@example.com", "SAME@example.com", "Same@Example.com"]),
        (Taliware, "userName", ["same-name", "SAME-NAME", "Same-Name"]),
    ],
    ids=["dots", "dakota", "wealthyhood", "taliware"],
)
def test_concurrent_creates_with_one_value_in_any_case_make_one_user(
    live_server, unique_client, api_class, field, spellings
):
    # The per-provider races send one spelling; unique values compare case-insensitively, so
    # different spellings of one value must race to one user too.
    api = api_class(live_server.url, unique_client)
    responses = race(
        12, lambda n: api.create(requests.Session(), n, **{field: spellings[n % len(spellings)]})
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == sorted([api.created_status] + [409] * 11)
    (winner,) = [response.json() for response in responses if response.status_code == api.created_status]
    with requests.Session() as session:
        assert api.get(session, winner["id"]).json() == winner
        if api.can_list:
            assert api.list_ids(session) == {winner["id"]}
