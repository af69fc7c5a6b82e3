"""Read a field from whatever the caller hands us: a store dataclass, a record, or a plain dict.

Why: the query layer consumes the store's *Info dataclasses, the ingest records and JSON from the
CLI alike; one accessor keeps every query free of isinstance ladders.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any


def get(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):  # concrete-type check first: this runs once per hop field on 1M-row stores
        return obj.get(name, default)
    try:
        return getattr(obj, name)
    except AttributeError:
        pass
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return default


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


def fields(obj: Any) -> dict[str, Any]:
    """The object's fields as a dict without copying (dataclass `__dict__`, or the mapping itself):
    the fast path for loops over hundreds of thousands of hops."""
    if isinstance(obj, dict):
        return obj
    try:
        return vars(obj)
    except TypeError:
        return {k: getattr(obj, k) for k in dir(obj) if not k.startswith("_")}


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large result (hundreds of thousands of small
    containers that all stay alive): full collections would rescan them again and again for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
