"""The report as PDF: LibreOffice headless converts the finished .docx, offline.

Why LibreOffice: the PDF must be the same document as the .docx (tables, bookmarks become PDF outline
anchors, charts, page numbers), rendered without a network or a downloaded browser. Debian's
`libreoffice-writer-nogui` provides `soffice`; `scripts/ensure-system-deps.sh` installs it when missing
(as root). Each conversion runs with its own throw-away user profile, so concurrent conversions (two
analysts, parallel tests) never share LibreOffice's profile lock. `MINETRACE_SOFFICE` names another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CANDIDATES = ("soffice", "libreoffice")
FALLBACKS = ("/usr/lib/libreoffice/program/soffice", "/opt/libreoffice/program/soffice",
             "/Applications/LibreOffice.app/Contents/MacOS/soffice")
TIMEOUT = 300.0


class PdfError(RuntimeError):
    """PDF output is not possible; the message names the missing piece or the converter's complaint."""


def find_soffice() -> str:
    """Path of LibreOffice's `soffice`, or raise PdfError saying what to install."""
    named = os.environ.get("MINETRACE_SOFFICE")
    if named:
        if Path(named).is_file() and os.access(named, os.X_OK):
            return named
        raise PdfError(f"MINETRACE_SOFFICE={named} is not an executable file (LibreOffice's soffice)")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in FALLBACKS:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    raise PdfError("PDF output needs LibreOffice (soffice), which is not installed: install Debian's "
                   "libreoffice-writer-nogui (scripts/ensure-system-deps.sh does it when run as root), or set "
                   "MINETRACE_SOFFICE; a .docx needs nothing else")


def docx_to_pdf(docx: bytes, timeout: float = TIMEOUT) -> bytes:
    """The PDF rendering of a .docx given as bytes."""
    soffice = find_soffice()
    with tempfile.TemporaryDirectory(prefix="minetrace-pdf-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx)
        profile = Path(tmp) / "profile"
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
               "--nodefault", "--nolockcheck", "--convert-to", "pdf:writer_pdf_Export", "--outdir", tmp, str(src)]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(f"LibreOffice did not finish the PDF within {timeout:.0f} s") from exc
        except OSError as exc:
            raise PdfError(f"cannot run {soffice}: {exc}") from exc
        pdf = Path(tmp) / "report.pdf"
        if proc.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            said = (proc.stderr or proc.stdout or "").strip().splitlines()[-3:]
            raise PdfError(f"LibreOffice could not convert the report to PDF (exit {proc.returncode}"
                           + (f": {' | '.join(said)}" if said else "") + ")")
        return pdf.read_bytes()
