"""EMRT 1.x (cobalt, mica) and EMRT 2.x (selectable minerals), RMI 2021 → 2025.

EMRT 1.x — checked against the 1.3 blank (saved in Chinese; English text from its hidden L sheet):
company block as CMRT 6.x (D8–D22), seven questions at rows 25–61 with fixed Cobalt / Mica rows
(Q4 asks about cobalt only; Q3's dropdown differs per mineral), company questions A–G at rows 69–83
where C is answered per mineral on rows 74 (cobalt) and 75 (mica).

EMRT 2.x — checked against the 2.0 (English) and 2.1 (Chinese) blanks: minerals in scope are
picked in D12, E12, G12, D13, E13, G13 (each holds the mineral or "(Delete <mineral>)"); the
selection is sorted alphabetically into the ten answer rows under every question, labelled in
column B ("Cobalt(*)"), so the reader takes the mineral from column B. The company block moves
down (Unique ID D16 … Effective Date D26); questions at rows 29, 41, 53, 65, 77, 89, 101;
company questions A–G at 115, 117, 119 (per mineral on 120–129), 131, 133, 135, 137. Adds a
Mine List; 2.1's Product List adds the requester's number and name (D, E; comments move to F).
"""

from __future__ import annotations

from dataclasses import replace

from minetrace.ingest.layouts.cmrt6 import SCOPES_3_6, SMELTER_COLUMNS_6
from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
PERCENT_1 = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")
COBALT = "Cobalt"
MICA = "Mica"

COMPANY_CELLS_EMRT1 = (
    ("name", "D8"), ("scope", "D9"), ("scope_description", "D10"), ("unique_id", "D12"),
    ("unique_id_authority", "D13"), ("address", "D14"), ("contact_name", "D15"), ("contact_email", "D16"),
    ("contact_phone", "D17"), ("authorizer_name", "D18"), ("authorizer_title", "D19"),
    ("authorizer_email", "D20"), ("authorizer_phone", "D21"), ("effective_date", "D22"),
)

MINE_COLUMNS = (
    ("metal", "A"), ("smelter_name", "B"), ("mine_name", "C"), ("mine_id", "D"), ("id_source", "E"),
    ("country", "F"), ("street", "G"), ("city", "H"), ("state", "I"), ("contact_name", "J"),
    ("contact_email", "K"), ("next_steps", "L"), ("comments", "M"),
)


def _two(row: int) -> tuple[tuple[str, int], ...]:
    return ((COBALT, row + 1), (MICA, row + 2))


EMRT_1 = Layout(
    id="emrt-1",
    kind="EMRT",
    versions=("1.0", "1.1", "1.11", "1.2", "1.3"),
    verified=True,
    release_date="2021-10-01",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_EMRT1,
    scopes=SCOPES_3_6,
    questions=(
        Question("Q1", 25, "Is any of the cobalt or natural mica intentionally added or used in the product(s) or in "
                 "the production process?", YES_NO + ("Unknown", "Not applicable for this declaration"),
                 metal_rows=_two(25), role="uses"),
        Question("Q2", 31, "Does any cobalt or natural mica remain in the product(s)?", YES_NO_UNKNOWN,
                 metal_rows=_two(31), role="remains"),
        Question("Q3", 37, "Do any of the smelters or processors in your supply chain source the cobalt or natural "
                 "mica from conflict-affected and high-risk areas?",
                 YES_NO_UNKNOWN + ("DRC only", "India and/or Madagascar only"), metal_rows=_two(37),
                 allowed_by_metal=((COBALT, YES_NO_UNKNOWN + ("DRC only",)),
                                   (MICA, YES_NO_UNKNOWN + ("India and/or Madagascar only",))), role="cahra_sourcing"),
        Question("Q4", 43, "Does 100 percent of the cobalt originate from recycled or scrap sources?",
                 YES_NO_UNKNOWN, metal_rows=((COBALT, 44),), role="recycled"),
        Question("Q5", 49, "What percentage of relevant suppliers have provided a response to your supply chain "
                 "survey?", PERCENT_1, metal_rows=_two(49), role="supplier_response"),
        Question("Q6", 55, "Have you identified all of the smelters or processors supplying the cobalt or natural "
                 "mica to your supply chain?", YES_NO_UNKNOWN, metal_rows=_two(55), role="smelters_identified"),
        Question("Q7", 61, "Has all applicable smelter or processor information received by your company been "
                 "reported in this declaration?", YES_NO_UNKNOWN, metal_rows=_two(61), role="all_reported"),
    ),
    company_questions=(
        CompanyQuestion("A", 69, "Have you established a responsible minerals sourcing policy?", role="policy"),
        CompanyQuestion("B", 71, "Is your responsible minerals sourcing policy publicly available on your website?",
                        role="policy_public"),
        CompanyQuestion("C", 73, "Do you require your direct suppliers to source cobalt from smelters or natural mica "
                        "from processors whose due diligence practices have been validated by an independent "
                        "third-party audit program?",
                        allowed=("Yes", "No", "Yes, when more processors are validated"), role="smelter_audit",
                        metal_rows=((COBALT, 74), (MICA, 75))),
        CompanyQuestion("D", 77, "Have you implemented due diligence measures for responsible sourcing?",
                        role="due_diligence"),
        CompanyQuestion("E", 79, "Does your company conduct cobalt and/or natural mica supply chain survey(s) of your "
                        "relevant supplier(s)?",
                        allowed=("Yes, in conformance with IPC1755 (e.g. EMRT)", "Yes, Using Other Format (Describe)",
                                 "No"), role="survey"),
        CompanyQuestion("F", 81, "Do you review due diligence information received from your suppliers against your "
                        "company's expectations?", role="review"),
        CompanyQuestion("G", 83, "Does your review process include corrective action management?",
                        role="corrective_action"),
    ),
    policy_url_cell="G71",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2500, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Smelter Look-up",
    metals=(COBALT, MICA),
    notes="Smelter List!Q3 says 'Version x.y' (Declaration!J3 'Revision x.y').",
)

EMRT2_MINERALS = ("Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel")

EMRT_2 = Layout(
    id="emrt-2",
    kind="EMRT",
    versions=("2.0", "2.00", "2.01"),
    verified=True,
    release_date="2025-04-25",
    declaration_sheet="Declaration",
    company_cells=(
        ("name", "D8"), ("scope", "D9"), ("scope_description", "D10"), ("unique_id", "D16"),
        ("unique_id_authority", "D17"), ("address", "D18"), ("contact_name", "D19"), ("contact_email", "D20"),
        ("contact_phone", "D21"), ("authorizer_name", "D22"), ("authorizer_title", "D23"),
        ("authorizer_email", "D24"), ("authorizer_phone", "D25"), ("effective_date", "D26"),
    ),
    scopes=SCOPES_3_6,
    questions=(
        Question("Q1", 29, "Is any of the specified mineral/metal intentionally added or used in the product(s) or in "
                 "the production process?", YES_NO_UNKNOWN + ("Not declaring",), role="uses"),
        Question("Q2", 41, "Does any of the specified mineral/metal remain in the product(s)?", YES_NO_UNKNOWN,
                 role="remains"),
        Question("Q3", 53, "Do any of the smelters or processors in your supply chain source the specified "
                 "mineral/metal from conflict-affected and high-risk areas?", YES_NO_UNKNOWN, role="cahra_sourcing"),
        Question("Q4", 65, "Does 100 percent of the specified mineral/metal originate from recycled or scrap "
                 "sources?", YES_NO_UNKNOWN, role="recycled"),
        Question("Q5", 77, "What percentage of relevant suppliers have provided a response to your supply chain "
                 "survey?", PERCENT_1 + ("Did not survey",), role="supplier_response"),
        Question("Q6", 89, "Have you identified all of the smelters or processors supplying the specified "
                 "minerals/metal to your supply chain?", YES_NO_UNKNOWN, role="smelters_identified"),
        Question("Q7", 101, "Has all applicable smelter or processor information received by your company been "
                 "reported in this declaration?", YES_NO_UNKNOWN, role="all_reported"),
    ),
    company_questions=(
        CompanyQuestion("A", 115, "Have you established a responsible minerals sourcing policy?", role="policy"),
        CompanyQuestion("B", 117, "Is your responsible minerals sourcing policy publicly available on your website?",
                        role="policy_public"),
        CompanyQuestion("C", 119, "Do you require your direct suppliers to source the specified minerals/metals from "
                        "smelters whose due diligence practices have been validated by an independent third-party "
                        "audit program?", allowed=("Yes", "Yes, when more processors are validated", "No"),
                        role="smelter_audit", slot_rows=10),
        CompanyQuestion("D", 131, "Have you implemented due diligence measures for responsible sourcing?",
                        role="due_diligence"),
        CompanyQuestion("E", 133, "Does your company conduct supply chain survey(s) of your relevant supplier(s) on "
                        "the specified minerals/metals?",
                        allowed=("Yes, in conformance with IPC1755 (e.g. EMRT)", "Yes, Using Other Format (Describe)",
                                 "No"), role="survey"),
        CompanyQuestion("F", 135, "Do you review due diligence information received from your suppliers against your "
                        "company's expectations?", role="review"),
        CompanyQuestion("G", 137, "Does your review process include corrective action management?",
                        role="corrective_action"),
    ),
    policy_url_cell="G117",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    mines=TableLayout("Mine List", header_row=4, first_row=5, last_row=2504, columns=MINE_COLUMNS),
    required_sheets=("Declaration", "Smelter List"),
    lookup_sheet="Smelter Look-up",
    metals=(),
    mineral_scope_cells=("D12", "E12", "G12", "D13", "E13", "G13"),
    mineral_slots=10,
    notes="2.0's Product List has B/C/D (number, name, comments).",
)

#: EMRT 2.1: Product List gains the requester's product number and name; Smelter List validation ends at 2497
EMRT_2_1 = replace(
    EMRT_2,
    id="emrt-2.1",
    versions=("2.1", "2.10", "2.11"),
    release_date="2025-10-17",
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("requester_number", "D"),
                                  ("requester_name", "E"), ("comment", "F"))),
    notes="Product List B/C responder, D/E requester, F comments. The data validation of the Smelter List ends at "
          "2497 in the blank; rows up to 2504 are read.",
)
