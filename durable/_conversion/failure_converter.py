"""Failure converters: exceptions to failures and back, as temporalio's ``FailureConverter``.

A failure here is the dict ``durable._failure`` writes (temporalio's Failure message as
JSON-able values); the default converter is that module's rules.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from durable import _failure
from durable._conversion.codec import Failure
from durable._conversion.payload_converter import PayloadConverter

__all__ = ["DefaultFailureConverter", "FailureConverter"]


class FailureConverter(ABC):
    """Base failure converter to/from errors."""

    default: ClassVar[FailureConverter]
    """Default failure converter."""

    @abstractmethod
    def to_failure(self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure) -> None:
        """Convert the given exception to a failure, filling ``failure`` in place.

        Args:
            exception: The exception to convert.
            payload_converter: The payload converter to use for details.
            failure: The failure to update with error information.
        """
        raise NotImplementedError

    @abstractmethod
    def from_failure(self, failure: Failure, payload_converter: PayloadConverter) -> BaseException:
        """Convert the given failure to an exception.

        Args:
            failure: The failure to convert.
            payload_converter: The payload converter to use for details.

        Returns:
            Converted error.
        """
        raise NotImplementedError


class DefaultFailureConverter(FailureConverter):
    """Default failure converter: temporalio's wrapping rules (see ``durable._failure``)."""

    def __init__(self, *, encode_common_attributes: bool = False) -> None:
        """Create the default failure converter.

        Args:
            encode_common_attributes: temporalio moves the message and stack trace into an
                encoded payload; durable keeps them as they are, so only ``False`` is accepted.

        Raises:
            ValueError: ``encode_common_attributes=True``.
        """
        if encode_common_attributes:
            raise ValueError("durable does not support encode_common_attributes=True of DefaultFailureConverter")
        self._encode_common_attributes = encode_common_attributes

    def to_failure(self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure) -> None:
        """See base class."""
        failure.clear()
        failure.update(_failure.from_exception(exception, payload_converter))

    def from_failure(self, failure: Failure, payload_converter: PayloadConverter) -> BaseException:
        """See base class."""
        return _failure.to_exception(failure, payload_converter)
