"""One login per role of a generated institute, found by querying: printed by the demo."""

from __future__ import annotations

from django.db.models import Count
from django.utils import timezone

from campanella.people.models import ADULT_AGE, Guardian, Staff, Student, age_on
from campanella.school.models import Classroom, Institute


def demo_logins(institute: Institute | None = None) -> dict[str, str]:
    institute = institute or Institute.objects.order_by("pk").first()
    if institute is None:
        return {}
    today = timezone.localdate()
    logins: dict[str, str] = {}
    staff = Staff.objects.filter(institute=institute, user__isnull=False).select_related("user")
    office = staff.filter(is_office=True).first()
    principal = staff.filter(is_principal=True).first()
    classroom = (
        Classroom.objects.filter(school__institute=institute, coordinator__user__isnull=False)
        .select_related("coordinator__user")
        .order_by("pk")
        .first()
    )
    students = Student.objects.filter(institute=institute, user__isnull=False).select_related(
        "user"
    )
    minor = next((s for s in students.order_by("-birth_date")[:1]), None)
    adult = next((s for s in students.order_by("birth_date")[:1]), None)
    parent = (
        Guardian.objects.filter(institute=institute, user__isnull=False)
        .annotate(children=Count("guardianships"))
        .order_by("-children", "pk")
        .select_related("user")
        .first()
    )
    if office and office.user:
        logins["Segreteria"] = office.user.username
    if principal and principal.user:
        logins["Dirigente"] = principal.user.username
    if classroom and classroom.coordinator and classroom.coordinator.user:
        logins[f"Docente, coordinatore {classroom.name}"] = classroom.coordinator.user.username
    if parent and parent.user:
        logins["Genitore"] = parent.user.username
    if minor and minor.user:
        logins["Studente minorenne"] = minor.user.username
    if adult and adult.user and age_on(adult.birth_date, today) >= ADULT_AGE:
        logins["Studente maggiorenne"] = adult.user.username
    return logins
