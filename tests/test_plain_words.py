"""Plain words everywhere a person reads: one glossary (queries/glossary.yaml) for headers, statuses, flags,
outcomes, links and methods — every code of the catalogues has its words — and the consolidated CMRT export takes
the company block and is validated before it is written, with its findings listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from minetrace.app.cli import root
from minetrace.app.explorer import data
from minetrace.graph import schema as S
from minetrace.queries import glossary
from minetrace.queries.reasons import CATALOGUE
from minetrace.queries.survey import STATUSES

SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")


def test_every_code_a_person_may_read_has_words() -> None:
    for kind, codes in (("survey_status", STATUSES), ("outcome", S.OUTCOMES),
                        ("flag", {r.flag for r in CATALOGUE if r.flag} | {"high"}),
                        ("link", ("id", "name", "alias", "email_domain", "fuzzy", "name_variant", "analyst",
                                  "declared")),
                        ("year_source", ("option", "effective_date", "unfiled")),
                        ("resolution", ("resolved", "review", "unresolved", "unidentified")),
                        ("campaign_action", ("not_due", "not_contacted", "escalate", "no_contact"))):
        known = glossary.known(kind)
        missing = [c for c in codes if c not in known]
        assert not missing, f"{kind}: no words for {missing} in queries/glossary.yaml"
        assert not [w for w in known.values() if SNAKE.match(w)], kind
    assert glossary.value("link", "fuzzy 93") == "similar name (a proposal), score 93"


def test_no_table_header_of_the_explorer_is_snake_case() -> None:
    for cols in (data.DECL_COLS, data.HOP_COLS, data.RISK_COLS, data.PATH_COLS, data.FLAGGED_SMELTER_COLS,
                 data.MESSAGE_COLS, data.CASE_COLS):
        headers = [glossary.column(c) for c in cols]
        assert not [h for h in headers if SNAKE.match(h) or "_" in h], headers


def cli(*args: str) -> CliRunner:
    return CliRunner().invoke(root, list(args))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from minetrace.app.synthetic.demo import build_demo_store

    store, _, _ = build_demo_store(tmp_path_factory.mktemp("words"), 12)
    return store


def test_the_consolidated_cmrt_is_validated_before_it_is_handed_on(demo_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "ours.xlsx"
    res = cli("export", "cmrt", "--out", str(out), "--store", str(demo_store))
    assert res.exit_code == 0, res.output
    text = " ".join(res.stdout.split())
    assert "invalid" in text and "not ready to send" in text and "Declaration!D8" in text  # no company name yet
    block = {"name": "Demo Company Inc.", "scope": "A", "address": "1 Main Street", "contact_name": "Ana",
             "contact_email": "ana@democo.example", "contact_phone": "+1 555 0100", "authorizer_name": "Sam",
             "authorizer_title": "Head of Compliance", "authorizer_email": "sam@democo.example",
             "authorizer_phone": "+1 555 0101", "effective_date": "2017-05-15",
             "policy_url": "https://www.democo.example/policy",
             "answers": {q: {m: a for m in ("Tantalum", "Tin", "Gold", "Tungsten")}
                         for q, a in (("Q1", "Yes"), ("Q2", "Yes"), ("Q3", "Yes"), ("Q4", "No"), ("Q5", "No"),
                                      ("Q6", "100%"), ("Q7", "Yes"), ("Q8", "Yes"))},
             "company_answers": {c: "Yes" for c in "ABCDFGH"} | {"E": "Yes, Using Other Format (Describe)"},
             "company_comments": {"E": "our questionnaire"}}
    (demo_store / "company.yaml").write_text(yaml.safe_dump(block), encoding="utf-8")
    res = cli("export", "cmrt", "--out", str(out), "--store", str(demo_store), "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["status"] == "valid" and not [f for f in doc["findings"] if f["severity"] == "error"]
    from minetrace.ingest.pipeline import parse_file

    decl = parse_file(out)
    assert decl.status == "valid" and decl.company.name == "Demo Company Inc." and len(decl.smelters) == doc["rows"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("nmae: typo\n", encoding="utf-8")
    res = cli("export", "cmrt", "--out", str(out), "--store", str(demo_store), "--company-file", str(bad))
    assert res.exit_code == 2 and "unknown key(s) nmae" in res.stderr


def test_the_demo_forms_carry_no_date_before_their_template(demo_store: Path) -> None:
    from minetrace.graph.open import open_store

    st = open_store(str(demo_store))
    try:
        codes = {f["code"] for d in st.declarations(current_only=False) for f in json.loads(d.findings_json)}
    finally:
        st.close()
    assert "effective_date_before_release" not in codes


def test_empty_results_print_a_count_line(demo_store: Path) -> None:
    for args, expect in ((["risk", "smelters", "--level", "nothing"], "0 smelter(s)"),
                         (["query", "paths", "--flag", "no_such_flag"], "0 flagged paths"),
                         (["mitigation", "list"], "0 case(s)"), (["survey", "outbox"], "0 message(s)")):
        res = cli(*args, "--store", str(demo_store))
        assert res.exit_code == 0, res.output
        assert expect in res.stdout and "┏" not in res.stdout, (args, res.stdout)


def test_the_demo_summary_reads_in_80_columns(tmp_path: Path) -> None:
    res = CliRunner().invoke(root, ["demo", "--dir", str(tmp_path), "--suppliers", "10", "--seed", "5", "--no-serve"],
                             env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if "Validation summary" in line)
    end = next(i for i, line in enumerate(lines) if "CMRT(s) from" in line)
    table = lines[start:end]
    assert table and max(len(line) for line in table) <= 80, max(table, key=len)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", "\n".join(table))  # finding titles, not codes
    assert "stored (current form)" in res.stdout  # outcomes in words
