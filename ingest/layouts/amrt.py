"""AMRT 1.2x and 1.3 (Additional Minerals Reporting Template, RMI 2024 → 2025).

Checked against the 1.21 (English) and 1.3 (Chinese) blanks. Up to ten minerals are entered in
D12, E12, G12, H12, I12, D13, E13, G13, H13, I13 (1.21: free text; 1.3: a dropdown with
"Other [specify below]" and the specifics in rows 15–16); they are sorted into the ten answer rows
under each of the two questions and labelled in column B, so the reader takes the mineral from B.
No company-level questions. 1.2x's Smelter List has no look-up and no ID-input column
(A Metal, B Smelter Name, C Country, D ID, E Source, F Street … O Comments); 1.3 returns to the
CMRT-style A–Q columns with a Smelter Look-up sheet, moves the company block down one row group
(Unique ID D17 … Effective Date D27) and puts the questions at rows 30 and 42. Both have a Mine List.
"""

from __future__ import annotations

from minetrace.ingest.layouts.cmrt6 import SCOPES_3_6, SMELTER_COLUMNS_6
from minetrace.ingest.layouts.emrt import MINE_COLUMNS
from minetrace.ingest.layouts.model import Layout, Question, TableLayout

Q1_ANSWERS = ("Yes", "No", "Unknown", "Not declaring")
Q2_ANSWERS = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None", "Unknown",
              "Did not survey")
SCOPE_CELLS = ("D12", "E12", "G12", "H12", "I12", "D13", "E13", "G13", "H13", "I13")
Q1_TEXT = ("Is any of the following minerals or metals intentionally added or used in the product(s) or in the "
           "production process?")
Q2_TEXT = "What percentage of relevant suppliers have provided a response to your supply chain survey?"

SMELTER_COLUMNS_AMRT12 = (
    ("metal", "A"),
    ("name", "B"),
    ("country", "C"),
    ("cid", "D"),
    ("id_source", "E"),
    ("street", "F"),
    ("city", "G"),
    ("state", "H"),
    ("contact_name", "I"),
    ("contact_email", "J"),
    ("next_steps", "K"),
    ("mine_names", "L"),
    ("mine_countries", "M"),
    ("recycled", "N"),
    ("comments", "O"),
    ("standard_name", "P"),
    ("country_code", "Q"),
)

AMRT_12 = Layout(
    id="amrt-1.2",
    kind="AMRT",
    versions=("1.0", "1.1", "1.2", "1.21", "1.22"),
    verified=True,
    release_date="2024-04-26",
    declaration_sheet="Declaration",
    company_cells=(
        ("name", "D8"), ("scope", "D9"), ("scope_description", "D10"), ("unique_id", "D14"),
        ("unique_id_authority", "D15"), ("address", "D16"), ("contact_name", "D17"), ("contact_email", "D18"),
        ("contact_phone", "D19"), ("authorizer_name", "D20"), ("authorizer_title", "D21"),
        ("authorizer_email", "D22"), ("authorizer_phone", "D23"), ("effective_date", "D24"),
    ),
    scopes=SCOPES_3_6,
    questions=(Question("Q1", 27, Q1_TEXT, Q1_ANSWERS, role="uses"),
               Question("Q2", 39, Q2_TEXT, Q2_ANSWERS, role="supplier_response")),
    company_questions=(),
    policy_url_cell=None,
    version_cells=("J3", "Smelter List!O3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_AMRT12),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=2005,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    mines=TableLayout("Mine List", header_row=4, first_row=5, last_row=2504, columns=MINE_COLUMNS),
    lookup_sheet=None,
    metals=(),
    mineral_scope_cells=SCOPE_CELLS,
    mineral_slots=10,
    notes="No Smelter Look-up sheet: smelter rows carry only what the declarer typed.",
)

AMRT_13 = Layout(
    id="amrt-1.3",
    kind="AMRT",
    versions=("1.3", "1.30", "1.31"),
    verified=True,
    release_date="2025-10-17",
    declaration_sheet="Declaration",
    company_cells=(
        ("name", "D8"), ("scope", "D9"), ("scope_description", "D10"), ("unique_id", "D17"),
        ("unique_id_authority", "D18"), ("address", "D19"), ("contact_name", "D20"), ("contact_email", "D21"),
        ("contact_phone", "D22"), ("authorizer_name", "D23"), ("authorizer_title", "D24"),
        ("authorizer_email", "D25"), ("authorizer_phone", "D26"), ("effective_date", "D27"),
    ),
    scopes=SCOPES_3_6,
    questions=(Question("Q1", 30, Q1_TEXT, Q1_ANSWERS, role="uses"),
               Question("Q2", 42, Q2_TEXT, Q2_ANSWERS, role="supplier_response")),
    company_questions=(),
    policy_url_cell=None,
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=2005,
                         columns=(("number", "B"), ("name", "C"), ("requester_number", "D"),
                                  ("requester_name", "E"), ("comment", "F"))),
    mines=TableLayout("Mine List", header_row=4, first_row=5, last_row=2504, columns=MINE_COLUMNS),
    lookup_sheet="Smelter Look-up",
    metals=(),
    mineral_scope_cells=SCOPE_CELLS,
    mineral_slots=10,
    extra={"other_minerals_cells": "D15,E15,G15,H15,I15,D16,E16,G16,H16,I16"},
)
