"""The client transport over the HTTP API: what ``Client.connect(url)`` returns a client on.

It implements :class:`durable._client.transport.Transport` with the API's routes and turns the
API's errors back into the exceptions the in-process transport raises, so a ``Client``
and its handles behave the same against a deployed stack, the dev server, or the local
environment. Requests to a host that is not loopback are signed with SigV4 (service
``execute-api``, credentials from the default boto3 session), as API Gateway's IAM
authorization expects; loopback (the dev server) gets plain HTTP.

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
import http.client
import ipaddress
import json
import random
import re
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from durable._client.errors import ScheduleAlreadyRunningError
from durable._http import wire
from durable._http.remote_schedules import RemoteScheduleTransport
from durable._replay import events as ev
from durable._replay.instance import QueryNotFound, WorkflowTaskError
from durable._runtime.control import Description, NotRunning, PendingActivity, Started, new_request_id
from durable._runtime.ports import ExecutionNotFound, ExecutionRecord, HeartbeatRecord
from durable._visibility.listing import Count, Page
from durable._visibility.query import InvalidQuery
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

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> ssl.SSLSocket:  # type: ignore[override]
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


class _Unreachable(Exception):
    """The request got no HTTP answer; ``transient`` if sending it again may get one."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


def _transient(err: BaseException) -> bool:
    """Whether a failure to get an answer may pass: a refused, reset or dropped connection,
    or a timeout (not a name that does not resolve, nor a TLS failure)."""
    reason = getattr(err, "reason", err) if isinstance(err, urllib.error.URLError) else err
    return isinstance(reason, (ConnectionError, TimeoutError, http.client.IncompleteRead, http.client.BadStatusLine))


class HttpTransport(RemoteScheduleTransport):
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
    ) -> urllib.request.Request:
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
        return urllib.request.Request(url, data=data, method=method, headers=headers)

    def _send(self, request: urllib.request.Request, *, timeout: float | None = None) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(request, timeout=timeout or self._timeout, context=self._ssl) as response:
                return response.status, _json_or_text(response.read())
        except urllib.error.HTTPError as err:
            return err.code, _json_or_text(err.read())
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            reason = getattr(err, "reason", err)
            message = f"cannot reach {self.target.base_url}: {reason or type(reason).__name__}"
            raise _Unreachable(message, transient=_transient(err)) from err

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
            except _Unreachable as err:
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
        except _Unreachable as err:
            raise RPCError(str(err), RPCStatusCode.UNAVAILABLE) from err
        if status >= 400:
            raise _error(status, payload, {})

    # -- Transport ---------------------------------------------------------------------------

    async def start(
        self,
        *,
        workflow_type: str,
        workflow_id: str,
        task_queue: str,
        input: list[str],
        id_reuse_policy: Any,
        id_conflict_policy: Any,
        start_signal: str | None,
        start_signal_input: list[str] | None,
        cron_schedule: str = "",
        request_id: str | None = None,
    ) -> str:
        return (
            await self._start(
                workflow_type=workflow_type,
                workflow_id=workflow_id,
                task_queue=task_queue,
                input=input,
                id_reuse_policy=id_reuse_policy,
                id_conflict_policy=id_conflict_policy,
                start_signal=start_signal,
                start_signal_input=start_signal_input,
                cron_schedule=cron_schedule,
                request_id=request_id,
            )
        ).run_id

    async def start_eagerly(self, **start: Any) -> Started:
        # The API decides the first workflow task within the request (see its start route).
        return await self._start(**start, request_eager_start=True)

    async def update_with_start(self, **_: Any) -> Any:
        raise NotImplementedError(
            "update-with-start is not served by the HTTP API yet (it needs the update routes): "
            "start the workflow, then send the update in-process, or use signal-with-start"
        )

    async def _start(
        self,
        *,
        workflow_type: str,
        workflow_id: str,
        task_queue: str,
        input: list[str],
        id_reuse_policy: Any,
        id_conflict_policy: Any,
        start_signal: str | None,
        start_signal_input: list[str] | None,
        cron_schedule: str = "",
        request_id: str | None = None,
        request_eager_start: bool = False,
    ) -> Started:
        conflict = "FAIL" if id_conflict_policy.name == "UNSPECIFIED" else id_conflict_policy.name
        body: dict[str, Any] = {
            "workflow_type": workflow_type,
            "workflow_id": workflow_id,
            "task_queue": task_queue,
            "input": [wire.decode_payload(p) for p in input],
            "id_reuse_policy": id_reuse_policy.name,
            "id_conflict_policy": conflict,
        }
        if start_signal is not None:
            body["start_signal"] = start_signal
            body["start_signal_input"] = [wire.decode_payload(p) for p in start_signal_input or []]
            body["accept_unknown_signal"] = True  # temporalio's server takes any name: a handler may be set later
        if cron_schedule:
            body["cron_schedule"] = cron_schedule
        if request_eager_start:
            body["request_eager_start"] = True
        _, reply = await self.call(
            "POST",
            "/workflows",
            body,
            context={"workflow_id": workflow_id, "workflow_type": workflow_type},
            request_id=request_id,
        )
        return Started(str(reply["run_id"]), eagerly_started=bool(reply.get("eagerly_started", False)))

    async def signal(
        self, workflow_id: str, run_id: str | None, name: str, input: list[str], *, request_id: str | None = None
    ) -> None:
        # temporalio's client sends any signal name; the run decides what to do with it.
        body = {"input": [wire.decode_payload(p) for p in input], "run_id": run_id, "accept_unknown": True}
        path = f"{_wf(workflow_id)}/signals/{quote(name, safe='')}"
        await self.call("POST", path, body, request_id=request_id)

    async def cancel(self, workflow_id: str, run_id: str | None, *, request_id: str | None = None) -> None:
        await self.call("POST", f"{_wf(workflow_id)}/cancel", {"run_id": run_id}, request_id=request_id)

    async def terminate(
        self, workflow_id: str, run_id: str | None, reason: str, details: list[str], *, request_id: str | None = None
    ) -> None:
        body = {"run_id": run_id, "reason": reason or None, "details": [wire.decode_payload(d) for d in details]}
        await self.call("POST", f"{_wf(workflow_id)}/terminate", body, request_id=request_id)

    async def query(self, workflow_id: str, run_id: str | None, name: str, args: list[str]) -> str:
        body = {"args": [wire.decode_payload(a) for a in args], "run_id": run_id}
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
            )
            for p in detail.get("pending_activities", [])
        ]
        execution_time = detail.get("execution_time")
        return Description(
            record=_record(detail),
            history_length=detail["history_length"],
            pending_activities=pending,
            execution_time=wire.parse_time(execution_time) if execution_time else None,
        )

    async def history(self, workflow_id: str, run_id: str | None) -> tuple[str, list[dict[str, Any]]]:
        _, reply = await self.call("GET", f"{_wf(workflow_id)}/history", query={"run_id": run_id})
        return str(reply["run_id"]), [wire.event_in(e) for e in reply["events"]]

    async def resolve_run(self, workflow_id: str, run_id: str | None) -> ExecutionRecord:
        _, detail = await self.call("GET", _wf(workflow_id), query={"run_id": run_id})
        return _record(detail)

    async def update(
        self, workflow_id: str, run_id: str | None, update_id: str, name: str, input: list[str], wait_for: str
    ) -> Any:
        raise NotImplementedError("workflow updates are not served by the HTTP API yet: use signals and queries")

    async def update_result(self, workflow_id: str, run_id: str | None, update_id: str) -> Any:
        raise NotImplementedError("workflow updates are not served by the HTTP API yet: use signals and queries")

    async def wait_result(self, workflow_id: str, run_id: str) -> dict[str, Any]:
        query = {"run_id": run_id, "wait_seconds": RESULT_WAIT_SECONDS, "follow_runs": "false"}
        while True:  # each request waits up to 20 s (API Gateway cuts at 29 s)
            status, reply = await self.call("GET", f"{_wf(workflow_id)}/result", query=query)
            if status != 202:
                return _close_event(reply)

    async def report_async_activity(self, task_token: bytes, outcome: dict[str, Any]) -> None:
        token = base64.b64encode(task_token).decode()
        kind = outcome["outcome"]
        if kind == "completed":
            await self.call(
                "POST", "/activities/complete", {"task_token": token, "result": wire.decode_payload(outcome["result"])}
            )
        elif kind == "failed":
            body = {
                "task_token": token,
                "failure": wire.failure_out(outcome["failure"]),
                "heartbeat_details": [wire.decode_payload(d) for d in outcome.get("heartbeat_details", [])],
            }
            await self.call("POST", "/activities/fail", body)
        else:
            await self.call("POST", "/activities/cancelled", {"task_token": token})

    async def heartbeat_async_activity(self, task_token: bytes, details: list[str]) -> bool:
        body = {
            "task_token": base64.b64encode(task_token).decode(),
            "details": [wire.decode_payload(d) for d in details],
        }
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
        status=detail["status"],
        start_time=wire.parse_time(detail["start_time"]),
        close_time=wire.parse_time(detail["close_time"]) if detail.get("close_time") else None,
        history_length=detail.get("history_length", 0),
        task_failure=wire.failure_in(detail["task_failure"]) if detail.get("task_failure") else None,
        memo={key: wire.encode_payload(value) for key, value in detail.get("memo", {}).items()},
        search_attributes=dict(detail.get("search_attributes", {})),
    )


def _close_event(reply: dict[str, Any]) -> dict[str, Any]:
    """The terminal event ``WorkflowHandle.result`` reads, from a result response."""
    status = reply["status"]
    failure = reply.get("failure") or {}
    if status == "COMPLETED":
        return {"event_type": ev.WORKFLOW_COMPLETED, "attributes": {"result": wire.encode_payload(reply.get("result"))}}
    if status == "CONTINUED_AS_NEW":
        return {
            "event_type": ev.WORKFLOW_CONTINUED_AS_NEW,
            "attributes": {"new_execution_run_id": reply["new_execution_run_id"]},
        }
    if status == "CANCELED":
        return {"event_type": ev.WORKFLOW_CANCELED, "attributes": {}}
    if status == "TERMINATED":
        details = (failure.get("terminated") or {}).get("details", [])
        return {
            "event_type": ev.WORKFLOW_TERMINATED,
            "attributes": {"reason": failure.get("message", ""), "details": [wire.encode_payload(d) for d in details]},
        }
    return {"event_type": ev.WORKFLOW_FAILED, "attributes": {"failure": wire.failure_in(failure)}}


def _error(status: int, payload: Any, context: dict[str, Any]) -> Exception:
    """The exception the in-process engine raises for what the API answered."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):  # not our API (API Gateway itself, a proxy)
        message = payload.get("message") if isinstance(payload, dict) else str(payload)[:500]
        code = {
            401: RPCStatusCode.UNAUTHENTICATED,
            403: RPCStatusCode.PERMISSION_DENIED,
            429: RPCStatusCode.RESOURCE_EXHAUSTED,
        }
        return RPCError(
            f"HTTP {status}: {message}",
            code.get(status, RPCStatusCode.INTERNAL if status >= 500 else RPCStatusCode.UNKNOWN),
        )
    code, message = error.get("code", ""), error.get("message", "")
    if code == "schedule_already_exists":
        return ScheduleAlreadyRunningError()
    if code == "execution_not_found":
        return ExecutionNotFound(message)
    if code in ("not_running", "not_started"):
        return NotRunning(message)
    if code == "already_started":
        return WorkflowAlreadyStartedError(
            context.get("workflow_id", ""), context.get("workflow_type", ""), run_id=error.get("run_id")
        )
    if code == "query_not_found":
        return QueryNotFound(message)
    if code in ("query_failed", "invalid_args"):
        return WorkflowTaskError(message)
    if code == "payload_too_large":
        return PayloadSizeError(message)
    if code == "invalid_task_token":
        return ValueError(message)
    if code == "invalid_query":
        return InvalidQuery(message)
    if status == 404:
        return RPCError(message, RPCStatusCode.NOT_FOUND)
    if status >= 500:
        return RPCError(message, RPCStatusCode.INTERNAL)
    return RPCError(message, RPCStatusCode.INVALID_ARGUMENT)
