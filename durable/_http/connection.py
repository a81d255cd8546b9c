"""Connections kept open between calls: how the remote client sends its HTTP requests.

Sent with ``urllib.request``, each call of the HTTP transport opened a connection of its own:
a TCP handshake, and over https a TLS handshake, per call. An :class:`HttpSender` keeps up
to ``max_connections`` connections open per host (urllib3's pool; urllib3 comes with
botocore), so the calls after the first reuse one, and one sender serves calls from many
threads at once.

It sends one request and returns the answer, whatever its status. It does not retry nor
follow redirects: the transport decides what to send again (it knows which calls carry a
request id). A request that got no HTTP answer raises :class:`Unreachable`, which says
whether sending it again may get one.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from types import TracebackType
from typing import NamedTuple
from urllib.parse import urlsplit

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    SSLError,
)
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

__all__ = ["DEFAULT_MAX_CONNECTIONS", "HttpSender", "Response", "Unreachable"]

DEFAULT_MAX_CONNECTIONS = 32
"""Connections kept open per host. asyncio's default executor, where the transport's calls
run, has at most 32 threads: that many calls at once each find a connection to keep."""


class Response(NamedTuple):
    """An HTTP answer: its status and its body, read whole."""

    status: int
    body: bytes


class Unreachable(Exception):
    """A request got no HTTP answer: the connection was refused, reset or dropped before the
    answer, timed out, or could not be made (a name that does not resolve, TLS that fails).

    Attributes:
        origin: ``scheme://host:port`` of the request.
        reason: what went wrong, from the socket or TLS layer.
        transient: sending the request again may get an answer (refused, reset, dropped,
            timed out); not so for a name that does not resolve nor for a TLS failure.
    """

    def __init__(self, origin: str, reason: str, *, transient: bool) -> None:
        super().__init__(f"cannot reach {origin}: {reason}")
        self.origin = origin
        self.reason = reason
        self.transient = transient


class HttpSender:
    """Sends HTTP requests over kept-open connections; thread-safe.

    Example (what ``HttpTransport._send`` does with it)::

        sender = HttpSender(ssl_context=context, timeout=30)
        status, body = sender.send("POST", url, body=data, headers=signed_headers)
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        """
        Args:
            ssl_context: the TLS context of https requests (the CA to trust, a client
                certificate): ``durable._http.remote.ssl_context(TLSConfig)``'s, whose server
                name (``TLSConfig.domain``) it names in the SNI. None: the system's CAs.
            server_hostname: the name to ask for in the SNI and to verify the server's
                certificate against, if not the URL's host (for a context that does not name one).
            timeout: seconds to wait for an answer (each read); :meth:`send` may give another.
            connect_timeout: seconds to wait for a connection (default: ``timeout``).
            max_connections: connections kept open per host; more requests at once than
                this still go, on connections closed after their answer.
        """
        self._timeout = timeout
        self._connect_timeout = timeout if connect_timeout is None else connect_timeout
        self._pools = urllib3.PoolManager(
            maxsize=max_connections,
            block=False,
            retries=False,
            timeout=urllib3.Timeout(connect=self._connect_timeout, read=timeout),
            ssl_context=ssl_context,
            server_hostname=server_hostname,
        )

    def send(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        """Send one request on a kept-open connection (or a new one) and read its answer.

        Args:
            method: ``GET``, ``POST``, ...
            url: the full URL, query included.
            body: the request body, sent as it is.
            headers: sent as they are (after SigV4 signing, nothing may change them).
            timeout: seconds to wait for the answer instead of the sender's ``timeout``.

        Returns:
            The status and the body, whatever the status (4xx and 5xx included).

        Raises:
            Unreachable: no HTTP answer came.
        """
        read = self._timeout if timeout is None else timeout
        connect = min(self._connect_timeout, read)
        try:
            answer = self._pools.request(
                method,
                url,
                body=body,
                headers=dict(headers or {}),
                timeout=urllib3.Timeout(connect=connect, read=read),
                retries=False,
                redirect=False,
                preload_content=True,
            )
        except (HTTPError, OSError) as err:
            reason = _reason(err, connect_timeout=connect, read_timeout=read)
            raise Unreachable(_origin(url), reason, transient=_transient(err)) from err
        return Response(answer.status, answer.data)

    def close(self) -> None:
        """Close the kept-open connections (requests sent later open new ones)."""
        self._pools.clear()

    def __enter__(self) -> HttpSender:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _root(err: BaseException) -> BaseException:
    """The socket or TLS error under urllib3's wrappers (``raise ... from``, ProtocolError's argument)."""
    seen: set[int] = set()
    while id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, ProtocolError) and len(err.args) > 1 and isinstance(err.args[1], BaseException):
            err = err.args[1]
        elif isinstance(err, HTTPError) and err.__cause__ is not None:
            err = err.__cause__
        else:
            break
    return err


def _reason(err: BaseException, *, connect_timeout: float, read_timeout: float) -> str:
    # NewConnectionError is a ConnectTimeoutError in urllib3's tree, whatever made it fail.
    if isinstance(err, ConnectTimeoutError) and not isinstance(err, NewConnectionError):
        return f"no connection within {connect_timeout:g} s"
    if isinstance(err, Urllib3TimeoutError) and not isinstance(err, NewConnectionError):
        return f"no answer within {read_timeout:g} s"
    root = _root(err)
    return str(root) or type(root).__name__


def _transient(err: BaseException) -> bool:
    """Whether sending again may get an answer: a refused, reset or dropped connection, or a
    timeout; not a name that does not resolve, nor a TLS failure (a certificate that does not
    verify stays so)."""
    if isinstance(err, (NameResolutionError, SSLError, ssl.SSLError)):
        return False
    if isinstance(err, NewConnectionError):  # connecting failed: refused is transient, unreachable is not
        return isinstance(_root(err), (ConnectionError, TimeoutError))
    if isinstance(err, (Urllib3TimeoutError, ProtocolError)):  # timed out; reset or closed before the answer
        return True
    return isinstance(err, (ConnectionError, TimeoutError))
