"""Pages of teaching materials under /comunicazioni/materiali/ (Italian, server-rendered).

Every read asks `rules` (classroom_for_user, shelf_access, item_access): what a login may not
see answers 404 like what does not exist, and a file's bytes leave only through `download`,
as an attachment. Views parse, authorize, call one service or selector, render.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from campanella.comms.materials import rules, selectors, services
from campanella.comms.materials.forms import EditForm, MaterialForm, moment
from campanella.comms.materials.models import Material
from campanella.lib.ids import parse_id
from campanella.people.models import User

PAGE_SIZE = 50


def where(item: Material | None, shelf: rules.Shelf) -> HttpResponse:
    """Back to the folder (or the shelf's top level) the teacher was working in."""
    if item is not None:
        return redirect("comms:material_folder", material_id=item.pk)
    return redirect(
        "comms:material_shelf", classroom_id=shelf.classroom.pk, subject_id=shelf.subject.pk
    )


def file_response(item: Material) -> FileResponse:
    """The stored file, private to this login (called only after `rules` allowed it)."""
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    response["Content-Disposition"] = content_disposition_header(True, item.file_name) or ""
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The classrooms whose materials this login sees."""
    rooms = list(selectors.classrooms(request.user))
    return render(request, "comms/materials/index.html", {"classrooms": rooms})


@login_required
def classroom(request: HttpRequest, classroom_id: int) -> HttpResponse:
    found = rules.classroom_for_user(request.user, classroom_id)
    if found is None:
        raise Http404
    context = {"classroom": found, "shelves": selectors.shelves(request.user, found)}
    return render(request, "comms/materials/classroom.html", context)


def shelf_page(request: HttpRequest, shelf: rules.Shelf, folder: Material | None) -> HttpResponse:
    page = Paginator(selectors.folder_contents(shelf, folder), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    trail = [*reversed(rules.ancestors(folder)), folder] if folder else []
    context: dict[str, Any] = {
        "shelf": shelf,
        "folder": folder,
        "trail": trail,
        "page": page,
        "may_add_folder": (folder.depth + 1 if folder else 0) < services.max_depth(),
        "max_mb": settings.MATERIALS_MAX_MB,
        "now": timezone.now(),
    }
    return render(request, "comms/materials/shelf.html", context)


@login_required
def shelf(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    found = rules.shelf_access(request.user, classroom_id, subject_id)
    if found is None:
        raise Http404
    return shelf_page(request, found, None)


@login_required
def folder(request: HttpRequest, material_id: int) -> HttpResponse:
    access = rules.item_access(request.user, material_id)
    if access is None or not access.item.is_folder:
        raise Http404
    return shelf_page(request, access.shelf, access.item)


@login_required
def download(request: HttpRequest, material_id: int) -> FileResponse:
    access = rules.item_access(request.user, material_id)
    if access is None or not access.item.is_file:
        raise Http404
    return file_response(access.item)


@require_POST
@login_required
def create(request: HttpRequest, classroom_id: int, subject_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = rules.shelf_access(user, classroom_id, subject_id)
    if found is None or not found.writes:
        raise Http404
    form = MaterialForm(request.POST)
    parent_id = parse_id(request.POST.get("cartella", "")) if request.POST.get("cartella") else None
    parent = (
        Material.objects.filter(
            pk=parent_id, classroom=found.classroom, subject=found.subject
        ).first()
        if parent_id
        else None
    )
    if not form.is_valid():
        messages.error(request, _("Controllare i dati inseriti: %(errors)s") % {
            "errors": " ".join(str(e) for errs in form.errors.values() for e in errs)
        })  # fmt: skip
        return where(parent, found)
    data = form.cleaned_data
    upload = request.FILES.get("file")
    draft = services.MaterialDraft(
        kind=data["tipo"], title=data["titolo"], description=data["descrizione"],
        url=data["indirizzo"], parent_id=data["cartella"], is_draft=bool(data["bozza"]),
        visible_from=moment(data["visibile_dal"]),
    )  # fmt: skip
    try:
        made = services.material_create(
            user=user, classroom_id=classroom_id, subject_id=subject_id, draft=draft,
            upload=upload, upload_name=(upload.name or "") if upload else "",
            upload_size=upload.size if upload else None,
        )  # fmt: skip
    except services.NotAllowed:
        raise Http404 from None
    except services.MaterialError as error:
        messages.error(request, error.message)
        return where(parent, found)
    messages.success(request, _("«%(title)s» aggiunto.") % {"title": made.material.title})
    return where(parent, found)


@login_required
def edit(request: HttpRequest, material_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access = rules.item_access(user, material_id)
    if access is None or not access.shelf.writes:
        raise Http404
    item = access.item
    errors: list[str] = []
    initial = {
        "titolo": item.title, "descrizione": item.description, "indirizzo": item.url,
        "cartella": item.parent_id, "bozza": item.is_draft,
        "visibile_dal": item.visible_from.date() if item.visible_from else None,
    }  # fmt: skip
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            changes = services.MaterialChanges(
                title=data["titolo"], description=data["descrizione"], parent_id=data["cartella"],
                is_draft=bool(data["bozza"]), visible_from=moment(data["visibile_dal"]),
                url=data["indirizzo"],
            )  # fmt: skip
            try:
                item = services.material_update(user=user, material_id=item.pk, changes=changes)
            except services.NotAllowed:
                raise Http404 from None
            except services.MaterialError as error:
                errors.append(error.message)
            else:
                messages.success(request, _("Modifiche salvate."))
                return where(item.parent, access.shelf)
        else:
            errors.extend(str(e) for errs in form.errors.values() for e in errs)
    # A folder cannot go into itself nor into what it holds: not offered.
    inside = {item.pk, *(services.descendants(item) if item.is_folder else [])}
    context = {
        "item": item,
        "shelf": access.shelf,
        "form": form,
        "errors": errors,
        "folders": [
            (f.pk, "— " * f.depth + f.title)
            for f in selectors.shelf_folders(access.shelf)
            if f.pk not in inside
        ],
        "targets": services.share_targets(user, item) if not item.is_folder else [],
        "values": request.POST if request.method == "POST" else initial,
    }
    return render(request, "comms/materials/edit.html", context)


@require_POST
@login_required
def delete(request: HttpRequest, material_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access = rules.item_access(user, material_id)
    if access is None or not access.shelf.writes:
        raise Http404
    try:
        count = services.material_delete(user=user, material_id=material_id)
    except services.NotAllowed:
        raise Http404 from None
    messages.success(
        request,
        _("«%(title)s» eliminato (%(count)s elementi). Resta nello storico.")
        % {"title": access.item.title, "count": count},
    )
    return where(access.item.parent, access.shelf)


@require_POST
@login_required
def share(request: HttpRequest, material_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    access = rules.item_access(user, material_id)
    if access is None or not access.shelf.writes:
        raise Http404
    ids = [i for i in (parse_id(v) for v in request.POST.getlist("classe")) if i is not None]
    try:
        made = services.material_share(user=user, material_id=material_id, classroom_ids=ids)
    except services.NotAllowed:
        raise Http404 from None
    except services.MaterialError as error:
        messages.error(request, error.message)
        return redirect("comms:material_edit", material_id=material_id)
    names = ", ".join(m.material.classroom.name for m in made)
    messages.success(request, _("Condiviso con le classi: %(names)s.") % {"names": names})
    return where(access.item.parent, access.shelf)
