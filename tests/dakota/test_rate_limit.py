"""Opt-in: 60 requests a minute per API key, as Dakota documents, only when asked for."""

import pytest

from tests.dakota.helpers import SEED_BODY, USERS, headers, key, problem, rid

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After")


@pytest.fixture
def limited(make_app):
    app = make_app(rate_limit="dakota=60/min")
    return app.test_client()


def window_end(clock, seconds: int = 60) -> str:
    return str(int(clock.now().timestamp()) + seconds)


def test_rate_limiting_is_off_by_default(client, state):
    responses = [client.get(USERS, headers=headers()) for _ in range(70)]
    assert {response.status_code for response in responses} == {200}
    assert not any(name in responses[-1].headers for name in RATE_HEADERS)
    assert state.rate_limiter is None


def test_every_counted_response_reports_the_window(limited, clock):
    reset = window_end(clock)
    first = limited.get(USERS, headers=headers())
    created = limited.post(USERS, headers=headers("key-a", key(1)), json=SEED_BODY)
    missing = limited.get(f"{USERS}/1NFHrqBHb3cTfLVkFSGmHZqdDPi", headers=headers())
    assert [r.headers["X-RateLimit-Remaining"] for r in (first, created, missing)] == ["59", "58", "57"]
    assert {r.headers["X-RateLimit-Limit"] for r in (first, created, missing)} == {"60"}
    assert {r.headers["X-RateLimit-Reset"] for r in (first, created, missing)} == {reset}
    assert "Retry-After" not in first.headers


def test_the_61st_request_in_a_minute_is_429(limited, clock, state):
    reset = window_end(clock)
    for _ in range(60):
        assert limited.get(USERS, headers=headers()).status_code == 200
    clock.advance(45)
    response = limited.post(USERS, headers=headers("key-a", key(1)), json=SEED_BODY)
    assert response.status_code == 429
    assert response.get_json() == problem(
        "rate-limit-exceeded",
        "Too Many Requests",
        429,
        "Too many requests. Please retry after the rate limit window resets.",
        request_id=rid(response),
    )
    assert {name: response.headers[name] for name in RATE_HEADERS} == {
        "X-RateLimit-Limit": "60",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset,
        "Retry-After": "15",
    }
    assert state.store.count() == 0 and len(state.idempotency) == 0  # refused before it ran


def test_the_limit_is_per_api_key(limited):
    for _ in range(60):
        limited.get(USERS, headers=headers("key-a"))
    assert limited.get(USERS, headers=headers("key-a")).status_code == 429
    other = limited.get(USERS, headers=headers("key-b"))
    assert (other.status_code, other.headers["X-RateLimit-Remaining"]) == (200, "59")


def test_a_new_window_opens_after_a_minute(limited, clock):
    for _ in range(61):
        limited.get(USERS, headers=headers())
    clock.advance(60)
    response = limited.get(USERS, headers=headers())
    assert (response.status_code, response.headers["X-RateLimit-Remaining"]) == (200, "59")
    assert response.headers["X-RateLimit-Reset"] == window_end(clock)


def test_replays_and_unknown_routes_count_too(limited):
    limited.post(USERS, headers=headers("key-a", key(1)), json=SEED_BODY)
    limited.post(USERS, headers=headers("key-a", key(1)), json=SEED_BODY)
    response = limited.get("/dakota/nothing", headers=headers())
    assert (response.status_code, response.headers["X-RateLimit-Remaining"]) == (404, "57")


def test_requests_without_an_api_key_are_answered_401_and_not_counted(limited):
    for _ in range(70):
        response = limited.get(USERS)
    assert response.status_code == 401
    assert "X-RateLimit-Remaining" not in response.headers


def test_a_custom_quota_applies(make_app, clock):
    client = make_app(rate_limit="dakota=2/s").test_client()
    assert [client.get(USERS, headers=headers()).status_code for _ in range(3)] == [200, 200, 429]
    clock.advance(1)
    assert client.get(USERS, headers=headers()).status_code == 200


def test_reset_forgets_the_windows(make_app):
    app = make_app(rate_limit="dakota=1/min")
    client = app.test_client()
    client.get(USERS, headers=headers())
    app.extensions["mock_server"].reset("dakota")
    assert client.get(USERS, headers=headers()).status_code == 200
