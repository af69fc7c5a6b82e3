"""Small template-shaped workbooks written with openpyxl, for the reader/detection tests.

Each builder writes only the cells the layout table names (title D2, revision J3, language D3,
company block, answers, Smelter List rows, Product List, Checker D2), so a test states exactly the
edge case it exercises. Formulas are written as formulas, which openpyxl saves without a cached
value — the way files produced by scripts and non-Excel tools arrive.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from minetrace.ingest.workbook import Workbook, open_workbook

CMRT_TITLE = "Conflict Minerals Reporting Template (CMRT)"


def write_workbook(path: Path, sheets: dict[str, dict[str, Any]], *, epoch1904: bool = False) -> Path:
    """Write `sheets` (sheet name → {A1 ref: value}) to `path` and return it."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, cells in sheets.items():
        ws = wb.create_sheet(name)
        for ref, value in cells.items():
            ws[ref] = value
    if epoch1904:
        wb.epoch = CALENDAR_MAC_1904
    wb.save(path)
    return path


def cmrt6_sheets(*, version: str = "6.4", company: dict[str, Any] | None = None,
                 answers: dict[str, Any] | None = None, smelters: list[dict[str, Any]] | None = None,
                 products: list[tuple[Any, Any]] | None = None, checker: Any = "0",
                 title: str = CMRT_TITLE, language: str = "English") -> dict[str, dict[str, Any]]:
    """A CMRT 6.x-shaped workbook: `smelters` rows are {column letter: value} starting at row 5."""
    declaration: dict[str, Any] = {"D2": title, "D3": language, "J3": f"Revision {version}\nApril 26, 2024",
                                   "B8": "Company Name (*):"}
    defaults = {"D8": "Acme Corp", "D9": "A. Company", "D15": "Jane Roe", "D16": "jane@acme.example",
                "D17": "+1 555 0100", "D18": "John Doe", "D20": "john@acme.example", "D22": "2024-05-02"}
    declaration.update(defaults if company is None else company)
    declaration.update(answers or {})
    smelter_list: dict[str, Any] = {"Q3": f"Revision {version}\nApril 26, 2024", "B4": "Metal (*)"}
    for i, row in enumerate(smelters or []):
        for letter, value in row.items():
            smelter_list[f"{letter}{5 + i}"] = value
    product_list: dict[str, Any] = {"B5": "Manufacturer's Product Number (*)",
                                    "B2006": "© 2024 Responsible Minerals Initiative. All rights reserved."}
    for i, (number, name) in enumerate(products or []):
        if number is not None:
            product_list[f"B{6 + i}"] = number
        if name is not None:
            product_list[f"C{6 + i}"] = name
    return {
        "Revision": {"B3": "Conflict Minerals Reporting Template"},
        "Instructions": {},
        "Definitions": {},
        "Declaration": declaration,
        "Smelter List": smelter_list,
        "Checker": {"D2": checker},
        "Product List": product_list,
        "Smelter Look-up": {"A4": "Metal"},
    }


def open_cmrt6(tmp_path: Path, name: str = "supplier.xlsx", epoch1904: bool = False, **kwargs: Any) -> Workbook:
    return open_workbook(write_workbook(tmp_path / name, cmrt6_sheets(**kwargs), epoch1904=epoch1904))
