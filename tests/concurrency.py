"""Racing requests over real sockets: many threads released at one instant."""

from __future__ import annotations

import threading
from collections.abc import Callable

import requests


def race(count: int, send: Callable[[int], requests.Response]) -> list[requests.Response]:
    """`send(i)` for each i below `count`, from threads released at once; the answers, in order."""
    barrier = threading.Barrier(count)
    responses: list[requests.Response | None] = [None] * count

    def run(index: int) -> None:
        barrier.wait()
        responses[index] = send(index)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert None not in responses, "a racing request raised instead of answering"
    return responses  # type: ignore[return-value]
