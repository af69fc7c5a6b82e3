"""Worker tasks for tests/test_parallel.py: module-level, so worker processes can import them by name."""

from __future__ import annotations

import os
import resource


def crash_on_boom(payload: str) -> str:
    """Upper-cases its payload; the payload "boom" kills the worker (as a crash in native code would)."""
    if payload == "boom":
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file to write: the test stays fast
        os.abort()
    if payload == "raise":
        raise ValueError("a task defect")
    return payload.upper()


def read_crashing_on_boom(payload: tuple[bytes, str, bool]) -> object:
    """`graph.ingest.parse_for_ingest`, except that a file whose name holds "boom" kills its worker."""
    from minetrace.graph.ingest import parse_for_ingest

    if "boom" in payload[1]:
        crash_on_boom("boom")
    return parse_for_ingest(payload)
