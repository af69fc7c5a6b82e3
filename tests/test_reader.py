"""`read_declaration` on small CMRT-shaped workbooks: one edge case per test."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from test_reader_builders import cmrt6_sheets, open_cmrt6, write_workbook

from minetrace.ingest.reader import read_declaration
from minetrace.ingest.workbook import open_workbook

XIAMEN = {"B": "Tungsten", "C": "Xiamen Tungsten Co., Ltd.", "E": "CHINA", "F": "CID002082", "G": "RMI",
          "H": 0, "I": "Xiamen", "J": "Fujian Sheng"}


def test_company_block_answers_and_provenance(tmp_path: Path) -> None:
    answers = {"D26": "No", "D27": "No", "D28": " No", "D29": "yes", "D59": 1, "G29": "  via supplier\n",
               "D75": "Yes", "D77": "Yes", "G77": " https://acme.example/policy ", "D83": "yes, in conformance "
               "with ipc1755 (e.g., cmrt)"}
    decl = read_declaration(open_cmrt6(tmp_path, answers=answers, smelters=[XIAMEN]))
    assert decl.company.name == "Acme Corp"
    assert (decl.company.scope, decl.company.scope_text) == ("A", "A. Company")
    assert decl.company.effective_date == date(2024, 5, 2)
    assert decl.answers["Q1"]["Gold"].answer == "No"
    assert decl.answers["Q1"]["Tungsten"].answer == "Yes"
    assert decl.answers["Q1"]["Tungsten"].comment == "via supplier"
    assert decl.answers["Q6"]["Tungsten"].answer == "100%"
    assert decl.company_answers["E"].answer == "Yes, in conformance with IPC1755 (e.g., CMRT)"
    assert decl.policy_url == "https://acme.example/policy"
    assert decl.provenance["company.name"] == "Declaration!D8"
    assert decl.provenance["answers.Q1.Tungsten"] == "Declaration!D29"
    assert decl.provenance["company_answers.A"] == "Declaration!D75"
    assert decl.provenance["policy_url"] == "Declaration!G77"
    assert decl.provenance["smelters.0.cid"] == "Smelter List!F5"
    assert decl.workbook_checker == "0"
    assert decl.file.name == "supplier.xlsx" and len(decl.file.sha256) == 64 and decl.file.format == "xlsx"


def test_blank_company_block_reads_as_none(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, company={}))
    assert decl.company.name is None and decl.company.scope is None and decl.company.effective_date is None
    assert decl.smelters == [] and decl.products == []
    assert not [k for k in decl.provenance if k.startswith("company.")]


def test_chinese_labels_do_not_matter(tmp_path: Path) -> None:
    answers = {"B26": "钽", "B27": "锡", "B28": "金", "B29": "钨", "D26": "Yes", "D29": "No"}
    decl = read_declaration(open_cmrt6(tmp_path, answers=answers, language="中文 Chinese"))
    assert decl.template.language == "Chinese"
    assert decl.answers["Q1"]["Tantalum"].answer == "Yes"
    assert decl.answers["Q1"]["Tungsten"].answer == "No"


def test_tab_padded_company_name_and_nbsp(tmp_path: Path) -> None:
    company = {"D8": "Central Glass Co., Ltd.\t\t\t\t\t\t", "D9": "B. Product (or List of Products)",
               "D15": "\u00a0Toru Nishio\u00a0", "D16": "mailto:toru@cg.example", "D22": datetime(2024, 5, 10)}
    decl = read_declaration(open_cmrt6(tmp_path, company=company))
    assert decl.company.name == "Central Glass Co., Ltd."
    assert decl.company.contact_name == "Toru Nishio"
    assert decl.company.contact_email == "toru@cg.example"
    assert decl.company.scope == "B"
    assert decl.company.effective_date == date(2024, 5, 10)


def test_text_date_keeps_raw(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, company={"D8": "X", "D22": "02-May-2024"}))
    assert decl.company.effective_date == date(2024, 5, 2)
    assert decl.company.effective_date_raw == "02-May-2024"


def test_1904_serial_date(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, company={"D8": "X", "D22": 40006}, epoch1904=True))
    assert decl.template.date_system == 1904
    assert decl.company.effective_date == date(2013, 7, 13)


def test_1900_serial_date(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, company={"D8": "X", "D22": 45422}))
    assert decl.company.effective_date == date(2024, 5, 10)


def test_listed_row_with_pasted_zeros(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[XIAMEN]))
    (row,) = decl.smelters
    assert (row.row, row.metal, row.cid, row.lookup_kind) == (5, "Tungsten", "CID002082", "listed")
    assert row.name == "Xiamen Tungsten Co., Ltd."  # the look-up alias stands in for the empty D
    assert row.street is None  # pasted 0 from an empty look-up
    assert row.raw["H"] == 0 and row.raw["F"] == "CID002082"
    assert decl.provenance["smelters.0.name"] == "Smelter List!C5"


def test_smelter_not_listed_any_case_uses_typed_name(tmp_path: Path) -> None:
    rows = [{"B": "Gold", "C": "Smelter Not Listed", "D": "Local Refinery", "E": "GERMANY"},
            {"B": "Tin", "C": "smelter not listed"},
            {"B": "Tin", "C": "Smelter not yet identified"}]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    kinds = [(s.lookup_kind, s.name, s.country) for s in decl.smelters]
    assert kinds == [("not_listed", "Local Refinery", "GERMANY"), ("not_listed", None, None),
                     ("not_yet_identified", None, None)]


def test_cid_only_in_column_a_with_formulas_never_calculated(tmp_path: Path) -> None:
    formula = "=IFERROR(INDEX('Smelter Look-up'!A:A,MATCH($A5,'Smelter Look-up'!E:E,0)),\"\")"
    row = {"A": "CID002082", "B": formula, "C": formula, "E": formula, "F": formula, "G": formula}
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[row]))
    (s,) = decl.smelters
    assert (s.cid, s.input_cid, s.metal, s.name) == ("CID002082", "CID002082", None, None)
    assert decl.provenance["smelters.0.cid"] == "Smelter List!A5"


def test_empty_formula_rows_and_rows_past_the_last_row_are_ignored(tmp_path: Path) -> None:
    sheets = cmrt6_sheets(smelters=[XIAMEN])
    sl = sheets["Smelter List"]
    for r in range(6, 40):
        for col in "BCEFGHIJ":
            sl[f"{col}{r}"] = '=IF(A6="","","x")'
        sl[f"X{r}"] = 0
    sl["B2505"] = "Tin"  # below the template's data area
    sl["C2505"] = "Alpha"
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "f.xlsx", sheets)))
    assert [s.row for s in decl.smelters] == [5]


def test_row_kept_when_only_some_key_cells_are_filled(tmp_path: Path) -> None:
    rows = [{}, {"B": "Gold"}, {}, {"D": "Some Refiner", "E": "PERU"}, {"K": "contact only"}]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    assert [(s.row, s.metal, s.name) for s in decl.smelters] == [(6, "Gold", None), (8, None, "Some Refiner")]


def test_pipe_joined_consolidated_row(tmp_path: Path) -> None:
    row = {"B": "Tin", "C": "Alpha|Minsur", "E": "UNITED STATES|PERU", "F": "CID000292|CID001182"}
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[row]))
    (s,) = decl.smelters
    assert s.consolidated is True
    assert s.cid == "CID000292|CID001182"
    assert s.split["cid"] == ["CID000292", "CID001182"]
    assert s.split["country"] == ["UNITED STATES", "PERU"]
    assert s.metal == "Tin"
    assert [(f.code, f.severity, f.location) for f in decl.findings] == [
        ("consolidated_row", "info", "Smelter List!row 5")]


def test_pipe_inside_one_address_is_not_a_consolidation(tmp_path: Path) -> None:
    row = dict(XIAMEN, H="Rodovia 421 | Cx Postal: 433")
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[row]))
    assert decl.smelters[0].consolidated is False
    assert not decl.findings


def test_column_shift_street_in_id_column(tmp_path: Path) -> None:
    row = {"B": "Gold", "C": "Materion", "E": "UNITED STATES", "F": "2978 Main Street", "G": "Buffalo"}
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[XIAMEN, row]))
    shifts = [f for f in decl.findings if f.code == "column_shift"]
    assert [(f.severity, f.location) for f in shifts] == [("warning", "Smelter List!row 6")]
    assert "2978 Main Street" in shifts[0].message


def test_column_shift_cid_in_country_column(tmp_path: Path) -> None:
    row = {"B": "Tin", "C": "Minsur", "D": "Minsur", "E": "CID001182", "F": "PERU"}
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[row]))
    assert [f.code for f in decl.findings] == ["column_shift"]


def test_numeric_and_placeholder_ids_are_not_shifts(tmp_path: Path) -> None:
    rows = [dict(XIAMEN, F=242332), dict(XIAMEN, F="N/A"), dict(XIAMEN, F="Not Listed")]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    assert decl.smelters[0].cid == "242332"
    assert not decl.findings


def test_products_skip_footer_and_keep_name_only_rows(tmp_path: Path) -> None:
    decl = read_declaration(open_cmrt6(tmp_path, products=[("WF6-01", "WF6"), (None, "WF6 gas"), (12345.0, None)]))
    assert [(p.row, p.number, p.name) for p in decl.products] == [(6, "WF6-01", "WF6"), (7, None, "WF6 gas"),
                                                                   (8, "12345", None)]
    assert decl.provenance["products.1.name"] == "Product List!C7"


def test_checker_value_kept_as_read(tmp_path: Path) -> None:
    assert read_declaration(open_cmrt6(tmp_path, checker=3)).workbook_checker == 3


def test_cmrt_202_translation_table_below_the_data_stops_the_read(tmp_path: Path) -> None:
    sheets = {
        "Declaration": {"D2": "Conflict Minerals Reporting Template", "J3": "Revision 2.02 March 29th 2013",
                        "D8": "Old Co", "D9": "A. Company Level", "D18": 40006},
        "Smelter List": {"B5": "Tin", "C5": "Minsur", "D5": "Minsur SA", "E5": "PERU", "F5": "2PER019",
                         "N2498": "A" * 40, "D2499": "English", "E2499": "Chinese", "D2500": "Metal (*)",
                         "E2500": "金属(*)"},
        "Standard Smelter Names": {}, "Checker": {"D2": -5}, "Product List": {},
    }
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "202.xlsx", sheets, epoch1904=True)))
    assert (decl.template.version, decl.template.layout) == ("2.02", "cmrt-2.02")
    assert [(s.row, s.cid) for s in decl.smelters] == [(5, "2PER019")]
    assert decl.company.effective_date == date(2013, 7, 13)
    assert decl.company.scope == "A"


def test_201_layout_rows_pasted_into_202_are_flagged_and_realigned(tmp_path: Path) -> None:
    sheets = {
        "Declaration": {"D2": "Conflict Minerals Reporting Template", "J3": "Revision 2.02 March 29th 2013"},
        "Smelter List": {"A5": "1USA033", "B5": "Gold", "C5": "Materion Advanced Metals", "D5": "Materion",
                         "E5": "UNITED STATES", "F5": "2978 Main Street", "G5": "Buffalo", "H5": "NY",
                         "I5": "Robert Keis", "J5": "rk@example.com"},
        "Standard Smelter Names": {},
    }
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "shift.xlsx", sheets)))
    (s,) = decl.smelters
    assert (s.cid, s.street, s.city, s.state, s.contact_name, s.contact_email) == (
        "1USA033", "2978 Main Street", "Buffalo", "NY", "Robert Keis", "rk@example.com")
    assert [f.code for f in decl.findings] == ["column_shift"]


def test_emrt2_minerals_from_scope_cells_and_labels(tmp_path: Path) -> None:
    decl_cells = {"D2": "Extended Mineral Reporting Template (EMRT)", "J3": "Revision 2.0\nApril 25, 2025",
                  "D8": "Cobalt Buyer", "D12": "Nickel", "E12": "(Delete Copper)", "G12": "Cobalt",
                  "B30": "Cobalt(*)", "B31": "Nickel(*)", "D30": "Yes", "D31": "not declaring",
                  "B120": "Cobalt(*)", "B121": "Nickel(*)", "D120": "Yes", "D121": "Yes",
                  "D26": "2025-06-01"}
    sheets = {"Declaration": decl_cells,
              "Smelter List": {"B5": "Cobalt", "C5": "Smelter not listed", "D5": "Co Refinery", "E5": "CHINA"},
              "Mine List": {"A5": "Cobalt", "B5": "Co Refinery", "C5": "Kamoto", "F5": "CONGO, DEMOCRATIC REPUBLIC OF",
                            "R5": True, "R6": True},
              "Product List": {}, "Checker": {"D2": 12}}
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "emrt.xlsx", sheets)))
    assert (decl.template.kind, decl.template.layout) == ("EMRT", "emrt-2")
    assert decl.metals == ["Cobalt", "Nickel"]
    assert decl.answers["Q1"]["Nickel"].answer == "Not declaring"
    assert decl.company_answers["C.Nickel"].answer == "Yes" and decl.company_answers["C"].answer == "Yes"
    assert decl.company.effective_date == date(2025, 6, 1)
    assert [(m.row, m.metal, m.mine_name) for m in decl.mines] == [(5, "Cobalt", "Kamoto")]
    assert decl.smelters[0].lookup_kind == "not_listed"


def test_emrt2_labels_without_cached_values_fall_back_to_sorted_selection(tmp_path: Path) -> None:
    sheets = {"Declaration": {"D2": "Extended Mineral Reporting Template (EMRT)", "J3": "Revision 2.1",
                              "D12": "Nickel", "G12": "Cobalt", "B30": "=AA12", "B31": "=AA13", "D31": "No"},
              "Smelter List": {}, "Mine List": {}}
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "emrt.xlsx", sheets)))
    assert decl.answers["Q1"]["Nickel"].answer == "No"
    assert decl.answers["Q1"]["Cobalt"].cell == "Declaration!D30"


def test_cmrt_100_split_date_and_smelter_sheet(tmp_path: Path) -> None:
    sheets = {"Declaration": {"D2": "Conflict Minerals Reporting Template", "I3": "Revision",
                              "J3": "1.   July 18th 2011", "D7": "Pioneer Inc", "E17": 18, "H17": "July",
                              "J17": 2011, "D20": "Yes"},
              "Smelter and Mine List": {"B6": "Tin (Sn)", "D6": "Thaisarco", "F6": "Phuket, Thailand",
                                        "B301": "2011 Electronic Industry Citizenship Coalition"}}
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "one.xlsx", sheets)))
    assert decl.company.name == "Pioneer Inc"
    assert decl.company.effective_date == date(2011, 7, 18)
    assert decl.answers["Q1"]["Tantalum"].answer == "Yes"
    assert [(s.row, s.metal, s.name, s.street) for s in decl.smelters] == [(6, "Tin", "Thaisarco", "Phuket, Thailand")]
    assert decl.workbook_checker is None


def test_amrt_12_smelter_list_without_lookup(tmp_path: Path) -> None:
    sheets = {"Declaration": {"D2": "Additional Minerals Reporting Template (AMRT)", "J3": "Revision 1.21",
                              "D12": "Silver", "E12": "Zinc", "B28": "Silver(*)", "B29": "Zinc(*)", "D28": "Yes"},
              "Minerals Scope": {}, "Smelter List": {"A5": "Silver", "B5": "Some Silver Refinery", "C5": "PERU",
                                                     "D5": "CID009999", "U5": True, "U6": True},
              "Mine List": {}, "Product List": {}}
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "amrt.xlsx", sheets)))
    assert decl.template.layout == "amrt-1.2"
    assert decl.metals == ["Silver", "Zinc"]
    assert decl.answers["Q1"]["Silver"].answer == "Yes"
    assert [(s.metal, s.name, s.country, s.cid) for s in decl.smelters] == [
        ("Silver", "Some Silver Refinery", "PERU", "CID009999")]


def test_to_json_contract_keys(tmp_path: Path) -> None:
    data = read_declaration(open_cmrt6(tmp_path, smelters=[XIAMEN], products=[("P1", "Part")])).to_json()
    assert data["company"]["effective_date"] == "2024-05-02"
    assert data["company"]["scope"] == "A"
    assert data["smelters"][0]["cid"] == "CID002082"
    assert data["products"] == [{"row": 6, "number": "P1", "name": "Part", "comment": None,
                                 "requester_number": None, "requester_name": None}]


def test_single_weak_sign_is_not_a_shift(tmp_path: Path) -> None:
    rows = [dict(XIAMEN, F="Not Supplied"), dict(XIAMEN, F="Refer to supplier list"),
            {"B": "Tin", "C": "Smelter not listed", "D": "Local Tin", "E": "BELGIUM", "F": "NA", "J": "Belgium"}]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    assert not [f for f in decl.findings if f.code == "column_shift"]


def test_two_weak_signs_are_a_shift(tmp_path: Path) -> None:
    row = {"B": "Tin", "C": "Mentok", "D": "PT Tambang Timah", "E": "INDONESIA", "F": "Jalan Jenderal Sudirman",
           "G": "Pangkalpinang", "I": "Indonesia"}
    decl = read_declaration(open_cmrt6(tmp_path, smelters=[row]))
    assert [f.code for f in decl.findings] == ["column_shift"]


def test_cmrt_100_country_taken_from_combined_location(tmp_path: Path) -> None:
    sheets = {"Declaration": {"D2": "Conflict Minerals Reporting Template", "I3": "Revision", "J3": "1. July 2011"},
              "Smelter and Mine List": {"B6": "Gold (Au)", "D6": "Some Refiner", "F6": "1 Main St, Tokyo, Japan"}}
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "one.xlsx", sheets)))
    assert (decl.smelters[0].country, decl.smelters[0].street) == ("Japan", "1 Main St, Tokyo, Japan")
    assert decl.provenance["smelters.0.country"] == "Smelter and Mine List!F6"


def test_workbook_warnings_become_findings(tmp_path: Path) -> None:
    sheets = cmrt6_sheets(smelters=[XIAMEN])
    sheets["Smelter List"]["A1048000"] = "far away"
    wb = open_workbook(write_workbook(tmp_path / "far.xlsx", sheets))
    decl = read_declaration(wb)
    assert wb.warnings, "the opener should have cut the far cell"
    assert [f.code for f in decl.findings] == ["sheet_truncated"]
    assert [s.cid for s in decl.smelters] == ["CID002082"]


def test_203a_consolidated_rows_with_row_numbers_in_column_a(tmp_path: Path) -> None:
    sheets = {
        "Declaration": {"D2": "Conflict Minerals Reporting Template", "J3": "Revision 2.03a\nJuly 25th, 2013"},
        "Smelter List": {"A5": 1, "B5": "Tin|Tin", "C5": "Alpha|Minsur", "D5": "Alpha|Minsur SA",
                         "E5": "UNITED STATES|PERU", "F5": "2USA001|2PER019",
                         "A6": 2, "A7": 3, "D2502": 0, "E2502": 0, "F2502": 0},
        "Standard Smelter Names": {}, "L": {}, "K": {}, "C": {},
    }
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "cons.xlsx", sheets)))
    assert decl.template.layout == "cmrt-2.03"
    (s,) = decl.smelters
    assert (s.row, s.metal, s.cid, s.consolidated) == (5, "Tin", "2USA001|2PER019", True)
    assert s.split["name"] == ["Alpha", "Minsur SA"]
    assert [f.code for f in decl.findings] == ["consolidated_row"]


def test_cid_provenance_points_at_the_column_that_gave_it(tmp_path: Path) -> None:
    rows = [dict(XIAMEN, A="CID002082", F=0), {"B": "Tinn", "C": "Alpha", "F": "CID000292"}]
    decl = read_declaration(open_cmrt6(tmp_path, smelters=rows))
    assert decl.smelters[0].cid == "CID002082"
    assert decl.provenance["smelters.0.cid"] == "Smelter List!A5"
    assert decl.smelters[1].metal is None and decl.smelters[1].raw["B"] == "Tinn"
    assert "smelters.1.metal" not in decl.provenance


def test_202_translation_table_inside_the_validation_range(tmp_path: Path) -> None:
    """Connor Winfield's 2.02 has the hidden table from row 2502 (rows deleted above it)."""
    sheets = {
        "Declaration": {"D2": "Conflict Minerals Reporting Template", "J3": "Revision 2.02 March 29th 2013"},
        "Smelter List": {"B2501": "Tin", "C2501": "Minsur", "N2502": "A" * 300, "D2503": "English",
                         "E2503": "Chinese", "D2504": "Metal (*)", "E2504": "金属(*)"},
        "Standard Smelter Names": {},
    }
    decl = read_declaration(open_workbook(write_workbook(tmp_path / "202.xlsx", sheets)))
    assert [s.row for s in decl.smelters] == [2501]
