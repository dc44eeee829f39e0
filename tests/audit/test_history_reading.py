"""The history as a secretary reads it (issue 11: item 1): Italian labels, names instead of ids
and usernames, grades in their notation, Italian dates, only what changed, the reason."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campanella.audit.models import Change
from campanella.audit.reading import (
    KINDS,
    field_label,
    kind_models,
    readable_changes,
)
from campanella.audit.selectors import record_history
from campanella.grades.models import Grade
from campanella.grades.services import grade_add, grade_cancel, grade_change, grade_details_change
from campanella.lib.letters import italian_date
from campanella.people.models import Staff
from campanella.register.services import justification_submit, note_create, roll_call_save
from tests import factories as f
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def graded(cast: Cast, text: str = "6½") -> Grade:
    return grade_add(
        user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
        day=school_day(cast), kind="orale", text=text,
    )  # fmt: skip


def teacher_name(cast: Cast) -> str:
    return Staff.objects.get(user=cast.teacher).full_name


def test_a_grade_correction_reads_in_italian_with_names_and_notation(cast: Cast) -> None:
    grade = graded(cast, "6½")
    grade_change(user=cast.teacher, grade=grade, text="7+", reason="errore di trascrizione")
    created, corrected = readable_changes(record_history(grade))

    assert corrected.action == "Modifica" and corrected.kind == "Voto"
    assert [(line.label, line.before, line.after) for line in corrected.lines] == [
        ("Voto", "6½", "7+")
    ]
    assert corrected.reason == "errore di trascrizione"
    assert corrected.who == teacher_name(cast)
    day = school_day(cast)
    assert corrected.about == f"{cast.child.full_name} · Matematica · 1ª A · {italian_date(day)}"
    local = timezone.localtime(Change.objects.get(object_id=grade.pk, action="update").at)
    assert corrected.when == f"{italian_date(local.date())}, {local:%H:%M}"
    # The creation shows the grade and its content, not ids, usernames or bookkeeping.
    shown = {(line.label, line.after) for line in created.lines}
    assert ("Voto", "6½") in shown and ("Tipo", "orale") in shown
    assert ("Docente", teacher_name(cast)) in shown
    text = repr([(e.about, e.who, e.lines) for e in (created, corrected)])
    for raw in ("6.5", "7.25", "student", "teacher", "cancel_reason", cast.teacher.username):
        assert raw not in text


def test_only_changed_details_are_listed_and_equal_decimals_are_not_a_change(cast: Cast) -> None:
    grade = graded(cast)
    grade_details_change(
        user=cast.teacher, grade=grade, description="Interrogazione sul Risorgimento",
        comment="", weight=Decimal("1.0"), counts_in_average=True, visible_from=None,
    )  # fmt: skip
    grade_details_change(
        user=cast.teacher, grade=grade, description="Interrogazione sul Risorgimento",
        comment="", weight=Decimal("1.5"), counts_in_average=False, visible_from=None,
        reason="prova parziale",
    )  # fmt: skip
    _created, described, weighed = readable_changes(record_history(grade))
    assert [(line.label, line.before, line.after) for line in described.lines] == [
        ("Descrizione della prova", "—", "Interrogazione sul Risorgimento")
    ]
    assert {(line.label, line.before, line.after) for line in weighed.lines} == {
        ("Peso", "1", "1,5"),
        ("Fa media", "sì", "no"),
    }


def test_a_cancellation_shows_the_reason_not_the_bookkeeping_fields(cast: Cast) -> None:
    grade = graded(cast)
    grade_cancel(user=cast.teacher, grade=grade, reason="voto dato all'alunno sbagliato")
    cancelled = readable_changes(record_history(grade))[-1]
    assert cancelled.action == "Annullamento"
    assert cancelled.lines == []
    assert cancelled.reason == "voto dato all'alunno sbagliato"


def test_absences_and_notes_name_students_and_classrooms(cast: Cast) -> None:
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    roll_call_save(user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[])
    note_create(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, text="Disturba la lezione",
        students=[cast.child, cast.other_child],
    )  # fmt: skip
    entries = readable_changes(Change.objects.order_by("pk"))
    absence_created, absence_cancelled, note = entries
    assert absence_created.kind == "Assenza"
    assert absence_created.about == f"{cast.child.full_name} · 1ª A · {italian_date(day)}"
    assert absence_cancelled.action == "Annullamento"
    assert absence_cancelled.reason == "correzione dell'appello"
    assert note.kind == "Nota disciplinare"
    names = sorted([cast.child.full_name, cast.other_child.full_name])
    assert note.about.startswith(", ".join(names)) or note.about.startswith(
        ", ".join(reversed(names))
    )
    assert [(line.label, line.after) for line in note.lines] == [("Testo", "Disturba la lezione")]


def test_every_field_of_every_kind_has_an_italian_label() -> None:
    english = []
    for model in kind_models().values():
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            label = field_label(model, field.name)
            if label.lower() == field.name.replace("_", " "):
                english.append(f"{model._meta.label}.{field.name}")
    assert english == []
    assert set(kind_models()) == set(KINDS)


def test_names_are_fetched_in_bulk_queries_constant_per_page(cast: Cast) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            readable_changes(Change.objects.order_by("pk"))
        return len(captured)

    graded(cast)
    small = queries()
    for _ in range(8):
        student = f.EnrollmentFactory(classroom=cast.classroom_1a).student
        grade = grade_add(
            user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
            student=student, day=school_day(cast), kind="scritto", text="8-",
        )  # fmt: skip
        grade_change(user=cast.teacher, grade=grade, text="8", reason="ricalcolo")
    assert queries() == small


def test_a_guardian_is_named_as_the_author_of_a_justification(cast: Cast) -> None:
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    justification_submit(
        user=cast.guardian, student=cast.child, kind="assenza", start=tomorrow,
        end=tomorrow, reason="visita medica",
    )  # fmt: skip
    entry = readable_changes(Change.objects.all())[0]
    guardian = cast.child.guardianships.get().guardian
    assert entry.who == guardian.full_name
    assert entry.kind == "Giustificazione"
    assert ("Motivo", "visita medica") in {(line.label, line.after) for line in entry.lines}
