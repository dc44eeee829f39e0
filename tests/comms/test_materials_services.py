"""Writes of teaching materials: add (folder, link, file), change, move, delete, share; the
checks (links, files by content and size, the folders' depth) and the history."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.utils import timezone

from campanella.audit.models import Change
from campanella.comms.materials import services
from campanella.comms.materials.models import Material, MaterialKind
from campanella.comms.materials.services import MaterialChanges, MaterialError, NotAllowed
from tests.comms.support_materials import EXE, PDF, a_file, add, docx_bytes, pdf_upload
from tests.conftest import Cast, _teaches

pytestmark = pytest.mark.django_db


def changes_of(item: Material, **values: Any) -> MaterialChanges:
    current = {
        "title": item.title, "description": item.description, "parent_id": item.parent_id,
        "is_draft": item.is_draft, "visible_from": item.visible_from,
    }  # fmt: skip
    return MaterialChanges(**{**current, **values})


def test_a_new_item_names_the_classrooms_students_and_guardians_to_notify(cast: Cast) -> None:
    made = services.material_create(
        user=cast.teacher, classroom_id=cast.classroom_1a.pk, subject_id=cast.maths.pk,
        draft=services.MaterialDraft(kind=MaterialKind.LINK, title="Pitagora",
                                     url="https://example.org/pitagora"),
    )  # fmt: skip
    notified = set(made.notify_user_ids)
    assert {cast.guardian.pk, cast.child_user.pk, cast.adult_user.pk, cast.other_guardian.pk} <= (
        notified
    )
    assert not notified & {cast.teacher.pk, cast.office.pk, cast.outsider.pk}
    assert made.notify_at is not None
    draft = services.material_create(
        user=cast.teacher, classroom_id=cast.classroom_1a.pk, subject_id=cast.maths.pk,
        draft=services.MaterialDraft(kind=MaterialKind.FOLDER, title="Bozze", is_draft=True),
    )  # fmt: skip
    assert draft.notify_at is None


def test_a_file_is_stored_with_its_kind_size_and_digest_and_kept_in_the_history(
    cast: Cast,
) -> None:
    item = a_file(cast, title="")
    assert item.title == "esercizi.pdf" and item.file_name == "esercizi.pdf"
    assert item.content_type == "application/pdf" and item.size == len(PDF)
    with item.file.open("rb") as stored:
        assert stored.read() == PDF
    change = Change.objects.get(object_id=item.pk, action="create", content_type__model="material")
    assert change.after["title"] == "esercizi.pdf"


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://example.org/a", "www.example.org", "http://", ""]
)
def test_a_link_must_be_http_or_https(cast: Cast, url: str) -> None:
    with pytest.raises(MaterialError) as refused:
        add(cast, MaterialKind.LINK, url=url)
    assert refused.value.code == "collegamento_non_valido"
    assert not Material.objects.exists()


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_MAX_MB = 1
    big = PDF + b"0" * (1024 * 1024)
    with pytest.raises(MaterialError) as refused:
        a_file(cast, upload=pdf_upload("grande.pdf", big))
    assert refused.value.code == "file_troppo_grande"
    assert "1 MB" in refused.value.message
    assert not Material.objects.exists() and not Change.objects.exists()


def test_the_kind_is_told_by_the_content_not_the_name(cast: Cast) -> None:
    with pytest.raises(MaterialError) as refused:
        a_file(cast, upload=pdf_upload("compiti.pdf", EXE))
    assert refused.value.code == "tipo_non_ammesso"
    assert "Tipi ammessi" in refused.value.message
    word = a_file(cast, upload=SimpleUploadedFile("relazione", docx_bytes()))
    assert word.file_name == "relazione.docx" and word.content_type.endswith("document")
    text = a_file(cast, upload=SimpleUploadedFile("appunti.exe", "Appunti è così".encode()))
    assert text.file_name == "appunti.txt" and text.content_type.startswith("text/plain")


def test_a_kind_left_out_of_the_settings_is_refused(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_TYPES = ["pdf"]
    with pytest.raises(MaterialError) as refused:
        a_file(cast, upload=SimpleUploadedFile("a.docx", docx_bytes()))
    assert refused.value.code == "tipo_non_ammesso"


def test_an_upload_spooled_to_disk_is_checked_and_stored_from_the_disk(cast: Cast) -> None:
    upload = TemporaryUploadedFile("schede.pdf", "application/pdf", 0, None)
    content = PDF + b"%" * 300_000
    upload.write(content)
    upload.seek(0)
    upload.size = len(content)
    item = a_file(cast, upload=upload)
    assert item.size == len(content)
    with item.file.open("rb") as stored:
        assert stored.read() == content


def test_folders_nest_up_to_the_cap(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_FOLDER_DEPTH = 2
    top = add(cast, title="Geometria")
    inner = add(cast, title="Triangoli", parent_id=top.pk)
    assert inner.depth == 1
    with pytest.raises(MaterialError) as refused:
        add(cast, title="Troppo", parent_id=inner.pk)
    assert refused.value.code == "troppo_annidato"
    deepest = a_file(cast, parent_id=inner.pk)
    assert deepest.depth == 2


def test_a_folder_of_another_shelf_is_not_a_place_to_add(cast: Cast) -> None:
    italian = add(cast, user=cast.coordinator, subject=cast.italian)
    with pytest.raises(NotAllowed):
        add(cast, title="Qui no", parent_id=italian.pk)


def test_others_may_not_add_to_the_shelf(cast: Cast) -> None:
    for user in (cast.other_teacher, cast.coordinator, cast.office, cast.guardian):
        with pytest.raises(NotAllowed):
            add(cast, user=user)
    assert not Material.objects.exists()


def test_rename_describe_hide_and_move_keep_before_and_after(cast: Cast) -> None:
    folder = add(cast, title="Geometria")
    item = a_file(cast)
    changed = services.material_update(
        user=cast.teacher, material_id=item.pk,
        changes=changes_of(item, title="Esercizi sui triangoli", description="Per lunedì",
                           parent_id=folder.pk, is_draft=True),
    )  # fmt: skip
    assert (changed.title, changed.parent_id, changed.depth, changed.is_draft) == (
        "Esercizi sui triangoli", folder.pk, 1, True,
    )  # fmt: skip
    change = Change.objects.get(object_id=item.pk, action="update")
    assert change.before["title"] == "Un file" and change.after["title"] == "Esercizi sui triangoli"
    with pytest.raises(NotAllowed):
        services.material_update(
            user=cast.other_teacher, material_id=item.pk, changes=changes_of(item, title="X")
        )


def test_a_folder_moves_with_its_content_and_never_into_itself(cast: Cast, settings: Any) -> None:
    settings.MATERIALS_FOLDER_DEPTH = 3
    a = add(cast, title="A")
    b = add(cast, title="B", parent_id=a.pk)
    inside = a_file(cast, parent_id=b.pk)
    with pytest.raises(MaterialError) as refused:
        services.material_update(
            user=cast.teacher, material_id=a.pk, changes=changes_of(a, parent_id=b.pk)
        )
    assert refused.value.code == "spostamento_non_valido"
    c = add(cast, title="C")
    services.material_update(
        user=cast.teacher, material_id=b.pk, changes=changes_of(b, parent_id=c.pk)
    )
    inside.refresh_from_db()
    assert inside.depth == 2
    d = add(cast, title="D", parent_id=c.pk)
    e = add(cast, title="E", parent_id=d.pk)
    with pytest.raises(MaterialError) as too_deep:  # B holds a file: E/B/file is 4 levels
        services.material_update(
            user=cast.teacher, material_id=b.pk, changes=changes_of(b, parent_id=e.pk)
        )
    assert too_deep.value.code == "troppo_annidato"


def test_deleting_a_folder_marks_it_and_its_content_and_keeps_the_history(cast: Cast) -> None:
    folder = add(cast, title="Geometria")
    inner = a_file(cast, parent_id=folder.pk)
    other = a_file(cast)
    with pytest.raises(NotAllowed):
        services.material_delete(user=cast.other_teacher, material_id=folder.pk)
    assert services.material_delete(user=cast.teacher, material_id=folder.pk) == 2
    deleted = set(Material.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True))
    assert deleted == {folder.pk, inner.pk}
    assert Material.objects.get(pk=other.pk).deleted_at is None
    assert Change.objects.filter(action="cancel", object_id__in=deleted).count() == 2
    inner.refresh_from_db()
    assert inner.file.storage.exists(inner.file.name)  # kept with the history
    with pytest.raises(NotAllowed):
        services.material_delete(user=cast.teacher, material_id=folder.pk)


def test_a_teacher_shares_to_their_other_classrooms_only(cast: Cast) -> None:
    item = a_file(cast)
    with pytest.raises(NotAllowed):
        services.material_share(
            user=cast.teacher, material_id=item.pk, classroom_ids=[cast.classroom_2b.pk]
        )
    _teaches(cast.teacher, cast.classroom_2b, cast.maths)
    made = services.material_share(
        user=cast.teacher, material_id=item.pk, classroom_ids=[cast.classroom_2b.pk]
    )
    copy = made[0].material
    assert (copy.classroom_id, copy.subject_id, copy.shared_from_id) == (
        cast.classroom_2b.pk, cast.maths.pk, item.pk,
    )  # fmt: skip
    assert copy.file.name == item.file.name
    sibling_user = cast.guardian.pk  # the sibling in 2ª B is the guardian's child too
    assert sibling_user in made[0].notify_user_ids
    assert cast.other_guardian.pk not in made[0].notify_user_ids


def test_visible_from_in_the_future_notifies_then(cast: Cast) -> None:
    later = timezone.now() + datetime.timedelta(days=2)
    made = services.material_create(
        user=cast.teacher, classroom_id=cast.classroom_1a.pk, subject_id=cast.maths.pk,
        draft=services.MaterialDraft(kind=MaterialKind.FOLDER, title="Verifica",
                                     visible_from=later),
    )  # fmt: skip
    assert made.notify_at == later
