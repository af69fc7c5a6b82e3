"""Program strength (strong iff policy, due diligence, review, corrective action are all Yes), by role."""

from __future__ import annotations

import json

import pytest

from minetrace.ingest.layouts.model import CompanyQuestion, Layout
from minetrace.ingest.records import Answer, Declaration, FileInfo, TemplateInfo
from minetrace.queries.policy import PolicyError, load_policy
from minetrace.queries.program import declaration_program, program_strength

ALL_YES = {k: Answer("Yes", cell=f"Declaration!D{r}") for k, r in zip("ABCDEFGH", range(75, 91, 2), strict=True)}


def test_all_four_roles_yes_is_strong():
    r = program_strength(ALL_YES, layout_id="cmrt-6")
    assert r.strong and r.level == "strong"
    assert [(a.role, a.letter, a.answer) for a in r.answers] == [
        ("policy", "A", "Yes"), ("due_diligence", "D", "Yes"), ("review", "F", "Yes"),
        ("corrective_action", "G", "Yes")]
    assert r.answers[0].cell == "Declaration!D75"


@pytest.mark.parametrize("letter,role", [("A", "policy"), ("D", "due_diligence"), ("F", "review"),
                                         ("G", "corrective_action")])
def test_any_one_no_makes_it_weak_and_names_the_question(letter, role):
    answers = dict(ALL_YES)
    answers[letter] = Answer("No")
    r = program_strength(answers, layout_id="cmrt-6")
    assert r.level == "weak" and r.failed_roles == [role]
    assert f"question {letter}" in r.reasons[0] and "'No'" in r.reasons[0]


def test_other_questions_do_not_matter():
    answers = dict(ALL_YES)
    answers["B"] = Answer("No")
    answers["E"] = Answer("No")
    assert program_strength(answers, layout_id="cmrt-6").strong


def test_missing_answers_are_weak_with_no_answer_reason():
    r = program_strength({"A": Answer("Yes")}, layout_id="cmrt-6")
    assert r.level == "weak" and r.failed_roles == ["due_diligence", "review", "corrective_action"]
    assert "no answer" in r.reasons[0]


def test_answers_as_json_string_and_dicts_as_stored_on_the_graph():
    stored = json.dumps({k: {"answer": a.answer, "comment": None, "cell": a.cell} for k, a in ALL_YES.items()})
    assert program_strength(stored, layout_id="cmrt-6").strong
    assert program_strength({k: "yes " for k in "ADFG"}, template_version="6.4").strong  # case and spaces


def test_yes_with_qualifier_counts_but_yesterday_does_not():
    answers = {k: "Yes, in conformance with IPC1755" for k in "ADFG"}
    assert program_strength(answers, layout_id="cmrt-6").strong
    answers["G"] = "Yesterday"
    assert not program_strength(answers, layout_id="cmrt-6").strong


def test_older_layouts_are_read_by_role_not_letter(monkeypatch):
    import minetrace.ingest.layouts as layouts
    import minetrace.queries.program as program

    old = Layout(id="cmrt-test-old", kind="CMRT", versions=("9.99",), verified=False, release_date=None,
                 declaration_sheet="Declaration", company_cells=(), scopes=(), questions=(),
                 company_questions=(CompanyQuestion("A", 1, "policy?", role="policy"),
                                    CompanyQuestion("B", 2, "dd?", role="due_diligence"),
                                    CompanyQuestion("C", 3, "review?", role="review"),
                                    CompanyQuestion("E", 4, "corrective?", role="corrective_action")))
    monkeypatch.setattr(program, "ALL_LAYOUTS", (*layouts.ALL_LAYOUTS, old))
    r = program_strength({"A": "Yes", "B": "Yes", "C": "Yes", "E": "Yes", "D": "No", "G": "No"},
                         layout_id="cmrt-test-old")
    assert r.strong and [a.letter for a in r.answers] == ["A", "B", "C", "E"]


def test_role_not_asked_by_the_template_is_weak():
    import minetrace.queries.program as program

    lay = Layout(id="x", kind="CMRT", versions=("0.1",), verified=False, release_date=None,
                 declaration_sheet="Declaration", company_cells=(), scopes=(), questions=(),
                 company_questions=(CompanyQuestion("A", 1, "policy?", role="policy"),))
    program.ALL_LAYOUTS = (*program.ALL_LAYOUTS, lay)
    try:
        r = program_strength({"A": "Yes"}, layout_id="x")
        assert r.level == "weak" and "not asked in layout x" in r.reasons[1]
    finally:
        program.ALL_LAYOUTS = tuple(x for x in program.ALL_LAYOUTS if x.id != "x")


def test_declaration_record_and_policy_override():
    decl = Declaration(file=FileInfo("a.xlsx", "h", 1), template=TemplateInfo("CMRT", "6.4", layout="cmrt-6"),
                       company_answers={k: Answer("Yes") for k in "ADF"})
    assert declaration_program(decl).level == "weak"
    lenient = load_policy(overrides={"program": {"strong_roles": ["policy", "due_diligence", "review"]}})
    assert declaration_program(decl, lenient).level == "strong"


def test_bad_policy_file_names_file_and_key(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("scoping:\n  inactive_years: five\n")
    with pytest.raises(PolicyError, match=r"p.yaml: scoping.inactive_years"):
        load_policy(bad)
    (tmp_path / "q.yaml").write_text("- just a list\n")
    with pytest.raises(PolicyError, match="q.yaml"):
        load_policy(tmp_path / "q.yaml")


def test_user_policy_file_overrides_one_key_and_keeps_the_rest(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text("scoping:\n  inactive_years: 3\nrisk:\n  covered_countries: [CD]\n")
    p = load_policy(f)
    assert p.scoping.inactive_years == 3
    assert p.scoping.excluded_categories == ("service", "indirect")
    assert p.risk.covered_countries == frozenset({"CD"})
    assert p.source.endswith("mine.yaml")


@pytest.mark.parametrize("kind,version,letters", [("CMRT", "1.00", "AEIJ"), ("CMRT", "2.03a", "AEHI"),
                                                  ("CMRT", "3.01", "AEHI"), ("CMRT", "4.01", "AEHI"),
                                                  ("CMRT", "5.01", "AEGH"), ("CMRT", "6.5", "ADFG"),
                                                  ("CRT", "2.21", "ACHI")])
def test_older_versions_map_their_own_letters(kind, version, letters):
    answers = {k: "No" for k in "ABCDEFGHIJ"}
    for k in letters:
        answers[k] = "Yes (internal audit)" if k == letters[2] else "Yes"
    r = program_strength(answers, template_kind=kind, template_version=version)
    assert r.strong, (version, r.reasons)
    assert [a.letter for a in r.answers] == list(letters)
    answers[letters[3]] = "No"
    assert program_strength(answers, template_kind=kind, template_version=version).failed_roles == [
        "corrective_action"]


def test_policy_sections_must_be_mappings(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text("scoping: [1, 2]\n")
    with pytest.raises(PolicyError, match="s.yaml: scoping must be a mapping"):
        load_policy(f)
