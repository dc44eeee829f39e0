"""API of teaching materials under /api/v1/materials (authorized like the pages, by `rules`):
a shelf's or a folder's items (paged, folders first), one item, a file's download; for the
shelf's teachers: add a folder, a link or a file, change, delete, share a file or a link with
their other classrooms of the same subject. What the caller may not see
answers 404 like a missing item, and nothing is written. Refusals of the input answer 400 with
a stable `code`: titolo_mancante, titolo_lungo, descrizione_lunga, collegamento_non_valido,
file_mancante, file_vuoto, file_troppo_grande, tipo_non_ammesso, troppo_annidato,
spostamento_non_valido."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from campanella.comms.materials import rules, selectors, services
from campanella.comms.materials.models import Material, MaterialKind
from campanella.comms.materials.views import file_response
from campanella.lib.api_errors import ErrorOut, error_body
from campanella.lib.api_lists import PAGED, Paging
from campanella.lib.api_lists import page_of as paged
from campanella.lib.ids import Id
from campanella.people.models import User

router = Router(tags=["materiale didattico"])
ERRORS: dict[int, Any] = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITTEN: dict[int, Any] = {400: ErrorOut, **ERRORS}
MAX_LIMIT = 100
SHELF = "/materials/classrooms/{classroom_id}/subjects/{subject_id}"


class MaterialOut(Schema):
    id: int
    kind: str = Field(description="cartella, file o link")
    title: str
    description: str
    classroom_id: int
    subject_id: int
    parent_id: int | None
    url: str | None = Field(description="l'indirizzo di un collegamento")
    file_name: str | None
    content_type: str | None
    size: int | None
    download_url: str | None
    is_draft: bool
    visible_from: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class MaterialPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[MaterialOut]


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000)


class ShelfQuery(PageQuery):
    folder_id: Id | None = Field(
        None, description="una cartella dello scaffale; vuoto: il primo livello"
    )


class FolderIn(Schema):
    title: str = Field(max_length=200)
    description: str = Field("", max_length=2000)
    parent_id: Id | None = None
    is_draft: bool = False
    visible_from: datetime.datetime | None = None


class LinkIn(FolderIn):
    url: str = Field(max_length=1000, description="http:// o https://")


class MaterialPatch(Schema):
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=2000)
    url: str | None = Field(None, max_length=1000)
    parent_id: Id | None = Field(None, description="la cartella di destinazione")
    to_top: bool = Field(False, description="sposta al primo livello")
    is_draft: bool | None = None
    visible_from: datetime.datetime | None = None
    clear_visible_from: bool = False


class Deleted(Schema):
    deleted: int


def material_out(item: Material) -> MaterialOut:
    return MaterialOut(
        id=item.pk, kind=item.kind, title=item.title, description=item.description,
        classroom_id=item.classroom_id, subject_id=item.subject_id, parent_id=item.parent_id,
        url=item.url if item.is_link else None,
        file_name=item.file_name if item.is_file else None,
        content_type=item.content_type if item.is_file else None,
        size=item.size if item.is_file else None,
        download_url=f"/api/v1/materials/{item.pk}/download" if item.is_file else None,
        is_draft=item.is_draft, visible_from=item.visible_from, created_at=item.created_at,
        updated_at=item.updated_at,
    )  # fmt: skip


def page_of(shelf: rules.Shelf, folder: Material | None, query: PageQuery) -> MaterialPage:
    rows = selectors.folder_contents(shelf, folder)
    return MaterialPage(
        count=rows.count(),
        limit=query.limit,
        offset=query.offset,
        items=[material_out(i) for i in rows[query.offset : query.offset + query.limit]],
    )


@router.get(SHELF, response={200: MaterialPage, **ERRORS},
            summary="Materiale di una classe e materia o di una cartella (a pagine)")  # fmt: skip
def shelf_list(
    request: HttpRequest, classroom_id: Id, subject_id: Id, query: Query[ShelfQuery]
) -> MaterialPage:
    shelf = rules.shelf_access(request.user, classroom_id, subject_id)
    if shelf is None:
        raise Http404
    folder = None
    if query.folder_id is not None:
        access = rules.item_access(request.user, query.folder_id)
        if access is None or not access.item.is_folder or access.shelf != shelf:
            raise Http404
        folder = access.item
    return page_of(shelf, folder, query)


@router.get("/materials/{material_id}", response={200: MaterialOut, **ERRORS},
            summary="Un elemento del materiale didattico")  # fmt: skip
def material_detail(request: HttpRequest, material_id: Id) -> MaterialOut:
    access = rules.item_access(request.user, material_id)
    if access is None:
        raise Http404
    return material_out(access.item)


@router.get("/materials/{material_id}/items", response={200: MaterialPage, **ERRORS},
            summary="Il contenuto di una cartella (a pagine)")  # fmt: skip
def folder_items(request: HttpRequest, material_id: Id, query: Query[PageQuery]) -> MaterialPage:
    access = rules.item_access(request.user, material_id)
    if access is None or not access.item.is_folder:
        raise Http404
    return page_of(access.shelf, access.item, query)


@router.get("/materials/{material_id}/download", response={200: None, **ERRORS},
            summary="Scarica un file del materiale didattico")  # fmt: skip
def material_download(request: HttpRequest, material_id: Id) -> FileResponse:
    access = rules.item_access(request.user, material_id)
    if access is None or not access.item.is_file:
        raise Http404
    return file_response(access.item)


def created(
    request: HttpRequest, classroom_id: int, subject_id: int, draft: services.MaterialDraft,
    upload: UploadedFile | None = None,
) -> Any:  # fmt: skip
    assert isinstance(request.user, User)
    try:
        made = services.material_create(
            user=request.user, classroom_id=classroom_id, subject_id=subject_id, draft=draft,
            upload=upload, upload_name=(upload.name or "") if upload else "",
            upload_size=upload.size if upload else None,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.MaterialError as error:
        return Status(400, error_body(error.code, error.message))
    return Status(201, material_out(made.material))


CREATED: dict[int, Any] = {201: MaterialOut, **WRITTEN}


@router.post(f"{SHELF}/folders", response=CREATED,
             summary="Crea una cartella (docente della materia)")  # fmt: skip
def folder_create(request: HttpRequest, classroom_id: Id, subject_id: Id, payload: FolderIn) -> Any:
    draft = services.MaterialDraft(kind=MaterialKind.FOLDER, **payload.dict())
    return created(request, classroom_id, subject_id, draft)


@router.post(f"{SHELF}/links", response=CREATED,
             summary="Aggiunge un collegamento http/https (docente della materia)")  # fmt: skip
def link_create(request: HttpRequest, classroom_id: Id, subject_id: Id, payload: LinkIn) -> Any:
    draft = services.MaterialDraft(kind=MaterialKind.LINK, **payload.dict())
    return created(request, classroom_id, subject_id, draft)


@router.post(f"{SHELF}/files", response=CREATED,
             summary="Carica un file (docente della materia)")  # fmt: skip
def file_create(
    request: HttpRequest,
    classroom_id: Id,
    subject_id: Id,
    file: File[UploadedFile],
    title: Form[str] = "",
    description: Form[str] = "",
    parent_id: Form[Id | None] = None,
    is_draft: Form[bool] = False,
    visible_from: Form[datetime.datetime | None] = None,
) -> Any:
    """multipart/form-data: `file` and optional `title` (else the file's name), `description`,
    `parent_id`, `is_draft`, `visible_from`. The kind is told by the content."""
    draft = services.MaterialDraft(
        kind=MaterialKind.FILE, title=title, description=description, parent_id=parent_id,
        is_draft=is_draft, visible_from=visible_from,
    )  # fmt: skip
    return created(request, classroom_id, subject_id, draft, file)


@router.patch("/materials/{material_id}", response={200: MaterialOut, **WRITTEN},
              summary="Rinomina, descrive, nasconde, data o sposta un elemento")  # fmt: skip
def material_change(request: HttpRequest, material_id: Id, payload: MaterialPatch) -> Any:
    assert isinstance(request.user, User)
    item = rules.written_item(request.user, material_id)
    if item is None:
        raise Http404
    parent_id = None if payload.to_top else (payload.parent_id or item.parent_id)
    visible_from = None if payload.clear_visible_from else (
        payload.visible_from or item.visible_from
    )  # fmt: skip
    changes = services.MaterialChanges(
        title=item.title if payload.title is None else payload.title,
        description=item.description if payload.description is None else payload.description,
        parent_id=parent_id,
        is_draft=item.is_draft if payload.is_draft is None else payload.is_draft,
        visible_from=visible_from,
        url=payload.url or "",
    )
    try:
        changed = services.material_update(user=request.user, material_id=item.pk, changes=changes)
    except services.NotAllowed:
        raise Http404 from None
    except services.MaterialError as error:
        return Status(400, error_body(error.code, error.message))
    return material_out(changed)


@router.delete("/materials/{material_id}", response={200: Deleted, **ERRORS},
               summary="Elimina un elemento (una cartella con il suo contenuto)")  # fmt: skip
def material_remove(request: HttpRequest, material_id: Id) -> Deleted:
    assert isinstance(request.user, User)
    try:
        count = services.material_delete(user=request.user, material_id=material_id)
    except services.NotAllowed:
        raise Http404 from None
    return Deleted(deleted=count)


class ShareTargetOut(Schema):
    classroom_id: int
    name: str


class ShareIn(Schema):
    classroom_ids: list[Id] = Field(
        max_length=100, description="altre classi del docente con la stessa materia"
    )


@router.get("/materials/{material_id}/share-targets",
            response={200: list[ShareTargetOut], **ERRORS}, openapi_extra=PAGED,
            summary="Le altre classi del docente dove condividere un elemento")  # fmt: skip
def share_targets(
    request: HttpRequest, response: HttpResponse, material_id: Id, paging: Query[Paging]
) -> list[ShareTargetOut]:
    assert isinstance(request.user, User)
    item = rules.written_item(request.user, material_id)
    if item is None:
        raise Http404
    rooms = services.share_targets(request.user, item)
    return [
        ShareTargetOut(classroom_id=room.pk, name=room.name)
        for room in paged(rooms, request, paging, response)
    ]


@router.post("/materials/{material_id}/shares", response={201: list[MaterialOut], **WRITTEN},
             summary="Condivide un file o un collegamento con altre classi (copia al primo "
                     "livello dello scaffale della stessa materia)")  # fmt: skip
def material_share(request: HttpRequest, material_id: Id, payload: ShareIn) -> Any:
    """A classroom the teacher does not teach the subject in: 404, nothing written; a folder
    400 `cartella_non_condivisibile`; no classroom 400 `classi_mancanti`."""
    assert isinstance(request.user, User)
    try:
        made = services.material_share(
            user=request.user, material_id=material_id, classroom_ids=payload.classroom_ids
        )
    except services.NotAllowed:
        raise Http404 from None
    except services.MaterialError as error:
        return Status(400, error_body(error.code, error.message))
    return Status(201, [material_out(one.material) for one in made])
