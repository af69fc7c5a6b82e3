"""`minetrace parse` / `minetrace validate` end to end, through the installed console script.

Exit codes and the JSON contract are what other tools script against, so they are tested on
the real binary in a subprocess, not on the Python functions.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from conftest import shared_path

from minetrace.queries.template_writer import CmrtSpec, SmelterSpec, complete_spec, write_cmrt

MINETRACE = [sys.executable, "-m", "minetrace.app.cli"]
CONTRACT_KEYS = {"file", "template", "company", "answers", "company_answers", "smelters", "products",
                 "checker_missing", "status", "findings"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MINETRACE, *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def good_file(tmp_path: Path) -> Path:
    spec = complete_spec(company_name="Acme Components Ltd.", metals=("Tin",), smelters=[
        SmelterSpec(metal="Tin", lookup="Minsur", name="Minsur", country="PERU", cid="CID001182", id_source="RMI"),
    ])
    return write_cmrt(spec, tmp_path / "acme.xlsx", version="6.5")


def test_parse_json_contract(good_file: Path) -> None:
    result = run("parse", str(good_file), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert CONTRACT_KEYS <= set(data)
    assert {"name", "sha256"} <= set(data["file"])
    assert data["file"]["name"] == "acme.xlsx"
    assert data["file"]["path"] == str(good_file)
    assert {"kind", "version"} <= set(data["template"])
    assert {"name", "scope", "effective_date"} <= set(data["company"])
    assert data["template"] == data["template"] | {"kind": "CMRT", "version": "6.5"}
    assert data["company"]["name"] == "Acme Components Ltd."
    assert data["company"]["scope"] == "A"
    date.fromisoformat(data["company"]["effective_date"])
    assert [(s["row"], s["metal"], s["cid"], s["name"], s["country"]) for s in data["smelters"]] == [
        (5, "Tin", "CID001182", "Minsur", "PERU")]
    assert isinstance(data["checker_missing"], int)
    assert data["status"] in {"valid", "invalid"}
    for finding in data["findings"]:
        assert {"code", "severity", "location", "message"} <= set(finding)


def test_parse_human_output(good_file: Path) -> None:
    result = run("parse", str(good_file))
    assert result.returncode == 0, result.stderr
    assert "Acme Components Ltd." in result.stdout
    assert "CMRT 6.5" in result.stdout


@pytest.mark.parametrize("content, reason", [
    (b"", "empty"),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, "JPEG"),
    (b"PK\x03\x04" + b"\x00" * 40, "zip"),
    (b"just some text,1,2\n", "not a spreadsheet"),
])
def test_parse_unreadable_exits_2_with_one_line(tmp_path: Path, content: bytes, reason: str) -> None:
    bad = tmp_path / "supplier reply.xls"
    bad.write_bytes(content)
    result = run("parse", str(bad), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "supplier reply.xls" in lines[0]
    assert "Traceback" not in result.stderr
    assert reason.lower() in lines[0].lower()


def test_parse_non_template_workbook(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active["A1"] = "Quarterly sales"
    wb.save(tmp_path / "sales.xlsx")
    result = run("parse", str(tmp_path / "sales.xlsx"))
    assert result.returncode == 2
    assert "sales.xlsx" in result.stderr and "Traceback" not in result.stderr


def test_validate_batch_never_stops(tmp_path: Path, good_file: Path) -> None:
    folder = tmp_path / "replies"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(good_file, folder / "sub" / "good.xlsx")
    (folder / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    invalid = write_cmrt(CmrtSpec(company={"name": "No Answers Inc."}), folder / "invalid.xlsx")
    with zipfile.ZipFile(folder / "batch.zip", "w") as zf:
        zf.write(good_file, "inner/acme-copy.xlsx")
        zf.writestr("notes.txt", "not a workbook")
    result = run("validate", str(folder), "--json")
    assert result.returncode == 2  # one unreadable file (and the zip's text member) in the batch
    data = json.loads(result.stdout)
    by_name = {Path(r["file"].split("!")[-1]).name: r for r in data["files"]}
    assert by_name["good.xlsx"]["status"] == "valid"
    assert by_name["acme-copy.xlsx"]["status"] == "valid"
    assert by_name["invalid.xlsx"]["status"] == "invalid"
    assert by_name["invalid.xlsx"]["checker_missing"] > 0
    assert by_name["broken.xlsx"]["status"] == "unreadable"
    assert by_name["notes.txt"]["status"] == "unreadable"
    assert data["summary"] == {"valid": 2, "invalid": 1, "unreadable": 2}
    assert invalid.exists()
    assert "broken.xlsx" in result.stderr


def test_validate_strict_exit_code(tmp_path: Path) -> None:
    write_cmrt(CmrtSpec(company={"name": "No Answers Inc."}), tmp_path / "invalid.xlsx")
    assert run("validate", str(tmp_path)).returncode == 0
    assert run("validate", str(tmp_path), "--strict").returncode == 1


def test_parse_real_files_match_format_facts() -> None:
    """The real supplier files: company, scope, date, rows per metal, distinct CIDs, products, checker."""
    folder = shared_path("cmrt", "filled")
    expected = {
        "CMRT_6.4_Giga_20240426.xlsx": ("Central Glass Co., Ltd.", "A", {"Tungsten": 4}, 0, 0),
        "CMRT_6.4_Merck_WF6_Apr2024.xlsx": (
            "EMD Electronics, a business of Merck KGaA, Darmstadt, Germany", "B", {"Tungsten": 1}, 1, 0),
        "CMRT_6.4_SK_WF6_20240509.xlsx": ("SK specialty Co., Ltd", "B", {"Tungsten": 2}, 1, 1),
        # its own Checker shows -5 (2.02's required − completed); nothing required is missing
        "CMRT_2.02_ConnorWinfield_2013.xls": ("Connor Winfield Corporation", "A", {"Tin": 23, "Gold": 5}, 3, 0),
    }
    for name, (company, scope, per_metal, products, checker) in expected.items():
        result = run("parse", str(folder / name), "--json")
        assert result.returncode == 0, (name, result.stderr)
        data = json.loads(result.stdout)
        counts: dict[str, int] = {}
        for s in data["smelters"]:
            counts[s["metal"]] = counts.get(s["metal"], 0) + 1
        assert data["company"]["name"] == company, name
        assert data["company"]["scope"] == scope, name
        assert counts == per_metal, name
        assert len(data["products"]) == products, name
        assert data["checker_missing"] == checker, name
    connor = json.loads(run("parse", str(folder / "CMRT_2.02_ConnorWinfield_2013.xls"), "--json").stdout)
    assert connor["company"]["effective_date"] == "2013-07-13"
    assert connor["file"]["encrypted"] is True
    assert connor["template"]["version"] == "2.02"
