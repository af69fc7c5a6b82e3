"""CMRT 6.01 – 6.5 (RMI, 2020-05 → 2025-04): one layout for the whole 6.x generation.

Cells verified on the 6.01/6.1/6.22/6.31/6.4/6.5 templates and the real 6.4 fills
(rendered in docs/template-layouts.md). 6.5 renames the Product List headers only.
"""

from __future__ import annotations

from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout
from minetrace.ingest.metals import CMRT_METALS

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
Q6_ANSWERS = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")

SMELTER_COLUMNS_6 = (
    ("input_cid", "A"),
    ("metal", "B"),
    ("lookup", "C"),
    ("name", "D"),
    ("country", "E"),
    ("cid", "F"),
    ("id_source", "G"),
    ("street", "H"),
    ("city", "I"),
    ("state", "J"),
    ("contact_name", "K"),
    ("contact_email", "L"),
    ("next_steps", "M"),
    ("mine_names", "N"),
    ("mine_countries", "O"),
    ("recycled", "P"),
    ("comments", "Q"),
    ("standard_name", "R"),
    ("country_code", "S"),
)

COMPANY_CELLS_3_6 = (
    ("name", "D8"),
    ("scope", "D9"),
    ("scope_description", "D10"),
    ("unique_id", "D12"),
    ("unique_id_authority", "D13"),
    ("address", "D14"),
    ("contact_name", "D15"),
    ("contact_email", "D16"),
    ("contact_phone", "D17"),
    ("authorizer_name", "D18"),
    ("authorizer_title", "D19"),
    ("authorizer_email", "D20"),
    ("authorizer_phone", "D21"),
    ("effective_date", "D22"),
)

SCOPES_3_6 = (
    ("A. Company", "A"),
    ("B. Product (or List of Products)", "B"),
    ("C. User defined [Specify in 'Description of scope']", "C"),
)

CMRT_6 = Layout(
    id="cmrt-6",
    kind="CMRT",
    versions=("6.0", "6.00", "6.01", "6.1", "6.10", "6.2", "6.21", "6.22", "6.3", "6.31", "6.4", "6.5"),
    verified=True,
    release_date="2020-05-01",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_3_6,
    scopes=SCOPES_3_6,
    questions=(
        Question("Q1", 25, "Is any 3TG intentionally added or used in the product(s) or in the production "
                 "process?", YES_NO, role="uses"),
        Question("Q2", 31, "Does any 3TG remain in the product(s)?", YES_NO, role="remains"),
        Question("Q3", 37, "Do any of the smelters in your supply chain source the 3TG from the covered "
                 "countries? (SEC term)", YES_NO_UNKNOWN, role="covered_sourcing"),
        Question("Q4", 43, "Do any of the smelters in your supply chain source the 3TG from conflict-affected "
                 "and high-risk areas?", YES_NO_UNKNOWN, role="cahra_sourcing"),
        Question("Q5", 49, "Does 100 percent of the 3TG (necessary to the functionality or production of your "
                 "products) originate from recycled or scrap sources?", YES_NO_UNKNOWN, role="recycled"),
        Question("Q6", 55, "What percentage of relevant suppliers have provided a response to your supply "
                 "chain survey?", Q6_ANSWERS, role="supplier_response"),
        Question("Q7", 61, "Have you identified all of the smelters supplying the 3TG to your supply chain?",
                 YES_NO, role="smelters_identified"),
        Question("Q8", 67, "Has all applicable smelter information received by your company been reported in "
                 "this declaration?", YES_NO, role="all_reported"),
    ),
    company_questions=(
        CompanyQuestion("A", 75, "Have you established a responsible minerals sourcing policy?", role="policy"),
        CompanyQuestion("B", 77, "Is your responsible minerals sourcing policy publicly available on your "
                        "website?", role="policy_public"),
        CompanyQuestion("C", 79, "Do you require your direct suppliers to source the 3TG from smelters whose due "
                        "diligence practices have been validated by an independent third party audit "
                        "program?", role="smelter_audit"),
        CompanyQuestion("D", 81, "Have you implemented due diligence measures for responsible sourcing?",
                        role="due_diligence"),
        CompanyQuestion("E", 83, "Does your company conduct Conflict Minerals survey(s) of your relevant "
                        "supplier(s)?",
                        allowed=("Yes, in conformance with IPC1755 (e.g., CMRT)", "Yes, using other format "
                                 "(describe)", "No"), role="survey", explain_when=("Yes, using other format",),
                        explain_what="the format used (Instructions E)"),
        CompanyQuestion("F", 85, "Do you review due diligence information received from your suppliers against "
                        "your company's expectations?", role="review"),
        CompanyQuestion("G", 87, "Does your review process include corrective action management?",
                        role="corrective_action"),
        CompanyQuestion("H", 89, "Is your company required to file an annual conflict minerals disclosure?",
                        allowed=("Yes, with the SEC", "Yes, with the EU", "Yes, with the SEC and the EU", "No"),
                        role="sec_filer"),
    ),
    policy_url_cell="G77",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=2005,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Smelter Look-up",
    metals=CMRT_METALS,
    notes="Checker rows 4–69; 6.31+ per-metal dependent answer lists; Q6 '100%' may be the "
          "number 1 in 6.01–6.22.",
)
