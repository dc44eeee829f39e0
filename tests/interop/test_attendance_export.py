"""Attendance events out for the back-office (issue 15 item 1): the exchange format that the
attendance import reads, so an export imports back as "unchanged"; incremental by the history's
last change; streamed CSV and JSON, XLSX; the office of the institute only."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from campanella.audit.models import Change
from campanella.interop.attendance_export import (
    FIELDS,
    Selection,
    attendance_events,
    csv_chunks,
    split_reason,
)
from campanella.interop.models import ImportKind
from campanella.interop.services import import_apply, import_preview
from campanella.register import services
from campanella.register.models import Absence, EarlyExit, LateEntry
from campanella.register.selectors import weekly_hours
from tests import factories as f
from tests.conftest import Cast
from tests.interop.helpers import messages, upload
from tests.interop.test_attendance_import import apply, days, sample

pytestmark = pytest.mark.django_db

EXPORT = reverse("interop:attendance_export")


def selection(cast: Cast, **changes: Any) -> Selection:
    day, before = days(cast)
    values: dict[str, Any] = {
        "institute_id": cast.institute.pk,
        "school_ids": (cast.school.pk,),
        "start": before,
        "end": day,
    }
    values.update(changes)
    return Selection(**values)


def exported_csv(cast: Cast, **changes: Any) -> list[dict[str, str]]:
    chosen = selection(cast, **changes)
    content = b"".join(csv_chunks(attendance_events(chosen), chosen.fields))
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def query(cast: Cast, **more: str) -> dict[str, Any]:
    day, before = days(cast)
    return {"scuole": [cast.school.pk], "dal": before.isoformat(), "al": day.isoformat(), **more}


def test_every_kind_of_event_goes_out_with_its_justification(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    day, before = days(cast)
    rows = exported_csv(cast)
    assert list(rows[0]) == list(FIELDS)
    by = {(r["codice_fiscale"], r["kind"], r["lesson_hour"]): r for r in rows}
    assert len(rows) == 5
    whole_day = by[(cast.child.codice_fiscale, "ASSENZA", "")]
    assert (whole_day["date"], whole_day["justified"]) == (day.isoformat(), "no")
    entries = weekly_hours(cast.classroom_1a.pk).get(day.weekday(), [])
    assert whole_day["hours"] == str(len(entries))
    assert by[(cast.other_child.codice_fiscale, "ASSENZA", "2")]["hours"] == "1"
    assert any(r["kind"] == "USCITA" and r["time"] == "10:30" for r in rows)
    assert any(r["kind"] == "RITARDO_BREVE" and r["time"] == "08:05" for r in rows)
    late = next(r for r in rows if r["kind"] == "RITARDO")
    assert late["date"] == before.isoformat() and late["time"] == "08:40"
    assert (late["justified"], late["justified_by"]) == ("sì", "teacher")
    assert late["justified_at"].startswith(day.isoformat())
    assert (late["reason_code"], late["reason_text"], late["certificate"]) == (
        "SALUTE", "Visita medica", "no",
    )  # fmt: skip
    assert {r["recorded_by"] for r in rows} == {cast.office.username}
    assert all(r["last_modified"] and r["counts_for_limit"] == "sì" for r in rows)
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)  # by day


def test_an_export_imports_back_as_unchanged_and_writes_nothing(cast: Cast) -> None:
    """The round trip: the file the office takes out is one the import reads as is."""
    assert apply(cast, sample(cast)).applied
    chosen = selection(cast)
    content = b"".join(csv_chunks(attendance_events(chosen), chosen.fields))
    changes = Change.objects.count()
    batch = upload(cast, content, ImportKind.ATTENDANCE)
    plan = import_preview(batch=batch, user=cast.office)
    assert plan.counts().get("unchanged") == 5, [(r.line, r.action, r.details) for r in plan.rows]
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert result.applied, messages(result)
    assert result.batch.summary["written"] == {}
    assert Change.objects.count() == changes


def test_incremental_lists_only_what_changed_since_cancelled_events_included(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    after_import = timezone.now()
    assert exported_csv(cast, since=after_import) == []
    exit_ = EarlyExit.objects.get(student=cast.other_child)
    services.attendance_cancel(user=cast.teacher, record=exit_, reason="Errore di inserimento")
    rows = exported_csv(cast, since=after_import)
    assert [(r["codice_fiscale"], r["kind"], r["cancelled"]) for r in rows] == [
        (cast.other_child.codice_fiscale, "USCITA", "sì")
    ]
    assert datetime.datetime.fromisoformat(rows[0]["last_modified"]) > after_import.replace(
        microsecond=0
    ) - datetime.timedelta(seconds=1)
    # A full export leaves cancelled events out, and has no "cancelled" column.
    full = exported_csv(cast)
    assert len(full) == 4 and "cancelled" not in full[0]


def test_a_justification_accepted_later_changes_the_events_last_modified(cast: Cast) -> None:
    day, _before = days(cast)
    assert apply(cast, sample(cast)).applied
    after_import = timezone.now()
    justification = services.justification_submit(
        user=cast.office, student=cast.child, kind="assenza", start=day,
        reason="Motivi di famiglia", today=day, as_office=True,
    )  # fmt: skip
    services.justification_decide(
        user=cast.teacher, justification=justification, accept=True, day=day
    )
    rows = exported_csv(cast, since=after_import)
    assert [(r["codice_fiscale"], r["kind"], r["justified"], r["cancelled"]) for r in rows] == [
        (cast.child.codice_fiscale, "ASSENZA", "sì", "no")
    ]
    assert rows[0]["justified_by"] == cast.teacher.username


def test_other_schools_and_days_outside_the_range_stay_out(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    day, _before = days(cast)
    assert len(exported_csv(cast, start=day)) == 4  # the day before's late entry is left out
    other = f.SchoolFactory(institute=cast.institute, name="Altro plesso")
    assert exported_csv(cast, school_ids=(other.pk,)) == []


def test_the_office_downloads_json_csv_and_xlsx_from_its_page(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    client = cast.client_for(cast.office)
    page = client.get(EXPORT)
    assert page.status_code == 200 and "Esporta le assenze" in page.content.decode()
    as_json = client.get(EXPORT, query(cast, formato="json"))
    assert as_json.status_code == 200
    assert "attachment" in as_json["Content-Disposition"]
    events = json.loads(b"".join(as_json.streaming_content))
    assert len(events) == 5 and set(events[0]) == set(FIELDS)
    late = next(e for e in events if e["kind"] == "RITARDO")
    assert late["justified"] is True and late["hours"] >= 0 and late["reason_code"] == "SALUTE"
    as_csv = client.get(EXPORT, query(cast, formato="csv"))
    assert b"".join(as_csv.streaming_content).decode("utf-8-sig").count("\r\n") == 6
    as_xlsx = client.get(EXPORT, query(cast, formato="xlsx"))
    book = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content)), read_only=True)
    sheet_rows = list(book.active.iter_rows(values_only=True))
    assert list(sheet_rows[0]) == list(FIELDS) and len(sheet_rows) == 6


def test_bad_ranges_are_refused_in_italian(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    day, before = days(cast)
    response = client.get(EXPORT, query(cast, dal=day.isoformat(), al=before.isoformat()))
    assert response.status_code == 400
    assert "L&#x27;ultimo giorno viene prima del primo." in response.content.decode()
    far = (day + datetime.timedelta(days=500)).isoformat()
    assert "Al massimo 400 giorni" in client.get(EXPORT, query(cast, al=far)).content.decode()
    assert (
        "Scegliere almeno una scuola."
        in client.get(EXPORT, {"dal": before.isoformat(), "al": day.isoformat()}).content.decode()
    )


@pytest.mark.parametrize("who", ["teacher", "principal", "guardian", "outsider"])
def test_nobody_but_the_institutes_office_gets_a_file(cast: Cast, who: str) -> None:
    """With a valid query naming the institute's real school: 404, no events."""
    assert apply(cast, sample(cast)).applied
    response = cast.client_for(getattr(cast, who)).get(EXPORT, query(cast, formato="json"))
    assert response.status_code == 404
    assert b"codice_fiscale" not in response.content


def test_another_institutes_office_cannot_name_our_school(cast: Cast) -> None:
    """Its own page, our school's id: refused as a choice it does not have, no file."""
    assert apply(cast, sample(cast)).applied
    response = cast.client_for(cast.foreign_office).get(EXPORT)
    assert response.status_code == 200  # its own institute's page
    foreign = Client()
    foreign.force_login(cast.foreign_office)
    refused = foreign.get(EXPORT, query(cast, formato="csv"))
    assert refused.status_code in (400, 404)
    assert cast.child.codice_fiscale.encode() not in refused.content
    assert Absence.objects.count() == 2 and LateEntry.objects.count() == 2


def test_split_reason_reads_back_what_the_import_writes() -> None:
    assert split_reason("Motivi di salute: febbre (con certificato medico)") == (
        "SALUTE", "febbre", True,
    )  # fmt: skip
    assert split_reason("Altro motivo") == ("ALTRO", "", False)
    assert split_reason("Gita a Roma") == ("", "Gita a Roma", False)


def test_a_reason_that_looks_like_a_formula_stays_text_in_excel_and_csv(cast: Cast) -> None:
    day, _before = days(cast)
    assert apply(cast, sample(cast)).applied
    justification = services.justification_submit(
        user=cast.office, student=cast.child, kind="assenza", start=day,
        reason='=HYPERLINK("http://x.invalid","clic")', today=day, as_office=True,
    )  # fmt: skip
    services.justification_decide(
        user=cast.teacher, justification=justification, accept=True, day=day
    )
    client = cast.client_for(cast.office)
    as_xlsx = client.get(EXPORT, query(cast, formato="xlsx"))
    book = load_workbook(io.BytesIO(b"".join(as_xlsx.streaming_content)))
    reasons = [c for c in book.active["K"] if c.value and str(c.value).startswith("=")]
    assert [(c.value, c.data_type) for c in reasons] == [
        ('=HYPERLINK("http://x.invalid","clic")', "s")
    ]
    as_csv = b"".join(client.get(EXPORT, query(cast)).streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in as_csv


# --- API -----------------------------------------------------------------------------------------


def api_client(user: Any) -> Client:
    from campanella.accounts.services import api_token_issue

    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def api_query(cast: Cast, **more: Any) -> dict[str, Any]:
    day, before = days(cast)
    return {"school": [cast.school.pk], "from": before, "to": day, **more}


def test_the_api_gives_the_office_the_events_in_json_or_csv(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    client = api_client(cast.office)
    response = client.get("/api/v1/attendance/events", api_query(cast))
    assert response.status_code == 200, response.content
    events = json.loads(b"".join(response.streaming_content))
    assert len(events) == 5 and {e["kind"] for e in events} >= {"ASSENZA", "USCITA"}
    as_csv = client.get("/api/v1/attendance/events", api_query(cast, format="csv"))
    assert b"".join(as_csv.streaming_content).decode("utf-8-sig").startswith("codice_fiscale;")
    after = timezone.now()
    assert json.loads(b"".join(client.get(
        "/api/v1/attendance/events", api_query(cast, since=after.isoformat())
    ).streaming_content)) == []  # fmt: skip


@pytest.mark.parametrize("who", ["teacher", "principal", "guardian", "outsider"])
def test_the_api_answers_404_to_anyone_but_the_office(cast: Cast, who: str) -> None:
    assert apply(cast, sample(cast)).applied
    response = api_client(getattr(cast, who)).get("/api/v1/attendance/events", api_query(cast))
    assert response.status_code == 404
    assert cast.child.codice_fiscale.encode() not in response.content


def test_the_api_refuses_another_institutes_school_and_bad_ranges(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    foreign = api_client(cast.foreign_office).get("/api/v1/attendance/events", api_query(cast))
    assert foreign.status_code == 400 and foreign.json()["code"] == "school_unknown"
    assert cast.child.codice_fiscale.encode() not in foreign.content
    day, before = days(cast)
    reversed_range = api_client(cast.office).get(
        "/api/v1/attendance/events", api_query(cast, **{"from": day, "to": before})
    )
    assert reversed_range.status_code == 400
    assert reversed_range.json()["code"] == "range_reversed"
