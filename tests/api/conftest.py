"""The HTTP API through its resolver, with the events API Gateway's REST proxy integration sends."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from durable._http.app import HttpApi
from durable._http.engine import Engine
from durable._local.environment import LocalRuntime

from .workflows import ACTIVITIES, TASK_QUEUE, WORKFLOWS


def proxy_event(
    method: str,
    path: str,
    body: Any = None,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (resource ``/{proxy+}``), as API Gateway builds it."""
    text = body if body is None or isinstance(body, str) else json.dumps(body)
    headers = {
        "Content-Type": "application/json",
        "Host": "abc123.execute-api.us-east-1.amazonaws.com",
        **(headers or {}),
    }
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/prod{path}",
            "stage": "prod",
            "accountId": "123456789012",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {"sourceIp": "203.0.113.7", "userArn": "arn:aws:iam::123456789012:user/ops"},
        },
        "body": text,
        "isBase64Encoded": False,
    }


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, list[str]]
    raw: str

    @property
    def error(self) -> dict[str, Any]:
        assert set(self.body) == {"error"}, self.body
        return dict(self.body["error"])


class Caller:
    """Sends proxy events to the API and decodes the answers."""

    def __init__(self, api: HttpApi) -> None:
        self.api = api

    def __call__(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        result = self.api.handle(proxy_event(method, path, body, **kwargs))
        raw = result["body"]
        if result.get("isBase64Encoded"):
            raw = base64.b64decode(raw).decode("latin-1")
        headers = dict(result.get("multiValueHeaders") or {})
        content_type = (headers.get("Content-Type") or [""])[0]
        parsed = json.loads(raw) if content_type.startswith("application/json") else raw
        return Reply(result["statusCode"], parsed, headers, raw)

    def start(self, workflow_type: str, workflow_id: str, *input: Any, **fields: Any) -> Reply:
        body = {
            "workflow_type": workflow_type,
            "workflow_id": workflow_id,
            "task_queue": TASK_QUEUE,
            "input": list(input),
            **fields,
        }
        return self("POST", "/api/v1/workflows", body)

    def result(self, workflow_id: str, **query: str) -> Reply:
        return self(
            "GET", f"/api/v1/workflows/{quote(workflow_id, safe='')}/result", query={"wait_seconds": "10", **query}
        )


@pytest.fixture
def runtime() -> Iterator[LocalRuntime]:
    rt = LocalRuntime(backend="memory", skipping=False)
    rt.register(TASK_QUEUE, WORKFLOWS, ACTIVITIES, None)
    try:
        yield rt
    finally:
        rt.shutdown()


@pytest.fixture
def ui_dir(tmp_path: Path) -> Path:
    ui = tmp_path / "ui"
    (ui / "assets").mkdir(parents=True)
    (ui / "index.html").write_text("<!doctype html><title>durable</title>")
    (ui / "app.js").write_text("console.log('hi')")
    (ui / "assets" / "style.css").write_text("body{}")
    (ui / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    (tmp_path / "secret.txt").write_text("not for you")
    return ui


@pytest.fixture
def call(runtime: LocalRuntime, ui_dir: Path) -> Caller:
    # Engine without the dev server's settling: exactly what the API Lambda runs.
    return Caller(HttpApi(Engine(runtime.control, runtime.registry), ui_dir=ui_dir))
