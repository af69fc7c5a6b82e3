"""The supplier campaign end to end, through the CLI, against a real SMTP server (aiosmtpd on 127.0.0.1).

A generated program of 10 suppliers (plus three master-list oddities: no e-mail, a malformed e-mail, a
service provider) is requested, receives forms in two waves, gets receipts and mitigation cases, is
reminded twice, and one supplier sends a later product-specific form without one of its high-risk
smelters. Every expectation comes from the generator's manifest or from the store, never typed in:
who is in scope, which forms are invalid and with which findings (and cells), who lists which
watchlisted smelter. Delivered messages are read from the SMTP server; `.eml` files are parsed back
with the standard library.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from smtp_support import SmtpServer, smtp_server
from status_support import write_status_lists
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.synthetic.workbooks import generate_program, starter_facilities, starter_watchlist
from minetrace.queries.template_writer import CmrtSpec, write_cmrt

YEAR = 2025
TODAY = date.today()
D0 = TODAY - timedelta(days=70)  # requests
D_RECEIPTS = D0 + timedelta(days=10)  # receipts for the first wave
D1 = D0 + timedelta(days=30)  # first reminders
D2 = D1 + timedelta(days=15)  # second reminders
WAVE1 = ("S00001", "S00003", "S00004", "S00005", "S00006")
CHINESE = {"S00004": "中文", "S00007": "zh-CN"}
HOSTILE = "Nomail [bold]Co\x1b[2J"
EXTRAS = [("S90001", HOSTILE, "direct", ""), ("S90002", "Badmail Co", "direct", "sales at badmail"),
          ("S90003", "Service Co", "service", "ops@service.example")]


def cli(*args: str, env: dict[str, str] | None = None, code: int = 0) -> Any:
    res = CliRunner().invoke(root, list(args), env=env, catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res


def parse_eml(path: str | Path) -> EmailMessage:
    return message_from_bytes(Path(path).read_bytes(), policy=policy.default)  # type: ignore[return-value]


def body(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def kind(msg: EmailMessage) -> str:
    return str(msg["X-Minetrace-Kind"])


@dataclass
class Campaign:
    dir: Path
    store: str
    blank: Path
    manifest: Any
    emails: dict[str, str]  # supplier id → master-list address
    server: SmtpServer
    out: dict[str, Any] = field(default_factory=dict)  # JSON outputs of each step
    text: dict[str, str] = field(default_factory=dict)  # text outputs

    def received(self, kind_: str | None = None) -> list[EmailMessage]:
        msgs = [r.message for r in self.server.sink.received]
        return [m for m in msgs if kind_ is None or kind(m) == kind_]

    def to(self, sid: str, kind_: str | None = None) -> list[EmailMessage]:
        return [m for m in self.received(kind_) if self.emails[sid] in str(m["To"])]


def write_master_list(path: Path, manifest: Any) -> dict[str, str]:
    emails = {}
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier ID", "Supplier Name", "Category", "Last Purchase Date", "Contact Email", "Contact Name",
                    "Language"])
        for s in manifest.suppliers:
            w.writerow([s.supplier_id, s.name, s.category, s.last_purchase, s.contact_email,
                        f"Contact {s.supplier_id[-2:]}", CHINESE.get(s.supplier_id, "English")])
            emails[s.supplier_id] = s.contact_email
        for sid, name, category, email in EXTRAS:
            w.writerow([sid, name, category, "2025-06-01", email, "", ""])
            emails[sid] = email
    return emails


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Campaign]:
    d = tmp_path_factory.mktemp("campaign")
    manifest = generate_program(d / "prog", 10, seed=21, facilities=starter_facilities(),
                                watchlist=starter_watchlist(), watchlist_share=0.5, invalid_share=0.3,
                                language_share=0.0)
    blank = write_cmrt(CmrtSpec(), d / "RMI_CMRT_6.5_blank.xlsx", "6.5")
    emails = write_master_list(d / "vendors.csv", manifest)
    (d / "wave1").mkdir()
    (d / "wave2").mkdir()
    for s in manifest.suppliers:
        src = d / "prog" / s.file
        (d / ("wave1" if s.supplier_id in WAVE1 else "wave2") / src.name).write_bytes(src.read_bytes())
    with smtp_server() as server:
        c = Campaign(d, str(d / "store"), blank, manifest, emails, server)
        run_campaign(c)
        yield c


def run_campaign(c: Campaign) -> None:
    st = ("--store", c.store)
    env = c.server.env
    sink = c.server.sink
    cli("reference", "import", *map(str, write_status_lists(c.dir / "rmi", YEAR)), *st)  # RMI's status lists
    cli("survey", "import-suppliers", str(c.dir / "vendors.csv"), *st)
    cli("survey", "scope", "--year", str(YEAR), *st)
    # requests: one address refused (550), one deferred once (451, retried in the run)
    sink.refuse = {c.emails["S00002"]}
    sink.defer = {c.emails["S00005"]}
    req = ("survey", "request", "--year", str(YEAR), "--template", str(c.blank), "--date", D0.isoformat(), *st)
    c.out["request1"] = json.loads(cli(*req, "--send", "--json", env=env, code=3).stdout)
    c.out["received_after_request1"] = len(sink.received)
    sink.refuse = set()
    c.out["request2"] = json.loads(cli(*req, "--send", "--json", env=env).stdout)
    c.text["request3"] = cli(*req).stdout  # a third run, without --send: nothing new
    # first wave of forms, receipts ten days later, sent
    cli("ingest", str(c.dir / "wave1"), "--year", str(YEAR), *st)
    c.out["receipts1"] = json.loads(cli("survey", "receipts", "--date", D_RECEIPTS.isoformat(), "--send", "--json",
                                        *st, env=env).stdout)
    c.out["receipts1_again"] = json.loads(cli("survey", "receipts", "--json", *st).stdout)
    # reminders: due ones, then a same-day re-run, then the second round
    rem = ("survey", "remind", "--year", str(YEAR), *st)
    c.out["remind1"] = json.loads(cli(*rem, "--date", D1.isoformat(), "--send", "--json", env=env).stdout)
    c.out["remind1_again"] = json.loads(cli(*rem, "--date", D1.isoformat(), "--json").stdout)
    c.out["remind2"] = json.loads(cli(*rem, "--date", D2.isoformat(), "--json").stdout)
    c.out["outbox_send"] = json.loads(cli("survey", "outbox", "--send", "--json", "--year", str(YEAR), *st,
                                          env=env).stdout)
    # second wave, and S00003's later product form without CID001769, ingested with receipts
    spec = c.manifest.specs["S00003"]
    spec.smelters = [r for r in spec.smelters if r.cid != "CID001769"]
    write_cmrt(spec, c.dir / "wave2" / "S00003_later_product_form.xlsx", "6.5")
    c.out["ingest2"] = json.loads(cli("ingest", str(c.dir / "wave2"), "--year", str(YEAR), "--receipts", "--json",
                                      *st).stdout)
    c.out["outbox_send2"] = json.loads(cli("survey", "outbox", "--send", "--json", *st, env=env).stdout)
    c.out["status"] = json.loads(cli("survey", "status", "--year", str(YEAR), "--json", *st).stdout)
    c.out["funnel"] = json.loads(cli("survey", "funnel", "--year", str(YEAR), "--json", *st).stdout)
    c.out["cases"] = json.loads(cli("mitigation", "list", "--json", *st).stdout)["cases"]


def in_scope_with_contact(c: Campaign) -> set[str]:
    return {s.supplier_id for s in c.manifest.suppliers if s.in_scope}


# ------------------------------------------------------------------------------------------------ requests
def test_every_in_scope_supplier_gets_exactly_one_request(campaign: Campaign) -> None:
    c = campaign
    expected = in_scope_with_contact(c)
    assert expected, "the generated program has in-scope suppliers"
    got = [m for m in c.received("request")]
    by_sid = {sid: len(c.to(sid, "request")) for sid in expected}
    assert by_sid == {sid: 1 for sid in expected}
    assert len(got) == len(expected)  # nobody else (no service provider, no extra address)
    written = {w["supplier_id"]: w for w in c.out["request1"]["written"]}
    assert set(written) == expected | {"S90001", "S90002"}  # the two without an address: written, held
    assert {sid for sid, w in written.items() if w["state"] == "held"} == {"S90001", "S90002"}
    assert c.out["request2"]["written"] == []
    assert f"0 requests written, {len(written)} written before" in " ".join(c.text["request3"].split())
    assert {e["supplier_id"] for e in c.out["request2"]["existing"]} == set(written)


def test_requests_without_a_usable_contact_are_listed_with_the_reason(campaign: Campaign) -> None:
    held = {h["supplier_id"]: h["reason"] for h in campaign.out["request1"]["held"]}
    assert held == {"S90001": "no_contact", "S90002": "bad_contact"}  # S90003 is a service provider: out of scope
    assert "S90003" not in {w["supplier_id"] for w in campaign.out["request1"]["written"]}
    for w in campaign.out["request1"]["written"]:
        if w["supplier_id"] in held:  # written without a recipient, for the analyst to forward; never sent
            msg = parse_eml(w["path"])
            assert msg["To"] is None and held[w["supplier_id"]] in str(msg["X-Minetrace-Held"])
            assert w["to"] == [] and not w["event_logged"]


def test_request_messages_carry_the_blank_template_and_the_due_date(campaign: Campaign) -> None:
    c = campaign
    blank = c.blank.read_bytes()
    due = (D0 + timedelta(days=30)).isoformat()
    for msg in c.received("request"):
        atts = list(msg.iter_attachments())
        assert [a.get_filename() for a in atts] == [c.blank.name]
        data = atts[0].get_content()
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(blank).hexdigest()
        assert str(YEAR) in str(msg["Subject"]) and due in str(msg["Subject"]) and due in body(msg)
        assert msg["Message-ID"].startswith("<minetrace.request.")
    from minetrace.ingest.detect import detect_template
    from minetrace.ingest.workbook import open_workbook

    att = next(c.received("request")[0].iter_attachments()).get_content()
    info, _ = detect_template(open_workbook(att, name="attached.xlsx"))
    assert (info.kind, info.version) == ("CMRT", "6.5")


def test_the_language_column_picks_the_template(campaign: Campaign) -> None:
    c = campaign
    for sid in CHINESE:
        (msg,) = c.to(sid, "request")
        assert "请提交" in str(msg["Subject"]) and "尊敬的" in body(msg)
    (en,) = c.to("S00001", "request")
    assert "Dear Contact 01" in body(en) and "requested" in str(en["Subject"])


def test_a_refused_recipient_fails_alone_and_is_sent_by_the_next_run(campaign: Campaign) -> None:
    c = campaign
    first = {r["key"]: r for r in c.out["request1"]["sent"]}
    failed = [r for r in first.values() if not r["ok"]]
    assert [r["recipients"] for r in failed] == [[c.emails["S00002"]]]
    assert failed[0]["code"] == 550 and "550" in failed[0]["error"]
    assert c.out["received_after_request1"] == len(in_scope_with_contact(c)) - 1  # the rest went out
    deferred = next(r for r in first.values() if r["recipients"] == [c.emails["S00005"]])
    assert deferred["ok"] and deferred["attempts"] == 2  # 451 once, retried in the same run
    second = c.out["request2"]["sent"]
    assert [(r["recipients"], r["ok"]) for r in second] == [([c.emails["S00002"]], True)]
    assert len(c.to("S00002", "request")) == 1


def test_eml_files_parse_back_and_match_what_was_delivered(campaign: Campaign) -> None:
    c = campaign
    delivered = {str(m["Message-ID"]): m for m in c.received()}
    files = [f for f in sorted(Path(c.store, "outbox").glob("*.eml")) if parse_eml(f)["X-Minetrace-Held"] is None]
    assert len(files) == len(delivered)
    for f in files:
        msg = parse_eml(f)
        assert str(msg["Message-ID"]) in delivered
        assert msg["From"] and msg["To"] and msg["Date"] and msg["Subject"]
        assert body(msg) == body(delivered[str(msg["Message-ID"])])


# ------------------------------------------------------------------------------------------------ receipts
def test_every_form_gets_one_receipt(campaign: Campaign) -> None:
    c = campaign
    wave1 = {w["supplier_id"] for w in c.out["receipts1"]["written"]}
    assert wave1 == set(WAVE1)
    assert c.out["receipts1_again"]["written"] == []
    wave2 = [w["supplier_id"] for w in c.out["ingest2"]["receipts"]["written"]]
    assert sorted(wave2) == sorted([s.supplier_id for s in c.manifest.suppliers if s.supplier_id not in WAVE1]
                                   + ["S00003"])  # the later S00003 form gets its own receipt
    per_decl = {}
    for m in c.received("receipt"):
        per_decl.setdefault(str(m["Message-ID"]), 0)
        per_decl[str(m["Message-ID"])] += 1
    assert set(per_decl.values()) == {1} and len(per_decl) == len(wave1) + len(wave2)


def test_invalid_forms_get_receipts_naming_each_defect_with_its_cell(campaign: Campaign) -> None:
    from minetrace.graph.open import open_store

    c = campaign
    st = open_store(c.store)
    try:
        invalid = [s for s in c.manifest.suppliers if s.expected_status == "invalid"]
        assert invalid
        for s in invalid:
            decls = st.declarations(supplier_id=s.supplier_id, current_only=False)
            errors = [f for d in decls for f in json.loads(d.findings_json) if f["severity"] == "error"]
            assert {f["code"] for f in errors} >= set(s.expected_findings) - {"malformed_email", "malformed_cid",
                                                                              "effective_date_future",
                                                                              "q7_yes_with_unidentified_smelters"}
            (msg,) = c.to(s.supplier_id, "receipt")
            text = body(msg)
            assert "not accepted" in str(msg["Subject"]) or "未被接受" in str(msg["Subject"])
            for f in errors:
                assert f"{f['location']}: " in text or f"{f['location']}：" in text, (f, text)
                assert f["message"] in text
    finally:
        st.close()


def test_watchlisted_smelters_are_named_in_receipts_and_each_opens_a_case(campaign: Campaign) -> None:
    c = campaign
    cases = {(x["supplier_id"], x["cid"]) for x in c.out["cases"]}
    listed = [(s.supplier_id, cid) for s in c.manifest.suppliers for cid in s.watchlisted]
    assert listed, "the generated program lists watchlisted smelters"
    for sid, cid in listed:
        receipts = c.to(sid, "receipt")
        assert any(cid in body(m) for m in receipts), (sid, cid)
        assert (sid, cid) in cases
        assert sum(1 for x in c.out["cases"] if (x["supplier_id"], x["cid"]) == (sid, cid)) == 1
    first = next(m for m in c.to(listed[0][0], "receipt"))
    assert "product-specific CMRT" in body(first) or "产品级 CMRT" in body(first)


def test_a_later_form_without_the_smelter_proposes_closing_its_case(campaign: Campaign) -> None:
    c = campaign
    case = next(x for x in c.out["cases"] if x["key"] == "S00003|CID001769")
    assert case["state"] == "requested"
    assert case["proposal"]["reason"] == "product_cmrt_no_use"
    assert case["proposal"]["file_name"] == "S00003_later_product_form.xlsx"
    kept = next(x for x in c.out["cases"] if x["key"] == "S00003|CID002507")
    assert kept["proposal"] is None and len(kept["listed_in"]) == 2 and len(kept["receipts"]) == 2


def test_mitigation_update_export_and_year_over_year(campaign: Campaign, tmp_path: Path) -> None:
    c = campaign
    st = ("--store", c.store)
    cli("mitigation", "update", "S00003|CID001769", "--accept-proposal", "--date", TODAY.isoformat(), *st)
    reply = tmp_path / "reply.pdf"
    reply.write_bytes(b"%PDF-1.4 supplier reply")
    other = next(x["key"] for x in c.out["cases"] if x["key"] != "S00003|CID001769")
    cli("mitigation", "update", other, "--state", "replied", "--note", "smelter confirmed", "--file", str(reply), *st)
    bad = cli("mitigation", "update", other, "--state", "closed", "--reason", "risk_accepted", *st, code=1)
    assert "needs a note" in bad.output
    cli("mitigation", "update", other, "--state", "closed", "--reason", "risk_accepted", "--note", "sole source",
        *st)
    cases = {x["key"]: x for x in json.loads(cli("mitigation", "list", "--json", *st).stdout)["cases"]}
    assert cases["S00003|CID001769"]["closed_reason"] == "product_cmrt_no_use"
    assert cases[other]["state"] == "closed" and [h["to"] for h in cases[other]["history"]][-2:] == ["replied",
                                                                                                   "closed"]
    assert cases[other]["files"][0]["sha256"] == hashlib.sha256(reply.read_bytes()).hexdigest()
    assert Path(cases[other]["files"][0]["path"]).read_bytes() == reply.read_bytes()
    prog = json.loads(cli("mitigation", "progress", "--json", *st).stdout)["progress"]
    (row,) = [r for r in prog if r["year"] == YEAR]
    assert row["at_start"] == len(cases) and row["closed"] == 2 and row["remaining"] == len(cases) - 2
    assert row["closed_by_reason"] == {"product_cmrt_no_use": 1, "risk_accepted": 1}
    out = tmp_path / "cases.xlsx"
    cli("mitigation", "export", "--out", str(out), *st)
    wb = openpyxl.load_workbook(out)
    rows = list(wb["Cases"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Case", "Supplier ID", "Supplier") and len(rows) == len(cases) + 1
    assert {r[0] for r in rows[1:]} == set(cases)
    assert [r[:4] for r in wb["Progress"].iter_rows(min_row=2, values_only=True)] == [
        (YEAR, len(cases), 2, len(cases) - 2)]


# ------------------------------------------------------------------------------------------------ reminders
def test_reminders_go_to_suppliers_without_a_valid_form_and_count_escalations(campaign: Campaign) -> None:
    c = campaign
    invalid_wave1 = {s.supplier_id for s in c.manifest.suppliers if s.supplier_id in WAVE1
                     and s.expected_status == "invalid"}
    waiting = {s.supplier_id for s in c.manifest.suppliers if s.supplier_id not in WAVE1} | invalid_wave1
    first = c.out["remind1"]
    assert {w["supplier_id"] for w in first["written"]} == waiting
    assert {w["seq"] for w in first["written"]} == {1}
    held = {h["supplier_id"]: h for h in first["held"]}
    assert {k: h["reason"] for k, h in held.items()} == {"S90001": "not_contacted", "S90002": "not_contacted"}
    assert "no contact e-mail" in held["S90001"]["detail"] and "not a usable address" in held["S90002"]["detail"]
    assert c.out["remind1_again"]["written"] == []  # same day: not due
    assert {h["reason"] for h in c.out["remind1_again"]["held"]} >= {"not_due"}
    second = c.out["remind2"]
    assert {w["supplier_id"] for w in second["written"]} == waiting and {w["seq"] for w in second["written"]} == {2}
    assert second["escalations"] == {"2": len(waiting)}
    # the first round went out with --send, the second with `survey outbox --send`
    assert {r["ok"] for r in c.out["outbox_send"]["sent"]} == {True}
    assert len(c.out["outbox_send"]["sent"]) == len(waiting)
    for sid in waiting:
        msgs = c.to(sid, "reminder")
        assert len(msgs) == 2 and str(c.to(sid, "request")[0]["Message-ID"]) in str(msgs[1]["References"])
        assert ("Reminder 2" in str(msgs[1]["Subject"])) or ("第 2 次催告" in str(msgs[1]["Subject"]))
        invalid_text = "cannot be accepted" in body(msgs[0]) or "无法被接受" in body(msgs[0])
        assert invalid_text == (sid in invalid_wave1)


# ------------------------------------------------------------------------------------------------ funnel
def test_funnel_reconciles_with_survey_status_and_uses_contact_dates(campaign: Campaign) -> None:
    c = campaign
    fig = c.out["status"]["figures"]
    f = c.out["funnel"]
    for k in ("in_scope", "contacted", "responded", "valid", "invalid", "not_responded"):
        assert f[k] == fig[k], k
    assert f["contacted"] == len(in_scope_with_contact(c)) and f["requested"] == f["contacted"]
    assert f["in_scope"] == len(in_scope_with_contact(c)) + 2  # the two without a usable contact
    assert f["median_days_to_respond"] == (TODAY - D0).days
    rows = {r["supplier_id"]: r for r in c.out["status"]["suppliers"]}
    assert rows["S00002"]["contacted_on"] == D0.isoformat() and rows["S00002"]["follow_ups"] == 2
    wave2 = [s.supplier_id for s in c.manifest.suppliers if s.supplier_id not in WAVE1]
    assert f["responders_by_reminders"]["2"] >= len(wave2)
    assert f["messages"]["request"] == len(in_scope_with_contact(c)) + 2 == f["messages"]["request_sent"] + 2
    assert f["messages"]["failed"] == 0 and f["messages"]["held"] == 2 and f["requests_held"] == 2


def test_supplier_text_reaches_the_terminal_escaped(campaign: Campaign) -> None:
    out = campaign.text["request3"]
    assert "\x1b" not in out and "Nomail [bold]Co" in out.replace("\\[", "[")
