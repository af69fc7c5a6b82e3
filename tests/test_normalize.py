"""Every normalisation rule of `ingest.normalize`, one behaviour per test."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from minetrace.ingest.normalize import (
    clean_cid,
    clean_field,
    clean_text,
    is_blank,
    is_footer,
    language_name,
    lookup_kind,
    match_answer,
    metal_name,
    parse_date,
    parse_text_date,
    scope_letter,
    split_consolidated,
    split_date,
)

YES_NO = ("Yes", "No")
Q6 = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")
RECEIVED_3 = ("Yes, 100%", "No, but greater than 75% ", "No, but greater than 50%", "None")


def test_clean_text_strips_tab_padding_nbsp_and_newlines() -> None:
    assert clean_text("Central Glass Co., Ltd.\t\t\t\t\t\t") == "Central Glass Co., Ltd."
    assert clean_text("\u00a0Acme\u00a0 Corp\u00a0") == "Acme Corp"
    assert clean_text("  Shizhuyuan, Suxian\n") == "Shizhuyuan, Suxian"
    assert clean_text("a\n\nb", collapse=False) == "a\n\nb"
    assert clean_text("   \t ") is None
    assert clean_text(None) is None


def test_clean_text_numbers_print_without_trailing_zero() -> None:
    assert clean_text(242332.0) == "242332"
    assert clean_text(1.5) == "1.5"


def test_clean_field_drops_lookup_zero_errors_and_link_captions() -> None:
    assert clean_field(0) is None
    assert clean_field(0.0) is None
    assert clean_field("#N/A") is None
    assert clean_field(True) is None
    assert clean_field("Click here to enter the products") is None
    assert clean_field("'Smelter List'!A1") is None
    assert clean_field("Enter smelter details") is None
    assert clean_field("Xiamen") == "Xiamen"
    assert is_blank("") and is_blank(None) and is_blank(0) and not is_blank("0 Main St")


@pytest.mark.parametrize("value, expected", [
    (" No", "No"), ("yes", "Yes"), ("YES ", "Yes"), ("No\t", "No"), ("\u00a0Yes", "Yes"), ("No.", "No"),
])
def test_answers_match_allowed_list_case_and_padding_insensitive(value: str, expected: str) -> None:
    assert match_answer(value, YES_NO) == expected


def test_answer_with_trailing_space_in_template_list_returns_clean_option() -> None:
    assert match_answer("No, but greater than 75% ", RECEIVED_3) == "No, but greater than 75%"
    assert match_answer("no, but greater than 75%", RECEIVED_3) == "No, but greater than 75%"


@pytest.mark.parametrize("value", [1, 1.0, "100%", " 100 % "])
def test_q6_hundred_percent_as_number_or_text(value: object) -> None:
    assert match_answer(value, Q6) == "100%"


def test_q6_number_one_in_301_list_is_yes_100() -> None:
    assert match_answer(1.0, RECEIVED_3) == "Yes, 100%"


def test_unknown_answer_is_kept_cleaned_and_zero_is_no_answer() -> None:
    assert match_answer("  Maybe ", YES_NO) == "Maybe"
    assert match_answer(0, YES_NO) is None
    assert match_answer(None, YES_NO) is None
    assert match_answer("", YES_NO) is None


def test_dates_datetime_date_and_serial_by_epoch() -> None:
    def to_date_1904(v: float) -> date:
        from datetime import timedelta
        return date(1904, 1, 1) + timedelta(days=int(v))

    assert parse_date(datetime(2024, 5, 10, 0, 0)) == (date(2024, 5, 10), None)
    assert parse_date(date(2024, 5, 10)) == (date(2024, 5, 10), None)
    assert parse_date(40006, to_date_1904) == (date(2013, 7, 13), None)
    assert parse_date("40006", to_date_1904) == (date(2013, 7, 13), "40006")
    assert parse_date(None) == (None, None)
    assert parse_date("not a date") == (None, "not a date")


@pytest.mark.parametrize("text, expected", [
    ("02-May-2024", date(2024, 5, 2)),
    ("2024/05/02", date(2024, 5, 2)),
    ("2024-05-02", date(2024, 5, 2)),
    ("May 2, 2024", date(2024, 5, 2)),
    ("2 May 2024", date(2024, 5, 2)),
    ("July 18th, 2011", date(2011, 7, 18)),
    ("2024年5月2日", date(2024, 5, 2)),
    ("20240502", date(2024, 5, 2)),
    ("05/02/2024", date(2024, 5, 2)),
    ("25/12/2023", date(2023, 12, 25)),
    ("2024.05.02", date(2024, 5, 2)),
    ("02.05.2024", date(2024, 5, 2)),
    ("02-05-2024", date(2024, 5, 2)),
    ("5/2/24", date(2024, 5, 2)),
])
def test_text_dates(text: str, expected: date) -> None:
    assert parse_text_date(text) == expected


def test_text_date_garbage_and_impossible_dates() -> None:
    assert parse_text_date("31-Feb-2024") is None
    assert parse_text_date("soon") is None


def test_split_date_of_cmrt_100() -> None:
    assert split_date(18, "July", 2011) == (date(2011, 7, 18), "18 July 2011")
    assert split_date(18.0, "jul", "2011") == (date(2011, 7, 18), "18 jul 2011")
    assert split_date(None, None, None) == (None, None)
    assert split_date(None, "July", 2011)[0] is None


SCOPES_6 = (("A. Company", "A"), ("B. Product (or List of Products)", "B"),
            ("C. User defined [Specify in 'Description of scope']", "C"))


def test_scope_text_to_letter() -> None:
    assert scope_letter("A. Company", SCOPES_6) == ("A", "A. Company")
    assert scope_letter(" b. product (or list of products) ", SCOPES_6) == ("B", "B. Product (or List of Products)")
    assert scope_letter("D. Product Level") == ("D", "D. Product Level")
    assert scope_letter("A. Company Level")[0] == "A"
    assert scope_letter(None) == (None, None)
    assert scope_letter(0) == (None, None)
    assert scope_letter("Whole company") == (None, "Whole company")
    assert scope_letter("Company", SCOPES_6) == ("A", "Company")
    assert scope_letter("user defined", SCOPES_6) == ("C", "user defined")


def test_cid_cleaning_keeps_the_value_as_given() -> None:
    assert clean_cid(" CID002082\u00a0") == "CID002082"
    assert clean_cid("CID 002082") == "CID002082"
    assert clean_cid("cid002082") == "cid002082"
    assert clean_cid(242332.0) == "242332"
    assert clean_cid(0) is None
    assert clean_cid("") is None
    assert clean_cid("2BOL010") == "2BOL010"


@pytest.mark.parametrize("value, kind", [
    ("Smelter not listed", "not_listed"), ("Smelter Not Listed", "not_listed"), ("SMELTER NOT LISTED ", "not_listed"),
    ("Smelter not yet identified", "not_yet_identified"), ("smelter Not Yet Identified", "not_yet_identified"),
    ("Alpha Metals", "listed"), (None, None), (0, None), ("", None),
])
def test_lookup_kind(value: object, kind: str | None) -> None:
    assert lookup_kind(value) == kind


def test_split_consolidated() -> None:
    assert split_consolidated("CID000001|CID000002 | CID000003") == ["CID000001", "CID000002", "CID000003"]
    assert split_consolidated("CID000001") is None
    assert split_consolidated("a|") is None


def test_metal_names() -> None:
    assert metal_name("Tantalum (Ta)") == "Tantalum"
    assert metal_name("Tungsten  (*)") == "Tungsten"
    assert metal_name("Cobalt(*)") == "Cobalt"
    assert metal_name("Iron/ Steel(*)") == "Iron/ Steel"
    assert metal_name("(Delete Cobalt)") is None
    assert metal_name(0.0) is None


def test_language_and_footer() -> None:
    assert language_name("中文 Chinese") == "Chinese"
    assert language_name("Português") == "Portuguese"
    assert language_name("English") == "English"
    assert is_footer("© 2024 Responsible Minerals Initiative. All rights reserved.")
    assert not is_footer("Xiamen Tungsten Co., Ltd.")
