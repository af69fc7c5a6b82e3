"""Shared test fixtures: where ../shared is, and the CI rule for tests that need it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["neo4j_server"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT.parent / "shared").resolve()
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def shared_path(*parts: str) -> Path:
    """A path inside ../shared; skips the test when the folder is missing, except under CI,
    where a missing shared/ is a failure (tests that need it must run there)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"CI=true but {path} is missing: tests that need ../shared must run in CI")
        pytest.skip(f"missing folder {path} (tests reading ../shared skip outside CI)")
    return path


@pytest.fixture
def shared() -> Path:
    return shared_path()
