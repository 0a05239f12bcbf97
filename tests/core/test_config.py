import pytest

from mock_server.base.config import Quota
from mock_server.providers import REGISTRY


def test_environment_overrides_defaults_and_arguments_override_both():
    env = {"MOCK_SERVER_PORT": "9000", "MOCK_SERVER_HOST": "0.0.0.0", "MOCK_SERVER_SEED": "5"}
    config = REGISTRY.config_from_env(env, port=9100, seed=None)
    assert (config.host, config.port, config.seed) == ("0.0.0.0", 9100, 5)


def test_defaults_bind_loopback_on_8080():
    config = REGISTRY.config_from_env({})
    assert (config.host, config.port, config.provider) == ("127.0.0.1", 8080, None)


def test_a_non_numeric_number_is_refused_with_its_variable_name():
    with pytest.raises(ValueError, match="MOCK_SERVER_PORT"):
        REGISTRY.config_from_env({"MOCK_SERVER_PORT": "eighty"})


def test_rate_limiting_is_off_by_default_and_read_from_the_environment():
    assert REGISTRY.config_from_env({}).rate_limit == {}
    config = REGISTRY.config_from_env({"MOCK_SERVER_RATE_LIMIT": "dakota=60/min"})
    assert config.rate_limit == {"dakota": Quota(60, 60)}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        ("on", True),
        ("0", False),
        ("False", False),
        ("off", False),
    ],
)
def test_strict_auth_reads_a_boolean_from_the_environment(raw, expected):
    assert REGISTRY.config_from_env({"MOCK_SERVER_STRICT_AUTH": raw}).strict_auth is expected


def test_strict_auth_is_off_by_default():
    assert REGISTRY.config_from_env({}).strict_auth is False


def test_a_non_boolean_strict_auth_is_refused_with_its_variable_name():
    with pytest.raises(ValueError, match="MOCK_SERVER_STRICT_AUTH='maybe' is not a boolean"):
        REGISTRY.config_from_env({"MOCK_SERVER_STRICT_AUTH": "maybe"})


def test_the_exported_value_reads_back():
    # The server hands settings to its worker through the environment, as str(value).
    assert REGISTRY.config_from_env({"MOCK_SERVER_STRICT_AUTH": str(True)}).strict_auth is True
    assert REGISTRY.config_from_env({"MOCK_SERVER_STRICT_AUTH": str(False)}).strict_auth is False


def test_provider_ports_are_read_and_exported_so_they_read_back():
    config = REGISTRY.config_from_env({"MOCK_SERVER_PROVIDER_PORTS": "dakota=8083, Dots=8081"})
    assert config.provider_ports == {"dakota": 8083, "dots": 8081}
    exported = config.to_environ(REGISTRY.catalog)
    assert REGISTRY.config_from_env(exported).provider_ports == config.provider_ports


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("dakota=8080", "provider port 8080 for 'dakota' is the server's own port"),
        ("nope=9000", "unknown provider 'nope' in provider ports; choose from: "),
        ("dakota=9000,dots=9000", "two providers given one port: dakota=9000,dots=9000"),
        ("dakota=0", "provider port 'dakota=0' is not PROVIDER=PORT with a port from 1 to 65535"),
        ("dakota", "provider port 'dakota' is not PROVIDER=PORT with a port from 1 to 65535"),
    ],
)
def test_bad_provider_ports_are_refused_with_a_reason(raw, message):
    with pytest.raises(ValueError) as refused:
        REGISTRY.config_from_env({"MOCK_SERVER_PROVIDER_PORTS": raw})
    assert message in str(refused.value)


def test_a_provider_port_for_a_provider_not_served_is_refused():
    with pytest.raises(ValueError, match="provider port for 'dots', but only 'dakota' is served"):
        REGISTRY.config_from_env(
            {"MOCK_SERVER_PROVIDER_PORTS": "dots=9000", "MOCK_SERVER_PROVIDER": "dakota"}
        )


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        (
            "MOCK_SERVER_BODY_TIMEOUT_SECONDS",
            "0",
            "body_timeout_seconds must be over 0 and at most 3600, not 0",
        ),
        ("MOCK_SERVER_SHUTDOWN_GRACE_SECONDS", "0", "shutdown_grace_seconds must be 1 to 60, not 0"),
        (
            "MOCK_SERVER_SHUTDOWN_GRACE_SECONDS",
            "1.5",
            "MOCK_SERVER_SHUTDOWN_GRACE_SECONDS='1.5' is not a number",
        ),
    ],
)
def test_serving_times_are_checked(variable, raw, message):
    with pytest.raises(ValueError) as refused:
        REGISTRY.config_from_env({variable: raw})
    assert message in str(refused.value)


def test_the_default_thread_count_follows_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: {0})
    assert REGISTRY.config_from_env({}).threads == 5  # one CPU: still several delayed requests at a time
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(4)))
    assert REGISTRY.config_from_env({}).threads == 8
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(64)))
    assert REGISTRY.config_from_env({}).threads == 32


def test_a_thread_count_given_wins_over_the_default():
    assert REGISTRY.config_from_env({"MOCK_SERVER_THREADS": "3"}).threads == 3


def test_quiet_is_off_by_default_and_read_from_the_environment():
    assert REGISTRY.config_from_env({}).quiet is False
    config = REGISTRY.config_from_env({"MOCK_SERVER_QUIET": "yes"})
    assert config.quiet is True
    assert (
        REGISTRY.config_from_env(config.to_environ(REGISTRY.catalog)).quiet is True
    )  # a worker reads it back
