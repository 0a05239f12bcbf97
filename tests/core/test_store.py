import threading

import pytest

from mock_server.base.store import MemoryStore, UniqueViolation


def test_insert_then_get_returns_the_record():
    store = MemoryStore()
    store.insert("p", "a", "1", {"name": "x"})
    assert store.get("p", "a", "1") == {"name": "x"}


def test_scopes_never_see_each_other():
    store = MemoryStore()
    store.insert("p", "a", "1", "record-a", {"email": "x@example.com"})
    store.insert("p", "b", "2", "record-b", {"email": "x@example.com"})  # same email, other scope: fine
    assert store.get("p", "b", "1") is None
    assert store.values("p", "a") == ["record-a"]
    assert store.values("p", "b") == ["record-b"]


def test_insert_with_a_taken_unique_value_raises_and_stores_nothing():
    store = MemoryStore()
    store.insert("p", "a", "1", "first", {"email": "x"})
    with pytest.raises(UniqueViolation) as raised:
        store.insert("p", "a", "2", "second", {"email": "x"})
    assert raised.value.field == "email"
    assert store.values("p", "a") == ["first"]


def test_none_unique_values_never_collide():
    store = MemoryStore()
    store.insert("p", "a", "1", "first", {"username": None})
    store.insert("p", "a", "2", "second", {"username": None})
    assert store.count("p") == 2


def test_get_or_insert_returns_the_existing_record():
    store = MemoryStore()
    record, created = store.get_or_insert("p", "a", ("phone", "1"), lambda: ("1", "first", {"phone": "1"}))
    again, created_again = store.get_or_insert(
        "p", "a", ("phone", "1"), lambda: ("2", "second", {"phone": "1"})
    )
    assert (record, created, again, created_again) == ("first", True, "first", False)


def test_replace_keeps_unique_indexes_consistent():
    store = MemoryStore()
    store.insert("p", "a", "1", "v1", {"email": "old"})
    store.replace("p", "a", "1", "v2", {"email": "new"})
    store.insert("p", "a", "2", "other", {"email": "old"})  # the old value is free again
    with pytest.raises(UniqueViolation):
        store.insert("p", "a", "3", "clash", {"email": "new"})
    assert store.find("p", "a", "email", "new") == "v2"


def test_replace_of_a_missing_record_raises_key_error():
    with pytest.raises(KeyError):
        MemoryStore().replace("p", "a", "nope", "v")


def test_delete_frees_unique_values():
    store = MemoryStore()
    store.insert("p", "a", "1", "v", {"email": "x"})
    assert store.delete("p", "a", "1") == "v"
    assert store.delete("p", "a", "1") is None
    store.insert("p", "a", "2", "w", {"email": "x"})
    assert store.values("p", "a") == ["w"]


def test_clear_one_namespace_keeps_the_others():
    store = MemoryStore()
    store.insert("p", "a", "1", "v")
    store.insert("q", "a", "1", "w")
    store.clear("p")
    assert (store.count("p"), store.count("q")) == (0, 1)


def test_concurrent_inserts_of_one_unique_value_store_exactly_one():
    store = MemoryStore()
    barrier = threading.Barrier(32)
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            store.insert("p", "a", str(n), n, {"email": "same"})
            outcomes.append("stored")
        except UniqueViolation:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1
    assert outcomes.count("conflict") == 31
    assert store.count("p") == 1
