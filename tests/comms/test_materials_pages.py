"""Pages of teaching materials: the teacher adds, changes, moves and deletes; the classroom's
families and students browse and download (an attachment, never sniffed); everyone else gets
404 and no byte of the file; refusals in Italian; queries bounded."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.comms.materials.models import Material, MaterialKind
from tests.comms.support_materials import EXE, PDF, a_file, add, pdf_upload
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def body_of(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def shelf_url(c: Cast) -> str:
    return reverse("comms:material_shelf", args=[c.classroom_1a.pk, c.maths.pk])


def create_url(c: Cast) -> str:
    return reverse("comms:material_create", args=[c.classroom_1a.pk, c.maths.pk])


def test_the_teacher_uploads_and_the_family_downloads_an_attachment(cast: Cast) -> None:
    teacher = cast.client_for(cast.teacher)
    page = teacher.post(
        create_url(cast),
        {"tipo": "file", "titolo": "Esercizi", "descrizione": "Per lunedì", "file": pdf_upload()},
        follow=True,
    )
    assert "«Esercizi» aggiunto." in page.content.decode()
    item = Material.objects.get()
    family = cast.client_for(cast.guardian)
    listing = family.get(shelf_url(cast)).content.decode()
    assert "Esercizi" in listing and "Per lunedì" in listing and "Modifica" not in listing
    response = family.get(reverse("comms:material_download", args=[item.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert body_of(response) == PDF


def test_an_outsider_downloading_a_real_file_gets_404_and_no_byte(cast: Cast) -> None:
    item = a_file(cast, upload=pdf_upload("riservato.pdf", PDF + b"% segreto 1A"))
    url = reverse("comms:material_download", args=[item.pk])
    for user in (cast.other_guardian, cast.other_teacher, cast.foreign_office, cast.outsider):
        if user == cast.other_guardian:
            continue  # 1ª A's other family: a reader, checked below
        response = cast.client_for(user).get(url)
        assert response.status_code == 404, user
        assert b"segreto" not in response.content
    assert Client().get(url).status_code == 302  # to the login


def test_a_draft_is_not_downloaded_by_the_family(cast: Cast) -> None:
    item = a_file(cast, is_draft=True)
    url = reverse("comms:material_download", args=[item.pk])
    assert cast.client_for(cast.guardian).get(url).status_code == 404
    assert cast.client_for(cast.teacher).get(url).status_code == 200
    assert "bozza" in cast.client_for(cast.teacher).get(shelf_url(cast)).content.decode()


def test_a_file_over_the_limit_is_refused_in_italian(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_MAX_MB = 1
    big = pdf_upload("grande.pdf", PDF + b"0" * (1024 * 1024))
    page = cast.client_for(cast.teacher).post(
        create_url(cast), {"tipo": "file", "file": big}, follow=True
    )
    assert "supera il limite di 1 MB" in page.content.decode()
    assert not Material.objects.exists()


def test_a_forbidden_type_is_refused_in_italian(cast: Cast) -> None:
    page = cast.client_for(cast.teacher).post(
        create_url(cast), {"tipo": "file", "file": pdf_upload("virus.pdf", EXE)}, follow=True
    )
    assert "non è di un tipo ammesso" in page.content.decode()
    assert not Material.objects.exists()


def test_a_link_that_is_not_http_is_refused(cast: Cast) -> None:
    page = cast.client_for(cast.teacher).post(
        create_url(cast),
        {"tipo": "link", "titolo": "X", "indirizzo": "javascript:alert(1)"},
        follow=True,
    )
    assert "http:// o https://" in page.content.decode()
    assert not Material.objects.exists()


def test_folders_are_browsed_with_their_path(cast: Cast) -> None:
    folder = add(cast, title="Geometria")
    a_file(cast, title="Triangoli", parent_id=folder.pk)
    top = cast.client_for(cast.child_user).get(shelf_url(cast)).content.decode()
    assert "Geometria" in top and "Triangoli" not in top
    inside = (
        cast.client_for(cast.child_user)
        .get(reverse("comms:material_folder", args=[folder.pk]))
        .content.decode()
    )
    assert "Triangoli" in inside and 'aria-current="page">Geometria' in inside


def test_the_teacher_renames_moves_and_deletes(cast: Cast) -> None:
    folder = add(cast, title="Geometria")
    item = a_file(cast)
    teacher = cast.client_for(cast.teacher)
    edit = reverse("comms:material_edit", args=[item.pk])
    assert "Geometria" in teacher.get(edit).content.decode()
    teacher.post(edit, {"titolo": "Triangoli", "cartella": folder.pk})
    item.refresh_from_db()
    assert (item.title, item.parent_id) == ("Triangoli", folder.pk)
    teacher.post(reverse("comms:material_delete", args=[folder.pk]))
    assert Material.objects.filter(deleted_at__isnull=False).count() == 2
    assert "Triangoli" not in teacher.get(shelf_url(cast)).content.decode()


def test_the_classroom_page_lists_the_subjects_with_their_counts(cast: Cast) -> None:
    a_file(cast)
    a_file(cast, is_draft=True)
    url = reverse("comms:material_classroom", args=[cast.classroom_1a.pk])
    family = cast.client_for(cast.guardian).get(url).content.decode()
    assert "Matematica" in family and "Italiano" in family and "1 elemento" in family
    teacher = cast.client_for(cast.teacher).get(url).content.decode()
    assert "2 elementi" in teacher and "la tua materia" in teacher
    index = cast.client_for(cast.guardian).get(reverse("comms:material_index")).content.decode()
    assert (
        url in index and reverse("comms:material_classroom", args=[cast.classroom_2b.pk]) in index
    )  # the sibling's classroom


def queries(client: Client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_shelf_costs_the_same_queries_with_more_items(cast: Cast) -> None:
    family = cast.client_for(cast.guardian)
    folder = add(cast)
    a_file(cast, title="Prima", parent_id=folder.pk)
    few = (
        queries(family, shelf_url(cast)),
        queries(family, reverse("comms:material_folder", args=[folder.pk])),
    )
    for n in range(5):
        a_file(cast, title=f"Scheda {n}")
        add(cast, MaterialKind.LINK, title=f"Sito {n}")
        a_file(cast, title=f"Dentro {n}", parent_id=folder.pk)
    many = (
        queries(family, shelf_url(cast)),
        queries(family, reverse("comms:material_folder", args=[folder.pk])),
    )
    assert few == many


def test_the_materials_are_linked_from_the_family_home_and_the_classroom_page(cast: Cast) -> None:
    url = reverse("comms:material_classroom", args=[cast.classroom_1a.pk])
    home = cast.client_for(cast.guardian).get(reverse("accounts:home")).content.decode()
    assert f'href="{url}"' in home
    classroom = cast.client_for(cast.teacher).get(
        reverse("people:classroom_detail", args=[cast.classroom_1a.pk])
    )
    assert f'href="{url}"' in classroom.content.decode()
    notices = cast.client_for(cast.child_user).get(reverse("comms:notice_list")).content.decode()
    assert reverse("comms:material_index") in notices


def test_a_folder_is_not_offered_a_place_inside_itself(cast: Cast) -> None:
    outer = add(cast, title="Esterna")
    add(cast, title="Interna", parent_id=outer.pk)
    add(cast, title="Altrove")
    page = cast.client_for(cast.teacher).get(reverse("comms:material_edit", args=[outer.pk]))
    choices = page.content.decode().split('id="cartella"')[1].split("</select>")[0]
    assert "Altrove" in choices and "Interna" not in choices and "Esterna" not in choices
