"""The remote client's HTTP sender: kept-open connections to the dev server, directly and
through a TLS proxy (server name, private CA, mutual TLS), and each way of getting no answer."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from durable import workflow
from durable._http.connection import HttpSender, Unreachable
from durable._http.devserver import DevServer
from durable._http.remote import ssl_context
from durable._local.environment import LocalRuntime
from durable.service import TLSConfig
from tests.client.tcp_relay import CountingRelay
from tests.client.tls_proxy import TestCA, TlsProxy

TASK_QUEUE = "connection-tests"
JSON = {"Content-Type": "application/json", "Accept": "application/json"}


@workflow.defn
class Tally:
    def __init__(self) -> None:
        self.total = 0

    @workflow.run
    async def run(self) -> int:
        await workflow.wait_condition(lambda: self.total >= 100)
        return self.total

    @workflow.signal
    def add(self, amount: int) -> None:
        self.total += amount


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    rt = LocalRuntime(backend="memory", skipping=False)
    rt.register(TASK_QUEUE, [Tally], [], None)
    try:
        yield rt
    finally:
        rt.shutdown()


@pytest.fixture
def dev(runtime: LocalRuntime) -> Iterator[DevServer]:
    server = DevServer(runtime, port=0).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def relay(dev: DevServer) -> Iterator[CountingRelay]:
    """The dev server behind a relay that counts connections."""
    counting = CountingRelay(("127.0.0.1", port_of(dev))).start()
    try:
        yield counting
    finally:
        counting.stop()


@pytest.fixture
def ca() -> TestCA:
    return TestCA()


def port_of(server: DevServer) -> int:
    return int(server.url.rsplit(":", 1)[1])


def api(sender: HttpSender, base: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    status, raw = sender.send(method, f"{base}/api/v1{path}", body=data, headers=JSON)
    return status, json.loads(raw)


def start_signal_describe(sender: HttpSender, base: str, workflow_id: str) -> dict[str, Any]:
    start = {"workflow_type": "Tally", "workflow_id": workflow_id, "task_queue": TASK_QUEUE, "input": []}
    assert api(sender, base, "POST", "/workflows", start)[0] == 201
    for amount in (1, 2, 3):
        assert api(sender, base, "POST", f"/workflows/{workflow_id}/signals/add", {"input": [amount]})[0] == 202
    status, described = api(sender, base, "GET", f"/workflows/{workflow_id}")
    assert status == 200 and isinstance(described, dict)
    return described


def test_calls_to_the_dev_server_ride_one_kept_open_connection(relay: CountingRelay) -> None:
    with HttpSender(timeout=30) as sender:
        described = start_signal_describe(sender, relay.url, "tally-1")
        assert (described["workflow_id"], described["status"]) == ("tally-1", "RUNNING")
        status, answer = api(sender, relay.url, "GET", "/workflows/nobody")
        assert status == 404 and answer["error"]["code"] == "execution_not_found"  # an answer, not an exception
    assert relay.accepted == 1  # six requests, one connection


def test_threads_share_a_sender(relay: CountingRelay) -> None:
    answers: list[int] = []
    with HttpSender(timeout=30) as sender:

        def list_five_times() -> None:
            for _ in range(5):
                answers.append(api(sender, relay.url, "GET", "/workflows")[0])

        threads = [threading.Thread(target=list_five_times) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert answers == [200] * 40
    assert 1 <= relay.accepted <= 8  # a thread's calls after its first reuse a connection


def test_a_connection_the_server_closed_is_not_reused(runtime: LocalRuntime) -> None:
    first = DevServer(runtime, port=0).start()
    port = port_of(first)
    with HttpSender(timeout=30) as sender:
        try:
            assert api(sender, first.url, "GET", "/workflows")[0] == 200
        finally:
            first.stop()  # ends the kept connection
        again = DevServer(runtime, port=port).start()
        try:
            # The pool sees its connection was closed and opens another: an answer, no error.
            assert api(sender, again.url, "GET", "/workflows")[0] == 200
        finally:
            again.stop()


# -- TLS, through a TLS-terminating proxy with a test CA ------------------------------------


def test_tls_with_a_server_name_a_private_ca_and_one_handshake(dev: DevServer, ca: TestCA) -> None:
    # The certificate names api.durable.test only: the URL's 127.0.0.1 would not verify.
    proxy = TlsProxy(("127.0.0.1", port_of(dev)), ca.issue("api.durable.test", dns=("api.durable.test",))).start()
    base = f"https://127.0.0.1:{proxy.port}"
    try:
        context = ssl_context(TLSConfig(server_root_ca_cert=ca.pem, domain="api.durable.test"))
        with HttpSender(ssl_context=context, timeout=30) as sender:
            described = start_signal_describe(sender, base, "tally-tls")
            assert described["status"] == "RUNNING"
            assert proxy.sni == ["api.durable.test"]  # five requests, one TLS handshake
        # The same name given to the sender, with a context of the CA alone.
        plain = ssl.create_default_context(cadata=ca.pem.decode())
        with HttpSender(ssl_context=plain, server_hostname="api.durable.test", timeout=30) as sender:
            assert api(sender, base, "GET", "/workflows")[0] == 200
        assert proxy.sni == ["api.durable.test"] * 2
    finally:
        proxy.stop()


def test_mutual_tls_with_a_client_certificate(dev: DevServer, ca: TestCA) -> None:
    server = ca.issue("127.0.0.1", ips=("127.0.0.1",))
    proxy = TlsProxy(("127.0.0.1", port_of(dev)), server, client_ca=ca.pem).start()
    base = f"https://127.0.0.1:{proxy.port}"
    client = ca.issue("worker", client=True)
    try:
        tls = TLSConfig(server_root_ca_cert=ca.pem, client_cert=client.cert, client_private_key=client.key)
        with HttpSender(ssl_context=ssl_context(tls), timeout=30) as sender:
            for _ in range(3):
                assert api(sender, base, "GET", "/workflows")[0] == 200
        assert proxy.handshake_failures == 0 and len(proxy.sni) == 1  # one handshake
    finally:
        proxy.stop()


def test_a_certificate_that_does_not_verify_is_unreachable_for_good(dev: DevServer, ca: TestCA) -> None:
    proxy = TlsProxy(("127.0.0.1", port_of(dev)), ca.issue("127.0.0.1", ips=("127.0.0.1",))).start()
    try:
        with HttpSender(timeout=10) as sender, pytest.raises(Unreachable) as failed:
            sender.send("GET", f"https://127.0.0.1:{proxy.port}/api/v1/workflows")  # the system's CAs
        assert not failed.value.transient
        assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)
        assert str(failed.value).startswith(f"cannot reach https://127.0.0.1:{proxy.port}: ")
    finally:
        proxy.stop()


# -- no answer --------------------------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A socket that listens and never accepts: connections are made (backlog), no answer comes."""
    sock = socket.create_server(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def test_a_refused_connection_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]  # bound, not listening: connecting is refused
        with HttpSender(timeout=5) as sender, pytest.raises(Unreachable) as failed:
            sender.send("GET", f"http://127.0.0.1:{free}/api/v1/workflows")
    assert failed.value.transient and "Connection refused" in failed.value.reason
    assert failed.value.origin == f"http://127.0.0.1:{free}"


def test_no_answer_in_time_is_transient(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    with HttpSender(timeout=30) as sender, pytest.raises(Unreachable) as failed:
        sender.send("POST", f"http://127.0.0.1:{port}/api/v1/workflows", body=b"{}", timeout=0.2)
    assert failed.value.transient
    assert failed.value.reason == "no answer within 0.2 s"


def test_a_connection_dropped_before_the_answer_is_transient() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]

    def drop_one() -> None:
        connection, _ = server.accept()
        connection.recv(65536)  # the request arrives; the connection closes with no answer
        connection.close()

    dropper = threading.Thread(target=drop_one, daemon=True)
    dropper.start()
    try:
        with HttpSender(timeout=10) as sender, pytest.raises(Unreachable) as failed:
            sender.send("POST", f"http://127.0.0.1:{port}/api/v1/workflows", body=b"{}")
        assert failed.value.transient
    finally:
        dropper.join(timeout=10)
        server.close()


def test_a_name_that_does_not_resolve_is_unreachable_for_good() -> None:
    with HttpSender(timeout=10) as sender, pytest.raises(Unreachable) as failed:
        sender.send("GET", "http://durable-api.invalid/api/v1/workflows")  # .invalid never resolves (RFC 2606)
    assert not failed.value.transient
