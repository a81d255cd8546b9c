"""``durable.envconfig``: profiles from a TOML file and ``DURABLE_*`` variables, and
``Client.connect(**config)`` against the dev server, over plain HTTP and over TLS.

The loading rules (precedence, errors, the shape of the dictionaries) are also checked
against temporalio 1.35 itself in tests/compat/test_envconfig.py; these tests cover what is
durable's alone: the variable names, the default file, and what ``Client.connect`` does with
each key of the dictionary.
"""

from __future__ import annotations

import http.server
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from durable import workflow
from durable._http.devserver import DevServer
from durable.client import Client
from durable.envconfig import (
    ClientConfig,
    ClientConfigProfile,
    ClientConfigTLS,
    ConfigError,
    default_config_file,
)
from durable.service import RPCError, RPCStatusCode, TLSConfig
from durable.testing import WorkflowEnvironment
from durable.worker import Worker
from tests.client.tls_proxy import TestCA, TlsProxy


@workflow.defn
class Greeter:
    @workflow.run
    async def run(self, name: str) -> str:
        return f"Hello, {name}!"


class DevServerWithEngine:
    """The dev server on a free port, and the local environment behind it (for the Worker)."""

    def __init__(self, local: WorkflowEnvironment, server: DevServer) -> None:
        self.local = local
        self.server = server
        self.url = server.url
        self.port = int(server.url.rsplit(":", 1)[1])

    async def greet_through(self, client: Client) -> str:
        """Run Greeter, started and awaited through ``client``."""
        task_queue = f"tq-{uuid.uuid4()}"
        async with Worker(self.local.client, task_queue=task_queue, workflows=[Greeter]):
            return await client.execute_workflow(
                Greeter.run, "profile", id=f"greet-{uuid.uuid4()}", task_queue=task_queue
            )


@pytest_asyncio.fixture(loop_scope="function")
async def dev() -> AsyncIterator[DevServerWithEngine]:
    local = await WorkflowEnvironment.start_local(backend="memory")
    server = DevServer(local.runtime, port=0).start()
    try:
        yield DevServerWithEngine(local, server)
    finally:
        server.stop()
        await local.shutdown()


def write(tmp_path: Path, text: str, name: str = "durable.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# -- loading ------------------------------------------------------------------------------

PROFILES = """
[profile.default]
address = "http://127.0.0.1:8233"

[profile.prod]
address = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
namespace = "orders"

[profile.prod.tls]
server_name = "api.example.com"
server_ca_cert_path = "/etc/ssl/private-ca.pem"
client_cert_data = "CERT"
client_key_data = "KEY"

[profile.prod.grpc_meta]
X_Tenant_Id = "acme"
"""


def test_profiles_load_from_the_file_and_round_trip(tmp_path):
    config = ClientConfig.load(config_source=write(tmp_path, PROFILES), override_env_vars={})
    assert set(config.profiles) == {"default", "prod"}
    prod = config.profiles["prod"]
    assert prod.address == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert prod.namespace == "orders"
    assert prod.grpc_meta == {"x-tenant-id": "acme"}  # as temporalio: lower case, - for _
    assert prod.tls == ClientConfigTLS(
        server_name="api.example.com",
        server_root_ca_cert=Path("/etc/ssl/private-ca.pem"),
        client_cert=b"CERT",
        client_private_key=b"KEY",
    )
    assert config.to_dict()["prod"]["tls"] == {
        "server_name": "api.example.com",
        "server_ca_cert": {"path": "/etc/ssl/private-ca.pem"},
        "client_cert": {"data": "CERT"},
        "client_key": {"data": "KEY"},
    }
    again = ClientConfig.from_dict(config.to_dict())
    assert again.to_dict() == config.to_dict()
    assert again.profiles["default"] == config.profiles["default"]


def test_durable_variables_override_the_file_and_pick_the_profile(tmp_path):
    path = write(tmp_path, PROFILES)
    env = {
        "DURABLE_PROFILE": "prod",
        "DURABLE_NAMESPACE": "billing",
        "DURABLE_TLS": "false",
        "DURABLE_GRPC_META_X_TENANT_ID": "",  # empty: removes the file's header
        "DURABLE_GRPC_META_X_TRACE": "on",
    }
    profile = ClientConfigProfile.load(config_source=path, override_env_vars=env)
    assert profile.address == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    assert profile.namespace == "billing"
    assert profile.grpc_meta == {"x-trace": "on"}
    assert profile.tls is not None and profile.tls.disabled is True
    # a profile named in the call wins over DURABLE_PROFILE; DURABLE_ADDRESS over the file
    named = ClientConfigProfile.load(
        "default", config_source=path, override_env_vars={**env, "DURABLE_ADDRESS": "http://127.0.0.1:9999"}
    )
    assert named.address == "http://127.0.0.1:9999"
    assert named.namespace == "billing"


def test_temporal_variables_are_not_read(tmp_path):
    env = {
        "TEMPORAL_ADDRESS": "localhost:7233",
        "TEMPORAL_NAMESPACE": "ns",
        "TEMPORAL_CONFIG_FILE": str(write(tmp_path, PROFILES)),
    }
    assert ClientConfigProfile.load(override_env_vars=env, disable_file=True) == ClientConfigProfile()
    assert (
        ClientConfig.load(override_env_vars={**env, "DURABLE_CONFIG_FILE": str(tmp_path / "none.toml")}).profiles == {}
    )


def test_the_file_is_found_by_variable_or_in_the_user_config_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_config_file() == tmp_path / "config" / "durable" / "durable.toml"
    assert ClientConfigProfile.load(override_env_vars={}) == ClientConfigProfile()  # no file: no profile
    default_config_file().parent.mkdir(parents=True)
    default_config_file().write_text('[profile.default]\naddress = "http://127.0.0.1:7000"\n')
    assert ClientConfig.load_client_connect_config(override_env_vars={}) == {"target_host": "http://127.0.0.1:7000"}
    elsewhere = write(tmp_path, '[profile.default]\naddress = "http://127.0.0.1:7001"\n', "other.toml")
    assert ClientConfig.load_client_connect_config(override_env_vars={"DURABLE_CONFIG_FILE": str(elsewhere)}) == {
        "target_host": "http://127.0.0.1:7001"
    }
    # an explicit file wins over the variable; disable_file reads none
    assert ClientConfig.load_client_connect_config(
        config_file=str(default_config_file()), override_env_vars={"DURABLE_CONFIG_FILE": str(elsewhere)}
    ) == {"target_host": "http://127.0.0.1:7000"}
    assert ClientConfig.load_client_connect_config(
        disable_file=True, override_env_vars={"DURABLE_ADDRESS": "http://h:1"}
    ) == {"target_host": "http://h:1"}
    assert ClientConfig.load_client_connect_config(
        disable_env=True, override_env_vars={"DURABLE_ADDRESS": "http://h:1"}
    ) == {"target_host": "http://127.0.0.1:7000"}


@pytest.mark.parametrize(
    ("text", "kwargs", "env", "message"),
    [
        (PROFILES, {"profile": "staging"}, {}, "Profile 'staging' not found"),
        (PROFILES, {}, {"DURABLE_PROFILE": "staging"}, "Profile 'staging' not found"),
        ("[profile.default]\nadress = 'x'\n", {"config_file_strict": True}, {}, "unknown field `adress`"),
        (
            "[profile.default.tls]\nclient_cert_path = 'a'\nclient_cert_data = 'b'\n",
            {},
            {},
            "Cannot specify both client_cert_path and client_cert_data",
        ),
        (
            "[profile.default.tls]\nclient_key_path = 'a'\n",
            {},
            {"DURABLE_TLS_CLIENT_KEY_DATA": "b"},
            "Cannot specify key data via DURABLE_TLS_CLIENT_KEY_DATA when key path is already specified",
        ),
        (
            "",
            {},
            {"DURABLE_TLS_SERVER_CA_CERT_PATH": "a", "DURABLE_TLS_SERVER_CA_CERT_DATA": "b"},
            "Cannot specify both DURABLE_TLS_SERVER_CA_CERT_PATH and DURABLE_TLS_SERVER_CA_CERT_DATA",
        ),
        ("[profile.default\n", {}, {}, "TOML parse error"),
        ("[profile.default]\naddress = 8233\n", {}, {}, "invalid type: integer `8233`, expected a string"),
    ],
)
def test_bad_configuration_is_a_config_error_saying_why(tmp_path, text, kwargs, env, message):
    with pytest.raises(ConfigError, match=message) as raised:
        ClientConfigProfile.load(config_source=write(tmp_path, text), override_env_vars=env, **kwargs)
    assert isinstance(raised.value, RuntimeError)  # as temporalio's


def test_connect_config_of_a_profile(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"CA PEM")
    text = (
        f"[profile.default]\naddress = 'https://h'\n[profile.default.tls]\n"
        f"server_ca_cert_path = '{ca}'\nserver_name = 'sni'\n"
    )
    config = ClientConfig.load_client_connect_config(config_file=str(write(tmp_path, text)), override_env_vars={})
    assert config == {"target_host": "https://h", "tls": TLSConfig(server_root_ca_cert=b"CA PEM", domain="sni")}
    assert ClientConfigProfile(address="http://h", tls=ClientConfigTLS(disabled=True)).to_client_connect_config() == {
        "target_host": "http://h",
        "tls": False,
    }
    assert ClientConfigProfile(api_key="k").to_client_connect_config() == {"api_key": "k", "tls": True}


# -- Client.connect(**config) -------------------------------------------------------------


async def test_a_profile_connects_to_the_dev_server_and_runs_a_workflow(dev, tmp_path):
    path = write(tmp_path, f'[profile.default]\naddress = "{dev.url}"\nnamespace = "default"\n')
    config = ClientConfig.load_client_connect_config(config_file=str(path), override_env_vars={})
    assert config == {"target_host": dev.url, "namespace": "default"}
    client = await Client.connect(**config)
    assert client.namespace == "default"
    assert await dev.greet_through(client) == "Hello, profile!"


async def test_durable_address_alone_in_temporals_host_port_form(dev):
    config = ClientConfig.load_client_connect_config(
        override_env_vars={"DURABLE_ADDRESS": f"127.0.0.1:{dev.port}"}, disable_file=True
    )
    assert await dev.greet_through(await Client.connect(**config)) == "Hello, profile!"
    # tls=False says http for a host:port that is not loopback too; a scheme that contradicts tls is refused
    config = ClientConfig.load_client_connect_config(
        override_env_vars={"DURABLE_ADDRESS": dev.url, "DURABLE_TLS": "true"}, disable_file=True
    )
    with pytest.raises(ValueError, match=r"tls=True asks for an https URL"):
        await Client.connect(**config)


async def test_an_api_key_is_refused_with_the_reason(dev):
    config = ClientConfig.load_client_connect_config(
        override_env_vars={"DURABLE_ADDRESS": dev.url, "DURABLE_API_KEY": "secret"}, disable_file=True
    )
    assert config["api_key"] == "secret"
    with pytest.raises(NotImplementedError, match=r"api_key is not used by durable: .*SigV4.*DURABLE_API_KEY"):
        await Client.connect(**config)


class _HeaderRecorder(http.server.ThreadingHTTPServer):
    """An HTTP server that answers 200 and keeps each request's headers."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)


@pytest.fixture
def recorder() -> Iterator[_HeaderRecorder]:
    server = _HeaderRecorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


async def test_grpc_meta_is_sent_as_headers(recorder):
    url = f"http://127.0.0.1:{recorder.server_address[1]}"
    config = ClientConfig.load_client_connect_config(
        override_env_vars={"DURABLE_ADDRESS": url, "DURABLE_GRPC_META_X_TENANT_ID": "acme"}, disable_file=True
    )
    assert config["rpc_metadata"] == {"x-tenant-id": "acme"}
    await Client.connect(**config)  # reaches the API once
    assert recorder.seen and recorder.seen[-1].get("x-tenant-id") == "acme"
    with pytest.raises(ValueError, match="the client sets this header itself"):
        await Client.connect(url, rpc_metadata={"Authorization": "Bearer x"})
    with pytest.raises(ValueError, match="only text values"):
        await Client.connect(url, rpc_metadata={"trace-bin": b"\x00"})  # type: ignore[dict-item]


# -- TLS ----------------------------------------------------------------------------------


@pytest.fixture
def ca() -> TestCA:
    return TestCA()


async def test_mutual_tls_from_a_profile(dev, ca, tmp_path):
    client_cert = ca.issue("worker", client=True)
    (tmp_path / "client.pem").write_bytes(client_cert.cert)
    (tmp_path / "client.key").write_bytes(client_cert.key)
    proxy = TlsProxy(("127.0.0.1", dev.port), ca.issue("127.0.0.1", ips=("127.0.0.1",)), client_ca=ca.pem).start()
    try:
        text = f"""
[profile.mtls]
address = "https://127.0.0.1:{proxy.port}"
[profile.mtls.tls]
server_ca_cert_data = '''{ca.pem.decode()}'''
client_cert_path = "{tmp_path / "client.pem"}"
client_key_path = "{tmp_path / "client.key"}"
"""
        config = ClientConfig.load_client_connect_config(
            "mtls", config_file=str(write(tmp_path, text)), override_env_vars={}
        )
        assert isinstance(config["tls"], TLSConfig) and config["tls"].client_cert == client_cert.cert
        assert await dev.greet_through(await Client.connect(**config)) == "Hello, profile!"
        assert proxy.handshake_failures == 0

        # without the client certificate the server refuses the handshake
        with pytest.raises(RPCError) as refused:
            await Client.connect(f"https://127.0.0.1:{proxy.port}", tls=TLSConfig(server_root_ca_cert=ca.pem))
        assert refused.value.status == RPCStatusCode.UNAVAILABLE
        # without the private CA the client refuses the server's certificate
        with pytest.raises(RPCError, match="CERTIFICATE_VERIFY_FAILED"):
            await Client.connect(f"https://127.0.0.1:{proxy.port}")
    finally:
        proxy.stop()


async def test_domain_names_the_server_for_sni_and_verification(dev, ca):
    proxy = TlsProxy(("127.0.0.1", dev.port), ca.issue("api.durable.test", dns=("api.durable.test",))).start()
    try:
        url = f"https://127.0.0.1:{proxy.port}"
        client = await Client.connect(url, tls=TLSConfig(server_root_ca_cert=ca.pem, domain="api.durable.test"))
        assert await dev.greet_through(client) == "Hello, profile!"
        assert set(proxy.sni) == {"api.durable.test"}
        with pytest.raises(RPCError, match="IP address mismatch|doesn't match|CERTIFICATE_VERIFY_FAILED"):
            await Client.connect(url, tls=TLSConfig(server_root_ca_cert=ca.pem))
    finally:
        proxy.stop()


async def test_tls_settings_durable_cannot_honour_are_refused(ca):
    with pytest.raises(NotImplementedError, match="verification_server_name"):
        await Client.connect(
            "https://127.0.0.1:1", tls=TLSConfig(server_root_ca_cert=ca.pem, verification_server_name="x"), lazy=True
        )
    with pytest.raises(ValueError, match="client_cert and client_private_key go together"):
        await Client.connect(
            "https://127.0.0.1:1", tls=TLSConfig(client_cert=ca.issue("c", client=True).cert), lazy=True
        )
    with pytest.raises(ValueError, match="tls=False asks for an http URL"):
        await Client.connect("https://127.0.0.1:1", tls=False, lazy=True)
