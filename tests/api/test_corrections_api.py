"""The corrections an app makes through the API, as on the pages: a teacher cancels a note or
corrects and cancels a grade, a family changes a pending justification's reason. Each goes
through its service and leaves its history (the outsiders' refusals are in the route tables)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.audit.models import Change, ChangeAction
from campanella.grades.models import Grade
from campanella.grades.services import grade_add
from campanella.register import services as register
from campanella.register.models import Absence, DisciplinaryNote, Justification
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, body, content_type="application/json")


def a_grade(cast: Cast) -> Grade:
    return grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=school_day(cast), kind="orale", text="6",
    )  # fmt: skip


def test_a_teacher_cancels_a_note_with_a_reason(cast: Cast) -> None:
    note = register.note_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast), text="Disturba",
        students=[cast.child],
    )  # fmt: skip
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes/{note.pk}/cancel"
    client = api(cast.teacher)
    missing = send(client, "post", url, {"reason": "  "})
    assert missing.status_code == 400 and missing.json()["code"] == "register_error"
    assert send(client, "post", url, {"reason": "Alunno sbagliato"}).status_code == 204
    note.refresh_from_db()
    assert note.is_cancelled
    again = send(client, "post", url, {"reason": "Ancora"})
    assert again.status_code == 400 and "già annullata" in again.json()["message"]
    assert DisciplinaryNote.objects.count() == 1


def test_a_teacher_corrects_then_cancels_a_grade(cast: Cast) -> None:
    grade = a_grade(cast)
    client = api(cast.teacher)
    url = f"/api/v1/grades/{grade.pk}"
    wrong = send(client, "put", url, {"grade": "11", "reason": "Errore"})
    assert wrong.status_code == 400 and wrong.json()["code"] == "grade_error"
    assert send(client, "put", url, {"grade": "7+", "reason": "Errore"}).status_code == 204
    grade.refresh_from_db()
    assert grade.value is not None and grade.value > 7
    history = Change.objects.filter(object_id=grade.pk).count()
    assert send(client, "post", f"{url}/cancel", {"reason": "Altro alunno"}).status_code == 204
    grade.refresh_from_db()
    assert grade.is_cancelled
    assert Change.objects.filter(object_id=grade.pk).count() == history + 1
    # A cancelled grade is no longer anyone's to write: as the page, 404.
    assert send(client, "put", url, {"grade": "8", "reason": "x"}).status_code == 404


def test_a_family_changes_the_reason_of_a_pending_justification(cast: Cast) -> None:
    day = school_day(cast)
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    justification = register.justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=day, reason="Febbre"
    )
    url = f"/api/v1/students/{cast.child.pk}/justifications/{justification.pk}"
    response = send(api(cast.guardian), "put", url, {"reason": "Visita medica"})
    assert response.status_code == 200
    assert response.json()["reason"] == "Visita medica"
    assert Justification.objects.get().reason == "Visita medica"


def test_a_teacher_cancels_an_absence_read_from_the_day(cast: Cast) -> None:
    day = school_day(cast)
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    client = api(cast.teacher)
    base = f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day.isoformat()}"
    row = next(r for r in client.get(base).json()["students"] if r["student_id"] == cast.child.pk)
    assert row["absent"] and row["late_entry_id"] is None and row["early_exit_id"] is None
    absence = Absence.objects.get(pk=row["absence_id"])
    # The id of an absence under another kind of event is no such record.
    wrong_kind = send(client, "post", f"{base}/events/late-entries/{absence.pk}/cancel",
                      {"reason": "Errore"})  # fmt: skip
    assert wrong_kind.status_code == 404
    url = f"{base}/events/absences/{absence.pk}/cancel"
    history = Change.objects.filter(object_id=absence.pk, action=ChangeAction.CANCEL).count()
    answer = send(client, "post", url, {"reason": "Era presente"})
    assert answer.status_code == 200, answer.content
    row = next(r for r in answer.json()["students"] if r["student_id"] == cast.child.pk)
    assert not row["absent"] and row["absence_id"] is None
    absence.refresh_from_db()
    assert absence.is_cancelled and absence.cancel_reason == "Era presente"
    assert (
        Change.objects.filter(object_id=absence.pk, action=ChangeAction.CANCEL).count()
        == history + 1
    )
    again = send(client, "post", url, {"reason": "Ancora"})
    assert again.status_code == 400 and "già annullata" in again.json()["message"]


def test_a_teacher_cancels_an_annotation_with_a_reason(cast: Cast) -> None:
    annotation = register.annotation_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast), text="Uscita"
    )
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/annotations/{annotation.pk}/cancel"
    client = api(cast.teacher)
    missing = send(client, "post", url, {"reason": " "})
    assert missing.status_code == 400 and missing.json()["code"] == "register_error"
    assert send(client, "post", url, {"reason": "Classe sbagliata"}).status_code == 204
    annotation.refresh_from_db()
    assert annotation.is_cancelled and annotation.cancel_reason == "Classe sbagliata"
    assert Change.objects.filter(object_id=annotation.pk, action=ChangeAction.CANCEL).count() == 1
    # A note's id is no annotation's: the two kinds are not mixed up.
    note_url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes/{annotation.pk}/cancel"
    assert send(client, "post", note_url, {"reason": "x"}).status_code == 404


def test_the_principal_records_a_measure_on_a_note(cast: Cast) -> None:
    note = register.note_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast), text="Disturba",
        students=[cast.child],
    )  # fmt: skip
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes/{note.pk}/measure"
    client = api(cast.principal)
    empty = send(client, "put", url, {"measure": "   "})
    assert empty.status_code == 400 and empty.json()["code"] == "register_error"
    note.refresh_from_db()
    assert note.measure == ""
    answer = send(client, "put", url, {"measure": " Sospensione di un giorno "})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"note_id": note.pk, "measure": "Sospensione di un giorno"}
    note.refresh_from_db()
    assert note.measure == "Sospensione di un giorno" and note.measure_by == cast.principal
    assert Change.objects.filter(object_id=note.pk, action=ChangeAction.UPDATE).count() == 1
    # The note's own teacher may not decide the measure: as the page, 404.
    assert send(api(cast.teacher), "put", url, {"measure": "Nessuno"}).status_code == 404


def test_a_grade_s_details_are_read_and_corrected_with_their_history(cast: Cast) -> None:
    grade = a_grade(cast)
    client = api(cast.teacher)
    url = f"/api/v1/grades/{grade.pk}"
    read = client.get(url).json()
    assert read["display"] == "6" and read["writable"] and read["weight"] == "1.00"
    body = {"description": "Interrogazione", "comment": "Bene", "weight": "2",
            "counts_in_average": True}  # fmt: skip
    # The weight moves the average: a reason is required, as on the page.
    unexplained = send(client, "put", f"{url}/details", body)
    assert unexplained.status_code == 400 and unexplained.json()["code"] == "grade_error"
    heavy = send(client, "put", f"{url}/details", {**body, "weight": "11", "reason": "x"})
    assert heavy.status_code == 400 and "tra 0 e 10" in heavy.json()["message"]
    changed = send(client, "put", f"{url}/details", {**body, "reason": "Era uno scritto"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["description"] == "Interrogazione"
    grade.refresh_from_db()
    assert grade.weight == 2 and grade.comment == "Bene"
    # Its history, as the register's history page tells it: inserted, then corrected.
    history = client.get(f"/api/v1/history/voto/{grade.pk}")
    assert history.status_code == 200 and history["X-Total-Count"] == "2"
    inserted, corrected = history.json()
    assert inserted["kind"] == "Voto" and corrected["reason"] == "Era uno scritto"
    assert {line["label"] for line in corrected["lines"]} >= {"Peso"}
    # The coordinator sees the classroom and reads it, but may not write it.
    assert not api(cast.coordinator).get(url).json()["writable"]
    # Families read their grades in their lists, not a grade's corrections.
    assert api(cast.guardian).get(url).status_code == 404
    assert api(cast.guardian).get(f"/api/v1/history/voto/{grade.pk}").status_code == 404
    assert api(cast.other_teacher).get(f"/api/v1/history/voto/{grade.pk}").status_code == 404
    assert client.get(f"/api/v1/history/sconosciuto/{grade.pk}").status_code == 404


def test_a_wrong_method_answers_405_as_every_refusal(cast: Cast) -> None:
    answer = api(cast.teacher).delete("/api/v1/me")
    assert answer.status_code == 405
    assert answer["Content-Type"].startswith("application/json")
    assert answer["Allow"] == "GET"
    body = answer.json()
    assert body["code"] == "metodo_non_consentito" and "Metodo non consentito" in body["message"]
    assert "RateLimit-Remaining" in answer
