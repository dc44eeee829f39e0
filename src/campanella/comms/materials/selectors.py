"""Reads of teaching materials, scoped by `rules`: a login's classrooms, a classroom's shelves
with how many items each shows, a folder's contents (folders first), a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from campanella.comms.materials import rules
from campanella.comms.materials.models import Material, MaterialKind
from campanella.school.models import Classroom, Subject


def classrooms(user: Any) -> QuerySet[Classroom]:
    return (
        rules.readable_classrooms(user)
        .select_related("school", "school_year")
        .order_by("-school_year__start_date", "year", "section")
    )


@dataclass(frozen=True)
class ShelfLine:
    subject: Subject
    count: int
    writes: bool


def shelves(user: Any, classroom: Classroom) -> list[ShelfLine]:
    """The classroom's subjects with the number of top-level items this login sees."""
    subjects = list(rules.shelf_subjects(classroom))
    written = set(
        rules.own_teachings(user).filter(classroom=classroom).values_list("subject_id", flat=True)
    )
    live = Q(deleted_at__isnull=True, parent__isnull=True)
    shown = Material.objects.filter(live, classroom=classroom)
    all_counts = dict(
        shown.values("subject_id").annotate(n=Count("pk")).values_list("subject_id", "n")
    )
    published_counts = dict(
        shown.filter(rules.published_q())
        .values("subject_id")
        .annotate(n=Count("pk"))
        .values_list("subject_id", "n")
    )
    return [
        ShelfLine(
            subject,
            (all_counts if subject.pk in written else published_counts).get(subject.pk, 0),
            subject.pk in written,
        )
        for subject in subjects
    ]


def folders_first() -> Case:
    return Case(
        When(kind=MaterialKind.FOLDER, then=Value(0)), default=Value(1), output_field=IntegerField()
    )


def folder_contents(shelf: rules.Shelf, folder: Material | None) -> QuerySet[Material]:
    """What a folder (None: the shelf's top level) holds that this login sees."""
    items = rules.shelf_items(shelf).filter(parent=folder)
    return items.annotate(folder_rank=folders_first()).order_by("folder_rank", "title", "pk")


def shelf_folders(shelf: rules.Shelf) -> list[Material]:
    """Every live folder of a shelf (for the teacher's "move to" choice), as a tree's order."""
    folders = list(rules.shelf_items(shelf).filter(kind=MaterialKind.FOLDER).order_by("title"))
    by_parent: dict[int | None, list[Material]] = {}
    for folder in folders:
        by_parent.setdefault(folder.parent_id, []).append(folder)
    ordered: list[Material] = []

    def walk(parent_id: int | None) -> None:
        for folder in by_parent.get(parent_id, []):
            ordered.append(folder)
            walk(folder.pk)

    walk(None)
    return ordered
