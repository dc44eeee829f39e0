"""The nightly run for the back-office (issue 15 item 4): the office schedules it; each night
makes the attendance file of what changed since the previous night (the first: the whole year)
and the results file of the scrutini locked and not yet sent; a night's file is made once; the
back-office collects them with its key, the office from its page."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campanella.evaluation.documents import documents_generate
from campanella.evaluation.models import EvaluationSession
from campanella.evaluation.sessions import session_lock, session_reopen
from campanella.interop import nightly
from campanella.interop.keys import api_key_create
from campanella.interop.models import (
    NightlyFile,
    NightlyKind,
    NightlySchedule,
    ResultsExport,
    ResultsExportChannel,
)
from campanella.register.services import roll_call_save
from tests.conftest import Cast
from tests.evaluation.session_helpers import locked_session
from tests.interop.test_attendance_import import apply, days, sample

pytestmark = pytest.mark.django_db
PAGE = reverse("interop:nightly")


def scheduled(cast: Cast) -> None:
    nightly.schedule_set(
        user=cast.office, institute_id=cast.institute.pk, enabled=True,
        school_ids=[cast.school.pk], attendance=True, results=True,
    )  # fmt: skip


def rows_of(one: NightlyFile) -> list[dict[str, str]]:
    with one.file.open("rb") as stored:
        text = stored.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_the_office_schedules_it_from_its_page(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.office)
    refused = client.post(PAGE, {"attiva": "on", "assenze": "on"})
    assert refused.status_code == 400 and not NightlySchedule.objects.exists()
    saved = client.post(PAGE, {"attiva": "on", "scuole": [cast.school.pk], "assenze": "on"})
    assert saved.status_code == 302
    schedule = NightlySchedule.objects.get()
    assert schedule.enabled and schedule.school_ids == [cast.school.pk]
    assert schedule.attendance and not schedule.results


def test_each_night_the_changes_since_the_last_and_the_unsent_results_once(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    session = locked_session(cast)
    scheduled(cast)
    night = timezone.localdate()
    made = {one.kind: one for one in nightly.nightly_run(cast.institute.pk, night)}
    assert set(made) == {NightlyKind.ATTENDANCE, NightlyKind.RESULTS}
    assert made[NightlyKind.ATTENDANCE].rows == len(rows_of(made[NightlyKind.ATTENDANCE])) == 5
    assert made[NightlyKind.RESULTS].rows > 0
    assert ResultsExport.objects.get().channel == ResultsExportChannel.NIGHTLY
    assert nightly.nightly_run(cast.institute.pk, night) == []  # once a night

    # The next night: only what changed since, and no results (all sent).
    _day, before = days(cast)
    # (1ª A's period is closed by its locked scrutinio: 2ª B's day changes.)
    roll_call_save(user=cast.other_teacher, classroom=cast.classroom_2b, day=before,
                   absent_ids=[cast.sibling.pk])  # fmt: skip
    tomorrow = night + datetime.timedelta(days=1)
    [changed] = nightly.nightly_run(cast.institute.pk, tomorrow)
    assert changed.kind == NightlyKind.ATTENDANCE and changed.since is not None
    assert {row["codice_fiscale"] for row in rows_of(changed)} == {cast.sibling.codice_fiscale}
    # Reopened and locked again: sent again the night after.
    reopened = session_reopen(session=session, user=cast.principal, reason="Errore")
    documents_generate(user=cast.coordinator, session=reopened)
    session_lock(session=EvaluationSession.objects.get(pk=session.pk), user=cast.coordinator)
    after = nightly.nightly_run(cast.institute.pk, tomorrow + datetime.timedelta(days=1))
    assert NightlyKind.RESULTS in {one.kind for one in after}


def test_nothing_without_a_schedule_or_when_switched_off(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    assert nightly.nightly_run(cast.institute.pk, timezone.localdate()) == []
    nightly.schedule_set(
        user=cast.office, institute_id=cast.institute.pk, enabled=False,
        school_ids=[cast.school.pk], attendance=True, results=True,
    )  # fmt: skip
    assert nightly.run_every_institute() == 0 and not NightlyFile.objects.exists()


def test_the_scheduler_runs_it_after_half_past_two(cast: Cast) -> None:
    from campanella.comms import scheduler

    assert apply(cast, sample(cast)).applied
    scheduled(cast)
    early = timezone.localtime().replace(hour=2, minute=0)
    assert "esportazione-notturna" not in scheduler.run_due_jobs(early)
    late = timezone.localtime().replace(hour=2, minute=35)
    assert "esportazione-notturna" in scheduler.run_due_jobs(late)
    assert NightlyFile.objects.filter(kind=NightlyKind.ATTENDANCE).count() == 1


def key_client(cast: Cast, scope: str, institute: Any = None) -> Client:
    _key, raw = api_key_create(
        user=cast.office, institute_id=(institute or cast.institute).pk, name="Gestionale",
        scopes=[scope],
    )  # fmt: skip
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_back_office_collects_with_its_key_and_only_its_scope(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    locked_session(cast)
    scheduled(cast)
    nightly.nightly_run(cast.institute.pk, timezone.localdate())
    attendance = NightlyFile.objects.get(kind=NightlyKind.ATTENDANCE)
    results = NightlyFile.objects.get(kind=NightlyKind.RESULTS)
    client = key_client(cast, "attendance:read")
    listed = client.get("/api/v1/nightly-files", {"kind": "assenze"}).json()
    assert [item["id"] for item in listed["items"]] == [attendance.pk] and listed["total"] == 1
    download = client.get(f"/api/v1/nightly-files/{attendance.pk}/file")
    assert download.status_code == 200
    assert b"".join(download.streaming_content).decode("utf-8-sig").startswith("codice_fiscale")
    assert client.get(f"/api/v1/nightly-files/{results.pk}/file").status_code == 404
    assert client.get("/api/v1/nightly-files", {"kind": "esiti"}).status_code == 404
    from campanella.school.models import Institute

    foreign = key_client(
        cast, "attendance:read", Institute.objects.exclude(pk=cast.institute.pk)[0]
    )
    assert foreign.get(f"/api/v1/nightly-files/{attendance.pk}/file").status_code == 404
    office = Client()
    office.force_login(cast.office)
    page = office.get(PAGE).content.decode()
    assert reverse("interop:nightly_file", args=[attendance.pk]) in page
    assert office.get(reverse("interop:nightly_file", args=[attendance.pk])).status_code == 200
