"""Client configuration (``envconfig``): the same TOML file and the same variables (named
``TEMPORAL_*`` for temporalio, ``DURABLE_*`` for durable) give the same profiles, the same
connect dictionaries and the same errors. No server is involved: connecting with the
result is tested in tests/client/test_envconfig.py (durable's addresses are URLs). The
tests are ``async def`` only because this folder runs every test under pytest-asyncio.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compat.sdk import ENV_PREFIX, envconfig

ClientConfig = envconfig.ClientConfig
ClientConfigProfile = envconfig.ClientConfigProfile
ClientConfigTLS = envconfig.ClientConfigTLS

FILE = """
[profile.default]
address = "127.0.0.1:8233"
namespace = "default"

[profile.staging]
address = "staging.example.com:443"
namespace = "orders"
api_key = "k"

[profile.staging.tls]
server_name = "api.example.com"
client_cert_path = "/etc/certs/client.pem"
client_key_data = "KEY"

[profile.staging.grpc_meta]
X_Tenant_Id = "acme"

[profile.plain]
address = "10.0.0.5:8233"

[profile.plain.tls]
disabled = true
"""


def env(**values: str) -> dict[str, str]:
    """Variables named for the backend: ``env(ADDRESS="x")`` is TEMPORAL_ADDRESS or DURABLE_ADDRESS."""
    return {f"{ENV_PREFIX}{name}": value for name, value in values.items()}


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(FILE)
    return path


async def test_all_profiles_of_the_file(config_file):
    config = ClientConfig.load(config_source=config_file, override_env_vars={})
    assert set(config.profiles) == {"default", "staging", "plain"}
    assert config.profiles["default"] == ClientConfigProfile(address="127.0.0.1:8233", namespace="default")
    staging = config.profiles["staging"]
    assert (staging.address, staging.namespace, staging.api_key) == ("staging.example.com:443", "orders", "k")
    assert staging.grpc_meta == {"x-tenant-id": "acme"}
    assert staging.tls == ClientConfigTLS(
        server_name="api.example.com", client_cert=Path("/etc/certs/client.pem"), client_private_key=b"KEY"
    )
    assert config.profiles["plain"].tls == ClientConfigTLS(disabled=True)
    assert config.to_dict() == {
        "default": {"address": "127.0.0.1:8233", "namespace": "default"},
        "staging": {
            "address": "staging.example.com:443",
            "namespace": "orders",
            "api_key": "k",
            "tls": {
                "server_name": "api.example.com",
                "client_cert": {"path": "/etc/certs/client.pem"},
                "client_key": {"data": "KEY"},
            },
            "grpc_meta": {"x-tenant-id": "acme"},
        },
        "plain": {"address": "10.0.0.5:8233", "tls": {"disabled": True}},
    }
    assert ClientConfig.from_dict(config.to_dict()).to_dict() == config.to_dict()


async def test_the_same_file_as_text_or_bytes(config_file):
    from_text = ClientConfig.load(config_source=FILE, override_env_vars={})
    from_bytes = ClientConfig.load(config_source=FILE.encode(), override_env_vars={})
    assert from_text.to_dict() == from_bytes.to_dict() == ClientConfig.load(config_source=config_file).to_dict()


async def test_variables_override_the_profile(config_file):
    variables = env(
        PROFILE="staging", ADDRESS="elsewhere:7233", TLS="false", GRPC_META_X_TENANT_ID="", GRPC_META_X_TRACE="1"
    )
    profile = ClientConfigProfile.load(config_source=config_file, override_env_vars=variables)
    assert profile.address == "elsewhere:7233"
    assert profile.namespace == "orders"
    assert profile.grpc_meta == {"x-trace": "1"}  # an empty variable removes the file's header
    assert profile.tls is not None and profile.tls.disabled is True and profile.tls.server_name == "api.example.com"
    # the profile named in the call wins over the variable
    plain = ClientConfigProfile.load("plain", config_source=config_file, override_env_vars=variables)
    assert (plain.address, plain.namespace) == ("elsewhere:7233", None)
    # disable_env: neither the overrides nor the profile variable
    assert ClientConfigProfile.load(
        config_source=config_file, disable_env=True, override_env_vars=variables
    ) == ClientConfigProfile(address="127.0.0.1:8233", namespace="default")


async def test_variables_alone(config_file):
    profile = ClientConfigProfile.load(
        disable_file=True,
        override_env_vars=env(ADDRESS="h:1", NAMESPACE="", TLS_SERVER_CA_CERT_PATH="/ca.pem", TLS_CLIENT_CERT_DATA="C"),
    )
    assert profile == ClientConfigProfile(
        address="h:1", namespace="", tls=ClientConfigTLS(server_root_ca_cert=Path("/ca.pem"), client_cert=b"C")
    )
    for value, disabled in [
        ("true", False),
        ("1", False),
        ("TRUE", False),
        ("false", True),
        ("0", True),
        ("yes", None),
        ("", None),
    ]:
        tls = ClientConfigProfile.load(disable_file=True, override_env_vars=env(TLS=value)).tls
        assert tls == ClientConfigTLS(disabled=disabled), value
    # the file is found through the variable; a file that does not exist holds no profile
    assert ClientConfigProfile.load(override_env_vars=env(CONFIG_FILE=str(config_file))).address == "127.0.0.1:8233"
    assert (
        ClientConfigProfile.load(override_env_vars=env(CONFIG_FILE=str(config_file.parent / "none.toml")))
        == ClientConfigProfile()
    )
    assert ClientConfigProfile.load("staging", disable_file=True, override_env_vars={}) == ClientConfigProfile()


async def test_connect_config(config_file):
    load = ClientConfig.load_client_connect_config
    assert load(config_file=str(config_file), override_env_vars={}) == {
        "target_host": "127.0.0.1:8233",
        "namespace": "default",
    }
    assert load("plain", config_file=str(config_file), override_env_vars={}) == {
        "target_host": "10.0.0.5:8233",
        "tls": False,
    }
    assert load(disable_file=True, override_env_vars=env(ADDRESS="h:1", API_KEY="k")) == {
        "target_host": "h:1",
        "api_key": "k",
        "tls": True,
    }
    assert load(config_file=str(config_file), disable_file=True, override_env_vars={}) == {}
    tls = ClientConfigProfile(
        tls=ClientConfigTLS(server_name="sni", server_root_ca_cert=b"CA", client_cert="CERT")
    ).to_client_connect_config()["tls"]
    assert not isinstance(tls, bool)
    assert (tls.domain, tls.server_root_ca_cert, tls.client_cert, tls.client_private_key) == (
        "sni",
        b"CA",
        b"CERT",
        None,
    )


@pytest.mark.parametrize(
    ("text", "kwargs", "variables", "message"),
    [
        (FILE, {"profile": "prod"}, {}, "Profile 'prod' not found"),
        (FILE, {}, {"PROFILE": "prod"}, "Profile 'prod' not found"),
        ("[profile.default]\nadress = 'x'\n", {"config_file_strict": True}, {}, "unknown field `adress`"),
        (
            "[profile.default.tls]\nclient_cert_path = 'a'\nclient_cert_data = 'b'\n",
            {},
            {},
            "Invalid configuration: Cannot specify both client_cert_path and client_cert_data",
        ),
        (
            "[profile.default.tls]\nclient_key_path = 'a'\n",
            {},
            {"TLS_CLIENT_KEY_DATA": "b"},
            "Cannot specify key data via .*_TLS_CLIENT_KEY_DATA when key path is already specified",
        ),
        (
            "[profile.default.tls]\nserver_ca_cert_data = 'a'\n",
            {},
            {"TLS_SERVER_CA_CERT_PATH": "b"},
            "Cannot specify server CA cert path via .*_TLS_SERVER_CA_CERT_PATH"
            " when server CA cert data is already specified",
        ),
        (
            "",
            {},
            {"TLS_CLIENT_CERT_PATH": "a", "TLS_CLIENT_CERT_DATA": "b"},
            "Cannot specify both .*_TLS_CLIENT_CERT_PATH and .*_TLS_CLIENT_CERT_DATA",
        ),
        ("[profile.default\n", {}, {}, "Configuration loading error: TOML parse error"),
        ("[profile.default]\naddress = 1\n", {}, {}, "invalid type: integer `1`, expected a string"),
    ],
)
async def test_errors(text, kwargs, variables, message):
    with pytest.raises(RuntimeError, match=message):
        ClientConfigProfile.load(config_source=text, override_env_vars=env(**variables), **kwargs)


async def test_unknown_keys_are_ignored_unless_strict():
    text = "[profile.default]\naddress = 'a'\ncolour = 'blue'\n"
    assert ClientConfigProfile.load(config_source=text, override_env_vars={}).address == "a"
    with pytest.raises(RuntimeError, match="unknown field `colour`"):
        ClientConfig.load(config_source=text, config_file_strict=True, override_env_vars={})
