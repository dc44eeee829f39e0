"""A grade, an absence and a justification for a day closed by a locked scrutinio are refused
from an import (issue 12): on their lines, with the guard's message, and nothing of the file is
written — whether the day was closed before the upload (the preview says so) or after it (the
apply, checking again, refuses). The services' own refusal reaches the line too."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse

from campanella.grades.services import grade_add
from campanella.interop.models import ImportKind, ImportStatus
from campanella.interop.plan import RowsRefused
from campanella.interop.service_writes import ServiceWrites
from campanella.interop.services import import_apply, import_preview
from campanella.people.models import Staff, User
from campanella.register.services import roll_call_save
from tests.conftest import Cast, school_day
from tests.interop.helpers import ATTENDANCE_HEADER, GRADE_HEADER, csv_bytes, messages, upload
from tests.school.closed_days import close, fingerprint, says_closed

pytestmark = pytest.mark.django_db


def days(cast: Cast) -> tuple[datetime.date, datetime.date]:
    """An open day, and an earlier one to close."""
    day = school_day(cast)
    return day, school_day(cast, day - datetime.timedelta(days=1))


def grade(cast: Cast, when: datetime.date, **more: str) -> dict[str, str]:
    return {
        "codice_fiscale": cast.child.codice_fiscale,
        "materia": "Matematica",
        "data": when.strftime("%d/%m/%Y"),
        "tipo": "orale",
        "voto": "7",
        "docente": "teacher",
        **more,
    }


def event(student: Any, when: datetime.date, **more: str) -> dict[str, str]:
    return {
        "codice_fiscale": student.codice_fiscale,
        "data": when.strftime("%d/%m/%Y"),
        "tipo": "ASSENZA",
        **more,
    }


def files(cast: Cast) -> list[tuple[str, bytes, list[int]]]:
    """Each kind's file with rows on the closed day (their lines), the other rows open."""
    open_day, closed = days(cast)
    return [
        (
            ImportKind.GRADES,
            csv_bytes([grade(cast, open_day), grade(cast, closed)], GRADE_HEADER),
            [3],
        ),
        (
            ImportKind.ATTENDANCE,
            csv_bytes(
                [
                    event(cast.other_child, open_day),
                    event(cast.child, closed),  # a new absence
                    event(cast.adult_student, closed, giustificata="sì"),  # a justification
                    event(cast.sibling, closed),  # 2B: its days are open
                ],
                ATTENDANCE_HEADER,
            ),
            [3, 4],
        ),
    ]


def record_the_absence_to_justify(cast: Cast) -> None:
    _open_day, closed = days(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=closed,
        absent_ids=[cast.adult_student.pk],
    )  # fmt: skip


@pytest.mark.parametrize("index", [0, 1], ids=["voti", "assenze"])
def test_rows_on_a_closed_day_are_refused_in_the_preview(cast: Cast, index: int) -> None:
    record_the_absence_to_justify(cast)
    _open_day, closed = days(cast)
    close(cast, closed, closed)
    kind, content, lines = files(cast)[index]
    before = fingerprint()
    batch = upload(cast, content, kind)
    assert batch.status == ImportStatus.INVALID
    plan = import_preview(batch=batch, user=cast.office)
    assert sorted(p.line or 0 for p in plan.problems) == lines
    assert all(says_closed(p.message) and "«data»" in p.message for p in plan.problems)
    page = cast.client_for(cast.office).get(reverse("interop:preview", kwargs={"pk": batch.pk}))
    text = page.content.decode()
    assert all(f"Riga {line}" in text for line in lines) and says_closed(text)
    assert 'data-testid="apply-form"' not in text
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert not result.applied
    assert fingerprint() == before


@pytest.mark.parametrize("index", [0, 1], ids=["voti", "assenze"])
def test_a_day_closed_after_the_preview_refuses_the_apply(cast: Cast, index: int) -> None:
    record_the_absence_to_justify(cast)
    kind, content, lines = files(cast)[index]
    batch = upload(cast, content, kind)
    assert batch.status == ImportStatus.PENDING, import_preview(batch=batch).problems
    _open_day, closed = days(cast)
    close(cast, closed, closed)
    before = fingerprint()
    result = import_apply(batch_id=batch.pk, institute_id=cast.institute.pk, user=cast.office)
    assert not result.applied
    assert [int(m.split(":", 1)[0]) for m in messages(result)] == lines
    assert all(says_closed(m) for m in messages(result))
    assert fingerprint() == before
    assert result.batch.status == ImportStatus.INVALID


def test_the_services_refusal_of_a_closed_day_reaches_the_line(cast: Cast) -> None:
    """Below the in-memory check: grades.services.grade_add itself refuses (DayClosed, code
    giorno_chiuso) and the import reports it on the row's line, writing nothing."""
    open_day, closed = days(cast)
    close(cast, closed, closed)
    teacher = Staff.objects.get(user=cast.teacher)

    def row(when: datetime.date):  # type: ignore[no-untyped-def]
        def write(user: User) -> dict[str, int]:
            grade_add(
                user=user, classroom=cast.classroom_1a, subject=cast.maths, student=cast.child,
                day=when, kind="orale", text="7", teacher=teacher,
            )  # fmt: skip
            return {"grades_created": 1}

        return write

    writes = ServiceWrites(cast.office)
    writes.add(2, row(open_day))
    writes.add(3, row(closed))
    before = fingerprint()
    with pytest.raises(RowsRefused) as refused, transaction.atomic():
        writes.apply()
    assert [p.line for p in refused.value.problems] == [3]
    assert says_closed(refused.value.problems[0].message)
    assert fingerprint() == before
