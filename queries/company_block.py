"""Our own company block for the consolidated CMRT: who declares, the scope, the contact and the authorizer,
the effective date, and (optionally) our answers — taken from options or a config file, kept beside the store.

Why: the consolidated CMRT is a form we send on to our customers; written with an empty Declaration sheet it
fails the RMI Checker and minetrace's own validator. The block is data the company fills in once
(`<store>/company.yaml`, or `export cmrt --company-file FILE`; the explorer's Exports page edits the same
file), and every export checks the written form with the validator and lists what is still missing.

Example (company.yaml):

    name: Our Company Inc.
    scope: A                      # A. Company, B. Product, C. User defined (scope_description)
    address: 1 Main Street, Springfield
    contact_name: Ana Analyst
    contact_email: compliance@ourco.example
    contact_phone: +1 555 0100
    authorizer_name: Sam Signer
    authorizer_title: Head of Compliance
    authorizer_email: sam@ourco.example
    authorizer_phone: +1 555 0101
    effective_date: 2017-05-15
    answers: {Q1: {Tin: "Yes", Gold: "Yes"}}     # optional: question → metal → answer
    company_answers: {A: "Yes"}                   # optional: question letter → answer
    policy_url: https://www.ourco.example/policy  # optional
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import yaml

#: the company-block fields, in Declaration order, with the label a person reads
FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "Company name"), ("scope", "Declaration scope (A company, B product, C user defined)"),
    ("scope_description", "Description of scope (scope C)"), ("unique_id", "Company unique ID"),
    ("unique_id_authority", "Unique ID authority"), ("address", "Address"), ("contact_name", "Contact name"),
    ("contact_email", "Contact e-mail"), ("contact_phone", "Contact phone"), ("authorizer_name", "Authorizer"),
    ("authorizer_title", "Authorizer's title"), ("authorizer_email", "Authorizer's e-mail"),
    ("authorizer_phone", "Authorizer's phone"), ("effective_date", "Effective date (YYYY-MM-DD)"),
)
FILE_NAME = "company.yaml"
EXTRA_KEYS = ("answers", "company_answers", "comments", "company_comments", "policy_url")


class CompanyBlockError(ValueError):
    """A company file that cannot be used (names the file and why)."""


def default_path(store_folder: str | Path) -> Path:
    """The store's company block: `<store folder>/company.yaml`."""
    return Path(store_folder) / FILE_NAME


def load(path: str | Path | None) -> dict[str, Any]:
    """The block from a YAML (or JSON) file; {} when `path` is None or missing. Unknown keys are refused."""
    if path is None or not Path(path).exists():
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise CompanyBlockError(f"{path}: not a readable company file ({exc})") from None
    if not isinstance(data, dict):
        raise CompanyBlockError(f"{path}: expected keys such as name, contact_email, effective_date")
    known = {k for k, _ in FIELDS} | set(EXTRA_KEYS)
    unknown = sorted(str(k) for k in data if k not in known)
    if unknown:
        raise CompanyBlockError(f"{path}: unknown key(s) {', '.join(unknown)}; use {', '.join(sorted(known))}")
    return normalise(data)


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Blank values dropped, the effective date as a date (an unreadable one is refused)."""
    out = {k: v for k, v in data.items() if v not in (None, "", {}, [])}
    eff = out.get("effective_date")
    if isinstance(eff, str):
        try:
            out["effective_date"] = date.fromisoformat(eff.strip())
        except ValueError:
            raise CompanyBlockError(f"effective_date {eff!r} is not a date (YYYY-MM-DD)") from None
    return out


def save(path: str | Path, data: dict[str, Any]) -> Path:
    """Write the block (dates as ISO text) to `path`."""
    clean = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in normalise(data).items()}
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(clean, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def to_spec(data: dict[str, Any]) -> Any:
    """The block as the template writer's `CmrtSpec` (company fields, answers, policy URL)."""
    from minetrace.queries.template_writer import CmrtSpec

    fields = {k for k, _ in FIELDS}
    return CmrtSpec(company={k: v for k, v in data.items() if k in fields},
                    answers=dict(data.get("answers") or {}), comments=dict(data.get("comments") or {}),
                    company_answers=dict(data.get("company_answers") or {}),
                    company_comments=dict(data.get("company_comments") or {}), policy_url=data.get("policy_url"))
