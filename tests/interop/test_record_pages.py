"""The import pages of grades and attendance: only the office of the institute reaches them
(everyone else gets 404 and writes nothing, with a valid file and a real batch), they speak
Italian, and the preview and result pages show what each kind needs."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from campanella.audit.models import Change
from campanella.grades.models import Grade
from campanella.interop.models import ImportBatch, ImportKind, ImportStatus
from campanella.register.models import Absence
from campanella.register.services import roll_call_save
from campanella.school.models import Closure
from tests.conftest import Cast, school_day
from tests.interop.helpers import ATTENDANCE_HEADER, GRADE_HEADER, csv_bytes, upload
from tests.test_no_english import english_in, visible_text

pytestmark = pytest.mark.django_db


def grade_file(cast: Cast) -> bytes:
    row = {
        "codice_fiscale": cast.child.codice_fiscale,
        "materia": "Matematica",
        "data": school_day(cast).strftime("%d/%m/%Y"),
        "tipo": "orale",
        "voto": "7+",
        "docente": "teacher",
    }
    return csv_bytes([row], GRADE_HEADER)


def attendance_file(cast: Cast, *more: dict[str, str]) -> bytes:
    day = school_day(cast).strftime("%d/%m/%Y")
    rows = [{"codice_fiscale": cast.child.codice_fiscale, "data": day, "tipo": "ASSENZA"}, *more]
    return csv_bytes(rows, ATTENDANCE_HEADER)


FILES = {ImportKind.GRADES: grade_file, ImportKind.ATTENDANCE: attendance_file}


def urls(kind: str, batch: ImportBatch) -> list[str]:
    return [
        reverse("interop:upload", kwargs={"kind": kind}),
        reverse("interop:template", kwargs={"kind": kind, "extension": "csv"}),
        reverse("interop:template", kwargs={"kind": kind, "extension": "xlsx"}),
        reverse("interop:preview", kwargs={"pk": batch.pk}),
        reverse("interop:apply", kwargs={"pk": batch.pk}),
        reverse("interop:result", kwargs={"pk": batch.pk}),
    ]


def written() -> tuple[int, ...]:
    return (
        ImportBatch.objects.count(),
        Grade.objects.count(),
        Absence.objects.count(),
        Change.objects.count(),
    )


@pytest.mark.parametrize("kind", list(FILES))
@pytest.mark.parametrize(
    "who",
    ["principal", "coordinator", "teacher", "guardian", "child_user", "adult_user", "outsider"],
)
def test_everyone_but_the_office_is_refused_and_writes_nothing(
    cast: Cast, kind: str, who: str
) -> None:
    content = FILES[kind](cast)
    batch = upload(cast, content, kind)
    assert batch.status == ImportStatus.PENDING
    before = written()
    client = cast.client_for(getattr(cast, who))
    for url in urls(kind, batch):
        assert client.get(url).status_code == 404, url
        body = {"file": SimpleUploadedFile("file.csv", content)}
        assert client.post(url, body).status_code == 404, url
    assert written() == before
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING


@pytest.mark.parametrize("kind", list(FILES))
def test_another_institutes_office_neither_reaches_the_batch_nor_the_students(
    cast: Cast, kind: str
) -> None:
    content = FILES[kind](cast)
    batch = upload(cast, content, kind)
    client = cast.client_for(cast.foreign_office)
    for url in urls(kind, batch)[3:]:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    # Its own upload of the same file: A's students are not B's, nothing of A is written.
    response = client.post(
        reverse("interop:upload", kwargs={"kind": kind}),
        {"file": SimpleUploadedFile("file.csv", content)},
    )
    own = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert response.status_code == 302 and own.status == ImportStatus.INVALID
    assert client.post(reverse("interop:apply", kwargs={"pk": own.pk})).status_code == 302
    assert not Grade.objects.exists() and not Absence.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING


def italian(client: Client, url: str, **post: Any) -> str:
    response = client.post(url, post, follow=True) if post else client.get(url, follow=True)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert english_in(visible_text(page)) == [], url
    return page


def test_the_pages_of_both_kinds_speak_italian(cast: Cast) -> None:
    day = school_day(cast)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.other_child.pk]
    )
    client = cast.client_for(cast.office)
    index = italian(client, reverse("interop:index"))
    assert "Importa voti" in index and "Importa assenze, ritardi e uscite" in index
    for kind in FILES:
        page = italian(client, reverse("interop:upload", kwargs={"kind": kind}))
        assert 'data-testid="column-table"' in page
    assert "accettata, non importata" in italian(
        client, reverse("interop:upload", kwargs={"kind": "assenze"})
    )
    conflict = {
        "codice_fiscale": cast.other_child.codice_fiscale,
        "data": day.strftime("%d/%m/%Y"),
        "tipo": "USCITA",
        "ora": "10:00",
    }
    bad = {**conflict, "codice_fiscale": "RSSMRA80A01H501U"}
    for content, kind in [
        (attendance_file(cast, conflict), "assenze"),
        (attendance_file(cast, bad), "assenze"),
        (grade_file(cast), "voti"),
        (grade_file(cast).replace(b"7+", b"11"), "voti"),
    ]:
        batch = upload(cast, content, kind)
        preview = italian(client, reverse("interop:preview", kwargs={"pk": batch.pk}))
        if batch.status == ImportStatus.PENDING:
            result = italian(client, reverse("interop:apply", kwargs={"pk": batch.pk}), go="1")
            assert "Importazione completata" in result
        else:
            assert 'data-testid="problems"' in preview


def test_a_day_closed_after_the_upload_is_refused_on_its_line(cast: Cast) -> None:
    """The preview is computed anew against the register of now: a day declared a holiday
    after the upload is shown on its line, with no way to apply."""
    day = school_day(cast)
    holiday = school_day(cast, day - datetime.timedelta(days=1))
    sibling = {
        "codice_fiscale": cast.sibling.codice_fiscale,
        "data": holiday.strftime("%d/%m/%Y"),
        "tipo": "ASSENZA",
    }
    content = attendance_file(cast, sibling)
    batch = upload(cast, content, "assenze")
    assert batch.status == ImportStatus.PENDING
    Closure.objects.create(
        institute=cast.institute, start_date=holiday, end_date=holiday, description="Neve"
    )
    page = cast.client_for(cast.office).get(reverse("interop:preview", kwargs={"pk": batch.pk}))
    text = page.content.decode()
    assert "Riga 3" in text and "non è un giorno di lezione" in text
    assert 'data-testid="apply-form"' not in text
