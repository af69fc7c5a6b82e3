"""CMRT 4.x and 5.x (CFSI / RMI, 2015 → 2019): derived, not verified.

No 4.x or 5.x workbook (blank or filled) was available. These tables are derived from the
Revision history inside the 6.5 template (rendered in docs/template-layouts.md) and the generations on either side:
the company block, question rows and Smelter List columns A–Q are the same in 3.01 and 6.x, so
they are assumed unchanged here. 4.x keeps 3.01's seven questions and company questions A–J;
5.0 removed former company question G ("I (formerly J)"), leaving A–I. 4.0 renamed the reference
tab "Smelter Reference List"; 5.0 renamed it "Smelter Look-up" and added hidden columns R (ASCII
standard name), S (country code), T (state code). Q5's answer list changed to the 6.x percentage
list with IPC-1755 in 4.0 (assumed); the 3.01 list is accepted too. Every declaration read with
these tables carries `layout_verified: false` and an info finding.
"""

from __future__ import annotations

from minetrace.ingest.layouts.cmrt3 import RECEIVED_3
from minetrace.ingest.layouts.cmrt6 import COMPANY_CELLS_3_6, Q6_ANSWERS, SCOPES_3_6, SMELTER_COLUMNS_6
from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout
from minetrace.ingest.metals import CMRT_METALS

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
SURVEY_ANSWERS = ("Yes, in conformance with IPC1755 (e.g., CMRT)", "Yes, using other format (describe)", "No")

QUESTIONS_45 = (
    Question("Q1", 25, "Is any 3TG intentionally added or used in the product(s) or in the production process?",
             YES_NO, role="uses"),
    Question("Q2", 31, "Does any 3TG remain in the product(s)?", YES_NO, role="remains"),
    Question("Q3", 37, "Do any of the smelters in your supply chain source the 3TG from the covered countries?",
             YES_NO_UNKNOWN, role="covered_sourcing"),
    Question("Q4", 43, "Does 100 percent of the 3TG (necessary to the functionality or production of your "
             "products) originate from recycled or scrap sources?", YES_NO_UNKNOWN, role="recycled"),
    Question("Q5", 49, "What percentage of relevant suppliers have provided a response to your supply chain survey?",
             Q6_ANSWERS + RECEIVED_3, role="supplier_response"),
    Question("Q6", 55, "Have you identified all of the smelters supplying the 3TG to your supply chain?", YES_NO,
             role="smelters_identified"),
    Question("Q7", 61, "Has all applicable smelter information received by your company been reported in this "
             "declaration?", YES_NO_UNKNOWN, role="all_reported"),
)

CMRT_4 = Layout(
    id="cmrt-4",
    kind="CMRT",
    versions=("4.0", "4.00", "4.01", "4.01a", "4.01b", "4.02", "4.1", "4.10", "4.2", "4.20"),
    verified=False,
    release_date="2015-04-30",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_3_6,
    scopes=SCOPES_3_6,
    scope_rule="any",  # validated with the 3.x Checker rules (Q3–Q7 unless Q1 and Q2 are both 'No')
    questions=QUESTIONS_45,
    company_questions=(
        CompanyQuestion("A", 69, "Have you established a conflict minerals sourcing policy?", role="policy"),
        CompanyQuestion("B", 71, "Is your conflict minerals sourcing policy publicly available on your website?",
                        role="policy_public"),
        CompanyQuestion("C", 73, "Do you require your direct suppliers to be DRC conflict-free?",
                        role="supplier_requirement"),
        CompanyQuestion("D", 75, "Do you require your direct suppliers to source the 3TG from smelters whose due "
                        "diligence practices have been validated by an independent third party audit program?",
                        role="smelter_audit"),
        CompanyQuestion("E", 77, "Have you implemented due diligence measures for conflict-free sourcing?",
                        role="due_diligence"),
        CompanyQuestion("F", 79, "Does your company conduct Conflict Minerals survey(s) of your relevant "
                        "supplier(s)?", allowed=SURVEY_ANSWERS + YES_NO, role="survey",
                        explain_when=("Yes, using other format",), explain_what="the format used"),
        CompanyQuestion("G", 81, "Do you request smelter names from your suppliers?", role="smelter_names"),
        CompanyQuestion("H", 83, "Do you review due diligence information received from your suppliers against your "
                        "company's expectations?", role="review"),
        CompanyQuestion("I", 85, "Does your review process include corrective action management?",
                        role="corrective_action"),
        CompanyQuestion("J", 87, "Is your company required to file an annual conflict minerals disclosure with the "
                        "SEC?", role="sec_filer"),
    ),
    policy_url_cell="G71",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504,
                         columns=SMELTER_COLUMNS_6[:17]),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Smelter Reference List",
    metals=CMRT_METALS,
    notes="Derived from the 6.5 Revision history; no 4.x sample was available.",
)

CMRT_5 = Layout(
    id="cmrt-5",
    kind="CMRT",
    versions=("5.0", "5.00", "5.01", "5.1", "5.10", "5.11", "5.12"),
    verified=False,
    release_date="2017-05-12",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_3_6,
    scopes=SCOPES_3_6,
    scope_rule="any",  # validated with the 3.x Checker rules (Q3–Q7 unless Q1 and Q2 are both 'No')
    questions=QUESTIONS_45,
    company_questions=(
        CompanyQuestion("A", 69, "Have you established a responsible minerals sourcing policy?", role="policy"),
        CompanyQuestion("B", 71, "Is your responsible minerals sourcing policy publicly available on your "
                        "website?", role="policy_public"),
        CompanyQuestion("C", 73, "Do you require your direct suppliers to be DRC conflict-free?",
                        role="supplier_requirement"),
        CompanyQuestion("D", 75, "Do you require your direct suppliers to source the 3TG from smelters whose due "
                        "diligence practices have been validated by an independent third party audit program?",
                        role="smelter_audit"),
        CompanyQuestion("E", 77, "Have you implemented due diligence measures for responsible sourcing?",
                        role="due_diligence"),
        CompanyQuestion("F", 79, "Does your company conduct Conflict Minerals survey(s) of your relevant "
                        "supplier(s)?", allowed=SURVEY_ANSWERS, role="survey",
                        explain_when=("Yes, using other format",), explain_what="the format used"),
        CompanyQuestion("G", 81, "Do you review due diligence information received from your suppliers against your "
                        "company's expectations?", role="review"),
        CompanyQuestion("H", 83, "Does your review process include corrective action management?",
                        role="corrective_action"),
        CompanyQuestion("I", 85, "Is your company required to file an annual conflict minerals disclosure with the "
                        "SEC?", role="sec_filer"),
    ),
    policy_url_cell="G71",
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2504, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Smelter Look-up",
    metals=CMRT_METALS,
    notes="Derived from the 6.5 Revision history; no 5.x sample was available.",
)
