"""Payloads from outside decoded for the workflow code, and what a failure to decode means.

temporalio's rules: input or a result that does not decode into its type hint fails the
workflow *task* (visible, retried until the code or its hints are fixed), never the
workflow; the error is ``RuntimeError("Failed decoding arguments")`` chained from the
converter's. Signals, updates and queries have their own rules (see the instance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from durable import _converter
from durable._conversion.payload_converter import PayloadConverter
from durable.exceptions import FailureError

__all__ = ["decode_args", "decode_result"]


def decode_args(
    payloads: Sequence[str], hints: Sequence[Any] | None, what: str, converter: PayloadConverter | None = None
) -> list[Any]:
    """Arguments as values of their hinted types (by ``converter``, the default one if None).

    Raises:
        RuntimeError: "Failed decoding arguments of <what>", chained from why.
        FailureError: raised by a converter (a model's validator), passed on unwrapped.
    """
    try:
        return _converter.decode_args(payloads, hints, converter)
    except FailureError:
        raise
    except Exception as err:
        raise RuntimeError(f"Failed decoding arguments of {what}") from err


def decode_result(payload: str, hint: Any, what: str, converter: PayloadConverter | None = None) -> Any:
    """A result the code awaits, as a value of its hinted type (by ``converter``, the default one if None).

    Raises:
        RuntimeError: "Failed decoding the result of <what> as <hint>", chained from why.
        FailureError: raised by a converter, passed on unwrapped.
    """
    try:
        return _converter.decode(payload, hint, converter)
    except FailureError:
        raise
    except Exception as err:
        raise RuntimeError(f"Failed decoding the result of {what} as {_name(hint)}") from err


def _name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or repr(hint)
