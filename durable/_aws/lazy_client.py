"""A boto3 client made on first use, never at import (moto must be active before it exists)."""

from __future__ import annotations

import threading
from typing import Any

import boto3

__all__ = ["LazyClient"]


class LazyClient:
    """Base of the adapters: ``self.client`` is the injected client or a default one."""

    _service = ""

    def __init__(self, client: Any | None = None) -> None:
        self._client = client
        self._client_lock = threading.Lock()

    @property
    def client(self) -> Any:
        """The boto3 client of the adapter's service."""
        if self._client is None:
            with self._client_lock:
                if self._client is None:
                    # A session of its own: the boto3 default session is not thread-safe.
                    self._client = boto3.session.Session().client(self._service)
        return self._client
