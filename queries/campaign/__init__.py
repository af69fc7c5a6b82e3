"""The supplier campaign: requests, reminders, receipts on every form, mitigation cases to closure.

Why a package: the 2016 report describes a program, not only a data set — suppliers are asked for a
CMRT, reminded, sent a receipt for every form (findings with their cells, unresolved smelter rows,
the actions asked for every high-risk smelter listed) and followed until each high-risk link is
closed. Each module holds one step; all state goes through the store interface
(`GraphStore.save_campaign_records` / `campaign_records`, kept beside the survey events) so the
campaign runs on the embedded store and on Neo4j alike:

    settings.py   campaign settings (due dates, reminder interval) as data, sender from the environment
    text.py       supplier text made safe for a plain-text message (no control or bidi characters)
    render.py     message texts from user-editable Jinja2 templates (templates/en, templates/zh)
    mail.py       RFC 5322 messages (.eml) with MIME attachments and stable Message-IDs
    ledger.py     the outgoing-message records: what was written, sent, failed (and why)
    smtp.py       delivery over SMTP configured by environment variables, with retries
    batch.py      writing a batch of messages, logging the survey events, sending on request
    requests.py   who gets a request; reminders.py who gets a reminder (escalation count)
    highrisk.py   the ONE place the campaign asks which smelters are high risk
    receipts.py   what a receipt says about one declaration
    cases.py      mitigation cases: state machine, closure proposals, export, year-over-year figure
    funnel.py     the response funnel from real contact dates
"""
