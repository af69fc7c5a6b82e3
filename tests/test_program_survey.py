"""Survey statuses and the response figures, worked out by hand."""

from __future__ import annotations

from datetime import date

from minetrace.queries.survey import survey_figures, survey_status

REF = date(2016, 12, 31)


def sup(i, cat="direct", last="2016-01-01"):
    return {"id": f"S{i}", "name": f"Supplier {i}", "category": cat, "last_purchase": last,
            "contact_email": f"s{i}@x.com"}


def test_statuses_and_figures():
    sups = [sup(1), sup(2), sup(3), sup(4), sup(5), sup(6, "service"), sup(7, last="2009-01-01"), sup(8)]
    decls = {
        "S1": [{"id": "h1", "file_name": "s1.xlsx", "status": "valid", "received": "2017-02-01T10:00:00"}],
        "S2": [{"id": "h2", "file_name": "s2.xlsx", "status": "invalid",
                "findings_json": '[{"code": "missing_company_name", "severity": "error", "location": '
                                 '"Declaration!D8", "message": "no name"}]'}],
        "S6": [{"id": "h6", "file_name": "s6.xlsx", "status": "valid"}],  # out of scope: not counted
    }
    events = [
        {"supplier_id": "S1", "kind": "contacted", "date": "2017-01-10"},
        {"supplier_id": "S3", "kind": "contacted", "date": "2017-01-10"},
        {"supplier_id": "S3", "kind": "follow_up", "date": "2017-02-10"},
        {"supplier_id": "S3", "kind": "follow_up", "date": "2017-03-10", "note": "called"},
        {"supplier_id": "S4", "kind": "contacted", "date": "2017-01-10"},
        {"supplier_id": "S4", "kind": "responded", "date": "2017-02-01", "note": "sent a PDF"},
        {"supplier_id": "S8", "kind": "out_of_scope", "date": "2017-01-15", "note": "no 3TG parts"},
    ]
    rows = survey_status(sups, decls, events, REF)
    st = {r.supplier_id: r for r in rows}
    assert [st[f"S{i}"].status for i in range(1, 9)] == [
        "responded_valid", "responded_invalid", "contacted", "responded_invalid", "not_contacted",
        "out_of_scope", "out_of_scope", "out_of_scope"]
    assert st["S3"].contacted_on == "2017-01-10" and st["S3"].follow_ups == 2
    assert st["S3"].follow_up_dates == ["2017-02-10", "2017-03-10"] and st["S3"].last_contact == "2017-03-10"
    assert "missing_company_name" in st["S2"].invalid_reasons[0]
    assert st["S1"].responded_on == "2017-02-01"
    assert "no 3TG parts" in st["S8"].scope_reason
    f = survey_figures(rows)
    assert (f.master_list, f.out_of_scope, f.in_scope) == (8, 3, 5)
    assert f.out_of_scope_by_reason == {"inactive": 1, "manual": 1, "service": 1}
    assert (f.responded, f.valid, f.invalid, f.not_responded) == (3, 1, 2, 2)
    assert f.response_rate == 60.0
    assert (f.contacted, f.not_contacted, f.follow_ups) == (4, 1, 2)
    assert f.text == "3 of 5 in-scope suppliers responded (60.0 %); 1 valid, 2 invalid"


def test_report_figures_264_of_323():
    """323 in scope, 264 responded (30 invalid): the response rate is 81.7 %."""
    sups = [sup(i) for i in range(323)] + [sup(1000 + i, "service") for i in range(7)]
    decls = {f"S{i}": [{"id": f"h{i}", "status": "invalid" if i < 30 else "valid"}] for i in range(264)}
    f = survey_figures(survey_status(sups, decls, [], REF))
    assert (f.in_scope, f.responded, f.invalid, f.valid, f.response_rate) == (323, 264, 30, 234, 81.7)


def test_a_later_in_scope_event_undoes_out_of_scope():
    events = [{"supplier_id": "S1", "kind": "out_of_scope", "date": "2017-01-01"},
              {"supplier_id": "S1", "kind": "in_scope", "date": "2017-02-01"}]
    assert survey_status([sup(1)], {}, events, REF)[0].status == "not_contacted"
    assert survey_status([sup(1)], {}, events[:1], REF)[0].status == "out_of_scope"


def test_events_before_since_are_ignored():
    events = [{"supplier_id": "S1", "kind": "contacted", "date": "2016-01-10"}]
    assert survey_status([sup(1)], {}, events, REF, since=date(2017, 1, 1))[0].status == "not_contacted"
