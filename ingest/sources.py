"""Expand what a user points at (files, folders, zip archives) into workbook sources, with bounded memory.

Why: `parse`, `validate`, `ingest` and the explorer's upload accept the same things, and a folder
of supplier replies usually holds zips, sub-folders and stray files (Thumbs.db, PDFs). Every
candidate becomes a `Source`; problems become a `Source` with an `error` (refused: the batch carries
on and reports it) or `skipped` (left out on purpose: hidden and system files), so nothing a user
gave us is silently lost.

Archives are streamed member by member: listing an archive reads its directory only; a member's
bytes are read when that member is processed (`Source.read`) and dropped after, so a batch never
holds more than one workbook in memory. A member that is itself a zip (a nested archive or an
.xlsx) is spooled to a temporary folder, never kept in memory. One budget per top-level archive
bounds the whole tree: members, declared bytes, nesting depth and compression ratio — the explorer's
upload goes through the same function, so it has the same limits.

Folders: entries are walked without following links; a symbolic link whose target leaves the folder,
a broken link, a device, FIFO or socket is refused with a message; an explicit path that is not a
regular file (`/dev/zero`, a FIFO) is refused before anything is read.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import threading
import weakref
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Zip archives (the whole tree under one top-level archive): members, declared uncompressed bytes,
#: bytes of one member, compression ratio of a large member, levels of archives inside archives.
MAX_ZIP_MEMBERS = 5000
MAX_ZIP_MEMBER_BYTES = 100 * 1024 * 1024
MAX_ZIP_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200
RATIO_CHECK_FROM_BYTES = 8 * 1024 * 1024
MAX_ZIP_DEPTH = 2
#: a file on disk larger than this is refused before it is read (same limit as the workbook opener)
MAX_FILE_BYTES = 100 * 1024 * 1024

_SKIP_NAMES = {"thumbs.db", ".ds_store", "desktop.ini"}
_OOXML_MARKERS = ("[Content_Types].xml", "xl/workbook.xml", "mimetype")
_CHUNK = 1 << 20


class SourceError(OSError):
    """A source that cannot be read: the message says why (it names no file; the caller does)."""


@dataclass
class Source:
    """One candidate workbook: a path on disk, bytes, or an archive member read on demand."""

    name: str  # display name: path, or "archive.zip!member.xlsx"
    path: Path | None = None
    data: bytes | None = None
    error: str | None = None  # refused: could not even be extracted (reported, counts as unreadable)
    skipped: str | None = None  # left out on purpose (hidden or system file): reported, not an error
    opener: Callable[[], bytes] | None = None  # reads an archive member when it is processed
    keep: Any = field(default=None, repr=False)  # keeps a spool folder alive while the source is

    @property
    def user_path(self) -> Path | None:
        """The path the user gave (not a spooled copy of an archive member), when the source is a file."""
        return self.path if self.path is not None and self.keep is None and self.opener is None else None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        if self.opener is not None:
            return self.opener()
        if self.path is None:
            raise SourceError(self.error or self.skipped or "nothing to read")
        return read_regular_file(self.path)


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")


def _escape(ch: str) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a byte the file system name could not decode (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable_name(name: str) -> str:
    """A file or member name as it is stored and reported: any byte string a file system allows works —
    undecodable bytes become \\xNN, control and bidi characters escapes (valid UTF-8, one line)."""
    return _UNPRINTABLE.sub(lambda m: _escape(m.group()), name)


def read_regular_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file (after following links), at most `limit`; SourceError otherwise."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise SourceError(f"refused: {_kind_of(st.st_mode)}, not a regular file")
            if st.st_size > limit:
                raise SourceError(f"file is {st.st_size:,} bytes, over the {limit:,}-byte limit")
            data = fh.read(limit + 1)
    except SourceError:
        raise
    except OSError as exc:
        raise SourceError(f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise SourceError(f"file grew beyond the {limit:,}-byte limit while it was read")
    return data


def _kind_of(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


# ------------------------------------------------------------------------------------------ archives
class _Spool:
    """A temporary folder for zips found inside zips; removed when no source refers to it any more."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="minetrace-zip-"))
        self._n = 0
        weakref.finalize(self, shutil.rmtree, str(self.dir), True)

    def new_path(self) -> Path:
        self._n += 1
        return self.dir / f"{self._n:05d}.zip"


@dataclass
class _Budget:
    """What one top-level archive (with everything inside it) may still use."""

    members: int = MAX_ZIP_MEMBERS
    bytes: int = MAX_ZIP_TOTAL_BYTES
    spool: _Spool | None = None

    def spool_dir(self) -> _Spool:
        if self.spool is None:
            self.spool = _Spool()
        return self.spool


def _is_workbook_package(zf: zipfile.ZipFile) -> bool:
    names = set(zf.namelist())
    return any(marker in names for marker in _OOXML_MARKERS)


def _skip_reason(member_name: str) -> str | None:
    """Why an archive member or file is left out on purpose, or None."""
    parts = [p for p in member_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    base = parts[-1] if parts else ""
    if any(p == "__MACOSX" for p in parts):
        return "macOS resource fork (__MACOSX): skipped"
    if base.lower() in _SKIP_NAMES:
        return "system file: skipped"
    if base.startswith("~$"):
        return "Office lock file (~$): skipped"
    if base.startswith("."):
        return "hidden file: skipped"
    return None


class _OpenZips:
    """A few archives kept open for member reads (least recently used closed first), so reading every
    member of a large archive does not parse its directory once per member."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._open: dict[str, zipfile.ZipFile] = {}
        self._lock = threading.Lock()

    def read(self, archive: Path, info: zipfile.ZipInfo) -> bytes:
        key = str(archive)
        with self._lock:
            zf = self._open.pop(key, None)
            if zf is None:
                zf = zipfile.ZipFile(archive)
            self._open[key] = zf
            while len(self._open) > self.size:
                old = next(iter(self._open))
                self._open.pop(old).close()
            with zf.open(info) as fh:
                return fh.read(MAX_ZIP_MEMBER_BYTES + 1)

    def forget(self, archive: Path) -> None:
        with self._lock:
            zf = self._open.pop(str(archive), None)
        if zf is not None:
            zf.close()


_ZIPS = _OpenZips()


def _member_reader(archive: Path, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    """Read one member to its end (zipfile checks its CRC-32 there), at most the member limit."""
    def read() -> bytes:
        try:
            data = _ZIPS.read(archive, info)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError,
                ValueError, OSError) as exc:
            raise SourceError(f"cannot extract from archive ({_why(exc)})") from None
        if len(data) > MAX_ZIP_MEMBER_BYTES:
            raise SourceError("archive member larger than the limit: refused")
        return data
    return read


def _why(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text[:200]}" if text else exc.__class__.__name__


def _spool_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    """Copy one member to `target` in chunks, never more than its declared size (CRC checked at the end)."""
    written = 0
    with zf.open(info) as src, open(target, "wb") as dst:
        while True:
            chunk = src.read(_CHUNK)
            if not chunk:
                break
            written += len(chunk)
            if written > info.file_size or written > MAX_ZIP_MEMBER_BYTES:
                raise SourceError("archive member larger than it declares: refused")
            dst.write(chunk)


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError,
               OSError)


def _from_zip(name: str, archive: Path, depth: int, budget: _Budget, keep: Any = None) -> Iterator[Source]:
    """Members of the archive at `archive` (on disk), listed from its directory, read later, under `budget`."""
    try:
        zf = zipfile.ZipFile(archive)
    except _ZIP_ERRORS as exc:
        yield Source(name=name, error=f"damaged zip archive ({_why(exc)})")
        return
    with zf:
        yield from _members(zf, name, archive, depth, budget, keep)


def _members(zf: zipfile.ZipFile, name: str, archive: Path, depth: int, budget: _Budget,
             keep: Any) -> Iterator[Source]:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > budget.members:
        yield Source(name=name, error=f"zip archive with {len(infos):,} members, over the limit of "
                     f"{MAX_ZIP_MEMBERS:,} members for one archive and everything inside it: refused")
        return
    budget.members -= len(infos)
    declared = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    if declared > budget.bytes:
        yield Source(name=name, error=f"zip archive expands to {declared:,} bytes (ratio {declared // packed:,}:1), "
                     f"over the {MAX_ZIP_TOTAL_BYTES:,}-byte limit for one archive and everything inside it: "
                     "refused as a possible zip bomb")
        return
    budget.bytes -= declared
    for info in sorted(infos, key=lambda i: i.filename):
        member = f"{name}!{info.filename}"
        skipped = _skip_reason(info.filename)
        if skipped:
            yield Source(name=member, skipped=skipped)
            continue
        refused = _refusal(info)
        if refused:
            yield Source(name=member, error=refused)
            continue
        try:
            with zf.open(info) as fh:
                head = fh.read(4)
        except _ZIP_ERRORS as exc:
            yield Source(name=member, error=f"cannot extract from archive ({_why(exc)})")
            continue
        if head != b"PK\x03\x04":
            yield Source(name=member, opener=_member_reader(archive, info), keep=keep)
            continue
        # a zip inside the zip: a workbook package (.xlsx) or a nested archive — spooled to disk, never held
        spool = budget.spool_dir()
        target = spool.new_path()
        try:
            _spool_member(zf, info, target)
        except SourceError as exc:
            target.unlink(missing_ok=True)
            yield Source(name=member, error=str(exc))
            continue
        except _ZIP_ERRORS as exc:
            target.unlink(missing_ok=True)
            yield Source(name=member, error=f"cannot extract from archive ({_why(exc)})")
            continue
        try:
            with zipfile.ZipFile(target) as inner:
                is_book = _is_workbook_package(inner)
        except _ZIP_ERRORS:
            is_book = True  # a damaged package: the workbook opener says how
        if is_book:
            yield Source(name=member, path=target, keep=spool)
        elif depth >= MAX_ZIP_DEPTH:
            target.unlink(missing_ok=True)
            yield Source(name=member, error=f"archive nested more than {MAX_ZIP_DEPTH} levels deep: refused")
        else:
            yield from _from_zip(member, target, depth + 1, budget, keep=spool)


def _refusal(info: zipfile.ZipInfo) -> str | None:
    """Why a member is refused before a byte of it is read, or None."""
    mode = (info.external_attr >> 16) & 0o170000
    if mode == stat.S_IFLNK:
        return "a symbolic link inside the archive: refused"
    if mode and mode not in (stat.S_IFREG,):
        return f"{_kind_of(mode)} inside the archive: refused"
    if info.flag_bits & 0x1:
        return "encrypted archive member (zip password): cannot be read"
    if info.file_size > MAX_ZIP_MEMBER_BYTES:
        return f"archive member of {info.file_size:,} bytes, over the {MAX_ZIP_MEMBER_BYTES:,}-byte limit"
    if info.file_size >= RATIO_CHECK_FROM_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
        return (f"archive member compressed {info.file_size // max(info.compress_size, 1):,}:1 "
                f"({info.file_size:,} bytes): refused as a possible zip bomb")
    return None


# ------------------------------------------------------------------------------------------ files and folders
def iter_sources(paths: list[str | Path]) -> Iterator[Source]:
    """Every workbook candidate under `paths`, in a stable order (sorted within folders)."""
    for raw in paths:
        path = Path(raw)
        try:
            st = path.stat()
        except OSError:
            if path.is_symlink():
                yield Source(name=str(path), error=f"broken symbolic link (to {os.readlink(path)})")
            else:
                yield Source(name=str(path), error="no such file or folder")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _from_folder(path)
        elif stat.S_ISREG(st.st_mode):
            yield from _from_file(path)
        else:
            yield Source(name=str(path), error=f"refused: {_kind_of(st.st_mode)}, not a regular file")


def _from_folder(root: Path) -> Iterator[Source]:
    """Files under `root` (links not followed; those leaving the folder refused), sorted by path."""
    real_root = os.path.realpath(root)
    entries: list[tuple[str, Source | Path]] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        kept = []
        for d in sorted(dirs):
            full = here / d
            rel = str(full.relative_to(root))
            if d.startswith((".", "~$")) or d == "__MACOSX":
                entries.append((rel, Source(name=str(full), skipped="hidden folder: skipped with everything in it")))
            elif full.is_symlink():
                target = os.path.realpath(full)
                inside = target == real_root or target.startswith(real_root + os.sep)
                entries.append((rel, Source(name=str(full), skipped="symbolic link to a folder: not followed")
                                if inside else Source(name=str(full), error="symbolic link to a folder outside "
                                                      f"{root}: refused")))
            else:
                kept.append(d)
        dirs[:] = kept
        for f in files:
            full = here / f
            entries.append((str(full.relative_to(root)), _folder_entry(full, root, real_root)))
    for _rel, entry in sorted(entries, key=lambda e: e[0]):
        if isinstance(entry, Source):
            yield entry
        else:
            yield from _from_file(entry)


def _folder_entry(full: Path, root: Path, real_root: str) -> Source | Path:
    skipped = _skip_reason(full.name)
    if skipped:
        return Source(name=str(full), skipped=skipped)
    try:
        lst = full.lstat()
    except OSError as exc:
        return Source(name=str(full), error=f"cannot open file ({exc.strerror})")
    if stat.S_ISLNK(lst.st_mode):
        target = os.path.realpath(full)
        if not os.path.exists(target):
            return Source(name=str(full), error=f"broken symbolic link (to {os.readlink(full)})")
        if not (target.startswith(real_root + os.sep)):
            return Source(name=str(full), error=f"symbolic link to {target}, outside {root}: refused")
        try:
            mode = os.stat(full).st_mode
        except OSError as exc:
            return Source(name=str(full), error=f"cannot open file ({exc.strerror})")
        if not stat.S_ISREG(mode):
            return Source(name=str(full), error=f"symbolic link to {_kind_of(mode)}: refused")
        return full
    if not stat.S_ISREG(lst.st_mode):
        return Source(name=str(full), error=f"refused: {_kind_of(lst.st_mode)}, not a regular file")
    return full


def _from_file(path: Path) -> Iterator[Source]:
    try:
        with path.open("rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                yield Source(name=str(path), error=f"refused: {_kind_of(st.st_mode)}, not a regular file")
                return
            head = fh.read(4)
    except OSError as exc:
        yield Source(name=str(path), error=f"cannot open file ({exc.strerror})")
        return
    if head == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(path) as zf:
                is_book = _is_workbook_package(zf)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            is_book = True  # truncated: the opener reports it
        if not is_book:
            yield from _from_zip(str(path), path, 0, _Budget())
            return
    yield Source(name=str(path), path=path)
