"""The agenda (homework, tests) as events of a login's private calendar feed
(campanella.comms.calendar.sources lists this source by its dotted path).

A student gets their classroom's, a family each child's (the child's name in the summary), a
teacher those of the classrooms they teach or coordinate; each only for the days the student
was enrolled there. Three queries whatever the number of children, classrooms or items.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from campanella.lib.calendar_events import CalendarEvent
from campanella.people.models import Enrollment, Student
from campanella.people.roles import active_links, roles_for_user
from campanella.register.models import AgendaItem, AgendaKind
from campanella.register.selectors import active
from campanella.school.models import Classroom, Teaching


def own_students(user: Any) -> Q:
    """The students whose agenda a login follows as a family or as the student."""
    roles = roles_for_user(user)
    scope = Q(student_id__in=active_links(roles.user_id).values("student_id"))
    if roles.student is not None:
        scope |= Q(student_id=roles.student.pk)
    return scope


def taught_classrooms(user: Any) -> list[int]:
    roles = roles_for_user(user)
    if roles.staff is None:
        return []
    return list(
        Classroom.objects.filter(
            Q(pk__in=Teaching.objects.filter(teacher=roles.staff).values("classroom_id"))
            | Q(coordinator=roles.staff)
        ).values_list("pk", flat=True)
    )


def title(item: AgendaItem) -> str:
    if item.kind == AgendaKind.TEST:
        return _("Verifica di %(subject)s") % {"subject": item.subject.name}
    return _("Compiti di %(subject)s") % {"subject": item.subject.name}


def agenda_events(user: Any, first: datetime.date, last: datetime.date) -> list[CalendarEvent]:
    enrolled = list(
        Enrollment.objects.filter(own_students(user), entry_date__lte=last)
        .filter(Q(exit_date__isnull=True) | Q(exit_date__gte=first))
        .select_related("student")
    )
    is_student = roles_for_user(user).student
    taught = set(taught_classrooms(user))
    by_classroom: dict[int, list[Enrollment]] = defaultdict(list)
    for enrollment in enrolled:
        by_classroom[enrollment.classroom_id].append(enrollment)
    rooms = taught | set(by_classroom)
    if not rooms:
        return []
    items = (
        active(AgendaItem.objects.filter(classroom_id__in=rooms, date__gte=first, date__lte=last))
        .select_related("subject", "classroom")
        .order_by("date", "pk")
    )
    events: list[CalendarEvent] = []
    for item in items:
        seen_as_staff = item.classroom_id in taught
        if seen_as_staff:
            events.append(event(item, None, f"{title(item)} ({item.classroom.name})"))
        for enrollment in by_classroom.get(item.classroom_id, []):
            if not enrollment.entry_date <= item.date <= (enrollment.exit_date or item.date):
                continue
            student: Student = enrollment.student
            if is_student is not None and is_student.pk == student.pk:
                events.append(event(item, student, title(item)))
            elif not seen_as_staff:
                events.append(event(item, student, f"{student.name}: {title(item)}"))
    return events


def event(item: AgendaItem, student: Student | None, summary: str) -> CalendarEvent:
    # One event per item and child: twins in the same classroom get one each, with their name.
    suffix = f"-{student.pk}" if student is not None else ""
    if student is not None:
        path = reverse("register:student", args=[student.pk])
    else:
        path = reverse("register:class_day", args=[item.classroom_id, item.date.isoformat()])
    return CalendarEvent(
        uid=f"agenda-{item.pk}{suffix}@campanella",
        summary=summary,
        start=item.date,
        end=item.date + datetime.timedelta(days=1),
        description=item.text,
        path=path,
        changed_at=item.recorded_at,
    )
