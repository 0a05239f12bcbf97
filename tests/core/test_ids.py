import random
import re
import uuid
from datetime import UTC, datetime

import pytest
from bson import ObjectId
from ksuid import Ksuid
from ulid import ULID

from mock_server.base.clock import ManualClock
from mock_server.base.ids import IdFactory, is_uuid

MOMENT = datetime(2024, 10, 3, 10, 30, tzinfo=UTC)


def factory(seed: int = 7) -> IdFactory:
    return IdFactory(random.Random(seed), ManualClock(MOMENT))


def test_uuid4_is_a_version_4_uuid():
    value = factory().uuid4()
    assert uuid.UUID(value).version == 4 and is_uuid(value)


def test_same_seed_gives_same_ids():
    one, two = factory(), factory()
    assert [one.uuid4(), one.ksuid(), one.object_id()] == [two.uuid4(), two.ksuid(), two.object_id()]
    assert factory(1).uuid4() != factory(2).uuid4()


def test_ksuid_is_27_base62_chars_embedding_the_clock_time():
    value = factory().ksuid()
    assert re.fullmatch(r"[0-9A-Za-z]{27}", value)
    assert Ksuid.from_base62(value).datetime == MOMENT


def test_ksuid_can_embed_a_given_time():
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert Ksuid.from_base62(factory().ksuid(at=moment)).datetime == moment


def test_ulid_is_26_crockford_chars_embedding_the_clock_time():
    value = factory().ulid()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{26}", value)
    assert ULID.from_str(value).datetime == MOMENT
    assert factory().ulid() == value and factory(8).ulid() != value


def test_object_id_embeds_the_clock_time_and_counts_up():
    ids = factory()
    first, second = ids.object_id(), ids.object_id()
    assert re.fullmatch(r"[0-9a-f]{24}", first)
    assert ObjectId(first).generation_time == MOMENT
    assert int(second[-6:], 16) == (int(first[-6:], 16) + 1) % 0x1000000
    assert first[8:18] == second[8:18]  # one "process" value per app, as in a real MongoDB client


def test_object_id_can_embed_a_given_time():
    moment = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert ObjectId(factory().object_id(at=moment)).generation_time == moment


def test_is_uuid_accepts_only_the_canonical_form():
    assert is_uuid("3c90c3cc-0d44-4b50-8888-8dd25736052a")
    assert not is_uuid("3c90c3cc0d444b5088888dd25736052a")
    assert not is_uuid("{3c90c3cc-0d44-4b50-8888-8dd25736052a}")
    assert not is_uuid("nope")


@pytest.mark.parametrize(
    "value",
    [
        "urn:3c90c3cc0d444b5088888dd25736052a",
        "3c90c3cc0d444b5088888dd25736052a----",
        "+c90c3cc0d444b5088888dd25736052a----",
        "3c90c3cc-0d44-4b50-8888-8dd25736052a\n",
        " 3c90c3cc-0d44-4b50-8888-8dd2573605a",
    ],
)
def test_is_uuid_refuses_what_uuid_uuid_would_take(value):
    assert not is_uuid(value)


def test_is_uuid_accepts_upper_case_hex():
    assert is_uuid("3C90C3CC-0D44-4B50-8888-8DD25736052A")
