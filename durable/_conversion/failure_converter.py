"""Failure converters: exceptions to failures and back, as temporalio's ``FailureConverter``.

A failure here is the dict ``durable._failure`` writes (temporalio's Failure message as
JSON-able values); the default converter is that module's rules.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from typing import ClassVar

from durable import _failure
from durable._codec import common_attributes
from durable._conversion.codec import Failure
from durable._conversion.payload_converter import PayloadConverter

__all__ = ["DefaultFailureConverter", "DefaultFailureConverterWithEncodedAttributes", "FailureConverter"]


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
            encode_common_attributes: If ``True``, the message and stack trace of the failure
                will be moved into the encoded attribute section of the failure which can
                be encoded with a codec.
        """
        self._encode_common_attributes = encode_common_attributes

    def to_failure(self, exception: BaseException, payload_converter: PayloadConverter, failure: Failure) -> None:
        """See base class."""
        failure.clear()
        converted = _failure.from_exception(exception, payload_converter)
        if self._encode_common_attributes:
            converted = common_attributes.move_common_attributes_of_chain(converted)
        failure.update(converted)

    def from_failure(self, failure: Failure, payload_converter: PayloadConverter) -> BaseException:
        """See base class."""
        if "encoded_attributes" in failure:
            failure = copy.deepcopy(failure)
            common_attributes.restore(failure)
        return _failure.to_exception(failure, payload_converter)


class DefaultFailureConverterWithEncodedAttributes(DefaultFailureConverter):
    """Implementation of :py:class:`DefaultFailureConverter` which moves message
    and stack trace to encoded attributes subject to a codec.
    """

    def __init__(self) -> None:
        """Create a default failure converter with encoded attributes."""
        super().__init__(encode_common_attributes=True)
