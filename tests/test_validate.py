"""Validation rules and the RMI Checker count, on declarations built by hand (one positive and one
negative case per rule). Real workbooks are in test_validate_real.py."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_validate_support import declaration_from_spec

from minetrace.ingest.findings import CATALOGUE, CODES, catalogue_rows, make_finding, severity_of
from minetrace.ingest.layouts import version_key
from minetrace.ingest.records import Answer, Declaration, Finding
from minetrace.ingest.validate import ValidationPolicy, checker_style, validate
from minetrace.queries.template_writer import CmrtSpec, Facility, ProductSpec, SmelterSpec, complete_spec

TODAY = date(2025, 12, 31)
POLICY = ValidationPolicy(today=TODAY)

TA = Facility("CID000001", "Tantalum", "Tantalum Works", "JAPAN")
SN = Facility("CID000292", "Tin", "Alpha", "UNITED STATES OF AMERICA")
AU = Facility("CID002587", "Gold", "Tony Goetz NV", "BELGIUM")
W = Facility("CID000004", "Tungsten", "Tungsten Works", "JAPAN")
ALL = (TA, SN, AU, W)


def good_spec(**kw: object) -> CmrtSpec:
    return complete_spec(smelters=[SmelterSpec.listed(f) for f in ALL], **kw)  # type: ignore[arg-type]


def run(spec: CmrtSpec, version: str = "6.5", policy: ValidationPolicy = POLICY, **kw: object) -> Declaration:
    decl = declaration_from_spec(spec, version, **kw)  # type: ignore[arg-type]
    validate(decl, policy)
    return decl


def codes(decl: Declaration) -> list[str]:
    return [f.code for f in decl.findings]


def find(decl: Declaration, code: str) -> list[Finding]:
    return [f for f in decl.findings if f.code == code]


# --- catalogue -----------------------------------------------------------------------------------

BRIEF_CODES = {
    "required_field_missing", "malformed_email", "effective_date_future", "effective_date_before_release",
    "metal_declared_no_but_smelters_listed", "metal_in_scope_without_smelters", "q7_yes_with_unidentified_smelters",
    "malformed_cid", "duplicate_smelter_row", "column_shift", "consolidated_row", "stale_template_version",
    "unknown_answer_value", "smelter_not_listed_incomplete", "product_list_missing", "policy_url_missing",
    "layout_unverified", "unknown_version", "checker_mismatch",
}


def test_catalogue_has_every_code_with_a_severity_and_text() -> None:
    assert BRIEF_CODES <= CODES
    assert len(CODES) == len(CATALOGUE)  # no duplicate codes
    for t in CATALOGUE:
        assert t.severity in {"error", "warning", "info"}
        assert t.title and len(t.description) > 20


def test_make_finding_takes_severity_from_catalogue() -> None:
    f = make_finding("checker_mismatch", "Checker!D2", "x")
    assert f.severity == "info" == severity_of("checker_mismatch")
    assert make_finding("required_field_missing", "Declaration!D8", "x").severity == "error"
    with pytest.raises(KeyError, match="not in the catalogue"):
        make_finding("no_such_code", "x", "y")


# --- the Checker count ---------------------------------------------------------------------------

def test_complete_form_is_valid_with_checker_zero() -> None:
    decl = run(good_spec())
    assert decl.checker_missing == 0
    assert decl.status == "valid"
    assert decl.findings == []


def test_blank_form_counts_52_like_the_template() -> None:
    decl = run(CmrtSpec())
    assert decl.checker_missing == 52
    assert decl.status == "invalid"
    assert len([f for f in decl.findings if f.code == "required_field_missing"]) == 48
    assert len(find(decl, "metal_in_scope_without_smelters")) == 4


def test_company_name_missing() -> None:
    spec = good_spec()
    spec.company["name"] = None
    decl = run(spec)
    assert decl.checker_missing == 1 and decl.status == "invalid"
    (f,) = find(decl, "required_field_missing")
    assert f.location == "Declaration!D8" and f.severity == "error"


def test_description_required_only_for_scope_c() -> None:
    spec = good_spec(scope="C")
    spec.company["scope_description"] = None
    decl = run(spec)
    assert [f.location for f in find(decl, "required_field_missing")] == ["Declaration!D10"]
    assert run(good_spec(scope="A")).checker_missing == 0


def test_email_without_at_is_counted_by_the_checker() -> None:
    spec = good_spec()
    spec.company["authorizer_email"] = "sam.authorizer at example.com"
    decl = run(spec)
    assert decl.checker_missing == 1
    (f,) = find(decl, "required_field_missing")
    assert f.location == "Declaration!D20" and "'@'" in f.message


def test_malformed_email_with_at_is_a_warning_only() -> None:
    spec = good_spec()
    spec.company["contact_email"] = "toru,nishio@example.co.jp"  # as in a real 6.4 file
    decl = run(spec)
    assert decl.checker_missing == 0 and decl.status == "valid"
    assert [f.location for f in find(decl, "malformed_email")] == ["Declaration!D16"]
    assert find(run(good_spec()), "malformed_email") == []


def test_several_addresses_in_one_cell_are_accepted() -> None:
    spec = good_spec()
    spec.company["contact_email"] = "a@example.com; b@example.com"
    assert find(run(spec), "malformed_email") == []


def test_q1_no_removes_that_metals_questions() -> None:
    spec = good_spec()
    spec.smelters = [s for s in spec.smelters if s.metal != "Tin"]
    spec.answers["Q1"]["Tin"] = "No"
    spec.answers["Q2"]["Tin"] = None
    for q in ("Q3", "Q4", "Q5", "Q6", "Q7", "Q8"):
        spec.answers[q]["Tin"] = None
    decl = run(spec)
    assert decl.checker_missing == 0 and decl.status == "valid"


def test_q1_yes_q2_no_removes_q3_to_q8() -> None:
    spec = good_spec()
    spec.smelters = [s for s in spec.smelters if s.metal != "Gold"]
    spec.answers["Q2"]["Gold"] = "No"
    for q in ("Q3", "Q4", "Q5", "Q6", "Q7", "Q8"):
        spec.answers[q]["Gold"] = None
    assert run(spec).checker_missing == 0


def test_q1_blank_requires_q2_to_q8_for_that_metal() -> None:
    spec = good_spec()
    spec.answers["Q1"]["Tungsten"] = None
    decl = run(spec)
    # Q1 itself + Q2 (not gated open) + Q3..Q8 (not countable without Q1/Q2 = Yes) = 8
    assert decl.checker_missing == 8
    assert all("Tungsten" in f.message for f in find(decl, "required_field_missing"))


def test_q2_blank_requires_it_and_q3_to_q8() -> None:
    spec = good_spec()
    spec.answers["Q2"]["Tantalum"] = None
    assert run(spec).checker_missing == 7


def test_company_questions_required_only_when_a_metal_is_in_scope() -> None:
    spec = complete_spec(metals=())  # every Q1 = No
    spec.company_answers = {}
    spec.policy_url = None
    decl = run(spec)
    assert decl.checker_missing == 0 and decl.status == "valid"
    spec2 = good_spec()
    spec2.company_answers.pop("D")
    decl2 = run(spec2)
    assert decl2.checker_missing == 1 and find(decl2, "required_field_missing")[0].location == "Declaration!D81"


def test_metal_in_scope_without_smelters() -> None:
    spec = good_spec()
    spec.smelters = [s for s in spec.smelters if s.metal != "Tin"]
    decl = run(spec)
    assert decl.checker_missing == 1
    (f,) = find(decl, "metal_in_scope_without_smelters")
    assert "Tin" in f.message and f.severity == "error"


def test_metal_row_without_lookup_does_not_count_as_a_smelter() -> None:
    spec = good_spec()
    spec.smelters = [s for s in spec.smelters if s.metal != "Tin"] + [SmelterSpec(metal="Tin")]
    assert find(run(spec), "metal_in_scope_without_smelters")


def test_smelter_not_listed_without_country_counts_once() -> None:
    spec = good_spec()
    spec.smelters += [SmelterSpec.not_listed("Tin", "Mystery Tin Co", None),
                      SmelterSpec.not_listed("Gold", None, "CHINA")]
    decl = run(spec)
    assert decl.checker_missing == 1
    found = find(decl, "smelter_not_listed_incomplete")
    assert len(found) == 2 and found[0].location == "Smelter List!row 9"
    ok = good_spec()
    ok.smelters.append(SmelterSpec.not_listed("Tin", "Mystery Tin Co", "CHINA"))
    assert run(ok).checker_missing == 0


def test_product_list_missing_for_scope_b() -> None:
    spec = good_spec(scope="B")
    spec.products = []
    decl = run(spec)
    assert decl.checker_missing == 1 and find(decl, "product_list_missing")[0].location == "Product List!B6"
    assert run(good_spec(scope="B")).checker_missing == 0
    assert run(good_spec(scope="A")).checker_missing == 0


def test_product_with_name_only_still_missing_like_the_checker() -> None:
    spec = good_spec(scope="B", products=[ProductSpec(None, "WF6 gas")])  # the SK case: B6 empty
    assert run(spec).checker_missing == 1


def test_policy_url_missing_when_b_is_yes() -> None:
    spec = good_spec()
    spec.policy_url = None
    decl = run(spec)
    assert decl.checker_missing == 1 and find(decl, "policy_url_missing")[0].location == "Declaration!G77"
    spec.company_answers["B"] = "No"
    assert run(spec).checker_missing == 0


# --- rules beyond the Checker ----------------------------------------------------------------------

def test_effective_date_in_the_future() -> None:
    spec = good_spec(effective_date=TODAY + timedelta(days=30))
    decl = run(spec)
    assert find(decl, "effective_date_future") and decl.status == "valid"
    assert not find(run(good_spec(effective_date=TODAY)), "effective_date_future")


def test_effective_date_before_template_release() -> None:
    decl = run(good_spec(effective_date=date(2024, 12, 31)), version="6.5")  # 6.5 released 2025-04-25
    (f,) = find(decl, "effective_date_before_release")
    assert "2025-04-25" in f.message and f.location == "Declaration!D22"
    assert not find(run(good_spec(effective_date=date(2025, 5, 1)), version="6.5"), "effective_date_before_release")


def test_effective_date_as_unreadable_text() -> None:
    spec = good_spec()
    spec.company["effective_date"] = "sometime in May"
    decl = run(spec)
    assert find(decl, "effective_date_unparsed") and decl.checker_missing == 0


def test_metal_declared_no_but_smelters_listed() -> None:
    spec = good_spec()
    spec.answers["Q1"]["Gold"] = "No"
    decl = run(spec)
    (f,) = find(decl, "metal_declared_no_but_smelters_listed")
    assert "Gold" in f.message and f.location == "Smelter List!row 7"
    assert not find(run(good_spec()), "metal_declared_no_but_smelters_listed")


def test_q7_yes_with_not_yet_identified_rows() -> None:
    spec = good_spec()
    spec.smelters.append(SmelterSpec.not_yet_identified("Tin"))
    decl = run(spec)
    (f,) = find(decl, "q7_yes_with_unidentified_smelters")
    assert f.location == "Declaration!D63"
    spec.answers["Q7"]["Tin"] = "No"
    assert not find(run(spec), "q7_yes_with_unidentified_smelters")


@pytest.mark.parametrize(("cid", "bad"), [("CID12", True), ("242332", True), ("NA", True), ("CID000292", False),
                                          ("2BOL010", False)])
def test_malformed_cid(cid: str, bad: bool) -> None:
    spec = good_spec()
    spec.smelters[1].cid = cid
    found = find(run(spec), "malformed_cid")
    assert bool(found) is bad
    if bad:
        assert found[0].location == "Smelter List!row 6"


def test_duplicate_smelter_rows() -> None:
    spec = good_spec()
    spec.smelters.append(SmelterSpec.listed(SN))
    (f,) = find(run(spec), "duplicate_smelter_row")
    assert f.severity == "info" and "row 6" in f.message
    other_metal = good_spec()
    other_metal.smelters.append(SmelterSpec(metal="Gold", lookup="Alpha", name="Alpha", country="X", cid="CID000292"))
    assert not find(run(other_metal), "duplicate_smelter_row")


def test_duplicate_by_name_when_no_cid() -> None:
    spec = good_spec()
    spec.smelters += [SmelterSpec.not_listed("Tin", "Mystery Tin", "CHINA"),
                      SmelterSpec.not_listed("Tin", "mystery tin", "China")]
    assert len(find(run(spec), "duplicate_smelter_row")) == 1


def test_unknown_answer_values() -> None:
    spec = good_spec()
    spec.answers["Q3"]["Tin"] = "Maybe"
    spec.company_answers["H"] = "Yes, with the FDA"
    decl = run(spec)
    locations = [f.location for f in find(decl, "unknown_answer_value")]
    assert locations == ["Declaration!D39", "Declaration!D89"]
    assert decl.status == "valid"  # an unexpected value is given, not missing
    assert not find(run(good_spec()), "unknown_answer_value")


def test_unknown_scope_text() -> None:
    spec = good_spec()
    spec.company["scope"] = "Z. Whatever"
    decl = run(spec)
    assert find(decl, "unknown_answer_value")[0].location == "Declaration!D9"
    assert decl.checker_missing == 1  # the Checker then wants a description of scope


def test_stale_template_version_policy() -> None:
    decl = run(good_spec(), version="6.01")
    assert not find(decl, "stale_template_version")
    strict = ValidationPolicy(today=TODAY, min_versions=(("CMRT", "6.4"),))
    (f,) = find(run(good_spec(), version="6.31", policy=strict), "stale_template_version")
    assert f.severity == "warning" and "6.31" in f.message
    assert version_key("6.01") < version_key("6.1") < version_key("6.22") < version_key("6.4")
    assert version_key("2.03") < version_key("2.03a") < version_key("3.01")


def test_stale_for_old_generation_by_default() -> None:
    decl = declaration_from_spec(CmrtSpec(), "3.01", layout_id="cmrt-3")
    validate(decl, POLICY)
    assert find(decl, "stale_template_version")


def test_unknown_version_has_no_checker_count() -> None:
    decl = declaration_from_spec(good_spec(), "6.5")
    decl.template.version = "9.9"
    decl.template.layout = None
    validate(decl, POLICY)
    assert decl.checker_missing is None and find(decl, "unknown_version")
    assert checker_style("CMRT", "6.5") == "rmi6" and checker_style("XYZ", "1.0") is None


def test_layout_unverified_warning() -> None:
    decl = declaration_from_spec(good_spec(), "6.5")
    decl.template.layout_verified = False
    validate(decl, POLICY)
    assert find(decl, "layout_unverified") and decl.status == "valid"
    assert not find(run(good_spec()), "layout_unverified")


def test_checker_mismatch_against_cached_d2() -> None:
    decl = run(good_spec(), workbook_checker="3")
    (f,) = find(decl, "checker_mismatch")
    assert f.severity == "info" and f.location == "Checker!D2" and decl.status == "valid"
    assert not find(run(good_spec(), workbook_checker="0"), "checker_mismatch")
    assert not find(run(good_spec(), workbook_checker=0.0), "checker_mismatch")
    assert not find(run(good_spec(), workbook_checker="#VALUE!"), "checker_mismatch")


def test_reader_findings_are_kept_and_count_for_status() -> None:
    decl = declaration_from_spec(good_spec())
    decl.findings.append(make_finding("column_shift", "Smelter List!row 5", "street in the ID column"))
    validate(decl, POLICY)
    assert codes(decl) == ["column_shift"] and decl.status == "valid"
    decl2 = declaration_from_spec(good_spec())
    decl2.findings.append(Finding("required_field_missing", "error", "Declaration!D8", "from the reader"))
    validate(decl2, POLICY)
    assert decl2.status == "invalid"


def test_validate_twice_does_not_duplicate_findings() -> None:
    spec = good_spec()
    spec.company["name"] = None
    decl = declaration_from_spec(spec)
    validate(decl, POLICY)
    first = list(decl.findings)
    validate(decl, POLICY)
    assert decl.findings == first


# --- older generations, from their own Checker formulas ----------------------------------------------

@pytest.mark.parametrize(("layout_id", "version", "expected"), [
    ("cmrt-3", "3.01", 48),       # 3.01 blank template D2
    ("cmrt-2.03", "2.03a", 40),   # 2.03a blank template D2
    ("cmrt-2.02", "2.02", 40),    # required 40 − completed 0
    ("cmrt-1", "1.00", 37),       # no Checker in 1.00: its (*) fields, contact name and e-mail included
])
def test_blank_counts_of_older_generations(layout_id: str, version: str, expected: int) -> None:
    decl = declaration_from_spec(CmrtSpec(), version, layout_id=layout_id)
    validate(decl, POLICY)
    assert decl.checker_missing == expected


def test_cmrt202_checker_counts_missing_fields_never_below_zero() -> None:
    """2.02: D2 = required − completed; answering questions of a metal declared 'No' over-completes, so the
    workbook's own total goes negative. We count what is missing: nothing here, then one field."""
    spec = CmrtSpec(company={"name": "X", "scope": "A", "authorizer_name": "Y", "authorizer_email": "y@x.com",
                             "effective_date": date(2013, 7, 13)})
    metals = ("Tantalum", "Tin", "Gold", "Tungsten")
    q1 = {"Tantalum": "No", "Tin": "Yes", "Gold": "Yes", "Tungsten": "No"}
    spec.answers = {"Q1": q1, **{q: dict.fromkeys(metals, "No") for q in ("Q2", "Q3", "Q4", "Q5", "Q6")}}
    spec.company_answers = dict.fromkeys("ABCDEFGHIJ", "Yes")
    spec.smelters = [SmelterSpec(metal="Tin", lookup="X", name="Some Smelter", country="BOLIVIA")]
    decl = declaration_from_spec(spec, "2.02", layout_id="cmrt-2.02")
    validate(decl, POLICY)
    # the template: required 1 (scope A) + 29 (two Q1 "Yes") = 30, completed 5 + 24 + 10 + 1 smelter = 40 → -10
    assert decl.checker_missing == 0
    decl = declaration_from_spec(spec, "2.02", layout_id="cmrt-2.02", workbook_checker=-10)
    validate(decl, POLICY)
    assert decl.checker_missing == 0 and find(decl, "workbook_checker_error")
    assert not find(decl, "checker_mismatch")
    spec.answers["Q3"]["Tin"] = None
    decl = declaration_from_spec(spec, "2.02", layout_id="cmrt-2.02")
    validate(decl, POLICY)
    assert decl.checker_missing == 1


def test_cmrt1_metal_declared_no_needs_no_further_answers() -> None:
    spec = CmrtSpec(company={"name": "X", "authorizer_name": "Y", "authorizer_email": "y@x.com",
                             "contact_name": "Z", "contact_email": "z@x.com", "effective_date": date(2011, 9, 1)})
    spec.answers = {"Q1": dict.fromkeys(("Tantalum", "Tin", "Gold", "Tungsten"), "No")}
    decl = declaration_from_spec(spec, "1.00", layout_id="cmrt-1")
    validate(decl, POLICY)
    assert decl.checker_missing == 0
    spec.answers["Q1"]["Tin"] = "Yes"
    decl = declaration_from_spec(spec, "1.00", layout_id="cmrt-1")
    validate(decl, POLICY)
    assert decl.checker_missing == 4 + 11  # Q2–Q5 for tin, company questions A–K
    del spec.company["contact_email"]  # 1.00 marks the contact's e-mail (*) too
    decl = declaration_from_spec(spec, "1.00", layout_id="cmrt-1")
    validate(decl, POLICY)
    assert decl.checker_missing == 4 + 11 + 1
    assert any(f.code == "required_field_missing" and f.location == "Declaration!D15" for f in decl.findings)


def test_policy_from_a_policy_file_section() -> None:
    policy = ValidationPolicy.from_mapping({"min_versions": {"CMRT": "6.31", "EMRT": "2.0"}, "today": "2025-01-31",
                                            "future_grace_days": 7})
    assert policy.min_version("CMRT") == "6.31" and policy.min_version("EMRT") == "2.0"
    assert policy.today == date(2025, 1, 31) and policy.future_grace_days == 7
    assert find(run(good_spec(), version="6.22", policy=policy), "stale_template_version")
    with pytest.raises(ValueError, match="unknown validation policy"):
        ValidationPolicy.from_mapping({"min_version": "6.0"})


def test_display_name_email_is_accepted() -> None:
    spec = good_spec()
    spec.company["contact_email"] = "Alex Contact <alex.contact@example.com>"
    assert not find(run(spec), "malformed_email")


_values = st.one_of(st.none(), st.text(max_size=12), st.integers(-5, 5), st.floats(allow_nan=False, width=16),
                    st.dates(), st.booleans())


@settings(max_examples=150, deadline=None)
@given(company=st.dictionaries(st.sampled_from(["name", "scope", "scope_description", "contact_name", "contact_email",
                                                "contact_phone", "authorizer_name", "authorizer_email",
                                                "effective_date"]), _values),
       answers=st.dictionaries(st.sampled_from(["Q1", "Q2", "Q3", "Q7"]),
                               st.dictionaries(st.sampled_from(["Tin", "Gold", "Cobalt"]), _values)),
       rows=st.lists(st.tuples(st.sampled_from([None, "Tin", "Gold", "tin"]), _values, _values, _values), max_size=6),
       version=st.sampled_from(["6.5", "6.01", "3.01", "2.02", "2.03a", "1.00", None, "x"]))
def test_validate_never_crashes_on_odd_values(company: dict, answers: dict, rows: list, version: str | None) -> None:
    spec = CmrtSpec(company={k: v for k, v in company.items() if k != "scope"},
                    smelters=[SmelterSpec(metal=m, lookup=lk, name=n, cid=c) for m, lk, n, c in rows])  # type: ignore[arg-type]
    layout_id = {"3.01": "cmrt-3", "2.02": "cmrt-2.02", "2.03a": "cmrt-2.03", "1.00": "cmrt-1"}.get(version or "",
                                                                                                   "cmrt-6")
    decl = declaration_from_spec(spec, version or "6.5", layout_id=layout_id, workbook_checker=company.get("name"))
    decl.template.version = version
    decl.company.scope_text = company.get("scope")  # type: ignore[assignment]
    for qid, per_metal in answers.items():
        for metal, value in per_metal.items():
            decl.answers.setdefault(qid, {})[metal] = Answer(value)  # type: ignore[arg-type]
    validate(decl, POLICY)
    assert decl.status in {"valid", "invalid"}
    assert all(f.code in CODES for f in decl.findings)
    assert decl.status == ("invalid" if any(f.severity == "error" for f in decl.findings) else "valid")


def test_reader_findings_take_the_catalogue_severity() -> None:
    decl = declaration_from_spec(good_spec())
    decl.findings += [Finding("consolidated_row", "warning", "Smelter List!row 5", "a|b"),
                      Finding("layout_unverified", "info", "Declaration!J3", "4.x"),
                      Finding("not_catalogued", "error", "x", "kept as emitted")]
    validate(decl, POLICY)
    assert [(f.code, f.severity) for f in decl.findings] == [("consolidated_row", "info"),
                                                             ("layout_unverified", "warning"),
                                                             ("not_catalogued", "error")]
    assert decl.status == "invalid"


def test_catalogue_rows_for_the_legend() -> None:
    rows = catalogue_rows()
    assert {r["stage"] for r in rows} == {"reader", "validation", "resolution", "master_list", "ingest"}
    assert all(set(r) == {"code", "title", "severity", "description", "stage"} for r in rows)


def test_many_repeats_of_one_smelter_make_one_finding() -> None:
    spec = good_spec()
    spec.smelters += [SmelterSpec.listed(SN) for _ in range(12)]
    (f,) = find(run(spec), "duplicate_smelter_row")
    assert f.location == "Smelter List!row 9"
    assert f.message.startswith("Rows 9, 10, 11") and "(+2 more) repeat row 6" in f.message


def test_cells_the_reader_cleaned_away_count_as_excel_sees_them() -> None:
    """A space typed into a required cell silences the RMI Checker; ours agrees (and so matches D2)."""
    spec = good_spec()
    spec.company["contact_phone"] = None
    spec.answers["Q4"]["Gold"] = None
    spec.company_answers.pop("F")
    decl = declaration_from_spec(spec)
    validate(decl, POLICY)
    assert decl.checker_missing == 3
    decl = declaration_from_spec(spec)
    decl.raw_cells = {"Declaration!D17": " ", "Declaration!D46": " ", "Declaration!D85": "\t"}
    decl.company_answers["F"] = Answer(None, None, "Declaration!D85")
    decl.answers["Q4"]["Gold"] = Answer(None, None, "Declaration!D46")  # the reader keeps every answer cell
    validate(decl, POLICY)
    assert decl.checker_missing == 0
    decl = declaration_from_spec(spec)
    decl.raw_cells = {"Declaration!D17": 0}  # the number 0 is missing for Excel too
    validate(decl, POLICY)
    assert decl.checker_missing == 3


# --- questions read by what they ask (role), per generation ------------------------------------------

def _with_tin_row(spec: CmrtSpec) -> CmrtSpec:
    spec.smelters = [SmelterSpec(metal="Tin", lookup="X", name="Some Smelter", country="BOLIVIA")]
    return spec


def test_2x_sourcing_question_is_no_scope_answer() -> None:
    """CMRT 2.x Q2 asks whether the metal comes from the DRC or an adjoining country: "No" is good news about the
    metal's origin, not "the metal is not used"."""
    spec = _with_tin_row(CmrtSpec(answers={"Q1": {"Tin": "Yes"}, "Q2": {"Tin": "No"}}))
    decl = declaration_from_spec(spec, "2.03a", layout_id="cmrt-2.03")
    validate(decl, POLICY)
    assert not find(decl, "metal_declared_no_but_smelters_listed")
    spec.answers["Q1"]["Tin"] = "No"  # the "uses" question does take it out of scope
    decl = declaration_from_spec(spec, "2.03a", layout_id="cmrt-2.03")
    validate(decl, POLICY)
    (f,) = find(decl, "metal_declared_no_but_smelters_listed")
    assert f.message.startswith("Q1 declares Tin out of scope")


def test_6x_remains_question_is_a_scope_answer() -> None:
    spec = _with_tin_row(CmrtSpec(answers={"Q1": {"Tin": "Yes"}, "Q2": {"Tin": "No"}}))
    (f,) = find(run(spec), "metal_declared_no_but_smelters_listed")
    assert f.message.startswith("Q2 declares Tin")


def test_3x_metal_is_out_of_scope_only_when_both_scope_questions_say_no() -> None:
    spec = _with_tin_row(CmrtSpec(answers={"Q1": {"Tin": "No"}, "Q2": {"Tin": "Yes"}}))
    decl = declaration_from_spec(spec, "3.01", layout_id="cmrt-3")
    validate(decl, POLICY)
    assert not find(decl, "metal_declared_no_but_smelters_listed")
    spec.answers["Q2"]["Tin"] = "No"
    decl = declaration_from_spec(spec, "3.01", layout_id="cmrt-3")
    validate(decl, POLICY)
    (f,) = find(decl, "metal_declared_no_but_smelters_listed")
    assert f.message.startswith("Q1/Q2 declare Tin")


@pytest.mark.parametrize(("version", "layout_id", "letter", "answer", "cell"), [
    ("2.03a", "cmrt-2.03", "I", "Yes", "Declaration!G75"),  # "If 'Yes', please describe how you manage …"
    ("2.02", "cmrt-2.02", "F", "No", "Declaration!G69"),    # "If 'No', please describe what you request …"
    ("2.02", "cmrt-2.02", "B", "Yes", "Declaration!G61"),   # "If 'Yes', provide the web link"
    ("3.01", "cmrt-3", "I", "Yes", "Declaration!G85"),
    ("1.00", "cmrt-1", "J", "Yes", "Declaration!G69"),
    ("6.5", "cmrt-6", "E", "Yes, using other format (describe)", "Declaration!G83"),
])
def test_answers_the_instructions_require_to_be_explained(version: str, layout_id: str, letter: str, answer: str,
                                                          cell: str) -> None:
    spec = CmrtSpec(company_answers={letter: answer})
    decl = declaration_from_spec(spec, version, layout_id=layout_id)
    validate(decl, POLICY)
    (f,) = [f for f in find(decl, "answer_not_explained") if f.location == cell]
    assert f.severity == "warning" and f"Question {letter}" in f.message
    spec.company_comments[letter] = "Explained here."
    decl = declaration_from_spec(spec, version, layout_id=layout_id)
    validate(decl, POLICY)
    assert not [f for f in find(decl, "answer_not_explained") if f.location == cell]


def test_an_answer_that_needs_no_explanation_raises_nothing() -> None:
    decl = declaration_from_spec(CmrtSpec(company_answers={"I": "No", "F": "Yes"}), "2.03a", layout_id="cmrt-2.03")
    validate(decl, POLICY)
    assert not find(decl, "answer_not_explained")


def test_old_style_id_needs_an_iso_country_code() -> None:
    spec = CmrtSpec(smelters=[SmelterSpec(metal="Gold", lookup="X", name="A Refinery", country="CANADA",
                                          cid="1CDN123"),
                              SmelterSpec(metal="Gold", lookup="Y", name="B Refinery", country="CANADA",
                                          cid="1CAN124")])
    decl = declaration_from_spec(spec, "2.03a", layout_id="cmrt-2.03")
    validate(decl, POLICY)
    (f,) = find(decl, "malformed_cid")
    assert "1CDN123" in f.message and "ISO" in f.message
