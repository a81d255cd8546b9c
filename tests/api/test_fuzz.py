"""Malformed requests of every kind through the resolver: never a 5xx, always the error shape.

Seeded and bounded: ``DURABLE_FUZZ_SEED=<n>`` replays a run; a failure prints its seed and
the request. Each request is a real REST proxy event (``conftest.proxy_event``), so the
path, query string, headers and body reach the API as API Gateway hands them over.
"""

from __future__ import annotations

import base64
import json
import os
import random
from pathlib import Path
from typing import Any
from urllib.parse import quote

import durable
from durable._http.app import MAX_JSON_DEPTH

from .conftest import Caller, proxy_event

SEED = int(os.environ.get("DURABLE_FUZZ_SEED", "20261209"))
REQUESTS = 1500
INSTALL_DIR = str(Path(durable.__file__).resolve().parent.parent)

OK_START: dict[str, Any] = {
    "workflow_type": "Mailbox",
    "workflow_id": "fz-x",
    "task_queue": "api-tests",
    "input": ["hi"],
}


def nested(depth: int) -> str:
    """JSON text nested ``depth`` levels deep, objects and arrays in turn (as text: json.dumps
    itself gives up near 1,000 levels)."""
    opening = "".join("[" if i % 2 else '{"k": ' for i in range(depth))
    closing = "".join("]" if i % 2 else "}" for i in reversed(range(depth)))
    return f"{opening}1{closing}"


def token(fields: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(fields).encode()).decode()


GOOD_TOKEN = {"workflow_id": "fz-live", "run_id": "r", "seq": 1, "attempt": 1, "activity_id": "1"}

# JSON *text* of odd values: what a careless or hostile client sends.
ODD_JSON = [
    "null",
    "true",
    "0",
    "-0",
    "1e308",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "9" * 5000,
    "1" * 4000,
    '""',
    '"\\u0000"',
    '"\\ud800"',
    '"\\udfff\\ud800"',
    '"\\ud83d\\ude00"',
    '"' + "é" * 700 + '"',
    '"' + "x" * 1100 + '"',
    "[]",
    "{}",
    "[[[[]]]]",
    '{"": 1}',
    '{"a": {"b": [1, {"c": null}]}}',
    '"../../etc/passwd"',
    '"<script>alert(1)</script>"',
    nested(MAX_JSON_DEPTH - 2),
    nested(MAX_JSON_DEPTH + 1),
    nested(490),
    nested(3000),
    '["\\u0000"]',
    '{"__proto__": {"x": 1}}',
    "[" * 5000 + "]" * 5000,
    '{"a": 1, "a": 2}',
]

# Raw bodies that are not JSON, or not text.
RAW_BODIES: list[bytes | str] = [
    b"\xff\xfe\xfd",
    b"\xc3\x28",
    b"\xed\xa0\x80",
    "<?xml version='1.0'?><start/>",
    "a=1&b=2",
    "",
    " ",
    "\x00",
    "{",
    '{"workflow_type": ',
    "{'single': 'quotes'}",
    "[" * 100000,
    '{"a":' * 600 + "1" + "}" * 600,
    "\ufeff{}",
    json.dumps(OK_START) + "garbage",
    json.dumps(OK_START)[:-1],
]

CONTENT_TYPES = [
    None,
    "",
    "application/xml",
    "text/xml",
    "text/plain",
    "text/html",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/jsonx",
    "application/json;;;",
    "application/octet-stream",
    "*/*",
    "application/json; charset=latin-1",
    "\x00",
]

IDS = [
    "fz-live",
    "ghost",
    "x" * 1001,
    "é" * 501,
    "é" * 500,
    "x" * 5000,
    "a\x00b",
    "%00",
    "..",
    "../..",
    "%2e%2e",
    "a/b",
    "%ff%fe",
    "\u202e",
    "😀" * 300,
    " ",
    "%",
    "%%",
    "a%2Fb",
    "x" * 200 + "%ZZ",
]

UI_NAMES = [
    "..",
    "../secret.txt",
    "%2e%2e/secret.txt",
    "..%2Fsecret.txt",
    "a\x00b",
    "%00",
    "x" * 300,
    "x" * 5000,
    "é" * 200,
    "app.js",
    "assets",
    ".",
    "%2F",
    "%2Fetc%2Fpasswd",
    "\\..\\secret.txt",
    "logo.png%00.js",
    "con",
    "~",
    "*",
]

QUERIES = [
    {"page_size": "1e309"},
    {"page_size": "-1"},
    {"page_size": "99999999999999999999999"},
    {"page_size": "NaN"},
    {"wait_seconds": "nan"},
    {"wait_seconds": "inf"},
    {"wait_seconds": "-inf"},
    {"wait_seconds": "1e400"},
    {"run_id": "x" * 3000},
    {"run_id": "\x00"},
    {"run_id": ""},
    {"next_page_token": "%%%"},
    {"next_page_token": "x" * 5000},
    {"query": "x" * 10000},
    {"query": "(" * 500},
    {"query": "WorkflowId = '" + "x" * 2000 + "'"},
    {"status": "\x00"},
    {"start_time_from": "9999-99-99"},
    {"start_time_to": "1e999"},
    {"bogus": "1"},
    {"follow_runs": "maybe"},
    {"workflow_id": "é" * 2000},
    {"workflow_type": "\ud800"},
]


def fields_with_odd_values(rng: random.Random, base: dict[str, Any]) -> str:
    """``base`` as JSON with one to three fields replaced by odd JSON text (or an unknown field)."""
    parts = {k: json.dumps(v) for k, v in base.items()}
    for _ in range(rng.randint(1, 3)):
        key = rng.choice([*base, "bogus", "run_id", "\x00", "é" * 300])
        parts[key] = rng.choice(ODD_JSON)
    return "{" + ", ".join(f"{json.dumps(k)}: {v}" for k, v in parts.items()) + "}"


def body_for(rng: random.Random, base: dict[str, Any]) -> bytes | str | None:
    roll = rng.random()
    if roll < 0.45:
        return fields_with_odd_values(rng, base)
    if roll < 0.7:
        return rng.choice(RAW_BODIES)
    if roll < 0.9:
        return rng.choice(ODD_JSON)
    return None


def request(rng: random.Random) -> tuple[str, str, bytes | str | None, dict[str, str | None], dict[str, str] | None]:
    """One malformed (or nearly well-formed) request: method, path, body, headers, query."""
    wid = quote(rng.choice(IDS), safe="%") if rng.random() < 0.5 else rng.choice(IDS)
    name = rng.choice(["post", "close", "count", "nth", "x" * 2000, "a\x00", "%00", "..", "é" * 400])
    start = {**OK_START, "workflow_id": rng.choice([*IDS, f"fz-{rng.randrange(10**6)}"])}
    task_token = rng.choice(
        [
            token({**GOOD_TOKEN, key: value})
            for key in GOOD_TOKEN
            for value in (None, [], {}, "x", 1.5, -1, 10**30, True, "\x00", "é" * 2000)
        ]
        + ["", "%%%", "x" * 5000, base64.b64encode(b"\xff\xfe").decode(), token([]), token("str"), token(GOOD_TOKEN)]  # type: ignore[arg-type]
    )
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/api/v1/workflows", start),
        ("GET", "/api/v1/workflows", None),
        ("GET", "/api/v1/workflow-counts", None),
        ("GET", f"/api/v1/workflows/{wid}", None),
        ("GET", f"/api/v1/workflows/{wid}/history", None),
        ("GET", f"/api/v1/workflows/{wid}/result", None),
        ("POST", f"/api/v1/workflows/{wid}/signals/{name}", {"input": ["m"]}),
        ("POST", f"/api/v1/workflows/{wid}/queries/{name}", {"args": []}),
        ("POST", f"/api/v1/workflows/{wid}/cancel", {"reason": "r"}),
        ("POST", f"/api/v1/workflows/{wid}/terminate", {"reason": "r", "details": []}),
        ("POST", "/api/v1/activities/complete", {"task_token": task_token, "result": 1}),
        ("POST", "/api/v1/activities/fail", {"task_token": task_token, "failure": {"message": "x"}}),
        ("POST", "/api/v1/activities/heartbeat", {"task_token": task_token, "details": []}),
        ("POST", "/api/v1/activities/cancelled", {"task_token": task_token}),
        ("GET", f"/ui/{rng.choice(UI_NAMES)}", None),
        ("GET", f"/ui/{rng.choice(UI_NAMES)}/{rng.choice(UI_NAMES)}", None),
        (rng.choice(["PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE"]), f"/api/v1/workflows/{wid}", None),
        (
            "GET",
            rng.choice(
                ["/api/v1/../../etc/passwd", "/" + "a/" * 300, "/api/v1/workflows/" + "%2F" * 100, "//", "/api//v1"]
            ),
            None,
        ),
    ]
    method, path, base = rng.choice(routes)
    body: bytes | str | None = None
    if method in ("POST", "PUT", "PATCH"):
        body = body_for(rng, base or {}) if rng.random() < 0.8 else json.dumps(base)
    headers: dict[str, str | None] = {}
    if body is not None and rng.random() < 0.4:
        headers["Content-Type"] = rng.choice(CONTENT_TYPES)
    query = rng.choice(QUERIES) if rng.random() < 0.3 else None
    return method, path, body, headers, query


def send(
    call: Caller,
    method: str,
    path: str,
    body: bytes | str | None,
    headers: dict[str, str | None],
    query: dict[str, str] | None,
) -> dict[str, Any]:
    event = proxy_event(method, path, query=query)
    for name, value in headers.items():
        if value is None:
            event["headers"].pop(name, None)
            event["multiValueHeaders"].pop(name, None)
        else:
            event["headers"][name] = value
            event["multiValueHeaders"][name] = [value]
    if isinstance(body, bytes):
        try:
            event["body"], event["isBase64Encoded"] = body.decode("utf-8"), False
        except UnicodeDecodeError:  # as API Gateway passes a body that is not UTF-8
            event["body"], event["isBase64Encoded"] = base64.b64encode(body).decode(), True
    else:
        event["body"] = body
    return call.api.handle(event)


def check(result: dict[str, Any], forbidden: list[str]) -> None:
    status = result["statusCode"]
    raw = result.get("body") or ""
    if result.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("latin-1")
    assert status < 500, f"{status}: {raw[:500]}"
    for text in ("Traceback", 'File "', *forbidden):
        assert text not in raw, f"{text!r} in the answer: {raw[:500]}"
    if status >= 400:
        body = json.loads(raw)
        assert set(body) == {"error"}, body
        assert {"code", "message", "field"} <= set(body["error"]), body
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def test_no_malformed_request_gets_a_5xx_or_leaks_a_path(call: Caller, ui_dir: Path) -> None:
    rng = random.Random(SEED)
    assert call.start("Mailbox", "fz-live", "hi").status == 201
    forbidden = [INSTALL_DIR, str(ui_dir), str(ui_dir.resolve()), os.getcwd()]
    for i in range(REQUESTS):
        method, path, body, headers, query = request(rng)
        where = (
            f"seed {SEED}, request {i}: {method} {path[:200]!r} headers={headers} "
            f"query={str(query)[:200]} body={str(body)[:300]!r}"
        )
        try:
            check(send(call, method, path, body, headers, query), forbidden)
        except AssertionError as err:
            raise AssertionError(f"{where}\n{err}") from None
    # Whatever was accepted on the way, the live run still reads back.
    for path in ("/api/v1/workflows/fz-live", "/api/v1/workflows/fz-live/history"):
        assert call("GET", path).status == 200
