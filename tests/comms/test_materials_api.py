"""API of teaching materials: paged lists of a shelf and of a folder, download, the teacher's
writes, stable error codes, and outsiders refused with nothing written or leaked."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from campanella.accounts.services import api_token_issue
from campanella.comms.materials.models import Material, MaterialKind
from campanella.people.models import User
from tests.comms.support_materials import EXE, PDF, a_file, add, pdf_upload
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def shelf(c: Cast) -> str:
    return f"/api/v1/materials/classrooms/{c.classroom_1a.pk}/subjects/{c.maths.pk}"


def test_the_shelf_is_paged_folders_first_and_its_queries_do_not_grow(cast: Cast) -> None:
    client = api(cast.guardian)
    a_file(cast, title="B file")
    client.get(shelf(cast))
    with CaptureQueriesContext(connection) as few:
        client.get(shelf(cast))
    folder = add(cast, title="Z cartella")
    add(cast, MaterialKind.LINK, title="A sito")
    a_file(cast, title="Bozza", is_draft=True)
    with CaptureQueriesContext(connection) as many:
        body = client.get(f"{shelf(cast)}?limit=2").json()
    assert len(few) == len(many)
    assert body["count"] == 3 and body["limit"] == 2
    assert [i["title"] for i in body["items"]] == ["Z cartella", "A sito"]
    assert body["items"][0]["id"] == folder.pk
    assert client.get(f"{shelf(cast)}?limit=1000").status_code == 422


def test_folder_contents_by_query_and_by_path(cast: Cast) -> None:
    folder = add(cast, title="Geometria")
    inner = a_file(cast, parent_id=folder.pk)
    client = api(cast.child_user)
    by_query = client.get(f"{shelf(cast)}?folder_id={folder.pk}").json()
    by_path = client.get(f"/api/v1/materials/{folder.pk}/items").json()
    assert [i["id"] for i in by_query["items"]] == [inner.pk] == [i["id"] for i in by_path["items"]]
    assert by_path["items"][0]["download_url"] == f"/api/v1/materials/{inner.pk}/download"
    outsider = api(cast.other_teacher)
    assert outsider.get(f"/api/v1/materials/{folder.pk}/items").status_code == 404
    assert outsider.get(f"{shelf(cast)}?folder_id={folder.pk}").status_code == 404


def test_download_for_the_classroom_and_404_for_others(cast: Cast) -> None:
    item = a_file(cast, upload=pdf_upload("riservato.pdf", PDF + b"% segreto"))
    url = f"/api/v1/materials/{item.pk}/download"
    response = api(cast.adult_user).get(url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attach")
    assert response["X-Content-Type-Options"] == "nosniff"
    for user in (cast.other_teacher, cast.foreign_office, cast.outsider):
        refused = api(user).get(url)
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
        assert b"segreto" not in refused.content


def test_the_teacher_creates_changes_and_deletes(cast: Cast) -> None:
    client = api(cast.teacher)
    folder = client.post(f"{shelf(cast)}/folders", {"title": "Geometria"},
                         content_type="application/json")  # fmt: skip
    assert folder.status_code == 201
    folder_id = folder.json()["id"]
    link = client.post(
        f"{shelf(cast)}/links",
        {"title": "Pitagora", "url": "https://example.org/p", "parent_id": folder_id},
        content_type="application/json",
    )
    assert link.status_code == 201 and link.json()["parent_id"] == folder_id
    uploaded = client.post(f"{shelf(cast)}/files", {"file": pdf_upload(), "is_draft": "true"})
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["is_draft"] is True and uploaded.json()["size"] == len(PDF)
    moved = client.patch(
        f"/api/v1/materials/{uploaded.json()['id']}",
        {"title": "Schede", "parent_id": folder_id, "is_draft": False},
        content_type="application/json",
    )
    assert moved.status_code == 200
    assert (moved.json()["title"], moved.json()["parent_id"]) == ("Schede", folder_id)
    deleted = client.delete(f"/api/v1/materials/{folder_id}")
    assert deleted.status_code == 200 and deleted.json() == {"deleted": 3}
    assert client.get(f"/api/v1/materials/{folder_id}").status_code == 404


@pytest.mark.parametrize(
    ("suffix", "body", "code"),
    [
        ("links", {"title": "X", "url": "javascript:alert(1)"}, "collegamento_non_valido"),
        ("folders", {"title": "   "}, "titolo_mancante"),
        ("files", {"file": SimpleUploadedFile("a.pdf", EXE)}, "tipo_non_ammesso"),
    ],
)
def test_bad_input_is_refused_with_a_stable_code(
    cast: Cast, suffix: str, body: dict[str, Any], code: str
) -> None:
    client = api(cast.teacher)
    if suffix == "files":
        response = client.post(f"{shelf(cast)}/{suffix}", body)
    else:
        response = client.post(f"{shelf(cast)}/{suffix}", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]
    assert not Material.objects.exists()


def test_a_file_over_the_limit_answers_400_file_troppo_grande(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_MAX_MB = 1
    response = api(cast.teacher).post(
        f"{shelf(cast)}/files", {"file": pdf_upload("g.pdf", PDF + b"0" * (1024 * 1024))}
    )
    assert response.status_code == 400 and response.json()["code"] == "file_troppo_grande"
    assert not Material.objects.exists()
