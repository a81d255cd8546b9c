"""The OpenAPI document (served, and committed in docs/) and the web UI's static files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from durable._http.openapi import document_text

ROOT = Path(__file__).resolve().parents[2]


def test_the_served_document_lists_every_route(call):
    reply = call("GET", "/api/v1/openapi.json")
    assert reply.status == 200
    doc = reply.body
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/api/v1/workflows",
        "/api/v1/workflows/{workflow_id}",
        "/api/v1/workflow-counts",
        "/api/v1/workflows/{workflow_id}/history",
        "/api/v1/workflows/{workflow_id}/result",
        "/api/v1/workflows/{workflow_id}/signals/{signal_name}",
        "/api/v1/workflows/{workflow_id}/queries/{query_name}",
        "/api/v1/workflows/{workflow_id}/cancel",
        "/api/v1/workflows/{workflow_id}/terminate",
        "/api/v1/workflows/{workflow_id}/reset",
        "/api/v1/workflows/{workflow_id}/updates/{update}",
        "/api/v1/workflows/{workflow_id}/activities/{activity_id}/pause",
        "/api/v1/workflows/{workflow_id}/activities/{activity_id}/unpause",
        "/api/v1/activities/complete",
        "/api/v1/activities/fail",
        "/api/v1/activities/heartbeat",
        "/api/v1/activities/cancelled",
        "/api/v1/dead-letters",
        "/api/v1/dead-letters/redrive",
        "/api/v1/schedules",
        "/api/v1/schedules/{schedule_id}",
        "/api/v1/schedules/{schedule_id}/pause",
        "/api/v1/schedules/{schedule_id}/unpause",
        "/api/v1/schedules/{schedule_id}/trigger",
        "/api/v1/schedules/{schedule_id}/backfill",
        "/api/v1/batch-operations",
        "/api/v1/batch-operations/{job_id}",
        "/api/v1/batch-operations/{job_id}/stop",
    }
    start = doc["paths"]["/api/v1/workflows"]["post"]
    assert start["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/StartRequest")
    assert {"201", "400", "404", "409", "413", "415"} <= set(start["responses"])
    assert "422" not in json.dumps(doc["paths"])  # validation errors are 400 here


def test_committed_document_matches_the_code():
    committed = (ROOT / "docs" / "openapi.json").read_text()
    assert json.loads(committed) == json.loads(document_text()), (
        "docs/openapi.json is stale: run `make openapi` and commit it"
    )


@pytest.mark.parametrize(
    "path, content_type, text",
    [
        ("/", "text/html", "<title>durable</title>"),
        ("/ui/index.html", "text/html", "<title>durable</title>"),
        ("/ui/app.js", "javascript", "console.log"),
        ("/ui/assets/style.css", "text/css", "body{}"),
    ],
)
def test_ui_files_are_served_with_their_content_type(call, path, content_type, text):
    reply = call("GET", path)
    assert reply.status == 200
    assert content_type in reply.headers["Content-Type"][0]
    assert text in reply.raw


def test_binary_ui_files_are_base64_encoded(call):
    result = call.api.handle(
        __import__("tests.api.conftest", fromlist=["proxy_event"]).proxy_event("GET", "/ui/logo.png")
    )
    assert result["statusCode"] == 200 and result["isBase64Encoded"] is True
    assert result["multiValueHeaders"]["Content-Type"] == ["image/png"]


@pytest.mark.parametrize(
    "path",
    [
        "/ui/../secret.txt",
        "/ui/%2e%2e/secret.txt",
        "/ui/..%2Fsecret.txt",
        "/ui/assets/../../secret.txt",
        "/ui/missing.js",
        "/ui/assets",
    ],
)
def test_nothing_outside_the_ui_folder_is_served(call, path):
    reply = call("GET", path)
    assert reply.status == 404
    assert "not for you" not in reply.raw
