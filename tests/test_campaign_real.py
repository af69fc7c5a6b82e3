"""The campaign on the real files in ../shared: requests with RMI's own blank template attached, receipts for
three real CMRT 6.4 forms (one invalid) ingested with `--receipts`, and a JPEG named .xls in the same batch
(unreadable: no declaration, no receipt, reported by the ingest)."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy
from pathlib import Path

from conftest import shared_path
from typer.testing import CliRunner

from minetrace.app.cli import root

MASTER = """Supplier ID,Supplier Name,Category,Last Purchase Date,Contact Email,Language
R1,"Central Glass Co., Ltd.",direct,2024-03-01,cmrt@centralglass.example,Japanese
R2,"EMD Electronics, a business of Merck KGaA, Darmstadt, Germany",direct,2024-03-01,cmrt@emd.example,English
R3,"SK specialty Co., Ltd",direct,2024-03-01,cmrt@skspecialty.example,中文
"""


def cli(*args: str, code: int = 0) -> dict:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return json.loads(res.stdout)


def test_campaign_on_the_real_files(tmp_path: Path) -> None:
    filled = shared_path("cmrt", "filled")
    blank = shared_path("cmrt", "templates", "RMI_CMRT_6.5_en.xlsx")
    jpeg = shared_path("cmrt", "invalid", "invalid_cmrt_is_jpeg.xls")
    (tmp_path / "vendors.csv").write_text(MASTER, encoding="utf-8")
    st = ("--store", str(tmp_path / "store"))
    CliRunner().invoke(root, ["survey", "import-suppliers", str(tmp_path / "vendors.csv"), *st])
    req = cli("survey", "request", "--year", "2024", "--template", str(blank), "--date", "2024-04-01", "--json", *st)
    assert sorted(m["supplier_id"] for m in req["written"]) == ["R1", "R2", "R3"]
    for m in req["written"]:
        msg = message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default)
        (att,) = msg.iter_attachments()
        assert hashlib.sha256(att.get_content()).digest() == hashlib.sha256(blank.read_bytes()).digest()
        assert m["language"] == ("zh" if m["supplier_id"] == "R3" else "en")  # Japanese has no templates: English
    files = [str(p) for p in sorted(filled.glob("CMRT_6.4_*.xlsx"))] + [str(jpeg)]
    out = cli("ingest", *files, "--year", "2024", "--receipts", "--json", *st, code=2)
    outcomes = {Path(f["name"]).name: f for f in out["files"]}
    assert outcomes["invalid_cmrt_is_jpeg.xls"]["outcome"] == "unreadable"
    receipts = {m["supplier_id"]: m for m in out["receipts"]["written"]}
    assert sorted(receipts) == ["R1", "R2", "R3"] and out["receipts"]["held"] == []
    for sid, m in receipts.items():
        decl = next(f for f in out["files"] if f["supplier_id"] == sid)
        assert m["declaration_id"] == decl["sha256"] and m["detail"]["status"] == decl["status"]
        text = message_from_bytes(Path(m["path"]).read_bytes(), policy=policy.default).get_body(
            ("plain",)).get_content()
        assert decl["name"].rsplit("/", 1)[-1] in text
    sk = message_from_bytes(Path(receipts["R3"]["path"]).read_bytes(), policy=policy.default)
    assert receipts["R3"]["detail"]["status"] == "invalid" and "未被接受" in str(sk["Subject"])
    assert "Product List!B6" in sk.get_body(("plain",)).get_content()
    giga = message_from_bytes(Path(receipts["R1"]["path"]).read_bytes(), policy=policy.default)
    assert "toru,nishio@cgco.co.jp" in giga.get_body(("plain",)).get_content()  # the malformed e-mail, with its cell
    again = cli("survey", "receipts", "--json", *st)
    assert again["written"] == [] and again["declarations"] == 0
