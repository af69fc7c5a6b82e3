"""`minetrace report cmr|check|template`: the Conflict Minerals Report of a generated program, read back.

The program (seeded, CMRT 6.x workbooks written by the generator, ingested through the CLI) is known in
advance: the manifest says who is in scope, who answered, which forms are invalid and why, who lists a
watchlisted smelter; the test plants three weak programs and four RMAP-conformant smelters. The draft is
read back with python-docx (paragraph text, real Word tables, bookmarks) and every figure of report.json is
re-run through the command it names (JMESPath on the JSON, or the row of the xlsx it writes). One module
fixture renders the PDF (LibreOffice), turns its pages into PNGs in test-artifacts/ and reads its text.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import jmespath
import openpyxl
import pytest
from conftest import IN_CI, ROOT
from docx import Document
from docx.oxml.ns import qn
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist, write_program
from minetrace.ingest.reference.store import ReferenceStore
from minetrace.queries.cmr.texts import PROMPTS

YEAR = 2025
WEAK = 3  # valid in-scope responders planted with question G = "No"
CONFORMANT = 4  # CIDs of valid forms planted RMAP Conformant
ARTIFACTS = ROOT / "test-artifacts"


def run(*args: str, code: int = 0) -> str:
    res = CliRunner().invoke(root, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.output


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("cmr")
    facilities = starter_facilities()
    m = generate_program(base / "program", 40, seed=14, facilities=facilities, watchlist=starter_watchlist(),
                         master_list=True, watchlist_share=0.25, invalid_share=0.2, out_of_scope_share=0.1,
                         response_rate=0.8, write=False)
    valid = [s for s in m.suppliers if s.responded and s.in_scope and s.expected_status == "valid"]
    weak = [s.supplier_id for s in valid[:WEAK]]
    for sid in weak:
        m.specs[sid].company_answers["G"] = "No"
    write_program(m, m.specs, base / "program", facilities=facilities, master_list=True)
    watch = set(starter_watchlist())
    cids = sorted({r.cid: r.metal for s in valid for r in m.specs[s.supplier_id].smelters
                   if r.cid and r.cid not in watch}.items())
    conformant = [c for c in cids if c[0] not in {"CID002507", "CID002854"}][:CONFORMANT]
    store = str(base / "store")
    ref = ReferenceStore.open(store)
    try:
        with ref.transaction():
            # statuses are judged at the filing date (2026-05-31): a list before it, audits current at it
            snap = ref.add_snapshot("RMAP:Conformant", "2025-12-01", "test", None)
            for cid, metal in conformant:
                ref.add_status(cid, metal, "RMAP", "Conformant", "2025-12-01", "test", snap, last_audit="2025-09-01",
                               audit_cycle="1 Year")
    finally:
        ref.close()
    run("survey", "import-suppliers", str(base / "program" / "suppliers.csv"), "--store", store)
    run("ingest", str(base / "program" / "cmrt"), "--store", store, "--year", str(YEAR))
    silent = [s.supplier_id for s in m.suppliers if s.in_scope and not s.responded]
    for sid in silent:
        run("survey", "log", sid, "--event", "contacted", "--date", "2026-01-15", "--store", store)
        run("survey", "log", sid, "--event", "follow_up", "--date", "2026-02-15", "--store", store)
    out = base / "report.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", store)
    return {"base": base, "store": store, "manifest": m, "weak": weak, "conformant": [c for c, _ in conformant],
            "silent": silent, "docx": out, "json": json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))}


def paragraphs(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def table_after_header(doc, first: str, ncols: int):
    return next(t for t in doc.tables if t.rows[0].cells[0].text == first and len(t.columns) == ncols)


def rows(table) -> list[list[str]]:
    return [[c.text for c in r.cells] for r in table.rows[1:]]


def bookmarked(path: Path) -> dict[str, str]:
    """bookmark name → text between its start and end, read from the document XML."""
    body = Document(str(path)).element.body
    open_: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for el in body.iter(qn("w:bookmarkStart"), qn("w:bookmarkEnd"), qn("w:t")):
        if el.tag == qn("w:bookmarkStart"):
            open_[el.get(qn("w:id"))] = el.get(qn("w:name"))
            out.setdefault(el.get(qn("w:name")), [])
        elif el.tag == qn("w:bookmarkEnd"):
            open_.pop(el.get(qn("w:id")), None)
        else:
            for name in open_.values():
                out[name].append(el.text or "")
    return {k: "".join(v) for k, v in out.items()}


# ------------------------------------------------------------------------------------------------ figures
def test_headline_figures_are_the_programs(program):
    m = program["manifest"]
    want = m.figures()
    doc = Document(str(program["docx"]))
    text = "\n".join(paragraphs(doc))
    assert (f"{want['responded']} of the {want['in_scope']} in-scope suppliers responded, a response rate of "
            f"{want['response_rate']:.1f} %") in text
    assert f"{want['valid']} responses were valid and {want['invalid']} invalid" in text
    assert f"The Company's supplier master list holds {want['suppliers']} suppliers." in text
    out = sum(1 for s in m.suppliers if not s.in_scope)
    assert f"{out} of them were out of scope of the survey" in text
    assert f"{len(program['silent'])} follow-ups were sent" in text
    assert (f"{WEAK} a weak one" in text) and (f"({want['valid'] - WEAK} strong and {WEAK} weak among valid forms)"
                                                in text)
    figures = {f["id"]: f for f in program["json"]["figures"]}
    assert figures["conformant"]["value"] == CONFORMANT
    assert figures["response_rate"]["command"] == (f"minetrace survey status --year {YEAR} --store "
                                                   f"{program['store']} --json")
    # defects by kind: the generator's planted defects of the invalid in-scope forms, counted per finding code
    from minetrace.app.synthetic.workbooks import DEFECT_FINDINGS

    planted: Counter[str] = Counter()
    for s in m.suppliers:
        if s.in_scope and s.responded and s.expected_status == "invalid":
            planted.update({DEFECT_FINDINGS[d] for d in s.defects if d in DEFECT_FINDINGS} - {
                "effective_date_future", "malformed_email", "malformed_cid", "q7_yes_with_unidentified_smelters"})
    defects = rows(table_after_header(doc, "Defect (finding)", 3))
    assert {r[1]: int(r[2]) for r in defects} == dict(planted)


def test_every_figure_equals_the_command_it_names(program, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outputs: dict[str, object] = {}
    marks = bookmarked(program["docx"])
    for f in program["json"]["figures"]:
        cmd = f["command"]
        if cmd not in outputs:
            args = shlex.split(cmd)
            assert args[0] == "minetrace"
            outputs[cmd] = json.loads(run(*args[1:]))
        if f["path"].startswith("xlsx:"):
            sheet, label = f["path"][5:].split("!", 1)
            wb = openpyxl.load_workbook(tmp_path / "appendix.xlsx", read_only=True)
            values = {r[0]: r[1] for r in wb[sheet].iter_rows(min_row=2, values_only=True)}
            got = values.get(label, 0)
        else:
            got = jmespath.search(f["path"], outputs[cmd])
        assert got == f["value"], (f["id"], cmd, f["path"], got, f["value"])
        assert f["occurrences"] >= 1, f"{f['id']} is not stated anywhere in the document"
        shown = [v for k, v in marks.items() if k == f"mt_{f['id']}" or re.fullmatch(f"mt_{f['id']}_\\d+", k)]
        assert shown and all(v == f["text"] for v in shown), (f["id"], shown, f["text"])


def test_appendix_a_is_the_export_appendix(program, tmp_path):
    xlsx = tmp_path / "appendix.xlsx"
    run("export", "appendix", "--out", str(xlsx), "--store", program["store"], "--year", str(YEAR))
    exported = list(openpyxl.load_workbook(xlsx, read_only=True)["Appendix A"].iter_rows(values_only=True))
    doc = Document(str(program["docx"]))
    table = table_after_header(doc, "Metal", 5)
    header = [c.text for c in table.rows[0].cells]
    assert header == list(exported[0][:5])
    assert header[3] == f"Conformant status as of {YEAR + 1}-05-31"  # the filing date
    assert rows(table) == [[str(v) for v in r[:5]] for r in exported[1:]]
    assert len(rows(table)) == program["json"]["figures"][[f["id"] for f in program["json"]["figures"]].index(
        "smelters_validated")]["value"] > 0
    yes = {r[4] for r in rows(table) if r[3] == "Yes"}
    assert yes == set(program["conformant"])


def test_high_risk_smelters_are_named_exactly(program):
    cli = json.loads(run("risk", "smelters", "--level", "high", "--json", "--store", program["store"],
                         "--year", str(YEAR)))
    doc = Document(str(program["docx"]))
    table = table_after_header(doc, "Smelter ID", 5)
    named = rows(table)
    assert [(r[0], r[2]) for r in named] == [(s["cid"], s["name"]) for s in cli["smelters"]]
    watched = {c for s in program["manifest"].suppliers if s.responded for c in s.watchlisted}
    assert watched and watched <= {r[0] for r in named}
    assert all(r[4] for r in named)  # every one with its reasons
    assert f"The following {len(named)} smelters and refiners were rated high risk" in "\n".join(paragraphs(doc))


def test_placeholders_are_marked_and_texts_fill_them(program, tmp_path):
    doc = Document(str(program["docx"]))
    marked = [r for p in doc.paragraphs for r in p.runs if r.text.startswith("[To be completed by the Company:")]
    assert len(marked) >= len(PROMPTS) - 1 and all(str(r.font.highlight_color) == "YELLOW (7)" for r in marked)
    assert {p["key"] for p in program["json"]["placeholders"]} == set(PROMPTS)
    texts = tmp_path / "texts.yaml"
    texts.write_text("products: |\n  Industrial controllers.\n  Spare parts {{ 7*7 }} <w:t>\nsteps_taken: We asked "
                     "every supplier.\n", encoding="utf-8")
    out = tmp_path / "filled.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", program["store"], "--texts", str(texts),
        "--company", "Acme \x1b[31mIndustries\x07 {{ 7*7 }}")
    text = "\n".join(paragraphs(Document(str(out))))
    assert "Industrial controllers.\nSpare parts {{ 7*7 }} <w:t>" in text
    assert "We asked every supplier." in text and "of Acme [31mIndustries {{ 7*7 }}" in text
    assert "\x1b" not in text and "\x07" not in text and "49" not in text.split("Spare parts")[1][:12]
    left = {p["key"] for p in json.loads(out.with_suffix(".json").read_text())["placeholders"]}
    assert left == set(PROMPTS) - {"products", "steps_taken", "company"}


def test_mitigation_cases_replace_the_steps_taken_placeholder_once_they_exist(program, tmp_path, monkeypatch):
    import minetrace.queries.cmr.figures as figures

    cases = [("opened", "Supplier–smelter cases opened", 7, "length(cases)"),
             ("closed_removed", "Closed: smelter removed", 3, "length(cases[?outcome=='removed'])")]
    monkeypatch.setattr(figures, "mitigation_summary", lambda ctx: cases)
    out = tmp_path / "with-cases.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", program["store"])
    doc = Document(str(out))
    assert rows(table_after_header(doc, "Mitigation cases", 2)) == [["Supplier–smelter cases opened", "7"],
                                                                     ["Closed: smelter removed", "3"]]
    keys = {p["key"] for p in json.loads(out.with_suffix(".json").read_text())["placeholders"]}
    assert "steps_taken" not in keys and "steps_planned" in keys
    fig = {f["id"]: f for f in json.loads(out.with_suffix(".json").read_text())["figures"]}["m_opened"]
    assert fig["command"].startswith("minetrace mitigation list") and fig["path"] == "length(cases)"


# ------------------------------------------------------------------------------------------------ templates
def make_template(path: Path) -> None:
    doc = Document()
    style = doc.styles.add_style("House Body", 1)
    style.font.name = "Georgia"
    doc.add_paragraph("Acme house wording for {{ year }}: {{ f.responded }} of our {{ f.in_scope }} suppliers "
                      "answered ({{ f.response_rate }} %).", style="House Body")
    doc.add_paragraph("{% for h in lists.high_risk %}{{ h.cid }} ({{ h.name }}); {% endfor %}")
    doc.add_paragraph("{{ text.products }}")
    doc.add_paragraph("{{ t.appendix }}")
    doc.save(str(path))


def test_a_company_template_keeps_its_wording(program, tmp_path):
    tpl = tmp_path / "house.docx"
    make_template(tpl)
    out = tmp_path / "house-report.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", program["store"], "--template", str(tpl))
    want = program["manifest"].figures()
    doc = Document(str(out))
    first = doc.paragraphs[0]
    assert first.text == (f"Acme house wording for {YEAR}: {want['responded']} of our {want['in_scope']} suppliers "
                          f"answered ({want['response_rate']:.1f} %).")
    assert first.style.name == "House Body"
    cli = json.loads(run("risk", "smelters", "--level", "high", "--json", "--store", program["store"],
                         "--year", str(YEAR)))
    assert all(s["cid"] in doc.paragraphs[1].text for s in cli["smelters"])
    assert doc.paragraphs[2].text.startswith("[To be completed by the Company: describe the products")
    assert len(rows(table_after_header(doc, "Metal", 5))) == program["json"]["tables"][
        [t["id"] for t in program["json"]["tables"]].index("appendix")]["rows"]
    assert bookmarked(out)["mt_response_rate"] == f"{want['response_rate']:.1f}"
    assert "matches the data" in run("report", "check", str(out), "--store", program["store"])


# ------------------------------------------------------------------------------------------------ check
def edit_run(src: Path, dst: Path, old: str, new: str, near: str) -> None:
    doc = Document(str(src))
    for p in doc.paragraphs:
        if near in p.text:
            for r in p.runs:
                if r.text == old:
                    r.text = new
                    doc.save(str(dst))
                    return
    raise AssertionError(f"no run {old!r} near {near!r}")


def test_report_check_catches_a_figure_edited_by_hand(program, tmp_path):
    store = program["store"]
    clean = run("report", "check", str(program["docx"]), "--store", store)
    assert "matches the data" in clean
    rate = f"{program['manifest'].figures()['response_rate']:.1f}"
    edited = tmp_path / "edited.docx"
    edit_run(program["docx"], edited, rate, "97.5", "a response rate of")
    doc = Document(str(edited))
    table = table_after_header(doc, "Metal", 5)
    gone = [c.text for c in table.rows[2].cells]
    table._tbl.remove(table.rows[2]._tr)
    doc.save(str(edited))
    res = CliRunner().invoke(root, ["report", "check", str(edited), "--store", store, "--json"])
    assert res.exit_code == 1, res.output
    out = json.loads(res.output)
    bad = {m["id"]: m for m in out["mismatches"]}
    assert set(bad) == {"response_rate"}
    assert bad["response_rate"]["why"] == "edited" and "97.5" in bad["response_rate"]["document"]
    assert bad["response_rate"]["data"] == rate and "survey status" in bad["response_rate"]["command"]
    appendix = next(t for t in out["tables"] if t["id"] == "appendix")
    assert appendix["missing"] == [gone] and not appendix["unexpected"]
    text = CliRunner().invoke(root, ["report", "check", str(edited), "--store", store]).output
    assert "97.5" in text and "edited by hand" in text and "missing row" in text


def test_report_check_sees_data_that_changed_since_the_draft(program, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(program["store"], store)
    silent = program["silent"][0]
    run("survey", "log", silent, "--event", "out_of_scope", "--note", "no 3TG", "--date", "2026-03-01",
        "--store", str(store))
    res = CliRunner().invoke(root, ["report", "check", str(program["docx"]), "--store", str(store), "--json"])
    assert res.exit_code == 1, res.output
    bad = {m["id"]: m for m in json.loads(res.output)["mismatches"]}
    assert {"in_scope", "out_of_scope", "response_rate", "not_responded"} <= set(bad)
    assert all(m["why"] == "data_changed" for m in bad.values())


# ------------------------------------------------------------------------------------------------ bad input
def test_bad_inputs_get_a_message_naming_the_file(program, tmp_path, monkeypatch):
    store = program["store"]
    fake = tmp_path / "fake.docx"
    fake.write_text("not a document", encoding="utf-8")
    res = CliRunner().invoke(root, ["report", "cmr", "--year", str(YEAR), "--out", str(tmp_path / "a.docx"),
                                    "--store", store, "--template", str(fake)])
    assert res.exit_code == 2 and "fake.docx" in res.output and "not a Word .docx template" in res.output
    broken = tmp_path / "broken.docx"
    doc = Document()
    doc.add_paragraph("{{ f.no_such_figure }}")
    doc.save(str(broken))
    res = CliRunner().invoke(root, ["report", "cmr", "--year", str(YEAR), "--out", str(tmp_path / "b.docx"),
                                    "--store", store, "--template", str(broken)])
    assert res.exit_code == 2 and "broken.docx" in res.output and "no_such_figure" in res.output
    texts = tmp_path / "texts.yaml"
    texts.write_text("products: [unclosed\n", encoding="utf-8")
    res = CliRunner().invoke(root, ["report", "cmr", "--year", str(YEAR), "--out", str(tmp_path / "c.docx"),
                                    "--store", store, "--texts", str(texts)])
    assert res.exit_code == 2 and "texts.yaml" in res.output and "YAML" in res.output
    res = CliRunner().invoke(root, ["report", "cmr", "--year", str(YEAR), "--out", str(tmp_path / "d.txt"),
                                    "--store", store])
    assert res.exit_code == 2 and "d.txt" in res.output
    res = CliRunner().invoke(root, ["report", "check", str(broken), "--store", store])
    assert res.exit_code == 2 and "broken.docx" in res.output and "not a report drafted by minetrace" in res.output
    monkeypatch.setenv("MINETRACE_SOFFICE", str(tmp_path / "no-soffice"))
    res = CliRunner().invoke(root, ["report", "cmr", "--year", str(YEAR), "--out", str(tmp_path / "e.pdf"),
                                    "--store", store])
    assert res.exit_code == 2 and "e.pdf" in res.output and "LibreOffice" in res.output
    assert not (tmp_path / "e.pdf").exists()


def test_template_command_writes_the_default_template_and_a_texts_file(program, tmp_path):
    import yaml

    run("report", "template", "--out", str(tmp_path / "t.docx"))
    run("report", "template", "--out", str(tmp_path / "texts.yaml"))
    assert set(yaml.safe_load((tmp_path / "texts.yaml").read_text(encoding="utf-8"))) == set(PROMPTS)
    body = "\n".join(p.text for p in Document(str(tmp_path / "t.docx")).paragraphs)
    assert "{{ f.response_rate }}" in body and "{{ t.appendix }}" in body and "{{ text.products }}" in body
    out = tmp_path / "again.docx"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", program["store"], "--template",
        str(tmp_path / "t.docx"))
    assert [p.text for p in Document(str(out)).paragraphs] == paragraphs(Document(str(program["docx"])))


# ------------------------------------------------------------------------------------------------ PDF
def need(tool: str) -> str:
    found = shutil.which(tool)
    if found:
        return found
    message = f"{tool} is missing (scripts/ensure-system-deps.sh installs libreoffice-writer-nogui, poppler-utils)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def pdf(program) -> Path:
    need("soffice")
    out = program["base"] / "report.pdf"
    run("report", "cmr", "--year", str(YEAR), "--out", str(out), "--store", program["store"], "--company",
        "Acme Industries")
    return out


def test_the_pdf_has_the_headline_figures_and_every_page_renders(program, pdf):
    pdftotext, pdftoppm = need("pdftotext"), need("pdftoppm")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    want = program["manifest"].figures()
    assert f"{want['responded']} of the {want['in_scope']} in-scope suppliers responded" in flat
    assert f"a response rate of {want['response_rate']:.1f} %" in flat
    assert "Conflict Minerals Report" in flat and "Acme Industries" in flat and "Appendix A" in flat
    for row in rows(table_after_header(Document(str(program["docx"])), "Smelter ID", 5)):
        assert row[0] in flat
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("report-cmr-page-*.png"):
        old.unlink()
    subprocess.run([pdftoppm, "-r", "50", "-png", str(pdf), str(ARTIFACTS / "report-cmr-page")], check=True)
    pages = sorted(ARTIFACTS.glob("report-cmr-page-*.png"))
    assert len(pages) >= 5 and all(p.stat().st_size > 5_000 for p in pages)
