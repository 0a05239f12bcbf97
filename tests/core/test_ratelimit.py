import pytest

from mock_server.base.clock import ManualClock
from mock_server.base.config import Quota, parse_quotas
from mock_server.core.ratelimit import RateLimiter


@pytest.fixture
def clock():
    return ManualClock()


@pytest.mark.parametrize(
    ("text", "quotas"),
    [
        (None, {}),
        ("", {}),
        ("dakota=60/min", {"dakota": Quota(60, 60)}),
        ("dakota = 5 / s", {"dakota": Quota(5, 1)}),
        ("dakota=100/hour,dots=10/second", {"dakota": Quota(100, 3600), "dots": Quota(10, 1)}),
        ("DAKOTA=1/MIN", {"dakota": Quota(1, 60)}),
    ],
)
def test_parse_quotas_reads_provider_count_and_unit(text, quotas):
    assert parse_quotas(text) == quotas


@pytest.mark.parametrize(
    "text", ["dakota", "dakota=60", "dakota=0/min", "dakota=-1/min", "dakota=5/week", "=5/s"]
)
def test_parse_quotas_refuses_what_it_cannot_read(text):
    with pytest.raises(ValueError, match="is not PROVIDER=N/UNIT"):
        parse_quotas(text)


def test_requests_within_the_quota_count_down(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(3, 60)})
    remaining = [limiter.hit("dakota", "key-a").remaining for _ in range(3)]
    assert remaining == [2, 1, 0]


def test_a_request_over_the_quota_is_refused_and_not_counted(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(2, 60)})
    limiter.hit("dakota", "key-a")
    clock.advance(15)
    limiter.hit("dakota", "key-a")
    clock.advance(20.5)
    refused = limiter.hit("dakota", "key-a")
    assert (refused.exceeded, refused.remaining, refused.retry_after_seconds) == (True, 0, 25)
    assert refused.reset_at == ManualClock().now().replace(minute=31)  # the window opened at 10:30:00


def test_a_new_window_opens_when_the_old_one_ends(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(1, 60)})
    limiter.hit("dakota", "key-a")
    assert limiter.hit("dakota", "key-a").exceeded
    clock.advance(60)
    usage = limiter.hit("dakota", "key-a")
    assert (usage.exceeded, usage.remaining) == (False, 0)


def test_each_client_has_its_own_window(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(1, 60)})
    limiter.hit("dakota", "key-a")
    assert not limiter.hit("dakota", "key-b").exceeded


def test_usage_headers_follow_the_spec(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(1, 60)})
    reset = str(int(clock.now().timestamp()) + 60)
    assert limiter.hit("dakota", "k").headers() == {
        "X-RateLimit-Limit": "1",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": reset,
    }
    assert limiter.hit("dakota", "k").headers()["Retry-After"] == "60"


def test_expired_windows_are_dropped_and_memory_is_bounded(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(5, 60)}, max_clients=10)
    for n in range(25):
        limiter.hit("dakota", f"key-{n}")
    assert len(limiter) == 10
    clock.advance(61)
    limiter.hit("dakota", "late")
    assert len(limiter) == 1


def test_clear_forgets_one_providers_windows(clock):
    limiter = RateLimiter(clock, {"dakota": Quota(1, 60), "dots": Quota(1, 60)})
    limiter.hit("dakota", "k")
    limiter.hit("dots", "k")
    limiter.clear("dakota")
    assert not limiter.hit("dakota", "k").exceeded
    assert limiter.hit("dots", "k").exceeded
