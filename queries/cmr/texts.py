"""The company's own words: text blocks from a YAML file, and clearly marked placeholders for the rest.

Why: a Conflict Minerals Report is partly facts (the figures, from the store) and partly the company's
statements (its business, products in scope, due-diligence design, the RCOI conclusion, the steps it
took). The second part is never invented here: a block the company has not written renders as a
highlighted "[To be completed by the Company: …]" placeholder, which `report check` lists until it is
filled. Text from the file is plain text (line breaks kept), never markup or Jinja.

    company: Acme Corp
    products: |
      Industrial controllers and their spare parts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from minetrace.queries.cmr.markers import PLACEHOLDER, USER_TEXT, Marked, clean

#: key → what the company is asked to write (the default template uses every one of them)
PROMPTS: dict[str, str] = {
    "company": "company name",
    "company_overview": "describe the Company, its business, and why it files Form SD (products it manufactures "
                        "or contracts to manufacture that contain tin, tantalum, tungsten or gold necessary to "
                        "their functionality or production)",
    "products": "describe the products in scope for the reporting year (product categories, or all products "
                "and why)",
    "supply_chain": "describe the Company's position in the supply chain (it does not buy from mines or smelters "
                    "directly and relies on its direct suppliers' information)",
    "rcoi_conclusion": "state the conclusion of the reasonable country of origin inquiry (whether the Company "
                       "knows or has reason to believe that some of the 3TG may have originated in the Covered "
                       "Countries and may not come from recycled or scrap sources)",
    "step1": "OECD step 1 — describe the Company's management systems: its conflict minerals policy (and where "
             "it is published), the team responsible, supplier contract terms, the grievance mechanism and "
             "records retention",
    "step2": "OECD step 2 — describe how the Company identifies and assesses risk beyond the figures below "
             "(for example how it chooses the suppliers to survey and how it reviews their answers)",
    "step3": "OECD step 3 — describe the Company's strategy to respond to identified risks (escalation to "
             "senior management, requests to suppliers, conditions for removing a smelter)",
    "step4": "OECD step 4 — describe how the Company relies on independent third-party audits of smelters and "
             "refiners (RMI's Responsible Minerals Assurance Process and cross-recognised programs)",
    "step5": "OECD step 5 — state where this report is published",
    "steps_taken": "describe the steps taken during the year to mitigate risk (requests to suppliers whose forms "
                   "name high-risk smelters, their answers, escalations, removals)",
    "steps_planned": "describe the steps the Company will take next year to improve its due diligence and "
                     "mitigate risk",
    "audit": "state whether an independent private-sector audit of this report was obtained",
}


class TextsError(ValueError):
    """A texts file that cannot be used; the message names the file (and the key)."""


def placeholder(key: str) -> Marked:
    prompt = PROMPTS.get(key, key.replace("_", " "))
    return Marked(PLACEHOLDER, key, f"[To be completed by the Company: {prompt}]")


class Texts(dict):
    """key → Marked user text; a key the company did not write gives its marked placeholder."""

    def __missing__(self, key: str) -> Marked:
        return placeholder(key)


def load_texts(path: str | Path | None, company: str | None = None) -> Texts:
    """The blocks of a YAML file (mapping of key → text); `company` (from --company) wins over the file's."""
    raw: dict[str, Any] = {}
    if path:
        p = Path(path)
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise TextsError(f"{p}: cannot read the texts file ({exc.strerror or exc})") from exc
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise TextsError(f"{p}: not valid YAML ({exc})") from exc
        if not isinstance(raw, dict):
            raise TextsError(f"{p}: a texts file is a mapping of block name → text (e.g. `products: |`)")
        for key, value in raw.items():
            if not isinstance(key, str) or not key.isidentifier():
                raise TextsError(f"{p}: {key!r} is not a block name (letters, digits and _)")
            if value is not None and not isinstance(value, str | int | float):
                raise TextsError(f"{p}: {key}: expected text, got {type(value).__name__}")
    if company:
        raw["company"] = company
    out = Texts()
    for key, value in raw.items():
        text = clean(value).strip() if value is not None else ""
        if text:
            out[key] = Marked(USER_TEXT, key, text)
    return out


def skeleton() -> str:
    """A texts file with every block of the default template, each with its prompt, for the company to fill."""
    lines = ["# The company's own text blocks for `minetrace report cmr --texts THIS_FILE`.",
             "# A block left empty appears in the draft as a highlighted placeholder; `report check` lists it.", ""]
    for key, prompt in PROMPTS.items():
        lines.append(f"# {prompt}")
        lines.append(f"{key}: |" if key != "company" else f"{key}: ")
        if key != "company":
            lines.append("  ")
        lines.append("")
    return "\n".join(lines)
