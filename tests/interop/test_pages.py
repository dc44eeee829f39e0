"""The office's import pages through the Django test client: flow, templates, access, queries."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.interop.columns import COLUMNS
from campanella.interop.models import ImportBatch, ImportKind, ImportStatus
from campanella.interop.tabular import read_sheet
from campanella.people.models import Enrollment, Guardian, Student
from tests.conftest import Cast
from tests.interop.helpers import People, csv_bytes, upload

pytestmark = pytest.mark.django_db


SHEET_KINDS = [kind for kind in ImportKind if kind != ImportKind.ONEROSTER]  # a .zip: own page


def post_file(client: Client, kind: str, content: bytes, name: str = "alunni.csv") -> Any:
    url = reverse("interop:upload", kwargs={"kind": kind})
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def test_index_lists_the_three_kinds_and_the_history(cast: Cast) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    page = cast.client_for(cast.office).get(reverse("interop:index")).content.decode()
    for kind in SHEET_KINDS:
        assert reverse("interop:upload", kwargs={"kind": kind.value}) in page
        assert reverse("interop:template", kwargs={"kind": kind.value, "extension": "xlsx"}) in page
    assert reverse("interop:preview", kwargs={"pk": batch.pk}) in page
    assert page.count("<h1") == 1


@pytest.mark.parametrize("kind", [k.value for k in SHEET_KINDS])
@pytest.mark.parametrize("extension", ["csv", "xlsx"])
def test_templates_have_the_columns_and_an_example_row(
    cast: Cast, kind: str, extension: str
) -> None:
    url = reverse("interop:template", kwargs={"kind": kind, "extension": extension})
    response = cast.client_for(cast.office).get(url)
    assert response.status_code == 200
    assert f'filename="modello-{kind}.{extension}"' in response["Content-Disposition"]
    sheet = read_sheet(response.content)
    assert sheet.problems == []
    assert sheet.header == [column.name for column in COLUMNS[kind] if not column.ignored]
    assert len(sheet.rows) == 1
    if kind == ImportKind.STUDENTS:
        assert sheet.rows[0].cells[3] in ("10/05/2011", datetime.date(2011, 5, 10))


@pytest.mark.parametrize("kind", ["alunni", "voti", "assenze"])
def test_a_template_left_as_it_is_imports_nothing(cast: Cast, kind: str) -> None:
    client = cast.client_for(cast.office)
    template = client.get(
        reverse("interop:template", kwargs={"kind": kind, "extension": "xlsx"})
    ).content
    response = post_file(client, kind, template, f"modello-{kind}.xlsx")
    page = client.get(response.url).content.decode()
    assert "riga di esempio del modello" in page
    assert 'data-testid="apply-form"' not in page


def test_upload_preview_apply_result(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    people = People()
    rows = [people.student_row("1A", guardians=2), people.student_row("2B")]

    response = post_file(client, "alunni", csv_bytes(rows))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("interop:preview", kwargs={"pk": batch.pk})
    assert (batch.uploaded_by, batch.status, batch.file_name) == (
        cast.office,
        ImportStatus.PENDING,
        "alunni.csv",
    )
    assert not Student.objects.filter(codice_fiscale=rows[0]["codice_fiscale"]).exists()

    page = client.get(response.url).content.decode()
    assert 'data-testid="rows-created"' in page
    assert rows[0]["codice_fiscale"] in page
    assert 'data-testid="apply-form"' in page
    assert 'data-testid="problems"' not in page

    applied = client.post(reverse("interop:apply", kwargs={"pk": batch.pk}))
    assert applied.status_code == 302
    assert applied.url == reverse("interop:result", kwargs={"pk": batch.pk})  # type: ignore[attr-defined]
    batch.refresh_from_db()
    assert (batch.status, batch.applied_by) == (ImportStatus.APPLIED, cast.office)
    assert batch.applied_at is not None
    assert (
        Student.objects.filter(codice_fiscale__in=[r["codice_fiscale"] for r in rows]).count() == 2
    )

    result = client.get(applied.url).content.decode()  # type: ignore[attr-defined]
    assert "Importazione completata" in result
    assert "Alunni creati" in result
    # the preview of an applied batch leads to its result
    preview = client.get(reverse("interop:preview", kwargs={"pk": batch.pk}))
    assert preview.url == applied.url  # type: ignore[attr-defined]


def test_a_double_submit_applies_once(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    batch = upload(cast, csv_bytes([People().student_row()]))
    url = reverse("interop:apply", kwargs={"pk": batch.pk})
    client.post(url)
    counts = (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count())
    applied_at = ImportBatch.objects.get(pk=batch.pk).applied_at

    second = client.post(url, follow=True)

    assert "già stato importato" in second.content.decode()
    assert (Student.objects.count(), Guardian.objects.count(), Enrollment.objects.count()) == counts
    assert ImportBatch.objects.get(pk=batch.pk).applied_at == applied_at


def test_a_file_with_problems_shows_them_first_and_cannot_be_applied(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    people = People()
    rows = [people.student_row("1A"), people.student_row("7Z"), people.student_row(sesso="?")]
    response = post_file(client, "alunni", csv_bytes(rows))
    page = client.get(response.url).content.decode()
    assert page.index('data-testid="problems"') < page.index('data-testid="rows-created"')
    assert "Riga 3" in page
    assert "Riga 4" in page
    assert 'data-testid="apply-form"' not in page
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.INVALID

    forced = client.post(reverse("interop:apply", kwargs={"pk": batch.pk}), follow=True)

    assert "Nessun dato è stato importato" in forced.content.decode()
    assert not Student.objects.filter(codice_fiscale=rows[0]["codice_fiscale"]).exists()


def test_upload_without_a_file_shows_an_error_summary(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    response = client.post(reverse("interop:upload", kwargs={"kind": "personale"}), {})
    assert response.status_code == 200  # the form again, with the errors (no console error)
    page = response.content.decode()
    assert 'id="upload-errors"' in page
    assert "Scegliere il file da importare." in page
    assert 'aria-invalid="true"' in page
    assert not ImportBatch.objects.exists()


def test_the_apply_page_is_post_only(cast: Cast) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    response = cast.client_for(cast.office).get(reverse("interop:apply", kwargs={"pk": batch.pk}))
    assert response.status_code == 405
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING


def test_the_result_of_a_batch_not_applied_leads_to_its_preview(cast: Cast) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    response = cast.client_for(cast.office).get(reverse("interop:result", kwargs={"pk": batch.pk}))
    assert response.url == reverse("interop:preview", kwargs={"pk": batch.pk})  # type: ignore[attr-defined]


def _urls(batch: ImportBatch) -> list[str]:
    return [
        reverse("interop:index"),
        reverse("interop:upload", kwargs={"kind": "alunni"}),
        reverse("interop:template", kwargs={"kind": "cattedre", "extension": "csv"}),
        reverse("interop:preview", kwargs={"pk": batch.pk}),
        reverse("interop:apply", kwargs={"pk": batch.pk}),
        reverse("interop:result", kwargs={"pk": batch.pk}),
    ]


@pytest.mark.parametrize(
    "who",
    ["principal", "coordinator", "teacher", "guardian", "child_user", "adult_user", "outsider"],
)
def test_every_page_is_missing_for_everyone_but_the_office(cast: Cast, who: str) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    client = cast.client_for(getattr(cast, who))
    for url in _urls(batch):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING
    assert ImportBatch.objects.count() == 1


def test_another_institute_office_has_its_own_pages_but_not_this_batch(cast: Cast) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    client = cast.client_for(cast.foreign_office)
    own_pages, batch_pages = _urls(batch)[:3], _urls(batch)[3:]
    for url in own_pages:
        assert client.get(url).status_code == 200, url
    for url in batch_pages:
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING


def test_anonymous_visitors_are_sent_to_login(cast: Cast) -> None:
    batch = upload(cast, csv_bytes([People().student_row()]))
    for url in _urls(batch):
        response = Client().get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))  # type: ignore[attr-defined]


def test_the_foreign_office_neither_sees_nor_applies_the_batch(cast: Cast) -> None:
    row = People().student_row()
    batch = upload(cast, csv_bytes([row]))
    foreign = cast.client_for(cast.foreign_office)
    assert batch.pk not in [b.pk for b in foreign.get(reverse("interop:index")).context["batches"]]
    assert foreign.post(reverse("interop:apply", kwargs={"pk": batch.pk})).status_code == 404
    assert not Student.objects.filter(codice_fiscale=row["codice_fiscale"]).exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportStatus.PENDING


def count_queries(client: Client, method: str, url: str, **data: object) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code in (200, 302)
    return len(queries)


def test_queries_do_not_grow_with_the_size_of_the_file(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    counts = []
    for size in (50, 200):
        people = People(size)
        content = csv_bytes(
            [people.student_row("1A" if n % 2 else "2B", guardians=2) for n in range(size)]
        )
        upload_url = reverse("interop:upload", kwargs={"kind": "alunni"})
        uploaded = count_queries(
            client, "post", upload_url, file=SimpleUploadedFile("a.csv", content)
        )
        batch = ImportBatch.objects.latest("pk")
        preview = count_queries(client, "get", reverse("interop:preview", kwargs={"pk": batch.pk}))
        applied = count_queries(client, "post", reverse("interop:apply", kwargs={"pk": batch.pk}))
        counts.append((uploaded, preview, applied))
    # Reading and checking the file: the same queries whatever its size.
    assert counts[0][:2] == counts[1][:2]
    # Writing: bulk inserts, chunked only by the database's limit on query parameters
    # (on SQLite about 100 records per INSERT): 200 rows write 1,000 records.
    assert counts[1][2] - counts[0][2] <= 1000 // 100
