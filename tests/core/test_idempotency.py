import pytest

from mock_server.base.clock import ManualClock
from mock_server.base.errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from mock_server.core.idempotency import HEADER_COPIES, IdempotencyStore, StoredResponse, fingerprint

RESPONSE = StoredResponse(201, (("Content-Type", "application/json"),), b'{"id":"1"}')


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def keys(clock):
    return IdempotencyStore(clock, ttl_seconds=60, max_keys=3)


def test_first_request_runs_and_a_repeat_is_replayed(keys):
    assert keys.begin("dakota", "key-a", "k1", "fp") is None
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    assert keys.begin("dakota", "key-a", "k1", "fp") == RESPONSE


def test_a_key_still_in_flight_is_a_conflict(keys):
    keys.begin("dakota", "key-a", "k1", "fp")
    with pytest.raises(IdempotencyKeyInFlight):
        keys.begin("dakota", "key-a", "k1", "fp")


def test_the_same_key_with_another_request_is_refused(keys):
    keys.begin("dakota", "key-a", "k1", "fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    with pytest.raises(IdempotencyKeyReused):
        keys.begin("dakota", "key-a", "k1", "other")


def test_keys_are_scoped_per_credential(keys):
    keys.begin("dakota", "key-a", "k1", "fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    assert keys.begin("dakota", "key-b", "k1", "fp") is None


def test_keys_expire_after_the_window(keys, clock):
    keys.begin("dakota", "key-a", "k1", "fp")
    keys.complete("dakota", "key-a", "k1", RESPONSE)
    clock.advance(61)
    assert keys.begin("dakota", "key-a", "k1", "fp") is None


def test_memory_is_bounded_by_max_keys(keys):
    for n in range(10):
        keys.begin("dakota", "key-a", f"k{n}", "fp")
        assert 1 <= len(keys) <= 3


def test_the_oldest_keys_go_first_half_at_a_time(clock):
    keys = IdempotencyStore(clock, ttl_seconds=60, max_keys=10)
    for n in range(23):
        keys.begin("dakota", "key-a", f"k{n}", "fp")
        keys.complete("dakota", "key-a", f"k{n}", RESPONSE)
    for n in range(15, 23):  # the last full generation of five, and the three keys after it
        assert keys.begin("dakota", "key-a", f"k{n}", "fp") == RESPONSE
    assert len(keys) == 8
    assert keys.begin("dakota", "key-a", "k14", "fp") is None  # gone: it runs again


def test_an_expired_key_is_forgotten_in_either_generation(clock):
    keys = IdempotencyStore(clock, ttl_seconds=60, max_keys=4)
    for n in range(3):  # k0 and k1 fill the first generation, which becomes the old one
        keys.begin("dakota", "key-a", f"k{n}", "fp")
        keys.complete("dakota", "key-a", f"k{n}", RESPONSE)
    clock.advance(61)
    assert keys.begin("dakota", "key-a", "k0", "other") is None  # a new request, not a reuse
    assert keys.begin("dakota", "key-a", "k2", "other") is None


def test_a_released_key_may_be_retried(keys):
    keys.begin("dakota", "key-a", "k1", "fp")
    keys.release("dakota", "key-a", "k1")
    assert keys.begin("dakota", "key-a", "k1", "fp") is None


def test_fingerprint_tells_bodies_apart():
    assert fingerprint("POST", "/users", b"{}") == fingerprint("POST", "/users", b"{}")
    assert fingerprint("POST", "/users", b"{}") != fingerprint("POST", "/users", b'{"a":1}')


def test_stored_responses_share_one_copy_of_equal_headers(clock):
    keys = IdempotencyStore(clock, ttl_seconds=60, max_keys=HEADER_COPIES * 3)
    for n in range(HEADER_COPIES * 2):
        keys.begin("dakota", "key-a", f"same-{n}", b"fp")
        headers = (("Content-Type", "application/" + "json"),)  # equal, but a new object each time
        keys.complete("dakota", "key-a", f"same-{n}", StoredResponse(201, headers, b"{}"))
    first = keys.begin("dakota", "key-a", "same-0", b"fp")
    last = keys.begin("dakota", "key-a", f"same-{HEADER_COPIES * 2 - 1}", b"fp")
    assert first.headers is last.headers
    for n in range(
        HEADER_COPIES * 2
    ):  # distinct headers (a Location each): kept whole, and only so many shared
        keys.begin("dakota", "key-a", f"own-{n}", b"fp")
        keys.complete(
            "dakota", "key-a", f"own-{n}", StoredResponse(201, (("Location", f"/users/{n}"),), b"{}")
        )
    assert keys.begin("dakota", "key-a", "own-100", b"fp").headers == (("Location", "/users/100"),)
    assert len(keys._header_copies) == HEADER_COPIES
