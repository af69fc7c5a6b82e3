"""Expand what a user points at (files, folders, zip archives) into workbook sources.

Why: `validate`, `ingest` and the explorer's upload accept the same things, and a folder
of supplier replies usually holds zips, sub-folders and stray files (Thumbs.db, PDFs).
Every candidate becomes a `Source` with the bytes or path to read; problems with an
archive itself become a `Source` with an `error`, so the batch carries on and nothing a
user gave us is silently lost.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: Zip archives: refuse more members or more uncompressed bytes than this (zip bombs).
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_DEPTH = 2

_SKIP_NAMES = {"thumbs.db", ".ds_store", "desktop.ini"}
_OOXML_MARKERS = ("[Content_Types].xml", "xl/workbook.xml", "mimetype")


@dataclass
class Source:
    """One candidate workbook: a path on disk or bytes from an archive member."""

    name: str  # display name: path, or "archive.zip!member.xlsx"
    path: Path | None = None
    data: bytes | None = None
    error: str | None = None  # set when the candidate could not even be extracted

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        return self.path.read_bytes()


def _is_workbook_package(zf: zipfile.ZipFile) -> bool:
    names = set(zf.namelist())
    return any(marker in names for marker in _OOXML_MARKERS)


def _from_zip(name: str, data: bytes, depth: int) -> Iterator[Source]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        yield Source(name=name, data=data)  # let the workbook opener give its own message
        return
    with zf:
        if _is_workbook_package(zf):
            yield Source(name=name, data=data)
            return
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > MAX_ZIP_MEMBERS:
            yield Source(name=name, error=f"zip archive with {len(infos)} members, over the {MAX_ZIP_MEMBERS} limit")
            return
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_ZIP_TOTAL_BYTES or total / packed > MAX_ZIP_RATIO and total > 50 * 1024 * 1024:
            yield Source(name=name, error=f"zip archive expands to {total} bytes (ratio {total // packed}:1): "
                         "refused as a possible zip bomb")
            return
        for info in sorted(infos, key=lambda i: i.filename):
            member = f"{name}!{info.filename}"
            base = info.filename.rsplit("/", 1)[-1]
            if not base or base.startswith((".", "~$")) or base.lower() in _SKIP_NAMES or "__MACOSX" in info.filename:
                continue
            if info.file_size > MAX_ZIP_MEMBER_BYTES:
                yield Source(name=member, error=f"archive member of {info.file_size} bytes, over the limit")
                continue
            try:
                with zf.open(info) as fh:
                    content = fh.read(MAX_ZIP_MEMBER_BYTES + 1)
            except Exception as exc:  # bad CRC, unsupported compression, encrypted member
                yield Source(name=member, error=f"cannot extract from archive ({exc.__class__.__name__}: {exc})")
                continue
            if len(content) > MAX_ZIP_MEMBER_BYTES:
                yield Source(name=member, error="archive member larger than it declares: refused")
                continue
            if content.startswith(b"PK\x03\x04") and depth < MAX_ZIP_DEPTH:
                yield from _from_zip(member, content, depth + 1)
            else:
                yield Source(name=member, data=content)


def iter_sources(paths: list[str | Path]) -> Iterator[Source]:
    """Every workbook candidate under `paths`, in a stable order (sorted within folders)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p, path))
            for file in files:
                yield from _from_file(file)
        elif path.exists():
            yield from _from_file(path)
        else:
            yield Source(name=str(path), error="no such file or folder")


def _hidden(path: Path, root: Path) -> bool:
    rel = path.relative_to(root).parts
    return any(part.startswith(".") or part.startswith("~$") for part in rel) or path.name.lower() in _SKIP_NAMES


def _from_file(path: Path) -> Iterator[Source]:
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        yield Source(name=str(path), error=f"cannot open file ({exc.strerror})")
        return
    if head == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as zf:
                is_book = _is_workbook_package(zf)
        except zipfile.BadZipFile:
            is_book = True  # truncated: the opener reports it
        if not is_book:
            yield from _from_zip(str(path), path.read_bytes(), 0)
            return
    yield Source(name=str(path), path=path)
