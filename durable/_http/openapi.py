"""Writes the API's OpenAPI document: ``python -m durable._http.openapi > docs/openapi.json``."""

from __future__ import annotations

import json
import sys

from durable._http.app import HttpApi, _no_engine

__all__ = ["document_text"]


def document_text() -> str:
    """The OpenAPI document as committed in ``docs/openapi.json``."""
    return json.dumps(HttpApi(_no_engine).openapi_document(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document_text())
