"""CMRT 3.0x (CFSI, April – Nov 2014): contact and authorizer split, CIDs arrive, seven questions.

Checked against the 3.01 blank, the GoerTech 3.01 fixture and the Green Status Pro 3.01 fills
(rendered in docs/template-layouts.md): company block as in 6.x (D8–D22, Unique ID Authority D13), 7 per-metal
questions on rows 25–61 (Q5 is the "Yes, 100% / No, but greater than 75% …" list, whose 75 %
entry carries a trailing space in the template), company questions A–J on rows 69–87, policy URL
in G71. Smelter List columns B–Q are the 6.x ones (no column A input, no hidden R/S).
"""

from __future__ import annotations

from minetrace.ingest.layouts.cmrt6 import COMPANY_CELLS_3_6, SCOPES_3_6
from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout
from minetrace.ingest.metals import CMRT_METALS

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
RECEIVED_3 = ("Yes, 100%", "No, but greater than 75%", "No, but greater than 50%", "No, but greater than 25%",
              "No, but less than 25%", "None")

SMELTER_COLUMNS_3 = (
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
)

QUESTIONS_3 = (
    Question("Q1", 25, "Is the conflict metal intentionally added to your product?", YES_NO, role="uses"),
    Question("Q2", 31, "Is the conflict metal necessary to the production of your company's products and contained "
             "in the finished product that your company manufactures or contracts to manufacture?", YES_NO,
             role="remains"),
    Question("Q3", 37, "Does any of the conflict metal originate from the covered countries?", YES_NO_UNKNOWN,
             role="covered_sourcing"),
    Question("Q4", 43, "Does 100 percent of the conflict metal (necessary to the functionality or production of "
             "your products) originate from recycled or scrap sources?", YES_NO_UNKNOWN, role="recycled"),
    Question("Q5", 49, "Have you received conflict metals data/information for each metal from all relevant "
             "suppliers of 3TG?", RECEIVED_3, role="supplier_response"),
    Question("Q6", 55, "For each conflict metal, have you identified all of the smelters your company and its "
             "suppliers use for the supply chain?", YES_NO, role="smelters_identified"),
    Question("Q7", 61, "Has all applicable smelter information received by your company been reported in this "
             "declaration?", YES_NO_UNKNOWN, role="all_reported"),
)

COMPANY_QUESTIONS_3 = (
    CompanyQuestion("A", 69, "Do you have a policy in place that addresses conflict minerals sourcing?",
                    role="policy"),
    CompanyQuestion("B", 71, "Is your conflict minerals sourcing policy publicly available on your website?",
                    role="policy_public"),
    CompanyQuestion("C", 73, "Do you require your direct suppliers to be DRC conflict-free?",
                    role="supplier_requirement"),
    CompanyQuestion("D", 75, "Do you require your direct suppliers to source from smelters whose due diligence "
                    "practices have been validated by an independent private sector audit firm?",
                    role="smelter_audit"),
    CompanyQuestion("E", 77, "Have you implemented due diligence measures for conflict-free sourcing?",
                    role="due_diligence"),
    CompanyQuestion("F", 79, "Do you collect conflict minerals due diligence information from your suppliers which "
                    "is in conformance with the IPC-1755 Conflict Minerals Data Exchange standard?", role="survey",
                    explain_when=("No",), explain_what="what the suppliers are asked to complete (Instructions F)"),
    CompanyQuestion("G", 81, "Do you request smelter names from your suppliers?", role="smelter_names"),
    CompanyQuestion("H", 83, "Do you review due diligence information received from your suppliers against your "
                    "company's expectations?", role="review"),
    CompanyQuestion("I", 85, "Does your review process include corrective action management?",
                    role="corrective_action", explain_when=("Yes",),
                    explain_what="how the corrective action process is managed (Instructions I)"),
    CompanyQuestion("J", 87, "Are you subject to the SEC Conflict Minerals rule?", role="sec_filer"),
)

CMRT_3 = Layout(
    id="cmrt-3",
    kind="CMRT",
    versions=("3.0", "3.00", "3.01", "3.02"),
    verified=True,
    release_date="2014-04-09",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_3_6,
    scopes=SCOPES_3_6,
    questions=QUESTIONS_3,
    company_questions=COMPANY_QUESTIONS_3,
    policy_url_cell="G71",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_3),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=300,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Standard Smelter Names",
    metals=CMRT_METALS,
    scope_rule="any",
    notes="Standard Smelter Names maps Old Smelter ID (D) → New Smelter ID / CID (E); hidden K is an alias table.",
)
