"""The first line of `minetrace ingest` and the rating commands when the store has no smelter reference list.

Why a helper: the same sentence (ingest.reference.notice) must open every command whose answer depends on
smelter resolution, in the same place — stdout for people, stderr beside JSON so pipes stay parseable.
"""

from __future__ import annotations

from typing import Any

import typer


def say_reference_notice(ref: Any, store_option: str | None, as_json: bool) -> str | None:
    """Print the empty-reference notice (when it applies) and return it; `ref` is a ReferenceStore or None."""
    from minetrace.ingest.reference.notice import reference_notice

    try:
        text = reference_notice(ref, store_option)
    except Exception:  # a broken reference DB is reported by the command itself
        return None
    if text:
        typer.echo(f"note: {text}", err=as_json)
    return text
