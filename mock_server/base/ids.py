"""ID factories for the formats the providers use, all drawing on the app's one random source."""

from __future__ import annotations

import itertools
import random
import re
import threading
import uuid
from datetime import datetime

from mock_server.base.clock import Clock


class IdFactory:
    """UUID4, KSUID and MongoDB ObjectId identifiers; the same seed gives the same sequence."""

    def __init__(self, rng: random.Random, clock: Clock) -> None:
        self._rng = rng
        self._clock = clock
        self._counter_lock = threading.Lock()
        self.restart()

    def restart(self) -> None:
        """Draw what an ObjectId keeps per process (a random value, and where its counter starts) again:
        the mock is one "process", drawn once from the seeded source; a forked worker is another."""
        self._object_id_process = self._rng.randbytes(5)
        self._object_id_counter = itertools.count(self._rng.getrandbits(24))

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def ksuid(self, at: datetime | None = None) -> str:
        """A 27-character KSUID whose embedded time is `at`, or now on the app's clock; pass `at` when
        the record also stores its creation time, so the two cannot straddle a second."""
        from ksuid import Ksuid  # imported on first use: start-up does not pay for it

        moment = at or self._clock.now()
        return str(Ksuid(moment, self._rng.randbytes(Ksuid.PAYLOAD_LENGTH_IN_BYTES)))

    def ulid(self) -> str:
        """A 26-character ULID (Crockford base32) whose first 48 bits are now, in ms, on the app's clock."""
        from ulid import ULID  # python-ulid; imported on first use

        milliseconds = int(self._clock.now().timestamp() * 1000)
        return str(ULID.from_bytes(milliseconds.to_bytes(6, "big") + self._rng.randbytes(10)))

    def object_id(self, at: datetime | None = None) -> str:
        """A 24-hex MongoDB ObjectId whose first four bytes are `at`, or now on the app's clock."""
        from bson import ObjectId  # the real implementation, from pymongo; imported on first use

        seconds = int((at or self._clock.now()).timestamp())
        with self._counter_lock:
            counter = next(self._object_id_counter) % 0x1000000
        raw = seconds.to_bytes(4, "big") + self._object_id_process + counter.to_bytes(3, "big")
        return str(ObjectId(raw))

    def hex_token(self, nbytes: int) -> str:
        return self._rng.randbytes(nbytes).hex()


# The canonical text of a UUID (RFC 9562): 8-4-4-4-12 hex digits, in either case.
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
_UUID = re.compile(UUID_PATTERN)


def is_uuid(value: str) -> bool:
    # Not uuid.UUID(): it also takes braces, "urn:", hyphens anywhere, a sign and surrounding blanks;
    # the APIs take only the canonical form.
    return isinstance(value, str) and _UUID.match(value) is not None
