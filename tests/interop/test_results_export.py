"""Term results out to the back-office (issue 15 item 3): only locked evaluations, one row per
student × subject with the student's outcome and credits, CSV/XLSX/JSON; every file taken is
recorded with the version it held, so the office sees what was sent and what changed since."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from campanella.evaluation.documents import documents_generate
from campanella.evaluation.models import EvaluationSession, StudentResult, SubjectMark
from campanella.evaluation.sessions import session_lock, session_reopen
from campanella.interop.models import ResultsExport, ResultsExportChannel, ResultsExportSession
from campanella.interop.results_export import FIELDS, session_code
from tests.conftest import Cast
from tests.evaluation.session_helpers import locked_session, session_of

pytestmark = pytest.mark.django_db

PAGE = reverse("interop:results_export")
API = "/api/v1/results/terms"


def office(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.office)
    return client


def api_client(user: Any) -> Client:
    from campanella.accounts.services import api_token_issue

    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def chosen(session: EvaluationSession, **more: Any) -> dict[str, Any]:
    return {
        "scuole": [session.classroom.school_id],
        "anno": session.classroom.school_year_id,
        **more,
    }


def downloaded_csv(client: Client, session: EvaluationSession) -> list[dict[str, str]]:
    response = client.post(PAGE, chosen(session, formato="csv"))
    assert response.status_code == 200, response.content[:500]
    assert "esiti_" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def test_the_csv_holds_every_final_mark_with_the_students_outcome_and_credit(cast: Cast) -> None:
    session = locked_session(cast)
    rows = downloaded_csv(office(cast), session)
    marks = SubjectMark.objects.filter(session=session).select_related("student", "subject")
    assert len(rows) == marks.count() > 0
    assert list(rows[0]) == list(FIELDS)
    by_key = {(row["codice_fiscale"], row["subject"]): row for row in rows}
    for mark in marks:
        row = by_key[(mark.student.codice_fiscale, mark.subject.name)]
        result = StudentResult.objects.get(session=session, student=mark.student)
        expected_mark = "" if mark.final_mark is None else format(mark.final_mark.normalize(), "f")
        assert row["mark"] == expected_mark.replace(".", ",")
        assert row["debt"] == ("sì" if mark.debt else "no")
        assert row["outcome"] == result.outcome
        assert row["credit"] == ("" if result.credit is None else str(result.credit))
        classroom = session.classroom
        assert row["session"] == "final"
        assert row["classroom"] == f"{classroom.year}{classroom.section}"
        assert row["session_version"] == str(session.version)


def test_each_download_is_recorded_and_the_page_tells_what_changed_after_it(cast: Cast) -> None:
    session = locked_session(cast)
    client = office(cast)
    listed = client.get(PAGE, chosen(session)).content.decode()
    assert 'data-testid="never-sent"' in listed
    downloaded_csv(client, session)
    export = ResultsExport.objects.get(institute=cast.institute)
    assert export.created_by == cast.office and export.channel == ResultsExportChannel.PAGE
    assert export.rows == SubjectMark.objects.filter(session=session).count()
    sent = ResultsExportSession.objects.get(export=export)
    assert (sent.session_id, sent.session_version) == (session.pk, session.version)
    listed = client.get(PAGE, chosen(session)).content.decode()
    assert 'data-testid="never-sent"' not in listed
    assert 'data-testid="changed-after-sending"' not in listed
    reopened = session_reopen(session=session, user=cast.principal, reason="Errore di trascrizione")
    documents_generate(user=cast.coordinator, session=reopened)
    session_lock(session=EvaluationSession.objects.get(pk=session.pk), user=cast.coordinator)
    listed = client.get(PAGE, chosen(session)).content.decode()
    assert 'data-testid="changed-after-sending"' in listed


def test_an_open_evaluation_is_listed_but_never_sent(cast: Cast) -> None:
    open_session = session_of(cast)  # the intermediate one, at the proposals
    client = office(cast)
    listed = client.get(PAGE, chosen(open_session)).content.decode()
    assert "non ancora chiuso" in listed
    refused = client.post(PAGE, chosen(open_session, formato="csv"))
    assert refused.status_code == 400
    assert 'data-testid="nothing-to-send"' in refused.content.decode()
    assert not ResultsExport.objects.exists()


def test_xlsx_and_json_carry_the_same_rows(cast: Cast) -> None:
    session = locked_session(cast)
    client = office(cast)
    as_csv = downloaded_csv(client, session)
    response = client.post(PAGE, chosen(session, formato="xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(FIELDS) and len(values) == len(as_csv) + 1
    response = client.post(PAGE, chosen(session, formato="json"))
    objects = json.loads(b"".join(response.streaming_content))
    assert len(objects) == len(as_csv)
    first_mark = next(item for item in objects if item["mark"] is not None)
    assert isinstance(first_mark["mark"], int | float)
    assert ResultsExport.objects.count() == 3


def test_session_codes_follow_the_period() -> None:
    from campanella.school.models import Term

    def code(kind: str, number: int, last: int = 2) -> str:
        return session_code(EvaluationSession(kind=kind, term=Term(number=number)), last)

    assert code("intermedio", 1) == "first"
    assert code("intermedio", 2, last=3) == "second"
    assert code("finale", 2) == "final"
    assert code("integrativo", 2) == "integrativo"
    assert code("rinviato", 2) == "final" and code("rinviato", 1) == "first"


def test_the_api_gives_the_office_the_results_and_records_it(cast: Cast) -> None:
    session = locked_session(cast)
    year = session.classroom.school_year_id
    response = api_client(cast.office).get(API, {"school": [cast.school.pk], "school_year": year})
    assert response.status_code == 200
    objects = json.loads(b"".join(response.streaming_content))
    assert len(objects) == SubjectMark.objects.filter(session=session).count()
    assert {item["codice_fiscale"] for item in objects} >= {cast.child.codice_fiscale}
    assert ResultsExport.objects.get().channel == ResultsExportChannel.API
    average = StudentResult.objects.get(session=session, student=cast.child).average
    mine = next(item for item in objects if item["codice_fiscale"] == cast.child.codice_fiscale)
    assert mine["average"] == (None if average is None else float(Decimal(average)))


@pytest.mark.parametrize("who", ["teacher", "principal", "guardian", "foreign_office"])
def test_the_api_refuses_anyone_else_and_records_nothing(cast: Cast, who: str) -> None:
    session = locked_session(cast)
    year = session.classroom.school_year_id
    response = api_client(getattr(cast, who)).get(
        API, {"school": [cast.school.pk], "school_year": year}
    )
    assert response.status_code == (400 if who == "foreign_office" else 404)
    assert cast.child.codice_fiscale.encode() not in response.content
    assert not ResultsExport.objects.exists()


def test_the_api_refuses_a_school_year_of_another_institute(cast: Cast) -> None:
    from campanella.school.models import Institute
    from tests.factories import SchoolYearFactory

    locked_session(cast)
    foreign_year = SchoolYearFactory(institute=Institute.objects.exclude(pk=cast.institute.pk)[0])
    response = api_client(cast.office).get(
        API, {"school": [cast.school.pk], "school_year": foreign_year.pk}
    )
    assert response.status_code == 400 and response.json()["code"] == "school_year_unknown"
    assert not ResultsExport.objects.exists()
