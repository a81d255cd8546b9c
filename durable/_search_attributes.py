"""Search attributes as temporalio types them, and their stored (JSON) form.

Public names are re-exported by :mod:`durable.common`, where temporalio defines them.
Stored form, used by events, the execution record and the list filter::

    {"CustomerTier": {"type": "Keyword", "value": "gold"},
     "Placed": {"type": "Datetime", "value": "2024-01-31T12:00:00+00:00"}}
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from itertools import pairwise
from typing import Any, ClassVar, Generic, NamedTuple, TypeAlias, TypeVar, get_origin, overload

__all__ = [
    "SearchAttributeIndexedValueType",
    "SearchAttributeKey",
    "SearchAttributePair",
    "SearchAttributeUpdate",
    "SearchAttributeValue",
    "SearchAttributeValues",
    "SearchAttributes",
    "TypedSearchAttributes",
    "changes_of",
    "merged",
    "from_stored",
    "to_stored",
    "untyped",
]

SearchAttributeValues: TypeAlias = list[str] | list[int] | list[float] | list[bool] | list[datetime]
"""Values of one attribute in the older, untyped form (a list even for one value)."""

SearchAttributes: TypeAlias = Mapping[str, SearchAttributeValues]
"""The older, untyped form: name -> list of values (deprecated in temporalio)."""

SearchAttributeValue: TypeAlias = str | int | float | bool | datetime | Sequence[str]

SearchAttributeValueType = TypeVar("SearchAttributeValueType", str, int, float, bool, datetime, Sequence[str])

_Default = TypeVar("_Default")


class SearchAttributeIndexedValueType(IntEnum):
    """Server index type of a search attribute (temporalio's values)."""

    TEXT = 1
    KEYWORD = 2
    INT = 3
    DOUBLE = 4
    BOOL = 5
    DATETIME = 6
    KEYWORD_LIST = 7


_TYPE_NAMES = {
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


class SearchAttributeKey(ABC, Generic[SearchAttributeValueType]):
    """Typed search attribute key; make one with a ``for_*`` static method."""

    @property
    @abstractmethod
    def name(self) -> str:
        """The attribute's name."""

    @property
    @abstractmethod
    def indexed_value_type(self) -> SearchAttributeIndexedValueType:
        """How the attribute is indexed."""

    @property
    @abstractmethod
    def value_type(self) -> type[SearchAttributeValueType]:
        """The Python type of its values (may be generic: see :attr:`origin_value_type`)."""

    @property
    def origin_value_type(self) -> type:
        """The Python type of its values without generics."""
        return get_origin(self.value_type) or self.value_type

    @property
    def _metadata_type(self) -> str:
        return _TYPE_NAMES[self.indexed_value_type]

    def value_set(self, value: SearchAttributeValueType) -> SearchAttributeUpdate[SearchAttributeValueType]:
        """An update that sets this attribute to ``value``."""
        return _SearchAttributeUpdate(self, value)

    def value_unset(self) -> SearchAttributeUpdate[SearchAttributeValueType]:
        """An update that removes this attribute."""
        return _SearchAttributeUpdate(self, None)

    @staticmethod
    def for_text(name: str) -> SearchAttributeKey[str]:
        """A 'Text' attribute (full-text matched)."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.TEXT, str)

    @staticmethod
    def for_keyword(name: str) -> SearchAttributeKey[str]:
        """A 'Keyword' attribute (exact match)."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.KEYWORD, str)

    @staticmethod
    def for_int(name: str) -> SearchAttributeKey[int]:
        """An 'Int' attribute."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.INT, int)

    @staticmethod
    def for_float(name: str) -> SearchAttributeKey[float]:
        """A 'Double' attribute."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.DOUBLE, float)

    @staticmethod
    def for_bool(name: str) -> SearchAttributeKey[bool]:
        """A 'Bool' attribute."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.BOOL, bool)

    @staticmethod
    def for_datetime(name: str) -> SearchAttributeKey[datetime]:
        """A 'Datetime' attribute."""
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.DATETIME, datetime)

    @staticmethod
    def for_keyword_list(name: str) -> SearchAttributeKey[Sequence[str]]:
        """A 'KeywordList' attribute."""
        # The value type is the abstract Sequence[str], as in temporalio. mypy rejects an abstract
        # class where type[T] is expected (python/mypy#4717) though it is never instantiated here:
        # values are checked with isinstance against origin_value_type (Sequence).
        value_type = Sequence[str]
        return _SearchAttributeKey(name, SearchAttributeIndexedValueType.KEYWORD_LIST, value_type)  # type: ignore[type-abstract]


@dataclass(frozen=True)
class _SearchAttributeKey(SearchAttributeKey[SearchAttributeValueType]):
    _name: str
    _indexed_value_type: SearchAttributeIndexedValueType
    _value_type: type[SearchAttributeValueType]

    @property
    def name(self) -> str:
        return self._name

    @property
    def indexed_value_type(self) -> SearchAttributeIndexedValueType:
        return self._indexed_value_type

    @property
    def value_type(self) -> type[SearchAttributeValueType]:
        return self._value_type


_KEYS: dict[str, Callable[[str], SearchAttributeKey[Any]]] = {
    "Text": SearchAttributeKey.for_text,
    "Keyword": SearchAttributeKey.for_keyword,
    "Int": SearchAttributeKey.for_int,
    "Double": SearchAttributeKey.for_float,
    "Bool": SearchAttributeKey.for_bool,
    "Datetime": SearchAttributeKey.for_datetime,
    "KeywordList": SearchAttributeKey.for_keyword_list,
}


class SearchAttributePair(NamedTuple, Generic[SearchAttributeValueType]):
    """A key and its value."""

    key: SearchAttributeKey[SearchAttributeValueType]
    value: SearchAttributeValueType


class SearchAttributeUpdate(ABC, Generic[SearchAttributeValueType]):
    """A change to one search attribute (``value`` None removes it)."""

    @property
    @abstractmethod
    def key(self) -> SearchAttributeKey[SearchAttributeValueType]:
        """The attribute being changed."""

    @property
    @abstractmethod
    def value(self) -> SearchAttributeValueType | None:
        """Its new value, or None to remove it."""


@dataclass(frozen=True)
class _SearchAttributeUpdate(SearchAttributeUpdate[SearchAttributeValueType]):
    _key: SearchAttributeKey[SearchAttributeValueType]
    _value: SearchAttributeValueType | None

    @property
    def key(self) -> SearchAttributeKey[SearchAttributeValueType]:
        return self._key

    @property
    def value(self) -> SearchAttributeValueType | None:
        return self._value


@dataclass(frozen=True)
class TypedSearchAttributes(Collection[SearchAttributePair[Any]]):
    """An immutable collection of typed search attributes, sorted by name, no duplicates."""

    search_attributes: Sequence[SearchAttributePair[Any]]
    """The pairs (of several value types); build a new collection instead of mutating this."""

    empty: ClassVar[TypedSearchAttributes]
    """No attributes."""

    def __post_init__(self) -> None:
        pairs = sorted(self.search_attributes, key=lambda pair: pair.key.name)
        object.__setattr__(self, "search_attributes", pairs)
        for previous, pair in pairwise(pairs):
            if previous.key.name == pair.key.name:
                raise ValueError(f"Duplicate search attribute entries found for key {pair.key.name}")

    def __len__(self) -> int:
        return len(self.search_attributes)

    def __getitem__(self, key: SearchAttributeKey[SearchAttributeValueType]) -> SearchAttributeValueType:
        """The value of ``key`` (same name and type); KeyError if absent."""
        ret: SearchAttributeValueType | None = next((v for k, v in self if k == key), None)
        if ret is None:
            raise KeyError(key.name)
        return ret

    def __iter__(self) -> Iterator[SearchAttributePair[Any]]:
        return iter(self.search_attributes)

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self)

    @overload
    def get(self, key: SearchAttributeKey[SearchAttributeValueType]) -> SearchAttributeValueType | None: ...

    @overload
    def get(
        self, key: SearchAttributeKey[SearchAttributeValueType], default: _Default
    ) -> SearchAttributeValueType | _Default: ...

    def get(self, key: SearchAttributeKey[Any], default: object = None) -> object:
        """The value of ``key``, or ``default``."""
        try:
            return self[key]
        except KeyError:
            return default

    def updated(self, *search_attributes: SearchAttributePair[Any]) -> TypedSearchAttributes:
        """A copy with these pairs replacing those of the same name (or added)."""
        pairs = {pair.key.name: pair for pair in self.search_attributes}
        pairs.update({pair.key.name: pair for pair in search_attributes})
        return TypedSearchAttributes(list(pairs.values()))


TypedSearchAttributes.empty = TypedSearchAttributes(search_attributes=[])


# -- stored form -------------------------------------------------------------------------


def _store_value(key: SearchAttributeKey[Any], value: Any) -> Any:
    kind = key._metadata_type
    checks: dict[str, Any] = {
        "Text": str,
        "Keyword": str,
        "Int": int,
        "Double": (int, float),
        "Bool": bool,
        "Datetime": datetime,
    }
    if kind == "KeywordList":
        if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
            raise TypeError(f"search attribute {key.name!r} is a KeywordList: give a sequence of str, not {value!r}")
        return list(value)
    bad_bool = kind in ("Int", "Double") and isinstance(value, bool)
    if not isinstance(value, checks[kind]) or bad_bool:
        raise TypeError(f"search attribute {key.name!r} is {kind}: {value!r} is not a {key.origin_value_type.__name__}")
    if kind == "Datetime":
        if value.tzinfo is None:
            raise TypeError(f"search attribute {key.name!r}: datetime {value!r} needs a time zone")
        return value.isoformat()
    return float(value) if kind == "Double" else value


def _load_value(kind: str, value: Any) -> Any:
    if kind == "Datetime":
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return list(value) if kind == "KeywordList" else value


def _guess_key(name: str, values: Sequence[Any]) -> SearchAttributeKey[Any]:
    """temporalio's guess of a typed key from the untyped form's values."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"search attribute {name!r}: the untyped form takes a list of values, not {values!r}")
    first = values[0] if values else None
    if len(values) > 1 and isinstance(first, str):
        return SearchAttributeKey.for_keyword_list(name)
    if isinstance(first, str):
        return SearchAttributeKey.for_keyword(name)
    if isinstance(first, bool):
        return SearchAttributeKey.for_bool(name)
    if isinstance(first, int):
        return SearchAttributeKey.for_int(name)
    if isinstance(first, float):
        return SearchAttributeKey.for_float(name)
    if isinstance(first, datetime):
        return SearchAttributeKey.for_datetime(name)
    raise TypeError(f"search attribute {name!r}: cannot tell the type of {values!r}")


def to_stored(attributes: TypedSearchAttributes | SearchAttributes | None) -> dict[str, dict[str, Any]]:
    """The stored form of typed attributes (or of the older untyped dict).

    Raises:
        TypeError: a value does not fit its key's type.
    """
    if not attributes:
        return {}
    if isinstance(attributes, TypedSearchAttributes):
        return {k.name: {"type": k._metadata_type, "value": _store_value(k, v)} for k, v in attributes}
    stored: dict[str, dict[str, Any]] = {}
    for name, values in attributes.items():
        key = _guess_key(name, values)
        value = list(values) if key._metadata_type == "KeywordList" else values[0]
        stored[name] = {"type": key._metadata_type, "value": _store_value(key, value)}
    return stored


def changes_of(updates: Sequence[SearchAttributeUpdate[Any]] | SearchAttributes) -> dict[str, dict[str, Any] | None]:
    """The changes ``updates`` make, in stored form (None removes an attribute), checked.

    Raises:
        TypeError: a value does not fit its key's type.
    """
    if isinstance(updates, Mapping):
        changes: dict[str, dict[str, Any] | None] = {}
        for name, values in updates.items():
            changes[name] = to_stored({name: values})[name] if values else None
        return changes
    return {
        u.key.name: None if u.value is None else {"type": u.key._metadata_type, "value": _store_value(u.key, u.value)}
        for u in updates
    }


def merged(
    stored: Mapping[str, dict[str, Any]], changes: Mapping[str, dict[str, Any] | None]
) -> dict[str, dict[str, Any]]:
    """``stored`` with ``changes`` applied (None removes an attribute)."""
    out = dict(stored)
    for name, entry in changes.items():
        if entry is None:
            out.pop(name, None)
        else:
            out[name] = entry
    return out


def from_stored(stored: Mapping[str, Mapping[str, Any]]) -> TypedSearchAttributes:
    """Typed attributes from their stored form."""
    pairs = [
        SearchAttributePair(_KEYS[entry["type"]](name), _load_value(entry["type"], entry["value"]))
        for name, entry in stored.items()
        if entry["type"] in _KEYS
    ]
    return TypedSearchAttributes(pairs)


def untyped(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The older untyped form (name -> list of values) of stored attributes."""
    out: dict[str, list[Any]] = {}
    for name, entry in stored.items():
        value = _load_value(entry["type"], entry["value"])
        out[name] = list(value) if entry["type"] == "KeywordList" else [value]
    return out
