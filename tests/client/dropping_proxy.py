"""A real network fault for the HTTP client: a TCP proxy on 127.0.0.1 that loses answers.

It forwards each HTTP request to the server and, for the requests a predicate picks (the
first few), closes the client's connection after the server has answered: the request
took effect, and the client never hears so, as when a connection drops on the way back.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

__all__ = ["DroppingProxy"]


def _read_message(sock: socket.socket) -> bytes:
    """One HTTP message (head and a Content-Length body) from ``sock``; b"" at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class DroppingProxy:
    """Forwards to ``upstream`` (host, port); drops the answer of the first ``times``
    requests whose request line ``drop`` picks (``drop("POST /api/v1/workflows HTTP/1.1")``)."""

    def __init__(self, upstream: tuple[str, int], drop: Callable[[str], bool], *, times: int = 1) -> None:
        self.upstream = upstream
        self._drop = drop
        self._left = times
        self.requests: list[str] = []
        """Request lines of every request forwarded, in order."""
        self.dropped: list[str] = []
        """Request lines of the requests whose answer was lost."""
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> DroppingProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        # shutdown() wakes the thread blocked in accept(); close() alone leaves the port listening.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        self._thread.join(timeout=5)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client:
            request = _read_message(client)
            if not request:
                return
            line = request.split(b"\r\n", 1)[0].decode("latin-1")
            with socket.create_connection(self.upstream) as server:
                server.sendall(request)
                answer = _read_message(server)
            with self._lock:
                self.requests.append(line)
                drop = self._left > 0 and self._drop(line)
                if drop:
                    self._left -= 1
                    self.dropped.append(line)
            if not drop:
                client.sendall(answer)
            # else: the server has answered; closing now loses that answer on the way back
