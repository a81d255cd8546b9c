"""The web UI's files: ``durable/_http/ui/``, served as they are."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response

from durable._http.errors import ApiError

__all__ = ["UI_DIR", "response"]

UI_DIR = Path(__file__).parent / "ui"

_TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")


def response(name: str, ui_dir: Path = UI_DIR) -> Response[Any]:
    """A UI file by its path under ``ui_dir`` (404 for anything outside it)."""
    root = ui_dir.resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        raise ApiError(404, "file_not_found", f"no UI file {name!r}", None)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith(_TEXT):
        # Text goes as text: API Gateway passes it without binary media types.
        return Response(200, f"{content_type}; charset=utf-8", path.read_text(encoding="utf-8"))
    return Response(200, content_type, path.read_bytes())  # bytes: powertools base64-encodes them
