"""The campaign's parts one by one: languages, templates, settings, SMTP configuration and delivery over
STARTTLS with AUTH (a real aiosmtpd server), Message-IDs, hostile supplier text, the case state machine,
and an embedded store written before campaign records existed."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from smtp_support import smtp_server

from minetrace.graph.embedded import EmbeddedStore
from minetrace.graph.store import SupplierRecord
from minetrace.queries.campaign import cases as C
from minetrace.queries.campaign.batch import Draft, write_drafts
from minetrace.queries.campaign.contacts import addressee
from minetrace.queries.campaign.mail import build_message, message_id, usable_address
from minetrace.queries.campaign.render import (
    CampaignTemplateError,
    Renderer,
    copy_defaults,
    language_code,
    sample_context,
)
from minetrace.queries.campaign.settings import SettingsError, load_settings
from minetrace.queries.campaign.smtp import Outgoing, SmtpConfig, SmtpConfigError, deliver


@pytest.mark.parametrize(("value", "code"), [
    ("zh", "zh"), ("zh-CN", "zh"), ("zh_TW", "zh"), ("Chinese", "zh"), ("中文", "zh"), ("简体中文", "zh"),
    ("Chinese (Simplified)", "zh"), ("English", "en"), ("en-US", "en"), ("", "en"), (None, "en"),
    ("German", "de"), ("de-DE", "de"), ("Deutsch?!", "en")])
def test_language_codes(value: str | None, code: str) -> None:
    assert language_code(value) == code


def test_user_templates_override_the_defaults_and_add_languages(tmp_path: Path) -> None:
    copy_defaults(tmp_path)
    assert (tmp_path / "zh" / "receipt.txt.j2").exists() and (tmp_path / "README.md").exists()
    (tmp_path / "en" / "request.txt.j2").write_text("Subject: Ours {{ year }}\n\nHello {{ supplier.name }}\n",
                                                    encoding="utf-8")
    (tmp_path / "de").mkdir()
    (tmp_path / "de" / "request.txt.j2").write_text("Subject: Anfrage {{ year }}\n\nGuten Tag\n", encoding="utf-8")
    r = Renderer(tmp_path)
    ctx = sample_context("request")
    mine = r.render("request", "en", ctx)
    assert (mine.subject, mine.body) == ("Ours 2016", "Hello Acme Components Ltd.\n")
    de = r.render("request", "de", ctx)
    assert (de.subject, de.language) == ("Anfrage 2016", "de")
    fallback = r.render("reminder", "de", sample_context("reminder"))  # no de/reminder: English default
    assert fallback.language == "en" and fallback.subject.startswith("Reminder")


def test_template_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    bad = tmp_path / "en" / "request.txt.j2"
    bad.write_text("Subject: x\n\nline\n{{ no_such_variable }}\n", encoding="utf-8")
    with pytest.raises(CampaignTemplateError, match=r"request\.txt\.j2.*no_such_variable"):
        Renderer(tmp_path).render("request", "en", sample_context("request"))
    bad.write_text("Subject: x\n{% if %}\n", encoding="utf-8")
    with pytest.raises(CampaignTemplateError, match=r"request\.txt\.j2:2"):
        Renderer(tmp_path).render("request", "en", sample_context("request"))
    bad.write_text("No subject line\n", encoding="utf-8")
    with pytest.raises(CampaignTemplateError, match="Subject"):
        Renderer(tmp_path).render("request", "en", sample_context("request"))
    bad.write_text("Subject: {{ ''.__class__.__mro__ }}\n", encoding="utf-8")  # the sandbox stops this
    with pytest.raises(CampaignTemplateError):
        Renderer(tmp_path).render("request", "en", sample_context("request"))
    with pytest.raises(CampaignTemplateError, match="no such templates folder"):
        Renderer(tmp_path / "missing")


def test_every_default_template_renders_in_every_language() -> None:
    r = Renderer()
    for kind in ("request", "reminder", "receipt"):
        for lang in ("en", "zh"):
            out = r.render(kind, lang, sample_context(kind))
            assert out.language == lang and out.subject and out.body.strip()
            assert "\n\n\n" not in out.body


def test_settings_files_environment_and_errors(tmp_path: Path) -> None:
    f = tmp_path / "campaign.yaml"
    f.write_text("reminder_interval_days: 7\ncompany: ACME Corp\n", encoding="utf-8")
    s = load_settings(f, env={"MINETRACE_MAIL_FROM": "Sourcing <src@acme.example>"}, company="Override Ltd")
    assert (s.reminder_interval_days, s.company, s.sender_domain, s.source) == (7, "Override Ltd", "acme.example",
                                                                                str(f))
    f.write_text("reminder_interval: 7\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=r"campaign\.yaml: unknown setting 'reminder_interval'"):
        load_settings(f, env={})
    f.write_text("max_reminders: -1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_reminders"):
        load_settings(f, env={})
    with pytest.raises(SettingsError, match="no e-mail address"):
        load_settings(env={"MINETRACE_MAIL_FROM": "nobody"})


def test_smtp_configuration_comes_from_the_environment_only() -> None:
    with pytest.raises(SmtpConfigError, match="MINETRACE_SMTP_HOST"):
        SmtpConfig.from_env({})
    with pytest.raises(SmtpConfigError, match="MINETRACE_SMTP_SECURITY"):
        SmtpConfig.from_env({"MINETRACE_SMTP_HOST": "relay.example", "MINETRACE_SMTP_SECURITY": "ssl3"})
    with pytest.raises(SmtpConfigError, match="MINETRACE_SMTP_PASSWORD is not"):
        SmtpConfig.from_env({"MINETRACE_SMTP_HOST": "relay.example", "MINETRACE_SMTP_USER": "u"})
    with pytest.raises(SmtpConfigError, match="unencrypted"):
        SmtpConfig.from_env({"MINETRACE_SMTP_HOST": "relay.example", "MINETRACE_SMTP_SECURITY": "none",
                             "MINETRACE_SMTP_USER": "u", "MINETRACE_SMTP_PASSWORD": "p"})
    cfg = SmtpConfig.from_env({"MINETRACE_SMTP_HOST": "relay.example", "MINETRACE_SMTP_SECURITY": "tls",
                               "MINETRACE_SMTP_USER": "u", "MINETRACE_SMTP_PASSWORD": "s3cret"})
    assert (cfg.port, cfg.security) == (465, "tls") and "s3cret" not in repr(cfg) and "s3cret" not in cfg.describe()


def _message(to: str, mid: str) -> bytes:
    msg = build_message(sender="Sourcing <src@acme.example>", to=[to], subject="Hello", body="Body\n",
                        msg_id=mid, when=datetime(2026, 1, 1, tzinfo=UTC))
    return msg.as_bytes(policy=policy.SMTP)


def test_delivery_over_starttls_with_auth(tmp_path: Path) -> None:
    with smtp_server(tls_dir=tmp_path / "tls", user="campaign", password="pa ss") as server:
        cfg = SmtpConfig.from_env(server.env)
        items = [Outgoing("k1", "src@acme.example", ["a@x.example"], _message("a@x.example", "<1@acme.example>"))]
        (res,) = deliver(cfg, items)
        assert res.ok, res.error
        (got,) = server.sink.received
        assert got.authenticated and got.rcpt_tos == ["a@x.example"]
        assert message_from_bytes(got.data, policy=policy.default)["Message-ID"] == "<1@acme.example>"
        wrong = SmtpConfig.from_env({**server.env, "MINETRACE_SMTP_PASSWORD": "wrong"})
        (res,) = deliver(wrong, items)
        assert not res.ok and res.code == 535 and not res.transient and res.attempts == 1
        untrusted = SmtpConfig.from_env({k: v for k, v in server.env.items() if k != "MINETRACE_SMTP_CA_FILE"})
        (res,) = deliver(untrusted, items)  # the self-signed certificate is not trusted without the CA file
        assert not res.ok and "certificate" in (res.error or "").lower()
        assert len(server.sink.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # the connection *is* TLS (see above)
def test_delivery_over_implicit_tls_with_auth(tmp_path: Path) -> None:
    with smtp_server(tls_dir=tmp_path / "tls", user="campaign", password="s3cret", implicit_tls=True) as server:
        cfg = SmtpConfig.from_env(server.env)
        assert cfg.security == "tls"
        items = [Outgoing("k1", "src@acme.example", ["a@x.example"], _message("a@x.example", "<2@acme.example>"))]
        (res,) = deliver(cfg, items)
        assert res.ok, res.error
        assert [r.authenticated for r in server.sink.received] == [True]


def test_a_dead_relay_fails_every_message_without_stopping() -> None:
    from smtp_support import free_port

    cfg = SmtpConfig("127.0.0.1", free_port(), "none", retries=1, retry_delay=0)
    items = [Outgoing(f"k{i}", "s@x.example", [f"r{i}@x.example"], _message(f"r{i}@x.example", f"<{i}@x>"))
             for i in range(3)]
    results = deliver(cfg, items, sleep=lambda _: None)
    assert [(r.ok, r.transient, r.attempts) for r in results] == [(False, True, 2)] * 3


def test_message_ids_are_stable_and_headers_stay_on_one_line(tmp_path: Path) -> None:
    assert message_id("receipt", "ab" * 32, 1, "S 1/x", "acme.example") == \
        message_id("receipt", "ab" * 32, 1, "S 1/x", "acme.example")
    assert message_id("request", "2016", 1, "S1", "a.example") != message_id("request", "2016", 1, "S2", "a.example")
    assert usable_address("a@b.example") == "a@b.example"
    for bad in ("a at b.example", "a@b", "a@b.example, c@d.example", "", None, "x@y.example\nBcc: z@z.example"):
        assert usable_address(bad) is None, bad
    store = EmbeddedStore(tmp_path / "store")
    try:
        store.upsert_suppliers([SupplierRecord("S1", "Evil\r\nBcc: victim@x.example \x1b[2J\u202eLtd",
                                               contact_email="ops@evil.example",
                                               contact_name="Eve\r\nX-Injected: yes")])
        who = addressee(store.supplier("S1"))
        draft = Draft("S1", "Evil", "request", "2016", who.to, who.language,
                      {"supplier": who.supplier_context(), "year": 2016, "template_file": ""}, year=2016,
                      due="2017-02-01")
        res = write_drafts(store, [draft], load_settings(env={}), Renderer(), tmp_path / "out", date(2017, 1, 2))
        raw = Path(res.written[0].path).read_bytes()
        msg = message_from_bytes(raw, policy=policy.default)
        assert msg["Bcc"] is None and msg["X-Injected"] is None
        assert msg.get_all("To") and len(msg.get_all("To")) == 1
        text = msg.get_body(("plain",)).get_content()
        assert "\x1b" not in text and "\u202e" not in text and "Evil" in text
        again = write_drafts(store, [draft], load_settings(env={}), Renderer(), tmp_path / "out", date(2017, 1, 3))
        assert again.written == [] and [m.key for m in again.existing] == [res.written[0].key]
    finally:
        store.close()


def _item(key: str = "CID002587") -> dict:
    return {"key": key, "cid": key, "name": "Tony Goetz NV", "metal": "Gold", "country_iso2": "BE",
            "reasons": ["on the watchlist"], "rows": [7]}


def _decl(did: str, year: int = 2016, scope: str = "A") -> dict:
    return {"declaration_id": did, "file_name": f"{did}.xlsx", "reporting_year": year, "received": "2017-02-01",
            "scope": scope}


def test_case_state_machine_proposals_and_reopening() -> None:
    cases: dict[str, C.Case] = {}
    case, what = C.record_listing(cases, "S1", "One", _item(), _decl("d1"), "2017-02-01", "<r1@x>", "2017-04-01")
    assert (what, case.state, case.due) == ("opened", "requested", "2017-04-01")
    assert C.record_listing(cases, "S1", "One", _item(), _decl("d1"), "2017-02-02", None, None)[1] == "unchanged"
    assert C.propose_closures(cases, "S1", _decl("d0", year=2015), [], "2017-02-03") == []  # an older year's form
    (proposed,) = C.propose_closures(cases, "S1", _decl("d2", scope="A"), ["CID000001"], "2017-03-01")
    assert proposed.proposal["reason"] == "removed"
    assert C.propose_closures(cases, "S1", _decl("d2", scope="A"), ["CID000001"], "2017-03-02") == []  # once
    with pytest.raises(C.CaseError, match="cannot go from requested to open"):
        C.transition(case, "open", "2017-03-03")
    with pytest.raises(C.CaseError, match="--reason"):
        C.transition(case, "closed", "2017-03-03")
    C.transition(case, "closed", "2017-03-03", reason="removed")
    assert (case.state, case.closed_reason, case.proposal) == ("closed", "removed", None)
    with pytest.raises(C.CaseError):
        C.transition(case, "replied", "2017-03-04")
    case, what = C.record_listing(cases, "S1", "One", _item(), _decl("d3", year=2017), "2018-02-01", "<r3@x>", None)
    assert (what, case.state, case.closed_reason, case.years) == ("reopened", "requested", None, [2016, 2017])
    C.transition(case, "closed", "2018-03-01", reason="risk_accepted", note="single source, audited")
    case, what = C.record_listing(cases, "S1", "One", _item(), _decl("d4", year=2018), "2019-02-01", "<r4@x>", None)
    assert (what, case.state) == ("listed", "closed")  # an accepted risk is not reopened
    progress = {r["year"]: r for r in C.year_progress(list(cases.values()))}
    assert progress[2016]["at_start"] == 1 and progress[2016]["closed"] == 1 and progress[2016]["remaining"] == 0


def test_an_old_embedded_store_gains_the_new_columns_and_tables(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    EmbeddedStore(folder).close()
    db = sqlite3.connect(folder / "graph.sqlite")
    db.executescript("DROP TABLE campaign_record; ALTER TABLE supplier DROP COLUMN language; "
                     "ALTER TABLE supplier DROP COLUMN contact_name;")
    db.execute("INSERT INTO supplier(id, name, aliases, origin) VALUES ('S1', 'Old Co', '[]', 'master_list')")
    db.commit()
    db.close()
    st = EmbeddedStore(folder)
    try:
        s = st.supplier("S1")
        assert s is not None and (s.name, s.language, s.contact_name) == ("Old Co", None, None)
        assert st.campaign_records() == []
    finally:
        st.close()


def test_a_held_request_is_written_to_the_address_the_master_list_gives_later(tmp_path: Path) -> None:
    from minetrace.queries.campaign.requests import request_drafts
    from minetrace.queries.policy import load_policy

    store = EmbeddedStore(tmp_path / "store")
    try:
        store.upsert_suppliers([SupplierRecord("S1", "One", category="direct", last_purchase="2016-06-01")])
        settings, outbox = load_settings(env={}), tmp_path / "out"

        def run(day: date):  # noqa: ANN202
            drafts, held = request_drafts(store, 2016, date(2016, 12, 31), load_policy(), day, date(2017, 3, 1), None)
            return write_drafts(store, drafts, settings, Renderer(), outbox, day), held

        first, held = run(date(2017, 1, 10))
        assert [(m.state, m.to) for m in first.written] == [("held", [])] and [h.reason for h in held] == ["no_contact"]
        assert store.survey_events() == []  # nobody was contacted
        assert run(date(2017, 1, 11))[0].written == []  # still no address: nothing new
        store.upsert_suppliers([SupplierRecord("S1", "One", category="direct", last_purchase="2016-06-01",
                                               contact_email="one@one.example")])
        second, held = run(date(2017, 1, 12))
        (m,) = second.written
        assert (m.state, m.to, m.message_id, held) == ("written", ["one@one.example"], first.written[0].message_id, [])
        assert message_from_bytes(Path(m.path).read_bytes(), policy=policy.default)["To"] == "one@one.example"
        assert [(e.kind, e.date) for e in store.survey_events()] == [("contacted", "2017-01-12")]
    finally:
        store.close()


def test_master_list_language_and_contact_name_columns_and_a_broken_csv(tmp_path: Path) -> None:
    from minetrace.ingest.suppliers import read_supplier_list

    good = tmp_path / "vendors.csv"
    good.write_text("Vendor No.,Vendor Name,E-mail,Contact Person,Preferred Language\n"
                    "V1,One Co,one@one.example,Li Wei,简体中文\nV2,Two Co,two@two.example,,\n", encoding="utf-8")
    res = read_supplier_list(good)
    assert [(s.id, s.contact_name, s.language) for s in res.suppliers] == [("V1", "Li Wei", "简体中文"),
                                                                           ("V2", None, None)]
    assert language_code(res.suppliers[0].language) == "zh"
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"Supplier ID,Supplier Name\r\nS1,One\rCo,x\n")
    res = read_supplier_list(broken)
    assert res.suppliers == [] and res.findings[0].code == "supplier_list_unreadable"
    assert res.findings[0].location == "broken.csv"
