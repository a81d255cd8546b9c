"""The dev server over real HTTP: it refuses what a page on another origin could make a browser send."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest

from durable._http.app import SECURITY_HEADERS
from durable._http.devserver import DevServer
from durable._local.environment import LocalRuntime

START = {"workflow_type": "Mailbox", "workflow_id": "dev-1", "task_queue": "api-tests", "input": ["hi"]}


@pytest.fixture
def server(runtime: LocalRuntime) -> Iterator[DevServer]:
    dev = DevServer(runtime, port=0).start()
    try:
        yield dev
    finally:
        dev.stop()


def send(
    server: DevServer, method: str, path: str, body: Any = None, **headers: str
) -> tuple[int, dict[str, str], Any]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    data = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        content_type = response.getheader("Content-Type") or ""
        return response.status, dict(response.getheaders()), json.loads(raw) if "json" in content_type else raw
    finally:
        connection.close()


def test_a_cross_origin_form_cannot_terminate_a_run(server):
    assert send(server, "POST", "/api/v1/workflows", START, **{"Content-Type": "application/json"})[0] == 201
    # What <form method=post enctype=text/plain action=".../terminate"> on another site sends.
    status, _, body = send(
        server,
        "POST",
        "/api/v1/workflows/dev-1/terminate",
        "x=y",
        **{"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert status == 403 and body["error"]["code"] == "cross_origin_refused" and body["error"]["field"] == "Origin"
    # The same request with JSON from another origin: refused as well (fetch with CORS preflight skipped or not).
    for origin in ("https://evil.example", "null", "http://127.0.0.1:1"):
        status, _, _ = send(
            server,
            "POST",
            "/api/v1/workflows/dev-1/terminate",
            {},
            **{"Content-Type": "application/json", "Origin": origin},
        )
        assert status == 403, origin
    assert send(server, "GET", "/api/v1/workflows/dev-1")[2]["status"] == "RUNNING"


def test_its_own_pages_and_clients_without_an_origin_may_change_runs(server):
    assert send(server, "POST", "/api/v1/workflows", START, **{"Content-Type": "application/json"})[0] == 201
    own = send(
        server,
        "POST",
        "/api/v1/workflows/dev-1/signals/post",
        {"input": ["a"]},
        **{"Content-Type": "application/json", "Origin": server.url},
    )
    assert own[0] == 202
    port = server.url.rsplit(":", 1)[1]
    alias = send(
        server,
        "POST",
        "/api/v1/workflows/dev-1/signals/post",
        {"input": ["b"]},
        **{"Content-Type": "application/json", "Origin": f"http://localhost:{port}"},
    )
    assert alias[0] == 202
    assert (
        send(server, "POST", "/api/v1/workflows/dev-1/terminate", {}, **{"Content-Type": "application/json"})[0] == 202
    )


def test_a_body_that_is_not_json_is_415(server):
    status, _, body = send(server, "POST", "/api/v1/workflows", json.dumps(START), **{"Content-Type": "text/plain"})
    assert status == 415 and body["error"]["code"] == "unsupported_media_type"
    assert send(server, "POST", "/api/v1/workflows", json.dumps(START))[0] == 415  # http.client sends no Content-Type


def test_a_host_that_is_not_this_server_is_403(server):
    # A page whose name was pointed at 127.0.0.1 (DNS rebinding) reads nothing.
    status, _, body = send(server, "GET", "/api/v1/workflows", Host="evil.example:8233")
    assert status == 403 and body["error"]["code"] == "forbidden_host"
    assert send(server, "GET", "/api/v1/workflows")[0] == 200


def test_every_answer_carries_the_security_headers(server):
    answers = [
        send(server, "GET", "/"),
        send(server, "GET", "/ui/app.js"),
        send(server, "GET", "/api/v1/workflows"),
        send(
            server, "POST", "/api/v1/workflows", "x", **{"Content-Type": "text/plain", "Origin": "https://evil.example"}
        ),
        send(server, "GET", "/nowhere"),
    ]
    for status, headers, _ in answers:
        for name, value in SECURITY_HEADERS.items():
            assert headers.get(name) == value, (status, name)
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_a_forwarded_port_keeps_working_and_another_local_page_is_still_refused(server):
    # An SSH tunnel or a local proxy on port 9000: the browser's Host and Origin both say 9000.
    forwarded = {"Host": "localhost:9000", "Origin": "http://localhost:9000", "Content-Type": "application/json"}
    assert send(server, "POST", "/api/v1/workflows", START, **forwarded)[0] == 201
    # A page of another local web app (port 3000) posting to this server's port: its Host is ours.
    other = {"Origin": "http://localhost:3000", "Content-Type": "application/json"}
    assert send(server, "POST", "/api/v1/workflows/dev-1/terminate", {}, **other)[0] == 403


# -- keep-alive ------------------------------------------------------------------------------


def test_a_keep_alive_client_sends_request_after_request_on_one_connection(server):
    # What a browser and the remote client do: many requests, one connection (HTTP/1.1 keep-alive).
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    json_headers = {"Content-Type": "application/json"}

    def ask(method: str, path: str, body: Any = None) -> tuple[int, Any]:
        connection.request(method, path, body=None if body is None else json.dumps(body), headers=json_headers)
        response = connection.getresponse()
        data = response.read()
        assert not response.will_close, (method, path)
        return response.status, json.loads(data) if data else None

    try:
        assert ask("POST", "/api/v1/workflows", START)[0] == 201
        assert connection.sock is not None
        first = connection.sock.getsockname()
        for message in ("a", "b", "c"):
            assert ask("POST", "/api/v1/workflows/dev-1/signals/post", {"input": [message]})[0] == 202
        status, described = ask("GET", "/api/v1/workflows/dev-1")
        assert (status, described["workflow_id"], described["status"]) == (200, "dev-1", "RUNNING")
        status, answer = ask("POST", "/api/v1/workflows/dev-1/queries/count", {"args": []})
        assert (status, answer["result"]) == (200, 4)  # the greeting and three signals, in order
        assert ask("GET", "/api/v1/workflows/missing")[0] == 404  # an error answer keeps the connection too
        assert ask("GET", "/api/v1/workflows")[1]["executions"][0]["workflow_id"] == "dev-1"
        # Still the first connection: http.client would have opened another had the server closed it.
        assert connection.sock is not None and connection.sock.getsockname() == first
    finally:
        connection.close()


def test_stopping_the_server_ends_its_kept_alive_connections(runtime):
    dev = DevServer(runtime, port=0).start()
    host, port = dev.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", "/api/v1/workflows")
        assert connection.getresponse().read() and connection.sock is not None
        dev.stop()
        # The server's end is shut: the kept connection reads end of file, no answer from a stopped server.
        connection.sock.settimeout(5)
        assert connection.sock.recv(1) == b""
    finally:
        connection.close()
