"""Checks of the ``-c name=value`` options whose values are counts of days."""

from __future__ import annotations

__all__ = ["whole_days"]


def whole_days(value: object, *, option: str, most: int, hint: str) -> int:
    """``value`` as a whole number of days from 1 to ``most``: it arrives as a string from the
    CLI, as an int from cdk.json. ``hint`` ends the error that names the option."""
    try:
        days = int(str(value))
    except ValueError:
        days = 0
    if not 1 <= days <= most:
        raise ValueError(f"{option} {value!r}: give a whole number of days from 1 to {most}{hint}")
    return days
