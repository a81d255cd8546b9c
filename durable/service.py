"""Errors of calls to the engine, as temporalio's ``service`` module names them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from durable.exceptions import TemporalError

__all__ = ["RPCError", "RPCStatusCode", "TLSConfig"]


class RPCStatusCode(IntEnum):
    """Status of a failed call (gRPC's codes, which temporalio uses)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class RPCError(TemporalError):
    """A call to the engine failed (not found, not running, invalid argument...)."""

    def __init__(self, message: str, status: RPCStatusCode, raw_grpc_status: bytes = b"") -> None:
        super().__init__(message)
        self._message = message
        self._status = status
        self._raw_grpc_status = raw_grpc_status

    @property
    def message(self) -> str:
        """What went wrong."""
        return self._message

    @property
    def status(self) -> RPCStatusCode:
        """The status code."""
        return self._status


@dataclass
class TLSConfig:
    """TLS for ``Client.connect(tls=...)`` (temporalio's fields).

    durable's transport is HTTPS, so the certificates apply to that connection: a private
    CA to trust (e.g. a self-hosted dev server behind TLS) and a client certificate for
    mutual TLS (API Gateway's custom domains can require one). ``domain`` names the host
    the server's certificate must carry and the TLS SNI, when it differs from the URL's.
    """

    server_root_ca_cert: bytes | None = None
    """Root CA (PEM) to validate the server certificate against, instead of the system's."""
    domain: str | None = None
    """SNI host and the name the server certificate is verified against."""
    client_cert: bytes | None = None
    """Client certificate (PEM) for mTLS; with :attr:`client_private_key`."""
    client_private_key: bytes | None = None
    """Client private key (PEM) for mTLS; with :attr:`client_cert`."""
    verification_server_name: str | None = None
    """Name to verify the server certificate against, without changing the SNI (not
    supported by durable's HTTP transport: ``Client.connect`` says so)."""
