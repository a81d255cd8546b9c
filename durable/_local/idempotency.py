"""An in-memory persistence layer for powertools' Idempotency utility.

It mirrors ``DynamoDBPersistenceLayer`` (aws_lambda_powertools 3.x): the same put
condition (absent, expired, or in progress past its in-progress expiry), the same
upsert on update, and the same exceptions, so ``@idempotent_function`` behaves alike
on both; ``tests/adapters`` runs one suite against the two.
"""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import AbstractContextManager
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import (
    STATUS_CONSTANTS,
    DataRecord,
)

__all__ = ["MemoryPersistenceLayer"]


class MemoryPersistenceLayer(BasePersistenceLayer):
    """Idempotency records in a dict, with DynamoDB's conditional semantics."""

    def __init__(self) -> None:
        """An empty store."""
        # powertools leaves BasePersistenceLayer.__init__ unannotated (it takes no arguments).
        super().__init__()  # type: ignore[no-untyped-call]
        # Held across each check-and-write: a subclass keeping items elsewhere gives its own.
        self._lock: AbstractContextManager[Any] = threading.Lock()
        # idempotency key -> the attributes the DynamoDB layer would store in its item
        self._items: dict[str, dict[str, Any]] = {}

    # -- where items live (a persistent subclass overrides these three) ---------------------

    def _load_item(self, key: str) -> dict[str, Any] | None:
        """The item under ``key`` (a copy), or None."""
        item = self._items.get(key)
        return None if item is None else dict(item)

    def _store_item(self, key: str, item: dict[str, Any]) -> None:
        """Write the whole item under ``key``."""
        self._items[key] = dict(item)

    def _remove_item(self, key: str) -> None:
        """Delete the item under ``key``, if any."""
        self._items.pop(key, None)

    def _to_record(self, key: str, item: dict[str, Any]) -> DataRecord:
        return DataRecord(
            idempotency_key=key,
            status=item["status"],
            expiry_timestamp=item["expiration"],
            in_progress_expiry_timestamp=item.get("in_progress_expiration"),
            response_data=item.get("data"),  # type: ignore[arg-type]  # as DynamoDB's: None
            payload_hash=item.get("validation"),  # type: ignore[arg-type]
        )

    def _get_record(self, idempotency_key: str) -> DataRecord:
        with self._lock:
            item = self._load_item(idempotency_key)
            if item is None:
                raise IdempotencyItemNotFoundError
            # Expired items stay until removed, like DynamoDB's TTL: the record reports EXPIRED.
            return self._to_record(idempotency_key, item)

    def _put_record(self, data_record: DataRecord) -> None:
        item: dict[str, Any] = {
            "expiration": data_record.expiry_timestamp,
            "status": data_record.status,
        }
        if data_record.in_progress_expiry_timestamp is not None:
            item["in_progress_expiration"] = data_record.in_progress_expiry_timestamp
        if self.payload_validation_enabled and data_record.payload_hash:
            item["validation"] = data_record.payload_hash

        now = dt.datetime.now()
        with self._lock:
            old = self._load_item(data_record.idempotency_key)
            # The DynamoDB layer's condition: no item, or an expired one, or one in
            # progress whose in-progress expiry (a Lambda timeout) has passed.
            free = (
                old is None
                or old["expiration"] < int(now.timestamp())
                or (
                    old["status"] == STATUS_CONSTANTS["INPROGRESS"]
                    and old.get("in_progress_expiration") is not None
                    and old["in_progress_expiration"] < int(now.timestamp() * 1000)
                )
            )
            if old is None or free:
                self._store_item(data_record.idempotency_key, item)
                return
            old_record = self._to_record(data_record.idempotency_key, old)
        # As DynamoDB's ReturnValuesOnConditionCheckFailure path does.
        self._validate_payload(data_payload=data_record, stored_data_record=old_record)
        self._save_to_cache(data_record=old_record)
        raise IdempotencyItemAlreadyExistsError(old_data_record=old_record)

    def _update_record(self, data_record: DataRecord) -> None:
        with self._lock:
            # An upsert, as UpdateItem is: other attributes of the item are kept.
            item = self._load_item(data_record.idempotency_key) or {}
            item["data"] = data_record.response_data
            item["expiration"] = data_record.expiry_timestamp
            item["status"] = data_record.status
            if self.payload_validation_enabled:
                item["validation"] = data_record.payload_hash
            self._store_item(data_record.idempotency_key, item)

    def _delete_record(self, data_record: DataRecord) -> None:
        with self._lock:
            self._remove_item(data_record.idempotency_key)
