"""The client transport over the HTTP API: what ``Client.connect(url)`` returns a client on.

It implements :class:`durable._client.transport.Transport` with the API's routes and turns the
API's errors back into the exceptions the in-process transport raises, so a ``Client``
and its handles behave the same against a deployed stack, the dev server, or the local
environment. Requests to a host that is not loopback are signed with SigV4 (service
``execute-api``, credentials from the default boto3 session), as API Gateway's IAM
authorization expects; loopback (the dev server) gets plain HTTP. Connections are kept
open between calls (:class:`durable._http.connection.HttpSender`): a call costs one round
trip, not a TCP and TLS handshake as well.

Retries change nothing: a start, signal, cancel or terminate carries a request id (the
``Idempotency-Key`` header), made once per call, and a call that meets a connection
failure (refused, reset, dropped before the answer, timed out) or a gateway error (502,
503, 504) is sent again with the same id, a bounded number of times with back-off. The
API applies a request id once, so a request that did reach it before the connection
dropped is not applied twice.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import json
import random
import re
import ssl
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode, urlsplit

from durable._client.errors import ScheduleAlreadyRunningError, WorkflowQueryFailedError
from durable._client.transport import (
    FailureDocument,
    HistoryEvent,
    RunOutcome,
    StartWorkflowInput,
    Transport,
    UpdateInput,
)
from durable._http import wire
from durable._http.connection import HttpSender, Unreachable
from durable._http.remote_activities import RemoteActivityTransport
from durable._http.remote_schedules import RemoteScheduleTransport
from durable._runtime.control import Description, PendingActivity, Started, UpdateStatus, new_request_id
from durable._runtime.ports import ExecutionRecord, HeartbeatRecord
from durable._runtime.reset import ResetRequest
from durable._statuses import WorkflowExecutionStatus
from durable._visibility.listing import Count, Page
from durable.exceptions import PayloadSizeError, WorkflowAlreadyStartedError
from durable.service import RPCError, RPCStatusCode, TLSConfig

__all__ = ["HttpTransport", "Target", "sign_request"]

API_PREFIX = "/api/v1"
RESULT_WAIT_SECONDS = 20
RETRIES = 4
"""How many times a call is sent again after a connection failure or a gateway error."""
RETRY_BACKOFF_SECONDS = 0.1
"""The first back-off; each retry waits twice as long as the one before (at most 2 s)."""
REQUEST_ID_HEADER = "Idempotency-Key"
_RETRIED_STATUSES = frozenset({502, 503, 504})  # API Gateway's answers when the Lambda failed or timed out
_REGION_IN_HOST = re.compile(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.com$")
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


@dataclass(frozen=True)
class Target:
    """Where the API is: scheme, host[:port], stage path; and whether requests are signed."""

    base_url: str
    host: str
    signed: bool
    region: str | None

    @staticmethod
    def parse(target_host: str, *, tls: bool | None = None) -> Target:
        """``http://127.0.0.1:8233``, ``127.0.0.1:8233`` (temporal's host:port form), or a
        deployed stage URL such as ``https://abc123.execute-api.eu-west-1.amazonaws.com/prod``.

        ``tls`` (``Client.connect``'s) picks the scheme of a host:port; a URL's own scheme
        must agree with it. Unset, a host:port is http on loopback, https elsewhere.
        """
        text = target_host.strip()
        if not text:
            raise ValueError("target_host is empty: pass the API URL (e.g. http://127.0.0.1:8233)")
        if "://" not in text:
            host_only = urlsplit(f"//{text.rstrip('/')}").hostname or ""
            secure = not _is_loopback(host_only) if tls is None else tls
            text = f"{'https' if secure else 'http'}://{text}"
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {target_host!r}")
        if tls is not None and tls != (parts.scheme == "https"):
            want = "an https URL (or a host:port)" if tls else "an http URL (or a host:port)"
            raise ValueError(f"tls={tls} asks for {want}, not {target_host!r}")
        base = f"{parts.scheme}://{parts.netloc}{parts.path}".rstrip("/")
        if base.endswith(API_PREFIX):  # a URL that already names the API base
            base = base[: -len(API_PREFIX)]
        found = _REGION_IN_HOST.search(parts.hostname)
        return Target(
            base_url=base,
            host=parts.hostname,
            signed=not _is_loopback(parts.hostname),
            region=found.group(1) if found else None,
        )


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


_RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "content-type",
        "content-length",
        "accept",
        "x-amz-date",
        "x-amz-security-token",
        REQUEST_ID_HEADER.lower(),
    }
)


def metadata_headers(rpc_metadata: Mapping[str, Any]) -> dict[str, str]:
    """``Client.connect(rpc_metadata=)`` as HTTP headers of every request (signed with it).

    Raises:
        ValueError: a binary value (no header form) or a header the transport sets itself.
    """
    headers: dict[str, str] = {}
    for name, value in rpc_metadata.items():
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"rpc_metadata {name!r}: the client sets this header itself")
        if not isinstance(value, str):
            raise ValueError(
                f"rpc_metadata {name!r}: only text values can be sent as HTTP headers, not {type(value).__name__}"
            )
        headers[name] = value
    return headers


class _ServerNameContext(ssl.SSLContext):
    """A client context that names ``server_name`` (TLSConfig.domain) in the SNI and
    verifies the certificate against it, whatever host the URL connects to."""

    server_name: str

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        kwargs["server_hostname"] = self.server_name
        return super().wrap_socket(sock, *args, **kwargs)


def ssl_context(tls: TLSConfig) -> ssl.SSLContext:
    """The TLS context of ``Client.connect(tls=TLSConfig(...))``: the CA to trust (default:
    the system's), a client certificate for mutual TLS, the server's name.

    Raises:
        ValueError: a client certificate without its key or the reverse, or PEM that does not load.
        NotImplementedError: ``verification_server_name`` (verifying another name than the
            SNI's, which Python's TLS client has no setting for).
    """
    if tls.verification_server_name:
        raise NotImplementedError(
            "TLSConfig.verification_server_name is not supported by durable's HTTP client: "
            "use domain= (SNI and verification both use it)"
        )
    if bool(tls.client_cert) != bool(tls.client_private_key):
        raise ValueError("TLSConfig: client_cert and client_private_key go together (mutual TLS needs both)")
    context = _ServerNameContext(ssl.PROTOCOL_TLS_CLIENT) if tls.domain else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if isinstance(context, _ServerNameContext):
        context.server_name = tls.domain or ""
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        if tls.server_root_ca_cert:
            context.load_verify_locations(cadata=tls.server_root_ca_cert.decode("ascii"))
        else:
            context.load_default_certs()
        if tls.client_cert and tls.client_private_key:
            # ssl loads a certificate chain only from files: a private directory, gone once read
            with tempfile.TemporaryDirectory() as directory:
                cert, key = Path(directory) / "cert.pem", Path(directory) / "key.pem"
                cert.write_bytes(tls.client_cert)
                key.touch(mode=0o600)
                key.write_bytes(tls.client_private_key)
                context.load_cert_chain(cert, key)
    except (ssl.SSLError, UnicodeDecodeError) as err:
        raise ValueError(f"TLSConfig: the PEM does not load: {err}") from err
    return context


def sign_request(
    method: str, url: str, body: bytes | None, headers: dict[str, str], *, region: str, credentials: Any
) -> dict[str, str]:
    """The headers of a request signed with SigV4 for API Gateway (service ``execute-api``)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(method=method, url=url, data=body or b"", headers=dict(headers))
    SigV4Auth(credentials, "execute-api", region).add_auth(request)
    return dict(request.headers.items())


class PreparedRequest(NamedTuple):
    """One API call's request, signed when the target is not loopback: sent as it is."""

    method: str
    url: str
    body: bytes | None
    headers: dict[str, str]


class HttpTransport(RemoteScheduleTransport, RemoteActivityTransport):
    """:class:`durable._client.transport.Transport` over the HTTP API."""

    def __init__(
        self,
        target_host: str,
        *,
        credentials: Any = None,
        region: str | None = None,
        timeout: float = RESULT_WAIT_SECONDS + 10,
        retries: int = RETRIES,
        retry_backoff: float = RETRY_BACKOFF_SECONDS,
        api_key: str | None = None,
        tls: bool | TLSConfig | None = None,
        rpc_metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """
        Args:
            target_host: the API's URL (see :meth:`Target.parse`).
            credentials: botocore credentials to sign with (default: the boto3 session's).
            region: the API's region (default: from the URL, else the boto3 session's).
            timeout: seconds to wait for one response (longer than a result long poll).
            retries: how many times a call is sent again after a connection failure or a
                gateway error (0: never).
            retry_backoff: seconds before the first retry; doubled for each next one.
            api_key: refused (NotImplementedError): nothing on durable's side checks one.
            tls: True for https, False for http (None: as the URL says); a TLSConfig for
                https with its CA, client certificate and server name.
            rpc_metadata: headers sent with every request.
        """
        if api_key:
            raise NotImplementedError(
                "api_key is not used by durable: a deployed stack's API takes requests signed with SigV4 "
                "(AWS credentials, as for the AWS CLI) and the dev server takes none; remove it "
                "(api_key in the profile, or DURABLE_API_KEY)"
            )
        self.target = Target.parse(target_host, tls=None if tls is None else tls is not False)
        self._ssl = ssl_context(tls) if isinstance(tls, TLSConfig) else None
        self._metadata = metadata_headers(rpc_metadata or {})
        self._credentials = credentials
        self._region = region or self.target.region
        self._timeout = timeout
        self._retries = retries
        self._retry_backoff = retry_backoff
        # Kept-open connections: a call costs one round trip, not a TCP (and TLS) handshake too.
        self._sender = HttpSender(ssl_context=self._ssl, timeout=timeout)

    # -- HTTP -------------------------------------------------------------------------------

    def _signing(self) -> tuple[Any, str]:
        credentials, region = self._credentials, self._region
        if credentials is None or region is None:
            import boto3

            session = boto3.session.Session()
            if credentials is None:
                credentials = session.get_credentials()
            region = region or session.region_name
        if credentials is None:
            raise RPCError(
                f"no AWS credentials to sign requests to {self.target.host}: configure them as for the AWS CLI",
                RPCStatusCode.UNAUTHENTICATED,
            )
        if region is None:
            raise RPCError(
                f"no AWS region for {self.target.host}: set AWS_REGION or pass region=", RPCStatusCode.INVALID_ARGUMENT
            )
        self._credentials, self._region = credentials, region
        return credentials.get_frozen_credentials() if hasattr(
            credentials, "get_frozen_credentials"
        ) else credentials, region

    def prepare(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        *,
        request_id: str | None = None,
    ) -> PreparedRequest:
        """The HTTP request of one API call, signed when the target is not loopback."""
        params = {k: v for k, v in (query or {}).items() if v is not None}
        url = f"{self.target.base_url}{API_PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Accept": "application/json", "User-Agent": "durable-client", **self._metadata}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if request_id is not None:
            headers[REQUEST_ID_HEADER] = request_id
        if self.target.signed:
            credentials, region = self._signing()
            headers = sign_request(method, url, data, headers, region=region, credentials=credentials)
        return PreparedRequest(method, url, data, headers)

    def _send(self, request: PreparedRequest, *, timeout: float | None = None) -> tuple[int, Any]:
        answer = self._sender.send(
            request.method, request.url, body=request.body, headers=request.headers, timeout=timeout or self._timeout
        )
        return answer.status, _json_or_text(answer.body)

    def close(self) -> None:
        """Close the kept-open connections (a later call opens new ones)."""
        self._sender.close()

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        query: dict[str, Any] | None = None,
        *,
        context: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> tuple[int, Any]:
        """One API call; a 4xx/5xx becomes the exception the in-process engine would raise.

        A connection failure or a gateway error is retried with the same ``request_id``
        (a POST without one gets one); when the retries run out, RPCError UNAVAILABLE (or
        the last gateway error).
        """
        if request_id is None and method == "POST":
            request_id = new_request_id()
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            request = self.prepare(method, path, body, query, request_id=request_id)  # signed afresh each time
            try:
                status, payload = await loop.run_in_executor(None, self._send, request)
            except Unreachable as err:
                if not err.transient or attempt >= self._retries:
                    tries = f" (after {attempt + 1} attempts)" if attempt else ""
                    raise RPCError(f"{err}{tries}", RPCStatusCode.UNAVAILABLE) from err
            else:
                if status not in _RETRIED_STATUSES or attempt >= self._retries:
                    break
            delay = min(self._retry_backoff * 2**attempt, 2.0)
            await asyncio.sleep(delay * (0.5 + random.random() / 2))  # jitter: retrying clients do not march in step
            attempt += 1
        if status >= 400:
            raise _error(status, payload, context or {})
        return status, payload

    async def check(self, *, timeout: float | None = None) -> None:
        """Reach the API once (what ``Client.connect`` does unless ``lazy``): no retries, so a
        wrong address is reported at once."""
        request = self.prepare("GET", "/openapi.json")
        send = self._send if timeout is None else lambda r: self._send(r, timeout=timeout)
        try:
            status, payload = await asyncio.get_running_loop().run_in_executor(None, send, request)
        except Unreachable as err:
            raise RPCError(str(err), RPCStatusCode.UNAVAILABLE) from err
        if status >= 400:
            raise _error(status, payload, {})

    # -- Transport ---------------------------------------------------------------------------

    async def start(self, start: StartWorkflowInput) -> Started:
        body = _start_body(start)
        conflict = start.id_conflict_policy.name
        body["id_conflict_policy"] = "FAIL" if conflict == "UNSPECIFIED" else conflict
        if start.start_signal is not None:
            body["start_signal"] = start.start_signal
            body["start_signal_input"] = [wire.decode_payload(p) for p in start.start_signal_args]
            body["accept_unknown_signal"] = True  # temporalio's server takes any name: a handler may be set later
        if start.request_eager_start:
            body["request_eager_start"] = True
        _, reply = await self.call(
            "POST",
            "/workflows",
            body,
            context={"workflow_id": start.workflow_id, "workflow_type": start.workflow_type},
            request_id=start.request_id,
        )
        return Started(
            str(reply["run_id"]),
            created=bool(reply.get("created", True)),
            eagerly_started=bool(reply.get("eagerly_started", False)),
        )

    async def update_with_start(
        self, start: StartWorkflowInput, update: UpdateInput, *, on_start: Callable[[str], None]
    ) -> UpdateStatus:
        conflict = start.id_conflict_policy.name
        options = _start_body(start)
        del options["workflow_id"]
        options["id_conflict_policy"] = conflict
        context = {"workflow_id": start.workflow_id, "workflow_type": start.workflow_type}
        status = await self._update(start.workflow_id, None, update, start.request_id, options, context)
        on_start(status.run_id)
        return status

    async def signal(
        self,
        workflow_id: str,
        run_id: str | None,
        name: str,
        args: list[str],
        *,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        # temporalio's client sends any signal name; the run decides what to do with it.
        body: dict[str, Any] = {
            "input": [wire.decode_payload(p) for p in args],
            "run_id": run_id,
            "accept_unknown": True,
        }
        if headers:
            body["headers"] = _headers_out(headers)
        path = f"{_wf(workflow_id)}/signals/{quote(name, safe='')}"
        await self.call("POST", path, body, request_id=request_id)

    async def cancel(
        self, workflow_id: str, run_id: str | None, *, reason: str = "", request_id: str | None = None
    ) -> None:
        body = {"run_id": run_id, "reason": reason or None}
        await self.call("POST", f"{_wf(workflow_id)}/cancel", body, request_id=request_id)

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        body = {"run_id": run_id, "reason": reason or None, "details": [wire.decode_payload(d) for d in details]}
        await self.call("POST", f"{_wf(workflow_id)}/terminate", body, request_id=request_id)

    async def reset(self, workflow_id: str, run_id: str | None, reset: ResetRequest) -> str:
        body = {
            "run_id": run_id,
            "event_id": reset.event_id,
            "type": None if reset.reset_type is None else reset.reset_type.value,
            "reason": reset.reason or None,
            "reapply_type": reset.reapply_type.value,
        }
        _, reply = await self.call("POST", f"{_wf(workflow_id)}/reset", body, request_id=reset.request_id)
        return str(reply["run_id"])

    async def query(
        self, workflow_id: str, run_id: str | None, name: str, args: list[str], *, headers: dict[str, str] | None = None
    ) -> str:
        body: dict[str, Any] = {"args": [wire.decode_payload(a) for a in args], "run_id": run_id}
        if headers:
            body["headers"] = _headers_out(headers)
        _, reply = await self.call("POST", f"{_wf(workflow_id)}/queries/{quote(name, safe='')}", body)
        return wire.encode_payload(reply["result"])

    async def describe(self, workflow_id: str, run_id: str | None) -> Description:
        _, detail = await self.call("GET", _wf(workflow_id), query={"run_id": run_id})
        pending = [
            PendingActivity(
                activity_id=p["activity_id"],
                activity_type=p["activity_type"],
                attempt=p["attempt"],
                state=p["state"],
                scheduled_time=wire.parse_time(p["scheduled_time"]),
                last_failure=wire.failure_in(p["last_failure"]) if p.get("last_failure") else None,
                heartbeat=HeartbeatRecord(
                    attempt=p["attempt"],
                    details=[wire.encode_payload(d) for d in p.get("heartbeat_details", [])],
                    at=wire.parse_time(p["last_heartbeat_time"]) if p.get("last_heartbeat_time") else None,
                )
                if p.get("last_heartbeat_time") or p.get("heartbeat_details")
                else None,
                paused={
                    "time": wire.parse_time(p["pause"]["pause_time"]),
                    "identity": p["pause"]["identity"],
                    "reason": p["pause"]["reason"],
                }
                if p.get("pause")
                else None,
            )
            for p in detail.get("pending_activities", [])
        ]
        execution_time = detail.get("execution_time")
        return Description(
            record=_record(detail),
            history_length=detail["history_length"],
            pending_activities=pending,
            execution_time=wire.parse_time(execution_time) if execution_time else None,
            parent={"workflow_id": detail["parent_workflow_id"], "run_id": detail["parent_run_id"]}
            if detail.get("parent_workflow_id")
            else None,
            static_summary=detail.get("static_summary"),
            static_details=detail.get("static_details"),
            build_ids=tuple(detail.get("build_ids", [])),
        )

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[HistoryEvent]]:
        _, reply = await self.call("GET", f"{_wf(workflow_id)}/history", query={"run_id": run_id})
        return str(reply["run_id"]), [wire.event_in(e) for e in reply["events"]]

    async def start_update(self, workflow_id: str, run_id: str | None, update: UpdateInput) -> UpdateStatus:
        return await self._update(workflow_id, run_id, update, None, None, {"workflow_id": workflow_id})

    async def _update(
        self,
        workflow_id: str,
        run_id: str | None,
        update: UpdateInput,
        request_id: str | None,
        start: dict[str, Any] | None,
        context: dict[str, Any],
    ) -> UpdateStatus:
        """Send the update until it reached its stage: each request waits up to 20 s, and the
        next one, sent with the same update and request ids, waits on for the same update."""
        request_id = request_id or new_request_id()
        body: dict[str, Any] = {
            "run_id": run_id,
            "update_id": update.update_id,
            "args": [wire.decode_payload(a) for a in update.args],
            "wait_for_stage": update.wait_for_stage,
            "wait_seconds": RESULT_WAIT_SECONDS,
            # temporalio's client sends any update name; the run rejects one it has no handler for.
            "accept_unknown": True,
        }
        if update.headers:
            body["headers"] = _headers_out(update.headers)
        if start is not None:
            body["start_workflow"] = start
        path = f"{_wf(workflow_id)}/updates/{quote(update.name, safe='')}"
        while True:
            _, reply = await self.call("POST", path, body, context=context, request_id=request_id)
            status = _update_status(reply)
            if status.stage == "COMPLETED" or (status.stage == "ACCEPTED" and update.wait_for_stage == "ACCEPTED"):
                return status
            body["run_id"] = body["run_id"] or (status.run_id if start is None else None)

    async def poll_update(self, workflow_id: str, run_id: str | None, update_id: str) -> UpdateStatus:
        query = {"run_id": run_id, "wait_seconds": RESULT_WAIT_SECONDS}
        path = f"{_wf(workflow_id)}/updates/{quote(update_id, safe='')}"
        while True:  # each request waits up to 20 s (API Gateway cuts at 29 s)
            _, reply = await self.call("GET", path, query=query)
            status = _update_status(reply)
            if status.stage == "COMPLETED":
                return status
            query["run_id"] = status.run_id

    async def wait_result(self, workflow_id: str, run_id: str | None) -> RunOutcome:
        query = {"run_id": run_id, "wait_seconds": RESULT_WAIT_SECONDS, "follow_runs": "false"}
        while True:  # each request waits up to 20 s (API Gateway cuts at 29 s)
            status, reply = await self.call("GET", f"{_wf(workflow_id)}/result", query=query)
            if status != 202:
                return _run_outcome(reply)
            query["run_id"] = reply["run_id"]  # the run it resolved to: wait for that one, not a later one

    async def complete_async_activity(self, task_token: bytes, result: str) -> None:
        body = {"task_token": _token(task_token), "result": wire.decode_payload(result)}
        await self.call("POST", "/activities/complete", body)

    async def fail_async_activity(
        self, task_token: bytes, failure: FailureDocument, heartbeat_details: list[str]
    ) -> None:
        body = {
            "task_token": _token(task_token),
            "failure": wire.failure_out(failure),
            "heartbeat_details": [wire.decode_payload(d) for d in heartbeat_details],
        }
        await self.call("POST", "/activities/fail", body)

    async def report_async_activity_cancelled(self, task_token: bytes) -> None:
        await self.call("POST", "/activities/cancelled", {"task_token": _token(task_token)})

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        body = {"task_token": _token(task_token), "details": [wire.decode_payload(d) for d in details]}
        _, reply = await self.call("POST", "/activities/heartbeat", body)
        return bool(reply["cancel_requested"])

    async def list_workflows(self, query: str | None, page_size: int, next_page_token: bytes | None) -> Page:
        params = {
            "query": query,
            "page_size": min(page_size, 1000),
            "next_page_token": next_page_token.decode() if next_page_token else None,
        }
        _, reply = await self.call("GET", "/workflows", query=params)
        token = reply.get("next_page_token")
        return Page([_record(e) for e in reply["executions"]], token.encode() if token else None)

    async def count_workflows(self, query: str | None) -> Count:
        _, reply = await self.call("GET", "/workflow-counts", query={"query": query})
        return Count(count=reply["count"], groups={str(g["group_values"][0]): g["count"] for g in reply["groups"]})


_: type[Transport] = HttpTransport  # mypy checks that HttpTransport implements Transport


def _start_body(start: StartWorkflowInput) -> dict[str, Any]:
    """What every start body of the API carries, from a start."""
    body: dict[str, Any] = {
        "workflow_type": start.workflow_type,
        "workflow_id": start.workflow_id,
        "task_queue": start.task_queue,
        "input": [wire.decode_payload(p) for p in start.args],
        "id_reuse_policy": start.id_reuse_policy.name,
    }
    if start.cron_schedule:
        body["cron_schedule"] = start.cron_schedule
    if start.memo:
        body["memo"] = {key: wire.decode_payload(value) for key, value in start.memo.items()}
    if start.search_attributes:
        body["search_attributes"] = start.search_attributes
    for name, seconds in (
        ("execution_timeout_seconds", start.execution_timeout),
        ("run_timeout_seconds", start.run_timeout),
        ("task_timeout_seconds", start.task_timeout),
    ):
        if seconds is not None:
            body[name] = seconds
    for name, text in (("static_summary", start.static_summary), ("static_details", start.static_details)):
        if text is not None:
            body[name] = text
    if start.headers:
        body["headers"] = _headers_out(start.headers)
    return body


def _headers_out(headers: dict[str, str]) -> dict[str, Any]:
    """Headers as the API takes them: each payload as its JSON value."""
    return {name: wire.decode_payload(text) for name, text in headers.items()}


def _update_status(reply: dict[str, Any]) -> UpdateStatus:
    """Where an update stands, from an update response."""
    outcome = reply.get("outcome") or {}
    failure = outcome.get("failure")
    return UpdateStatus(
        str(reply["run_id"]),
        str(reply["stage"]),
        result=wire.encode_payload(outcome["result"]) if "result" in outcome else None,
        failure=wire.failure_in(failure) if failure is not None else None,
    )


def _token(task_token: bytes) -> str:
    return base64.b64encode(task_token).decode()


def _wf(workflow_id: str) -> str:
    return f"/workflows/{quote(workflow_id, safe='')}"


def _json_or_text(data: bytes) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data.decode("utf-8", "replace")


def _record(detail: dict[str, Any]) -> ExecutionRecord:
    return ExecutionRecord(
        workflow_id=detail["workflow_id"],
        run_id=detail["run_id"],
        workflow_type=detail["workflow_type"],
        task_queue=detail["task_queue"],
        status=WorkflowExecutionStatus[detail["status"]],
        start_time=wire.parse_time(detail["start_time"]),
        close_time=wire.parse_time(detail["close_time"]) if detail.get("close_time") else None,
        history_length=detail.get("history_length", 0),
        task_failure=wire.failure_in(detail["task_failure"]) if detail.get("task_failure") else None,
        memo={key: wire.encode_payload(value) for key, value in detail.get("memo", {}).items()},
        search_attributes=dict(detail.get("search_attributes", {})),
    )


def _run_outcome(reply: dict[str, Any]) -> RunOutcome:
    """How the run closed, from a result response."""
    status, run_id = reply["status"], str(reply["run_id"])
    failure = reply.get("failure") or {}
    if status == "COMPLETED":
        return RunOutcome(run_id, "COMPLETED", result=wire.encode_payload(reply.get("result")))
    if status == "CONTINUED_AS_NEW":
        return RunOutcome(run_id, "CONTINUED_AS_NEW", new_execution_run_id=reply["new_execution_run_id"])
    if status == "CANCELED":
        return RunOutcome(run_id, "CANCELED")
    if status == "TIMED_OUT":
        return RunOutcome(run_id, "TIMED_OUT")
    if status == "TERMINATED":
        details = (failure.get("terminated") or {}).get("details", [])
        return RunOutcome(
            run_id, "TERMINATED", reason=failure.get("message", ""), details=[wire.encode_payload(d) for d in details]
        )
    return RunOutcome(run_id, "FAILED", failure=wire.failure_in(failure))


def _error(status: int, payload: Any, context: dict[str, Any]) -> Exception:
    """The exception temporalio's client raises for what the API answered."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):  # not our API (API Gateway itself, a proxy)
        message = payload.get("message") if isinstance(payload, dict) else str(payload)[:500]
        codes = {
            401: RPCStatusCode.UNAUTHENTICATED,
            403: RPCStatusCode.PERMISSION_DENIED,
            429: RPCStatusCode.RESOURCE_EXHAUSTED,
        }
        return RPCError(
            f"HTTP {status}: {message}",
            codes.get(status, RPCStatusCode.INTERNAL if status >= 500 else RPCStatusCode.UNKNOWN),
        )
    code, message = str(error.get("code", "")), str(error.get("message", ""))
    if code == "schedule_already_exists":
        return ScheduleAlreadyRunningError()
    if code == "already_started":
        return WorkflowAlreadyStartedError(
            context.get("workflow_id", ""), context.get("workflow_type", ""), run_id=error.get("run_id")
        )
    if code in ("query_not_found", "query_failed", "invalid_args"):
        failure = error.get("failure")  # a handler's failure: its own message, as temporalio's error carries it
        return WorkflowQueryFailedError(str(failure["message"]) if isinstance(failure, dict) else message)
    if code == "reset_conflict":
        return RPCError(message, RPCStatusCode.FAILED_PRECONDITION, b"")
    if code == "payload_too_large":
        return PayloadSizeError(message)
    if code == "invalid_task_token":
        return ValueError(message)
    if code in _NOT_FOUND_CODES or status == 404:
        return RPCError(message, RPCStatusCode.NOT_FOUND, b"")
    if status >= 500:
        return RPCError(message, RPCStatusCode.INTERNAL, b"")
    return RPCError(message, RPCStatusCode.INVALID_ARGUMENT, b"")


_NOT_FOUND_CODES = frozenset({"execution_not_found", "not_running", "not_started", "update_not_found"})
"""What temporalio's server answers NOT_FOUND: no such run or update, or a closed run (409 in the API)."""
