"""CRT 2.2x (Cobalt Reporting Template, RMI Oct 2020): one mineral, six questions.

Checked against the 2.21 blank (saved in Chinese; English text from its hidden L sheet). Both
files named 2.2 and 2.21 say "Revision 2.2" inside. Company block as CMRT 6.x (D8–D22); six
questions at rows 25–55, each answered on the single Cobalt row below it; company questions A–I
at rows 63–79 (no public-policy/URL question: B asks whether the policy covers OECD Annex II).
"""

from __future__ import annotations

from minetrace.ingest.layouts.cmrt6 import COMPANY_CELLS_3_6, SCOPES_3_6, SMELTER_COLUMNS_6
from minetrace.ingest.layouts.model import CompanyQuestion, Layout, Question, TableLayout

YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
PERCENT = ("100%", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less", "None")


def _cobalt(row: int) -> tuple[tuple[str, int], ...]:
    return (("Cobalt", row + 1),)


CRT_2 = Layout(
    id="crt-2",
    kind="CRT",
    versions=("2.0", "2.1", "2.2", "2.21", "2.22"),
    verified=True,
    release_date="2020-10-28",
    declaration_sheet="Declaration",
    company_cells=COMPANY_CELLS_3_6,
    scopes=SCOPES_3_6,
    questions=(
        Question("Q1", 25, "Is any of the cobalt intentionally added or used in the product(s) or in the production "
                 "process?", YES_NO_UNKNOWN, metal_rows=_cobalt(25), role="uses"),
        Question("Q2", 31, "Do any of the smelters in your supply chain source the cobalt from a Conflict-Affected "
                 "and High-Risk area?", YES_NO_UNKNOWN + ("DRC or adjoining countries only",),
                 metal_rows=_cobalt(31), role="cahra_sourcing"),
        Question("Q3", 37, "Does 100 percent of the cobalt originate from recycled or scrap sources?", YES_NO_UNKNOWN,
                 metal_rows=_cobalt(37), role="recycled"),
        Question("Q4", 43, "What percentage of relevant suppliers have provided a response to your supply chain "
                 "survey?", PERCENT, metal_rows=_cobalt(43), role="supplier_response"),
        Question("Q5", 49, "Have you identified all of the smelters supplying the cobalt to your supply chain?",
                 YES_NO_UNKNOWN, metal_rows=_cobalt(49), role="smelters_identified"),
        Question("Q6", 55, "Has all applicable smelter information received by your company been reported in this "
                 "declaration?", YES_NO_UNKNOWN, metal_rows=_cobalt(55), role="all_reported"),
    ),
    company_questions=(
        CompanyQuestion("A", 63, "Have you established a publicly available cobalt sourcing policy?", role="policy"),
        CompanyQuestion("B", 65, "Does your policy cover, at a minimum, all risks in the OECD Due Diligence Guidance "
                        "Annex II Model Policy, as well as the worst forms of child labor?", role="policy_scope"),
        CompanyQuestion("C", 67, "Have you implemented due diligence measures for cobalt in the declaration scope "
                        "indicated above?", role="due_diligence"),
        CompanyQuestion("D", 69, "Do you require suppliers to exercise due diligence over the cobalt supply chain in "
                        "accordance with the OECD Due Diligence Guidance?", role="supplier_requirement"),
        CompanyQuestion("E", 71, "Do you require your direct suppliers to source cobalt from smelters whose due "
                        "diligence practices have been validated by an independent third party audit program?",
                        role="smelter_audit"),
        CompanyQuestion("F", 73, "Do you require suppliers' due diligence practices to cover, at a minimum, all risks "
                        "in the OECD Due Diligence Guidance Annex II Model Policy, as well as the worst forms of "
                        "child labor?", role="supplier_policy_scope"),
        CompanyQuestion("G", 75, "Does your company conduct cobalt supply chain survey(s) of your relevant "
                        "supplier(s)?", allowed=("Yes, CRT", "Yes, Using Other Format (Describe)", "No"),
                        role="survey"),
        CompanyQuestion("H", 77, "Do you review due diligence information received from your suppliers against your "
                        "company's expectations?", role="review"),
        CompanyQuestion("I", 79, "Does your review process include corrective action management?",
                        role="corrective_action"),
    ),
    policy_url_cell=None,
    version_cells=("J3", "Smelter List!Q3"),
    smelters=TableLayout("Smelter List", header_row=4, first_row=5, last_row=2500, columns=SMELTER_COLUMNS_6),
    products=TableLayout("Product List", header_row=5, first_row=6, last_row=1000,
                         columns=(("number", "B"), ("name", "C"), ("comment", "D"))),
    lookup_sheet="Smelter Look-up",
    metals=("Cobalt",),
)
