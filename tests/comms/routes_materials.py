"""Routes of teaching materials (/comunicazioni/materiali/ and /api/v1/materials): what an
outsider gets, and every write with a valid body on a real object — the maths teacher's shelf of
1ª A (tests/routes.py explains the tables). Merged into tests/comms/routes.py."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from campanella.comms.materials.models import Material, MaterialKind
from tests.comms.support_materials import a_file, add, pdf_upload
from tests.conftest import Cast, _teaches
from tests.routes import ApiTable, ApiWriteTable, PageTable, Write, WriteTable, posted

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}


def shelf_of(c: Cast) -> dict[str, int]:
    return {"classroom_id": c.classroom_1a.pk, "subject_id": c.maths.pk}


def classroom_of(c: Cast) -> dict[str, int]:
    return {"classroom_id": c.classroom_1a.pk}


def folder_of(c: Cast) -> dict[str, int]:
    return {"material_id": add(c).pk}


def file_of(c: Cast) -> dict[str, int]:
    return {"material_id": a_file(c).pk}


def writer_outsiders(c: Cast) -> tuple[Any, ...]:
    """2ª B's teacher; 1ª A's coordinator (teaches Italian there: reads, does not write maths);
    the office (reads); the family and the student of 1ª A; another institute's office."""
    return (c.other_teacher, c.coordinator, c.office, c.guardian, c.child_user, c.foreign_office)


def other_shelf_folder(c: Cast) -> Material:
    """A folder of 2ª B's Italian shelf, its teacher's own ground."""
    return add(c, user=c.other_teacher, classroom=c.classroom_2b, subject=c.italian)


def create_write(c: Cast) -> Write:
    """A link on 1ª A's maths shelf; 2ª B's teacher, adding to their own shelf but into a folder
    of 1ª A, is refused too."""
    folder = add(c)
    own = reverse("comms:material_create", args=[c.classroom_2b.pk, c.italian.pk])
    return Write(
        reverse("comms:material_create", args=[c.classroom_1a.pk, c.maths.pk]),
        {"tipo": "link", "titolo": "Pitagora", "indirizzo": "https://example.org/pitagora",
         "cartella": folder.pk},
        c.teacher, writer_outsiders(c), (Material,),
        crossed=((c.other_teacher, own, {"tipo": "cartella", "titolo": "X", "cartella": folder.pk},
                  404),),
    )  # fmt: skip


def edit_write(c: Cast) -> Write:
    item = a_file(c)
    url = reverse("comms:material_edit", args=[item.pk])
    foreign = other_shelf_folder(c)
    return Write(
        url, {"titolo": "Esercizi di geometria", "descrizione": "Per lunedì"},
        c.teacher, writer_outsiders(c), (Material,),
        # The rightful teacher moving it into another shelf's folder: 404, nothing moved.
        crossed=((c.teacher, url, {"titolo": "Esercizi", "cartella": foreign.pk}, 404),),
    )  # fmt: skip


def delete_write(c: Cast) -> Write:
    item = a_file(c)
    return Write(
        reverse("comms:material_delete", args=[item.pk]), {}, c.teacher, writer_outsiders(c),
        (Material,),
    )  # fmt: skip


def share_write(c: Cast) -> Write:
    """The maths teacher also teaches maths in 2ª B and shares there; the others are refused,
    and so is the teacher sharing to 2ª B an item of 1ª A's Italian shelf (not theirs)."""
    _teaches(c.teacher, c.classroom_2b, c.maths)
    item = a_file(c)
    italian = a_file(c, user=c.coordinator, subject=c.italian)
    return Write(
        reverse("comms:material_share", args=[item.pk]), {"classe": [c.classroom_2b.pk]},
        c.teacher, writer_outsiders(c), (Material,),
        crossed=((c.teacher, reverse("comms:material_share", args=[italian.pk]),
                  {"classe": [c.classroom_2b.pk]}, 404),),
    )  # fmt: skip


PAGES.update({
    "comms:material_index": (lambda c: {}, 200, 302),  # every login: its own classrooms
    "comms:material_classroom": (classroom_of, 404, 302),
    "comms:material_shelf": (shelf_of, 404, 302),
    "comms:material_create": (posted, 404, 302),
    "comms:material_folder": (folder_of, 404, 302),
    "comms:material_download": (file_of, 404, 302),
    "comms:material_edit": (file_of, 404, 302),
    "comms:material_delete": (posted, 404, 302),
    "comms:material_share": (posted, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "comms:material_create": create_write,
    "comms:material_edit": edit_write,
    "comms:material_delete": delete_write,
    "comms:material_share": share_write,
})  # fmt: skip

SHELF = "/api/v1/materials/classrooms/{classroom_id}/subjects/{subject_id}"
ITEM = "/api/v1/materials/{material_id}"


def shelf_url(c: Cast, suffix: str) -> str:
    return f"/api/v1/materials/classrooms/{c.classroom_1a.pk}/subjects/{c.maths.pk}/{suffix}"


def api_folder_write(c: Cast) -> Write:
    return Write(
        shelf_url(c, "folders"), {"title": "Geometria"}, c.teacher, writer_outsiders(c),
        (Material,),
    )  # fmt: skip


def api_link_write(c: Cast) -> Write:
    folder = add(c)
    return Write(
        shelf_url(c, "links"),
        {"title": "Pitagora", "url": "https://example.org/pitagora", "parent_id": folder.pk},
        c.teacher, writer_outsiders(c), (Material,),
    )  # fmt: skip


def api_file_write(c: Cast) -> Write:
    return Write(
        shelf_url(c, "files"), {"title": "Esercizi", "file": pdf_upload()}, c.teacher,
        writer_outsiders(c), (Material,),
    )  # fmt: skip


def api_patch_write(c: Cast) -> Write:
    item = a_file(c)
    url = f"/api/v1/materials/{item.pk}"
    foreign = other_shelf_folder(c)
    return Write(
        url, {"title": "Esercizi di geometria"}, c.teacher, writer_outsiders(c), (Material,),
        crossed=((c.teacher, url, {"parent_id": foreign.pk}, 404),),
    )  # fmt: skip


def api_delete_write(c: Cast) -> Write:
    item = add(c, MaterialKind.LINK)
    return Write(f"/api/v1/materials/{item.pk}", {}, c.teacher, writer_outsiders(c), (Material,))


API.update({
    ("get", SHELF): 404,
    ("get", ITEM): 404,
    ("get", f"{ITEM}/items"): 404,
    ("get", f"{ITEM}/download"): 404,
    ("post", f"{SHELF}/folders"): 404,
    ("post", f"{SHELF}/links"): 404,
    ("post", f"{SHELF}/files"): 404,
    ("patch", ITEM): 404,
    ("delete", ITEM): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", f"{SHELF}/folders"): api_folder_write,
    ("post", f"{SHELF}/links"): api_link_write,
    ("post", f"{SHELF}/files"): api_file_write,
    ("patch", ITEM): api_patch_write,
    ("delete", ITEM): api_delete_write,
})  # fmt: skip


def material_api_ids(c: Cast) -> dict[str, int]:
    """A file of 1ª A's maths shelf, which its classroom reads (its folder contents are
    refused to outsiders in test_materials_api)."""
    return {"{material_id}": a_file(c).pk}


API_IDS = material_api_ids


def api_share_write(c: Cast) -> Write:
    """As its page: to 2ª B, where the maths teacher also teaches maths; an item of 1ª A's
    Italian shelf (not theirs) is refused to the same teacher."""
    page = share_write(c)
    item_id = page.url.strip("/").split("/")[-2]
    italian_id = page.crossed[0][1].strip("/").split("/")[-2]
    body = {"classroom_ids": [c.classroom_2b.pk]}
    return Write(
        f"/api/v1/materials/{item_id}/shares", body, page.rightful, page.outsiders, page.watch,
        crossed=((c.teacher, f"/api/v1/materials/{italian_id}/shares", body, 404),),
    )  # fmt: skip


API.update({
    ("get", f"{ITEM}/share-targets"): 404,
    ("post", f"{ITEM}/shares"): 404,
})  # fmt: skip
API_WRITES.update({("post", f"{ITEM}/shares"): api_share_write})
