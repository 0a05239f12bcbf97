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
