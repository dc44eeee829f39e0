"""Writes of teaching materials, one atomic action each, with their history in `audit`: add a
folder, a link or a file; change an item (title, description, draft, visible-from date, folder);
delete it (marked, never removed: a folder with what it holds); share a file or link to the
teacher's other classrooms.

Refusals: `NotAllowed` when the login does not write the shelf or the item (answered 404, as for
a missing one, and nothing is written); `MaterialError` with an Italian message and a stable code
for what it may do but not like this (a link that is not http/https, a file too big or of a
forbidden kind, folders nested too deep…).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.models import ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.comms.materials import rules
from campanella.comms.materials.files import CheckedUpload, FileRefused, checked_upload
from campanella.comms.materials.models import Material, MaterialKind
from campanella.comms.notifications import emit
from campanella.people.models import User
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Classroom

URL_CHECK = URLValidator(schemes=["http", "https"])


class MaterialError(Exception):
    """A refusal with an Italian message and a stable code (the API's `code`)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NotAllowed(Exception):
    """The login does not write this shelf or item: answered 404, as for a missing one."""


@dataclass(frozen=True)
class MaterialDraft:
    kind: str
    title: str = ""
    description: str = ""
    url: str = ""
    parent_id: int | None = None
    is_draft: bool = False
    visible_from: datetime.datetime | None = None


@dataclass(frozen=True)
class MaterialChanges:
    """The editable fields of an item, all of them (the current values where unchanged)."""

    title: str
    description: str
    parent_id: int | None
    is_draft: bool
    visible_from: datetime.datetime | None
    url: str = ""


@dataclass(frozen=True)
class MaterialCreated:
    """A new item, and whom the integrator's notifications should tell about it: the
    classroom's students and guardians with a login (`notify_user_ids`), from `notify_at`
    (None: a draft, nobody yet)."""

    material: Material
    notify_user_ids: tuple[int, ...]
    notify_at: datetime.datetime | None


def max_depth() -> int:
    return int(settings.MATERIALS_FOLDER_DEPTH)


def classroom_audience(classroom: Classroom, day: datetime.date | None = None) -> tuple[int, ...]:
    """The logins of the classroom's students and of their guardians (active links that
    receive communications), once each: those notifications tell about a student."""
    enrolled = classroom.enrollments.filter(active_enrollments_on(day or timezone.localdate()))
    logins = emit.family_logins(list(enrolled.values_list("student_id", flat=True)))
    return tuple(sorted(set().union(*logins.values())))


def state(item: Material) -> dict[str, Any]:
    """The history's picture of an item: its fields, the stored file by name."""
    fields = [f.name for f in Material._meta.concrete_fields if f.name != "file"]
    return {**snapshot(item, fields), "file": item.file.name}


def institute_of(item: Material) -> int:
    return Classroom.objects.filter(pk=item.classroom_id).values_list(
        "school__institute_id", flat=True
    )[0]


# --- checks --------------------------------------------------------------------------------


def clean_title(title: str, fallback: str = "") -> str:
    text = " ".join(title.split()) or fallback
    if not text:
        raise MaterialError(_("Indicare il titolo."), "titolo_mancante")
    if len(text) > 200:
        raise MaterialError(_("Il titolo può avere al massimo 200 caratteri."), "titolo_lungo")
    return text


def clean_description(text: str) -> str:
    text = text.strip()
    if len(text) > 2000:
        raise MaterialError(
            _("La descrizione può avere al massimo 2000 caratteri."), "descrizione_lunga"
        )
    return text


def clean_url(url: str) -> str:
    url = url.strip()
    try:
        if len(url) > 1000:
            raise ValidationError("long")
        URL_CHECK(url)
    except ValidationError:
        raise MaterialError(
            _("Il collegamento non è valido: indicare un indirizzo completo che inizi con "
              "http:// o https://."),
            "collegamento_non_valido",
        ) from None  # fmt: skip
    return url


def folder_in_shelf(shelf: rules.Shelf, folder_id: int | None, *, lock: bool) -> Material | None:
    """The live folder of this shelf (None: the top level); another shelf's, or not a folder:
    NotAllowed (404)."""
    if folder_id is None:
        return None
    folders = rules.shelf_items(shelf).filter(kind=MaterialKind.FOLDER)
    if lock:
        folders = folders.select_for_update()
    folder = folders.filter(pk=folder_id).first()
    if folder is None:
        raise NotAllowed
    return folder


def depth_refusal() -> MaterialError:
    return MaterialError(
        _("Le cartelle possono essere annidate al massimo su %(max)s livelli.")
        % {"max": max_depth()},
        "troppo_annidato",
    )


def depth_under(parent: Material | None) -> int:
    return 0 if parent is None else parent.depth + 1


# --- create --------------------------------------------------------------------------------


def material_create(
    *,
    user: User,
    classroom_id: int,
    subject_id: int,
    draft: MaterialDraft,
    upload: IO[bytes] | None = None,
    upload_name: str = "",
    upload_size: int | None = None,
) -> MaterialCreated:
    """Add a folder, a link or a file (`upload`) to a shelf this login writes, at the top or in
    one of its folders. Checked before anything is written; the file is streamed to storage."""
    shelf = rules.shelf_access(user, classroom_id, subject_id)
    if shelf is None or not shelf.writes:
        raise NotAllowed
    folder_in_shelf(shelf, draft.parent_id, lock=False)  # another shelf's folder: 404 first
    if draft.kind not in MaterialKind.values:
        raise MaterialError(
            _("Scegliere cosa aggiungere: cartella, collegamento o file."), "tipo_sconosciuto"
        )
    checked: CheckedUpload | None = None
    if draft.kind == MaterialKind.FILE:
        if upload is None:
            raise MaterialError(_("Scegliere il file da caricare."), "file_mancante")
        try:
            checked = checked_upload(upload, upload_name, upload_size)
        except FileRefused as error:
            raise MaterialError(error.message, error.code) from None
    fallback = checked.name if checked else ""
    draft = replace(
        draft,
        title=clean_title(draft.title, fallback),
        description=clean_description(draft.description),
        url=clean_url(draft.url) if draft.kind == MaterialKind.LINK else "",
    )
    return _create(user, shelf, draft, checked)


@transaction.atomic
def _create(
    user: User, shelf: rules.Shelf, draft: MaterialDraft, checked: CheckedUpload | None
) -> MaterialCreated:
    parent = folder_in_shelf(shelf, draft.parent_id, lock=True)  # re-read, locked
    depth = depth_under(parent)
    if depth > max_depth() or (draft.kind == MaterialKind.FOLDER and depth >= max_depth()):
        raise depth_refusal()
    item = Material(
        classroom=shelf.classroom, subject=shelf.subject, parent=parent, depth=depth,
        kind=draft.kind, title=draft.title, description=draft.description, url=draft.url,
        is_draft=draft.is_draft, visible_from=draft.visible_from, created_by=user,
    )  # fmt: skip
    if checked is not None:
        item.file_name = checked.name
        item.content_type = checked.kind.content_type
        item.size = checked.size
        item.sha256 = checked.sha256
        item.file.save(checked.name, File(checked.stream), save=False)
    try:
        item.save()
    except Exception:
        if item.file:
            item.file.delete(save=False)
        raise
    change_record(
        instance=item, action=ChangeAction.CREATE, actor=user, after=state(item),
        reason=_("materiale aggiunto"), institute_id=shelf.classroom.school.institute_id,
    )  # fmt: skip
    return created(item, shelf.classroom)


def created(item: Material, classroom: Classroom) -> MaterialCreated:
    """The new item and whom to tell; a file or a link shown to the classroom is notified to
    its students and families once committed (a folder alone is not news)."""
    notify_at = None if item.is_draft else (item.visible_from or item.created_at)
    result = MaterialCreated(item, classroom_audience(classroom), notify_at)
    if notify_at is not None and item.kind != MaterialKind.FOLDER:
        url = (
            reverse("comms:material_folder", args=[item.parent_id])
            if item.parent_id
            else reverse("comms:material_shelf", args=[classroom.pk, item.subject_id])
        )
        emit.material_shared(item.pk, result.notify_user_ids, notify_at, url)
    return result


# --- change --------------------------------------------------------------------------------


def descendants(item: Material) -> list[int]:
    """The ids of every live item under a folder, level by level (one query a level)."""
    found: list[int] = []
    level = [item.pk]
    for _level in range(max_depth() + 1):
        level = list(
            Material.objects.filter(parent_id__in=level, deleted_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        if not level:
            break
        found.extend(level)
    return found


def subtree_height(ids: Sequence[int], item: Material) -> int:
    """How many levels below `item` its deepest content sits (0: none)."""
    if not ids:
        return 0
    deepest = max(Material.objects.filter(pk__in=ids).values_list("depth", flat=True))
    return deepest - item.depth


@transaction.atomic
def material_update(*, user: User, material_id: int, changes: MaterialChanges) -> Material:
    """Rename, describe, hide or show, date, or move an item (within its shelf). The row is
    locked and re-read; the history keeps before and after."""
    access = rules.item_access(user, material_id)
    if access is None or not access.shelf.writes:
        raise NotAllowed
    shelf = access.shelf
    item = Material.objects.select_for_update().get(pk=material_id)
    if item.deleted_at is not None:
        raise NotAllowed
    before = state(item)
    item.title = clean_title(changes.title)
    item.description = clean_description(changes.description)
    if item.is_link and changes.url:
        item.url = clean_url(changes.url)
    item.is_draft = changes.is_draft
    item.visible_from = changes.visible_from
    if changes.parent_id != item.parent_id:
        move(item, folder_in_shelf(shelf, changes.parent_id, lock=True))
    item.updated_at = timezone.now()
    item.save()
    change_record(
        instance=item, action=ChangeAction.UPDATE, actor=user, before=before, after=state(item),
        reason=_("materiale modificato"), institute_id=shelf.classroom.school.institute_id,
    )  # fmt: skip
    return item


def move(item: Material, parent: Material | None) -> None:
    """Put the item (and what it holds) under `parent`: never into itself, nor deeper than
    the cap. Depths of its content follow."""
    inner = descendants(item) if item.is_folder else []
    if parent is not None and (parent.pk == item.pk or parent.pk in inner):
        raise MaterialError(
            _("Una cartella non può essere spostata dentro sé stessa."), "spostamento_non_valido"
        )
    depth = depth_under(parent)
    height = subtree_height(inner, item)
    if depth + height > max_depth() or (item.is_folder and depth >= max_depth()):
        raise depth_refusal()
    delta = depth - item.depth
    if delta and inner:
        Material.objects.filter(pk__in=inner).update(depth=F("depth") + delta)
    item.parent = parent
    item.depth = depth


@transaction.atomic
def material_delete(*, user: User, material_id: int) -> int:
    """Delete an item (a folder with everything in it): marked, kept with its file, and in the
    history. Returns how many items were deleted."""
    item = rules.written_item(user, material_id)
    if item is None:
        raise NotAllowed
    item = Material.objects.select_for_update().get(pk=item.pk)
    if item.deleted_at is not None:
        raise NotAllowed
    ids = [item.pk, *descendants(item)] if item.is_folder else [item.pk]
    now = timezone.now()
    institute_id = institute_of(item)
    rows = list(Material.objects.select_for_update().filter(pk__in=ids, deleted_at__isnull=True))
    for row in rows:
        before = state(row)
        row.deleted_at = now
        change_record(
            instance=row, action=ChangeAction.CANCEL, actor=user, before=before, after=state(row),
            reason=_("materiale eliminato"), institute_id=institute_id,
        )  # fmt: skip
    Material.objects.filter(pk__in=[r.pk for r in rows]).update(deleted_at=now)
    return len(rows)


# --- share ---------------------------------------------------------------------------------


def share_targets(user: User, item: Material) -> list[Classroom]:
    """The teacher's other classrooms with the same subject, where the item may be shared."""
    rooms = rules.own_teachings(user).filter(subject_id=item.subject_id)
    return list(
        Classroom.objects.filter(pk__in=rooms.values("classroom_id"))
        .exclude(pk=item.classroom_id)
        .select_related("school")
        .order_by("year", "section")
    )


@transaction.atomic
def material_share(
    *, user: User, material_id: int, classroom_ids: Sequence[int]
) -> list[MaterialCreated]:
    """Copy a file or a link to the top level of the same subject's shelf in other classrooms
    this login teaches (the stored file is shared, never copied). A classroom not theirs:
    NotAllowed, nothing written."""
    item = rules.written_item(user, material_id)
    if item is None:
        raise NotAllowed
    if item.is_folder:
        raise MaterialError(
            _("Si possono condividere file e collegamenti, non cartelle."),
            "cartella_non_condivisibile",
        )
    if not classroom_ids:
        raise MaterialError(_("Scegliere almeno una classe."), "classi_mancanti")
    targets = {room.pk: room for room in share_targets(user, item)}
    if not set(classroom_ids) <= set(targets):
        raise NotAllowed
    results = []
    for classroom_id in sorted(set(classroom_ids)):
        room = targets[classroom_id]
        copy = Material.objects.create(
            classroom=room, subject_id=item.subject_id, parent=None, depth=0, kind=item.kind,
            title=item.title, description=item.description, url=item.url, file=item.file.name,
            file_name=item.file_name, content_type=item.content_type, size=item.size,
            sha256=item.sha256, is_draft=item.is_draft, visible_from=item.visible_from,
            created_by=user, shared_from=item,
        )  # fmt: skip
        change_record(
            instance=copy, action=ChangeAction.CREATE, actor=user, after=state(copy),
            reason=_("materiale condiviso da %(name)s") % {"name": item.classroom.name},
            institute_id=room.school.institute_id,
        )  # fmt: skip
        results.append(created(copy, room))
    return results
