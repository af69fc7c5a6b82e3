"""Who a campaign message goes to: the supplier's contact on the master list, and nobody else.

Why only the master list: a supplier's identity comes from the master list, not from what a file says
(trust by source). A workbook's own contact block is a stranger's text — sending a receipt
there would let one file direct our mail to any address — so a supplier known only from a declaration,
or whose master-list address is missing or malformed, gets no message and is listed with the reason.

Example:
    >>> addressee({"id": "S1", "name": "Acme", "origin": "master_list", "contact_email": "a@acme.example"})
    Addressee(supplier_id='S1', name='Acme', to=['a@acme.example'], language='en', contact_name=None, reason=None)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minetrace.queries._access import get
from minetrace.queries.campaign.mail import recipient, usable_address
from minetrace.queries.campaign.render import language_code


@dataclass
class Addressee:
    supplier_id: str
    name: str | None
    to: list[str]  # empty when `reason` says why there is nobody to write to
    language: str
    contact_name: str | None = None
    reason: str | None = None  # None | "not_on_master_list" | "no_contact" | "bad_contact"

    @property
    def ok(self) -> bool:
        return bool(self.to)

    @property
    def why(self) -> str:
        return {"not_on_master_list": "known only from a declaration (not on the master list): no trusted address",
                "no_contact": "no contact e-mail on the master list",
                "bad_contact": "the master list's contact e-mail is not a usable address"}.get(self.reason or "", "")

    def supplier_context(self) -> dict[str, Any]:
        return {"id": self.supplier_id, "name": self.name or self.supplier_id, "contact_name": self.contact_name}


def addressee(supplier: Any) -> Addressee:
    sid = str(get(supplier, "id"))
    name = get(supplier, "name")
    contact_name = get(supplier, "contact_name")
    lang = language_code(get(supplier, "language"))
    base = {"supplier_id": sid, "name": name, "language": lang, "contact_name": contact_name}
    if get(supplier, "origin", "master_list") != "master_list":
        return Addressee(**base, to=[], reason="not_on_master_list")
    raw = get(supplier, "contact_email")
    if not raw:
        return Addressee(**base, to=[], reason="no_contact")
    addr = usable_address(raw)
    if addr is None:
        return Addressee(**base, to=[], reason="bad_contact")
    return Addressee(**base, to=[recipient(addr, contact_name)])
