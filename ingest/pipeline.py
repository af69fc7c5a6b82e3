"""One call from a file to a validated `Declaration`: open → read → validate.

The CLI, the graph ingest, the explorer's upload and the benchmarks all go through
`parse_file`, so a workbook is read the same way everywhere.
"""

from __future__ import annotations

from pathlib import Path

from minetrace.ingest.layouts import reader_sheets
from minetrace.ingest.reader import read_declaration
from minetrace.ingest.records import Declaration
from minetrace.ingest.validate import validate
from minetrace.ingest.workbook import open_workbook


def parse_file(source: str | Path | bytes, name: str | None = None) -> Declaration:
    """Read and validate one workbook.

    Raises `ingest.workbook.UnreadableWorkbook` (with a short reason naming the file) when the
    file is not a readable template; everything else becomes findings on the declaration.
    """
    workbook = open_workbook(source, name=name, sheets=reader_sheets())
    declaration = read_declaration(workbook)
    validate(declaration)
    return declaration
