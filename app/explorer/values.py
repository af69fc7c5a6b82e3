"""Missing values as a person reads them: pandas turns a missing country, CID or name into NaN, which is
truthy and prints as "nan".

Why a module of its own: every page builds labels from DataFrame cells (a "Smelter not yet identified" row
has no country and no CID, a form may have no company name), and one rule — a missing value is None, shown
with a word that says what is missing — keeps every screen from raising or printing "nan".

Example:
    >>> present(float("nan")), present("  "), present("CID002587")
    (None, None, 'CID002587')
    >>> shown(None, "no CID")
    'no CID'
"""

from __future__ import annotations

import math
from typing import Any


def present(value: Any) -> Any:
    """The value, or None when it is missing (None, NaN, NaT, pandas NA, blank text)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas ships with streamlit
        pass
    return value


def shown(value: Any, missing: str = "—") -> str:
    """The value as text, or `missing` (a word saying what is missing) when there is none."""
    value = present(value)
    return missing if value is None else str(value)
