"""The report's parameters and generated figures, kept inside the .docx as custom document properties.

Why inside the document: `report check report.docx` must know which year, as-of date and policy the draft
was computed with, and what each figure said when it was generated, even when the companion report.json
is not at hand. Custom properties (docProps/custom.xml) are standard OOXML: Word, LibreOffice and Google
Docs keep them when the document is edited and saved. Word limits a text property to 255 characters, so
the JSON is split over numbered properties `minetrace.001`, `minetrace.002`, … Other custom properties of a
company's template are kept.
"""

from __future__ import annotations

import json
from typing import Any

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
PREFIX = "minetrace."
CHUNK = 250


def _custom_part(package: Any) -> Part | None:
    for rel in package.rels.values():
        if rel.reltype == RT.CUSTOM_PROPERTIES and not rel.is_external:
            return rel.target_part
    return None


def write_metadata(document: Any, meta: dict[str, Any]) -> None:
    """Store `meta` (JSON-able) in the document's custom properties, replacing an earlier minetrace entry."""
    package = document.part.package
    part = _custom_part(package)
    if part is not None:
        root = etree.fromstring(part.blob)
    else:
        root = etree.Element(f"{{{NS}}}Properties", nsmap={None: NS, "vt": VT})
    for prop in list(root):
        if str(prop.get("name", "")).startswith(PREFIX):
            root.remove(prop)
    pids = [int(p.get("pid", "1")) for p in root]
    pid = max([1, *pids]) + 1
    text = json.dumps(meta, ensure_ascii=False, separators=(",", ":"), default=str)
    for i in range(0, max(len(text), 1), CHUNK):
        prop = etree.SubElement(root, f"{{{NS}}}property", fmtid=FMTID, pid=str(pid),
                                name=f"{PREFIX}{i // CHUNK + 1:03d}")
        etree.SubElement(prop, f"{{{VT}}}lpwstr").text = text[i:i + CHUNK]
        pid += 1
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if part is not None:
        part._blob = blob  # a generic Part: its blob is what gets saved
    else:
        part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)


def read_metadata(document: Any) -> dict[str, Any] | None:
    """The JSON stored by `write_metadata`, or None when the document has none (or it is damaged)."""
    part = _custom_part(document.part.package)
    if part is None:
        return None
    try:
        root = etree.fromstring(part.blob)
    except etree.XMLSyntaxError:
        return None
    chunks = []
    for prop in root:
        name = str(prop.get("name", ""))
        if name.startswith(PREFIX):
            value = prop.find(f"{{{VT}}}lpwstr")
            chunks.append((name, value.text if value is not None and value.text else ""))
    if not chunks:
        return None
    try:
        data = json.loads("".join(text for _, text in sorted(chunks)))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
