"""A TCP relay that keeps every byte it carries: how a test sees what went over the wire."""

from __future__ import annotations

import socket
import threading

from tests.client.tcp_relay import CountingRelay

__all__ = ["RecordingRelay"]


class RecordingRelay(CountingRelay):
    """:class:`CountingRelay` that also records the bytes of both directions."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(upstream)
        self._lock = threading.Lock()
        self._streams: list[bytearray] = []

    @property
    def carried(self) -> list[str]:
        """What each connection carried so far, each direction as one text."""
        with self._lock:
            return [bytes(stream).decode("utf-8", "replace") for stream in self._streams]

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:  # type: ignore[override]
        stream = bytearray()  # one direction of one connection: a marker never splits across two
        with self._lock:
            self._streams.append(stream)
        try:
            while chunk := src.recv(65536):
                with self._lock:
                    stream += chunk
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
