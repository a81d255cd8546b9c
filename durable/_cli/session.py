"""What a command runs with: the client and the raw HTTP transport, for one command.

Imported only when a command runs (see :mod:`durable._cli.run`): the client brings pydantic,
the engine's exceptions and boto3, which building the parser (``durable --help``) does without.
"""

from __future__ import annotations

from typing import Any, TextIO

from durable._client.client import Client
from durable._http.remote import HttpTransport

__all__ = ["Session"]


class Session:
    """The client, the raw transport and where output goes, for one command."""

    def __init__(self, address: str, options: dict[str, Any], *, json: bool, out: TextIO) -> None:
        """``options``: the transport's keywords (TLS, metadata), as the profile gives them."""
        self.address = address
        self.json = json
        self.out = out
        self.transport = HttpTransport(address, **options)
        self.client = Client(self.transport)

    async def get(self, path: str, **query: Any) -> Any:
        """The JSON body of a GET of the API."""
        _, body = await self.transport.call("GET", path, query=query)
        return body
