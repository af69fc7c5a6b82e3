"""Read a field from whatever the caller hands us: a store dataclass, a record, or a plain dict.

Why: the query layer consumes the store's *Info dataclasses, the ingest records and JSON from the
CLI alike; one accessor keeps every query free of isinstance ladders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def first(obj: Any, *names: str, default: Any = None) -> Any:
    """The first of several attribute names that is present and not None."""
    for name in names:
        value = get(obj, name)
        if value is not None:
            return value
    return default


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_json(value: Any, default: Any = None) -> Any:
    """A JSON string decoded, anything else as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return default if value is None else value


def iso(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
