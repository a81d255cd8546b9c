"""A codec server, as Temporal's: ``POST /encode`` and ``POST /decode`` over a payload codec.

The CLI (``durable workflow describe|show --codec-endpoint``) and the web UI (its codec
endpoint setting) show encoded payloads as they are stored, and decode them through such
a server, so the engine and its API never hold the key. The protocol is Temporal's: a JSON
body ``{"payloads": [{"metadata": {"encoding": "<base64>", ...}, "data": "<base64>"}]}``
in, the same shape out, one payload for each; ``X-Namespace`` may name the namespace. The
browser calls it from the UI's origin, so it answers CORS preflights for the origins given.

Run one with ``durable codec-server --codec module:object`` (a PayloadCodec, its class, or a
DataConverter that has one), or in Python::

    server = CodecServer(EncryptionCodec(), port=8081).start()
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from durable._conversion.codec import PayloadCodec
from durable._conversion.payload import Payload

__all__ = ["DEFAULT_ORIGINS", "CodecServer", "payload_from_json", "payload_to_json"]

logger = logging.getLogger("durable.codec_server")

DEFAULT_ORIGINS = ("http://127.0.0.1:8233", "http://localhost:8233")
"""The dev server's web UI: the origins allowed to call a codec server by default."""

_MAX_BODY = 8 * 1024 * 1024


def payload_to_json(payload: Payload) -> dict[str, Any]:
    """A payload in Temporal's proto JSON (metadata values and data in base64)."""
    return {
        "metadata": {key: base64.b64encode(value).decode() for key, value in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def payload_from_json(value: Any) -> Payload:
    """A payload from Temporal's proto JSON.

    Raises:
        ValueError: not such an object, or not base64.
    """
    if not isinstance(value, dict) or not isinstance(value.get("metadata", {}), dict):
        raise ValueError("a payload is an object with metadata (base64 values) and data (base64)")
    try:
        return Payload(
            metadata={str(k): base64.b64decode(v, validate=True) for k, v in value.get("metadata", {}).items()},
            data=base64.b64decode(value.get("data", ""), validate=True),
        )
    except (binascii.Error, TypeError) as err:
        raise ValueError(f"a payload's metadata values and data are base64: {err}") from err


class CodecServer:
    """Serves ``POST /encode`` and ``POST /decode`` with a codec, on a thread of its own."""

    def __init__(
        self,
        codec: PayloadCodec,
        *,
        host: str = "127.0.0.1",
        port: int = 8081,
        allowed_origins: Sequence[str] = DEFAULT_ORIGINS,
    ) -> None:
        """Listen on ``host:port`` (port 0: a free one); browsers of ``allowed_origins`` may call it
        (``"*"``: any)."""
        self.codec = codec
        self.allowed_origins = tuple(allowed_origins)
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's base URL: what ``--codec-endpoint`` and the UI's setting take."""
        host, port = self._server.server_address[:2]
        return f"http://{host if isinstance(host, str) else host.decode()}:{port}"

    def start(self) -> CodecServer:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, name="durable-codec-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on this thread until :meth:`stop`."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def transform(self, operation: str, body: Any) -> dict[str, Any]:
        """The answer to ``POST /<operation>`` with ``body`` (a ValueError for a bad body)."""
        if not isinstance(body, dict) or not isinstance(body.get("payloads"), list):
            raise ValueError('the body is {"payloads": [...]}')
        payloads = [payload_from_json(p) for p in body["payloads"]]
        run = self.codec.encode if operation == "encode" else self.codec.decode
        # Each request on its own thread (ThreadingHTTPServer): its own short event loop.
        out = asyncio.run(run(payloads))
        return {"payloads": [payload_to_json(p) for p in out]}


def _handler(server: CodecServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's name)
            self._answer(204, None)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            operation = self.path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
            if operation not in ("encode", "decode"):
                self._answer(404, {"error": f"no such route {self.path}: POST /encode or /decode"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > _MAX_BODY:
                self._answer(413, {"error": f"a body of {length} bytes is over {_MAX_BODY}"})
                return
            try:
                body = json.loads(self.rfile.read(length) or b"null")
                self._answer(200, server.transform(operation, body))
            except ValueError as err:
                self._answer(400, {"error": str(err)})
            except Exception as err:  # noqa: BLE001 - the codec's failure, reported to the caller
                logger.exception("codec %s failed", operation)
                self._answer(500, {"error": f"the codec could not {operation}: {type(err).__name__}: {err}"})

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            origin = self.headers.get("Origin")
            allowed = server.allowed_origins
            if origin and ("*" in allowed or origin in allowed):
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Vary", "Origin")
                self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
                self.send_header("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

    return Handler
