"""What the CLI prints: aligned tables for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TextIO

__all__ = ["compact", "failure_line", "print_json", "table", "when"]


def print_json(value: Any, out: TextIO) -> None:
    """Indented JSON, one document."""
    out.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def compact(value: Any, width: int = 60) -> str:
    """A JSON value on one line, cut to ``width`` characters."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":")) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 1] + "…"


def failure_line(failure: dict[str, Any]) -> str:
    """An API failure document on one line: each message and its type, then its causes."""
    parts = []
    while failure:
        kind = f" ({failure['type']})" if failure.get("type") else ""
        parts.append(f"{failure.get('message', '')}{kind}")
        failure = failure.get("cause") or {}
    return " <- ".join(parts)


def when(rfc3339: str | None) -> str:
    """An API time as ``2026-12-02 15:04:05`` (UTC), or empty."""
    if not rfc3339:
        return ""
    return datetime.fromisoformat(rfc3339.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], out: TextIO) -> None:
    """Columns aligned to their widest cell; the last column is not padded."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for row in cells:
        out.write(
            "  ".join(c.ljust(w) for c, w in zip(row[:-1], widths[:-1], strict=True))
            + ("  " if len(row) > 1 else "")
            + row[-1]
            + "\n"
        )
