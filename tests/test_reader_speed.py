"""Structural guards for the fast read path (issue 2 §6); timings live in bench/ingest_speed.py.

The speed work replaced regex-and-translate cleaning with fast paths, memoised cleaning per table
and reused cleaned texts inside the Smelter List loop. These tests pin that the fast paths give the
same answers as the reference definitions, that a CMRT is read from the four sheets it needs, and
that the rewritten row builder equals the one that cleans every cell itself.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_reader_builders import cmrt6_sheets, open_cmrt6, write_workbook

from minetrace.ingest import normalize
from minetrace.ingest.layouts.cmrt6 import CMRT_6
from minetrace.ingest.reader import (
    _build_smelter,
    _column_plan,
    _FieldCleaner,
    _is_translation_row,
    _row_values,
    read_declaration,
)
from minetrace.ingest.workbook import open_workbook

# -- the reference definitions the fast paths replaced -------------------------------------------

_SPACE_LIKE = dict.fromkeys(map(ord, "\u00a0\u2007\u202f\u2009\u200a\u3000\ufeff\u200b"), " ")
_WS = re.compile(r"\s+")
_LINK_JUNK = re.compile(r"^\s*(click here\b|link to\b|'?[A-Za-z ]+'?![A-Z]{1,3}\d+$)", re.IGNORECASE)


def ref_clean_text(value: Any, collapse: bool = True) -> str | None:
    if not isinstance(value, str):
        return normalize.clean_text(value, collapse=collapse)
    text = value.translate(_SPACE_LIKE)
    text = _WS.sub(" ", text).strip() if collapse else text.strip()
    return text or None


def ref_is_blank(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int | float):
        return value == 0
    text = ref_clean_text(value)
    return text is None or text.upper() in normalize._ERRORS


def ref_clean_field(value: Any, collapse: bool = True) -> str | None:
    if ref_is_blank(value):
        return None
    text = ref_clean_text(value, collapse)
    if text is None or bool(_LINK_JUNK.match(text)) or text.casefold() in normalize._PROMPTS:
        return None
    return text


def ref_is_translation_row(cells: list[Any]) -> bool:
    texts = [c.strip() for c in cells[:20] if isinstance(c, str) and c.strip()]
    if any(re.match(r"^A{20,}$", t) for t in texts):
        return True
    return "English" in texts and "Chinese" in texts


_PIECES = ["", " ", "\t", "\n", "\u00a0", "\u3000", "\u200b", "\x1c", "#N/A", "#ref!", "Click here to see",
           "link to", "Sheet!A1", "'Smelter List'!B12", "Enter smelter details", "SELECT FROM DROPDOWN",
           "please  select", "CID002082", "Tin", "中文", "ß", "İ", "x", "1", "|", "!", "A" * 20, "English", "Chinese"]
cell_text = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=6).map("".join)
cell_value = st.one_of(cell_text, st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                       st.sampled_from([0, 0.0, 1.0, 242332.0]))


@settings(max_examples=400, deadline=None)
@given(cell_value, st.booleans())
def test_fast_cleaning_equals_the_reference(value: Any, collapse: bool) -> None:
    assert normalize.clean_text(value, collapse=collapse) == ref_clean_text(value, collapse)
    assert normalize.is_blank(value) == ref_is_blank(value)
    assert normalize.clean_field(value, collapse=collapse) == ref_clean_field(value, collapse)
    if isinstance(value, str):
        assert normalize.is_link_junk(value) == (bool(value) and bool(_LINK_JUNK.match(value)))


@settings(max_examples=200, deadline=None)
@given(cell_value)
def test_clean_field_is_idempotent_so_cleaned_texts_can_stand_in_for_cells(value: Any) -> None:
    text = normalize.clean_field(value)
    assert normalize.clean_field(text) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(cell_value, max_size=25))
def test_translation_row_check_equals_the_reference(cells: list[Any]) -> None:
    assert _is_translation_row(cells) == ref_is_translation_row(cells)


def test_field_cleaner_keeps_numbers_and_booleans_apart() -> None:
    clean = _FieldCleaner()
    assert [clean(v) for v in ("  Tin ", True, 1, 1.0, "  Tin ", "#N/A")] == ["Tin", None, "1", "1", "Tin", None]
    assert set(clean) == {"  Tin ", "#N/A"}  # only text is memoised


def test_column_plan_is_computed_once_per_table() -> None:
    columns = CMRT_6.smelters.columns  # type: ignore[union-attr]
    assert _column_plan(columns) is _column_plan(columns)
    plan, letters = _column_plan(columns)
    assert dict(plan)["cid"] == 5 and letters["cid"] == "F"
    raw, got_letters = _row_values(["CID000001", "Tin", "", None, "", "CID000001"], columns)
    assert raw == {"input_cid": "CID000001", "metal": "Tin", "cid": "CID000001"}
    got_letters["cid"] = "Z"  # callers may edit the map they get without touching the cache
    assert _column_plan(columns)[1]["cid"] == "F"


def test_prepared_values_build_the_same_smelter_row() -> None:
    raw = {"metal": " tin ", "lookup": "Smelter not listed", "name": "Foo | Bar", "country": "CHINA\u00a0",
           "cid": " CID 000123", "street": "Click here", "city": 0, "comments": "a\tb"}
    letters = dict(_column_plan(CMRT_6.smelters.columns)[1])  # type: ignore[union-attr]
    values = {f: normalize.clean_field(v) for f, v in raw.items()}
    assert _build_smelter(9, raw, letters, "Smelter List", values=values) == \
        _build_smelter(9, raw, letters, "Smelter List")


def test_a_cmrt_is_read_from_the_four_sheets_it_needs(tmp_path: Path) -> None:
    sheets = cmrt6_sheets(smelters=[{"A": "CID002082", "B": "Tungsten", "C": "Xiamen Tungsten Co., Ltd."}],
                          products=[("P-1", "Widget")])
    sheets["Smelter Look-up"] = {f"A{r}": "Tin" for r in range(1, 50)}
    sheets["SorP"] = {f"A{r}": r for r in range(1, 50)}
    wb = open_workbook(write_workbook(tmp_path / "six.xlsx", sheets))
    decl = read_declaration(wb)
    assert [s.cid for s in decl.smelters] == ["CID002082"]
    assert set(wb._cache) == {"Declaration", "Smelter List", "Product List", "Checker"}


def test_two_thousand_five_hundred_rows_read_in_full(tmp_path: Path) -> None:
    """The fast emptiness check must not drop rows: a full 6.x Smelter List comes back whole."""
    rows = [{"B": ("Tin", "Gold")[i % 2], "C": "Smelter not listed", "D": f"Refinery {i}", "E": "CHINA",
             "F": f"CID{i:06d}" if i % 3 else ""} for i in range(2500)]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    assert len(decl.smelters) == 2500
    assert decl.smelters[-1].row == 2504 and decl.smelters[-1].name == "Refinery 2499"
    assert decl.provenance["smelters.2499.name"] == "Smelter List!D2504"
    assert sum(1 for s in decl.smelters if s.cid) == sum(1 for i in range(2500) if i % 3)
