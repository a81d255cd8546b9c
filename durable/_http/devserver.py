"""The dev server: the HTTP API and the web UI on 127.0.0.1, over the embedded engine.

Each HTTP request becomes the API Gateway REST proxy event the deployed API Lambda
would receive (:mod:`.proxy`) and goes through the same :class:`HttpApi`, so the dev
server runs the Lambda's code path; only the engine below differs (the embedded one,
on moto, with the workflows and activities registered in this process, timers firing
in real time).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from durable._http.app import API_PREFIX, HttpApi, proxy_answer, secured
from durable._http.engine import Engine
from durable._http.errors import ApiError
from durable._http.proxy import request_event, response_parts
from durable._local.environment import LocalRuntime

__all__ = ["DevServer", "LocalEngine"]

logger = logging.getLogger("durable.dev")

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit: larger requests never reach the Lambda."""

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class LocalEngine(Engine):
    """The embedded engine, settled after starts and before queries as the local client does."""

    def __init__(self, runtime: LocalRuntime, *, strict: bool = True) -> None:
        """``strict``: refuse workflow types and signals the registry does not know (the dev
        server registers everything at start); tests whose Workers register later pass False."""
        super().__init__(runtime.control, runtime.registry if strict else None)
        self.runtime = runtime

    def after_start(self, workflow_id: str, run_id: str, *, first_task_deferred: bool = False) -> None:
        if first_task_deferred:
            return
        done = self.runtime.backend.notifier.first_task_done
        deadline = time.monotonic() + 1.0
        while (workflow_id, run_id) not in done and time.monotonic() < deadline:
            time.sleep(0.001)

    def before_query(self) -> None:
        self.runtime.dispatcher.wait_inbox_drained()

    def wait_for_close(self, workflow_id: str, run_id: str, backoff: float, timeout: float) -> None:
        # The engine is in this process: its close wakes this caller, which reads nothing meanwhile.
        closed = threading.Event()
        forget = self.runtime.backend.notifier.when_closed(workflow_id, run_id, closed.set)
        try:
            closed.wait(timeout)
        finally:
            forget()

    @contextmanager
    def awaiting_result(self) -> Iterator[None]:
        # On a time-skipping runtime time jumps to the next timer while a caller waits for a
        # result, as it does for the local client (LocalRuntime.wait_closed).
        self.runtime.dispatcher.auto_skip(True)
        try:
            yield
        finally:
            self.runtime.dispatcher.auto_skip(False)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # A keep-alive client's next request must not wait on its last answer: written in two
    # parts (headers, body) with Nagle's algorithm on, the body waited for the client's
    # delayed ACK of the headers, ~40 ms per request. Now the answer leaves in one write
    # (the buffered wfile, flushed after each request by BaseHTTPRequestHandler) on a
    # socket without Nagle's delay.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self.connection)

    def _serve(self) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        refusal = self._refusal(length)
        if refusal is not None:
            self.close_connection = True  # the body, if any, stays unread
            self._send(*response_parts(secured(proxy_answer(refusal))))
            return
        body = self.rfile.read(length) if length else b""
        event = request_event(
            self.command, self.path, list(self.headers.items()), body, source_ip=self.client_address[0]
        )
        status, headers, data = response_parts(self.server.api.handle(event))
        self._send(status, headers, data)

    def _refusal(self, length: int) -> ApiError | None:
        """Why a request is refused before it reaches the API, if it is.

        A page on another site can make a browser send requests here: it must neither
        change anything (Origin checked on mutations) nor, by pointing its own name at
        127.0.0.1 (DNS rebinding), read anything (Host checked on a loopback server).
        """
        host = self.headers.get("Host")
        if host is not None and not self.server.serves_host(host):
            return ApiError(
                403, "forbidden_host", f"Host {host[:100]!r} is not this dev server: use {self.server.url}", "Host"
            )
        origin = self.headers.get("Origin")
        if self.command in MUTATING and origin is not None and not self.server.own_origin(origin, host):
            return ApiError(
                403,
                "cross_origin_refused",
                f"a {self.command} from the page of another origin ({origin[:100]!r}) is refused: the dev "
                f"server takes changes from its own UI ({self.server.url}) and from clients that send no Origin",
                "Origin",
            )
        if length < 0:
            return ApiError(400, "invalid_request", "Content-Length is not a number", "Content-Length")
        if length > MAX_BODY_BYTES:
            return ApiError(
                413,
                "payload_too_large",
                f"request body over {MAX_BODY_BYTES // (1024 * 1024)} MB (API Gateway's limit)",
                "body",
            )
        return None

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in ("content-length", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a long-polling request must not hold the process at exit
    api: HttpApi

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """End the kept-alive connections: once stopped, a client's open connection must
        not go on reaching the engine through a handler thread left behind."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)  # the handler's read ends; it closes the socket
            except OSError:
                pass  # already closed by the client

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{_bracketed(str(host))}:{port}"

    def _names(self) -> set[str]:
        """The ``host:port`` names this server knows it has: loopback and the address it is bound to."""
        host, port = self.server_address[:2]
        return {f"{name}:{port}" for name in (*LOOPBACK_NAMES, _bracketed(str(host)))}

    def _on_loopback(self) -> bool:
        try:
            return ipaddress.ip_address(str(self.server_address[0])).is_loopback
        except ValueError:
            return False

    def serves_host(self, host: str) -> bool:
        """Whether a request's Host names this server: a loopback name, on any port (a
        forwarded port or a local proxy keeps the name); anything goes off loopback."""
        if not self._on_loopback():
            return True
        name = host.lower().rsplit(":", 1)[0] if not host.endswith("]") else host.lower()
        return name in {*LOOPBACK_NAMES, _bracketed(str(self.server_address[0]))}

    def own_origin(self, origin: str, host: str | None) -> bool:
        """Whether ``origin`` is this server's own (its pages' requests carry it)."""
        origin = origin.lower()
        if origin in {f"http://{name}" for name in self._names()}:
            return True
        # Reached under another name or port (a forwarded port, every interface): the page's
        # origin is the Host it asked; on loopback, serves_host has vouched for that Host.
        return host is not None and origin == f"http://{host.lower()}"


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


class DevServer:
    """The HTTP API and UI on ``host:port`` over ``runtime`` (port 0: any free port)."""

    def __init__(
        self, runtime: LocalRuntime, *, host: str = "127.0.0.1", port: int = 8233, strict: bool = True
    ) -> None:
        """``strict``: see :class:`LocalEngine`."""
        self.runtime = runtime
        self._httpd = _Server((host, port), _Handler)
        self._httpd.api = HttpApi(LocalEngine(runtime, strict=strict), title="durable dev server")
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Where it listens, e.g. ``http://127.0.0.1:8233``."""
        return self._httpd.url

    def urls(self) -> dict[str, str]:
        """What to print: the API, the UI and the OpenAPI document."""
        return {
            "API": f"{self.url}{API_PREFIX}",
            "UI": f"{self.url}/",
            "OpenAPI": f"{self.url}{API_PREFIX}/openapi.json",
        }

    def start(self) -> DevServer:
        """Serve on a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, name="durable-dev-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on this thread until :meth:`stop` is called from another thread."""
        self._httpd.serve_forever(poll_interval=0.05)  # stop() waits at most this long

    def stop(self) -> None:
        """Stop serving, close the socket and end kept-alive connections (the runtime is the
        caller's to shut down)."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd.close_connections()
        if self._thread is not None:
            self._thread.join(timeout=5)
