"""The Checker count on every workbook in ../shared/cmrt: ours must equal the workbook's own
Checker!D2 wherever Excel computed it (blank templates, real fills, EICC test files)."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import shared_path

from minetrace.ingest.pipeline import parse_file
from minetrace.ingest.records import Declaration


@cache
def _parse(folder: str, name: str) -> Declaration:
    return parse_file(shared_path("cmrt", folder, name))


BLANKS = [
    ("RMI_CMRT_6.01_zh-saved.xlsx", 52),
    ("RMI_CMRT_6.1_zh-saved.xlsx", 52),
    ("RMI_CMRT_6.22_zh-saved.xlsx", 52),
    ("RMI_CMRT_6.31_zh-saved.xlsx", 50),  # re-saved with D9 and question A pre-set
    ("RMI_CMRT_6.4_en.xlsx", 52),
    ("RMI_CMRT_6.5_en.xlsx", 52),
    ("RMI_CMRT_6.5_zh-saved.xlsx", 52),
    ("CMRT_3.01_blank_encrypted.xls", 48),
    ("CMRT_2.03a_blank_encrypted.xls", 40),
    ("RMI_EMRT_1.3_zh-saved.xlsx", 31),
    ("RMI_EMRT_2.0_en.xlsx", 68),
    ("RMI_EMRT_2.1_zh-saved.xlsx", 68),
    ("RMI_CRT_2.21_zh-saved.xlsx", 23),
    ("RMI_AMRT_1.21_en.xlsx", 26),
    ("RMI_AMRT_1.3_zh-saved.xlsx", 9),
]


@pytest.mark.parametrize(("name", "expected"), BLANKS)
def test_blank_template_checker_equals_its_own_d2(name: str, expected: int) -> None:
    decl = _parse("templates", name)
    assert decl.checker_missing == expected
    assert float(decl.workbook_checker) == expected  # the template's cached D2, computed by Excel
    assert decl.status == "invalid"
    assert not [f for f in decl.findings if f.code == "checker_mismatch"]


FILLED = [
    # name, checker, status
    ("CMRT_6.4_Giga_20240426.xlsx", 0, "valid"),
    ("CMRT_6.4_Merck_WF6_Apr2024.xlsx", 0, "valid"),
    ("CMRT_6.4_SK_WF6_20240509.xlsx", 1, "invalid"),
    ("CMRT_2.02_ConnorWinfield_2013.xls", 0, "valid"),  # its own D2 is -5: 2.02's required − completed
    ("CMRT_3.01_GoerTech_fixture.xls", 2, "invalid"),
    ("CMRT_eicc_3.01_3.01_protected_97.xls", 2, "invalid"),
    ("CMRT_eicc_2.03a_2.03a_valid_1.xls", 0, "valid"),
]


@pytest.mark.parametrize(("name", "expected", "status"), FILLED)
def test_filled_checker_equals_workbook_d2(name: str, expected: int, status: str) -> None:
    decl = _parse("filled", name)
    assert decl.checker_missing == expected
    if float(decl.workbook_checker) >= 0:
        assert float(decl.workbook_checker) == expected
    else:  # a negative D2 is no count: said, never copied
        assert [f for f in decl.findings if f.code == "workbook_checker_error"]
        assert not [f for f in decl.findings if f.code == "checker_mismatch"]
    assert decl.status == status


def test_checker_counts_are_never_negative_and_broken_checkers_are_said() -> None:
    for name in ("CMRT_2.00_green.xlsx", "CMRT_2.01_high_risk.xlsx", "CMRT_2.02_ConnorWinfield_2013.xls"):
        decl = _parse("filled", name)
        assert decl.checker_missing is not None and decl.checker_missing >= 0, name
        (f,) = [f for f in decl.findings if f.code == "workbook_checker_error"]
        assert f.location == "Checker!D2" and f.severity == "info", name
    blank = _parse("templates", "CMRT_2.00_blank.xls")
    assert blank.checker_missing == 40  # the 2.02 formula's required count: nothing answered
    assert "#VALUE!" in next(f.message for f in blank.findings if f.code == "workbook_checker_error")


def test_no_2x_file_raises_a_scope_warning_from_its_sourcing_question() -> None:
    """CMRT 2.x question 2 asks where the metal comes from (DRC or an adjoining country): a "No" there is no
    "metal not used" and must not be read as one."""
    folder = shared_path("cmrt", "filled")
    for path in sorted(folder.glob("*2.0*")):
        decl = _parse("filled", path.name)
        assert not [f for f in decl.findings if f.code == "metal_declared_no_but_smelters_listed"], path.name


def test_yes_without_the_explanation_the_instructions_require() -> None:
    decl = _parse("filled", "CMRT_2.02_ConnorWinfield_2013.xls")
    (f,) = [f for f in decl.findings if f.code == "answer_not_explained"]
    assert f.location == "Declaration!G75" and "Question I is 'Yes'" in f.message and f.severity == "warning"


def test_sk_is_invalid_for_its_product_list_only() -> None:
    decl = _parse("filled", "CMRT_6.4_SK_WF6_20240509.xlsx")
    errors = [(f.code, f.location) for f in decl.findings if f.severity == "error"]
    assert errors == [("product_list_missing", "Product List!B6")]


def test_giga_comma_email_is_a_warning_not_an_error() -> None:
    decl = _parse("filled", "CMRT_6.4_Giga_20240426.xlsx")
    (f,) = [f for f in decl.findings if f.code == "malformed_email"]
    assert f.location == "Declaration!D16" and f.severity == "warning"


def test_old_templates_are_stale_by_default() -> None:
    decl = _parse("filled", "CMRT_3.01_GoerTech_fixture.xls")
    assert [f.code for f in decl.findings if f.code == "stale_template_version"] == ["stale_template_version"]
    assert not [f for f in _parse("filled", "CMRT_6.4_Merck_WF6_Apr2024.xlsx").findings
                if f.code == "stale_template_version"]


def test_cmrt_1_00_blank_counts_its_starred_fields() -> None:
    decl = _parse("templates", "CMRT_1.00_blank.xlsx")
    assert decl.workbook_checker is None  # 1.00 has no Checker sheet
    assert decl.checker_missing == 37 and decl.status == "invalid"  # incl. contact name and e-mail (D14, D15)
