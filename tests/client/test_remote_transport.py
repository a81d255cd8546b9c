"""The HTTP transport on its own: targets, SigV4 signing (no network), unreachable servers."""

from __future__ import annotations

import socket

import pytest
from botocore.credentials import Credentials

from durable._client.client import Client
from durable._http.remote import HttpTransport, Target
from durable.service import RPCError, RPCStatusCode

FAKE = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session-token")
STAGE = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"


@pytest.mark.parametrize(
    "target, base, signed, region",
    [
        ("http://127.0.0.1:8233", "http://127.0.0.1:8233", False, None),
        ("127.0.0.1:8233", "http://127.0.0.1:8233", False, None),
        ("localhost:8233", "http://localhost:8233", False, None),
        ("http://[::1]:8233/", "http://[::1]:8233", False, None),
        ("http://127.0.0.1:8233/api/v1", "http://127.0.0.1:8233", False, None),
        (STAGE, STAGE, True, "eu-west-1"),
        (STAGE + "/", STAGE, True, "eu-west-1"),
        ("api.example.com", "https://api.example.com", True, None),
    ],
)
def test_targets(target, base, signed, region):
    parsed = Target.parse(target)
    assert (parsed.base_url, parsed.signed, parsed.region) == (base, signed, region)


@pytest.mark.parametrize("target", ["", "ftp://host/x", "http://"])
def test_bad_targets_are_refused(target):
    with pytest.raises(ValueError):
        Target.parse(target)


def test_requests_to_aws_carry_a_sigv4_authorization():
    transport = HttpTransport(STAGE, credentials=FAKE)
    request = transport.prepare("POST", "/workflows/order%2042/signals/confirm", {"input": []})
    assert request.url == f"{STAGE}/api/v1/workflows/order%2042/signals/confirm"
    headers = {k.lower(): v for k, v in request.headers.items()}
    auth = headers["authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in auth
    assert "SignedHeaders=" in auth and "Signature=" in auth
    assert headers["x-amz-security-token"] == "session-token"
    assert "x-amz-date" in headers


def test_the_signature_covers_the_body():
    transport = HttpTransport(STAGE, credentials=FAKE)

    def signature(body):
        request = transport.prepare("POST", "/workflows", body)
        return dict((k.lower(), v) for k, v in request.headers.items())["authorization"].split("Signature=")[1]

    assert signature({"input": [1]}) != signature({"input": [2]})


def test_region_comes_from_the_session_when_the_url_has_none(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    monkeypatch.delenv("AWS_REGION", raising=False)
    request = HttpTransport("https://api.example.com/prod", credentials=FAKE).prepare("GET", "/workflows")
    auth = dict((k.lower(), v) for k, v in request.headers.items())["authorization"]
    assert "/ap-southeast-2/execute-api/" in auth


def test_loopback_requests_are_not_signed():
    request = HttpTransport("http://127.0.0.1:8233").prepare(
        "GET", "/workflows", query={"status": "RUNNING", "run_id": None}
    )
    assert request.url == "http://127.0.0.1:8233/api/v1/workflows?status=RUNNING"
    assert "authorization" not in {k.lower() for k, _ in request.headers.items()}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_connect_to_a_server_that_is_not_there_is_unavailable():
    with pytest.raises(RPCError) as raised:
        await Client.connect(f"127.0.0.1:{_closed_port()}")
    assert raised.value.status == RPCStatusCode.UNAVAILABLE
    assert "cannot reach" in raised.value.message


async def test_a_lazy_client_fails_on_its_first_call():
    client = await Client.connect(f"http://127.0.0.1:{_closed_port()}", lazy=True)
    with pytest.raises(RPCError) as raised:
        await client.get_workflow_handle("x").describe()
    assert raised.value.status == RPCStatusCode.UNAVAILABLE


async def test_unsupported_connect_options_are_refused():
    with pytest.raises(NotImplementedError, match="api_key"):
        await Client.connect("127.0.0.1:1", api_key="secret", lazy=True)
