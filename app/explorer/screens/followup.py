"""Follow-up: the supplier campaign for one reporting year — who to remind, receipts sent, open mitigation cases
by smelter and supplier, the response funnel from real contact dates, and buttons to write or send a batch.

Every number and list comes from ``queries.campaign`` through ``data``; the buttons run the same steps as
``minetrace survey request|remind|receipts|outbox --send`` (sender, settings and SMTP from the environment,
messages into the store's outbox).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from minetrace.app.explorer import charts, data, views
from minetrace.app.safe_output import md


def _run(step: str, year: int | None, send: bool, template: Any = None) -> None:
    try:
        with st.spinner(f"Writing {step} batch…"):
            res = data.campaign_step(step, year, send=send, template=template.getvalue() if template else None,
                                     template_name=template.name if template else "blank-template.xlsx")
    except Exception as exc:  # a bad template, settings or SMTP environment: say so, keep the page
        st.session_state["followup_result"] = ("error", f"{step}: {md(exc, 600)}")
        return
    sent = res.get("sent") or []
    failed = [r for r in sent if not r["ok"]]
    text = (f"{step}: {len(res.get('written', []))} written, {len(res.get('existing', []))} written before, "
            f"{len(res.get('held', []))} held" + (f"; {len(sent) - len(failed)} sent, {len(failed)} failed"
                                                  if sent else "") + f" — outbox {md(res.get('outbox'), None)}")
    st.session_state["followup_result"] = ("warning" if failed else "success", text)


def _result_notice() -> None:
    got = st.session_state.pop("followup_result", None)
    if got:
        kind, text = got
        getattr(st, kind)(text)


def render() -> None:
    st.title("Follow-up")
    k = data.key()
    year = views.year()
    st.caption(f"Reporting year: {views.year_label()} · requests, reminders and receipts are written as .eml files "
               "into the store's outbox; sending needs the MINETRACE_SMTP_* environment.")
    _result_notice()
    try:
        funnel = data.campaign_funnel(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        funnel = {}
        views.unavailable(exc, "The response funnel")
    if funnel:
        days = funnel.get("median_days_to_respond")
        rpr = funnel.get("reminders_per_responder")
        views.kpis([
            ("Contacted", funnel.get("contacted"), "in-scope suppliers with a request or a logged contact"),
            ("Responded", funnel.get("responded"), (funnel.get("figures") or {}).get("text")),
            ("Median days to respond", f"{days:.0f}" if isinstance(days, int | float) else None,
             "first contact → response (the survey status's dates)"),
            ("Reminders per responder", f"{rpr:.2f}" if isinstance(rpr, int | float) else None),
            ("Open mitigation cases", funnel.get("cases_open")),
            ("Closed cases", funnel.get("cases_closed")),
            ("Messages not sent", (funnel.get("messages") or {}).get("written", 0)
             + (funnel.get("messages") or {}).get("failed", 0), "written into the outbox, not sent over SMTP yet"),
            ("Failed to send", (funnel.get("messages") or {}).get("failed"),
             f"{(funnel.get('messages') or {}).get('held', 0)} held: no trusted address"),
        ])
        left, right = st.columns(2)
        with left:
            st.plotly_chart(charts.funnel(funnel.get("figures") or {}), key="followup_funnel")
        with right:
            st.plotly_chart(charts.days_to_respond([s.get("days_to_respond") for s in funnel.get("suppliers", [])],
                                                   funnel.get("responders_by_reminders") or {}),
                            key="followup_days")
    smtp_ok, smtp_text = data.smtp_status()
    st.caption(f"SMTP: {smtp_text}" if smtp_ok else f"Sending is off: {smtp_text}")
    _requests(year, smtp_ok)
    _reminders(k, year, smtp_ok)
    _receipts(k, year, smtp_ok)
    _cases(k, year)


def _requests(year: int | None, smtp_ok: bool) -> None:
    st.subheader("Requests")
    if year is None:
        st.info("Pick a reporting year in the sidebar to write requests and reminders.")
        return
    template = st.file_uploader("Blank CMRT template to attach", type=["xlsx", "xls"], key="followup_template")
    cols = st.columns(3)
    if cols[0].button("Write requests", key="followup_write_request", disabled=template is None,
                      icon=":material/mail:"):
        _run("request", year, False, template)
        st.rerun()
    if cols[1].button("Write and send requests", key="followup_send_request", disabled=template is None or
                      not smtp_ok, icon=":material/send:"):
        _run("request", year, True, template)
        st.rerun()


def _reminders(k: tuple[str, str], year: int | None, smtp_ok: bool) -> None:
    st.subheader("Who to remind")
    if year is None:
        return
    try:
        plan = data.reminder_plan(k, year, date.today().isoformat())
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "The reminder plan")
        return
    due = plan[plan["action"].astype(str).str.startswith("reminder")] if not plan.empty else plan
    st.caption(f"{len(due)} reminder(s) due today; {len(plan) - len(due)} supplier(s) held (not due yet, never "
               "contacted, no usable contact, or reminders used up: escalate).")
    views.table(plan, ["supplier_id", "name", "action", "status", "to", "why"], key="followup_remind", height=360)
    cols = st.columns(3)
    if cols[0].button("Write reminders", key="followup_write_remind", disabled=due.empty, icon=":material/mail:"):
        _run("remind", year, False)
        st.rerun()
    if cols[1].button("Write and send reminders", key="followup_send_remind", disabled=due.empty or not smtp_ok,
                      icon=":material/send:"):
        _run("remind", year, True)
        st.rerun()


def _receipts(k: tuple[str, str], year: int | None, smtp_ok: bool) -> None:
    st.subheader("Receipts")
    try:
        pending = data.receipts_pending(k, year)
        msgs = data.campaign_messages(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Receipts")
        return
    receipts = msgs[msgs["kind"] == "receipt"] if not msgs.empty else msgs
    st.caption(f"{len(receipts)} receipt(s) written, {pending} form(s) without a receipt yet.")
    views.table(receipts, ["created", "supplier_id", "supplier_name", "file_name", "status", "high_risk", "state",
                           "last_error"], key="followup_receipts", height=300)
    cols = st.columns(3)
    if cols[0].button("Write receipts", key="followup_write_receipts", disabled=not pending, icon=":material/mail:"):
        _run("receipts", year, False)
        st.rerun()
    if cols[1].button("Write and send receipts", key="followup_send_receipts", disabled=not pending or not smtp_ok,
                      icon=":material/send:"):
        _run("receipts", year, True)
        st.rerun()
    unsent = msgs[msgs["state"].isin(["written", "failed"])] if not msgs.empty else msgs
    if cols[2].button(f"Send {len(unsent)} pending message(s)", key="followup_send_pending",
                      disabled=unsent.empty or not smtp_ok, icon=":material/outbox:"):
        _run("send", year, True)
        st.rerun()
    failed = msgs[msgs["state"] == "failed"] if not msgs.empty else msgs
    if not failed.empty:
        st.warning(f"{len(failed)} message(s) failed to send (they stay pending):")
        views.table(failed, ["kind", "supplier_id", "to", "last_error"], key="followup_failed")


def _cases(k: tuple[str, str], year: int | None) -> None:
    st.subheader("Open mitigation cases by smelter and supplier")
    try:
        cases = data.campaign_cases(k, year)
    except Exception as exc:  # a query failure must not hide the rest of the page
        views.unavailable(exc, "Mitigation cases")
        return
    if cases.empty:
        st.info("No mitigation case yet: receipts open one per supplier and high-risk smelter they name.")
        return
    open_ = cases[cases["state"] != "closed"]
    st.caption(f"{len(open_)} open, {len(cases) - len(open_)} closed, "
               f"{int(open_['proposal'].notna().sum())} proposed to close (`minetrace mitigation update KEY "
               "--accept-proposal`).")
    by_smelter = (open_.groupby(["cid", "smelter_name"], dropna=False).size().reset_index(name="open cases")
                  .sort_values("open cases", ascending=False)) if not open_.empty else open_
    views.table(by_smelter, key="followup_cases_by_smelter", height=240)
    views.table(cases, ["cid", "smelter_name", "supplier_id", "supplier_name", "state", "opened_on", "due", "proposal",
                        "closed_reason"], key="followup_cases", height=400)
