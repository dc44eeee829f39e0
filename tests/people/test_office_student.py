"""The office records a student's leaving, transfer and change of classroom, and links or
unlinks guardians: effect on access shown first, one service per action, history kept."""

from __future__ import annotations

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from campanella.audit.models import Change
from campanella.people.access import revoke_leavers
from campanella.people.models import Enrollment, ExitReason, Guardian, Guardianship, User
from campanella.people.roles import forget_roles
from campanella.people.services import student_leave
from tests.conftest import Cast, guardian_of

pytestmark = pytest.mark.django_db


def text(response: object) -> str:
    return html.unescape(response.content.decode())  # type: ignore[attr-defined]


def a_day(cast: Cast) -> datetime.date:
    return cast.classroom_1a.school_year.start_date + datetime.timedelta(days=60)


def iso(day: datetime.date) -> str:
    return day.isoformat()


def test_withdrawal_shows_the_effect_then_guardians_lose_the_child_on_the_institutes_date(
    cast: Cast,
) -> None:
    office = cast.client_for(cast.office)
    url = reverse("people:office_withdraw", args=[cast.child.pk])
    assert office.get(url).status_code == 200
    body = {"day": iso(a_day(cast)), "note": "Ritiro per motivi di famiglia"}
    preview = office.post(url, body)
    page = text(preview)
    year = cast.classroom_1a.school_year
    ends = cast.institute.access_end_after(year)
    guardian_name = guardian_of(cast.child).full_name
    assert f"Dal {ends:%d/%m/%Y}" in page and guardian_name in page
    assert "non vedrà più" in page  # one guardian: the singular
    assert f"L'accesso dell'alunno termina il {ends:%d/%m/%Y}" in page
    assert Enrollment.objects.get(student=cast.child).exit_date is None  # nothing written yet
    assert not Change.objects.exists()

    done = office.post(url, {**body, "confirm": "1"})
    assert done.status_code == 302
    enrollment = Enrollment.objects.get(student=cast.child)
    assert (enrollment.exit_date, enrollment.exit_reason) == (a_day(cast), ExitReason.WITHDRAWAL)
    change = Change.objects.get()
    assert change.before["exit_date"] is None and change.after["exit_date"] == iso(a_day(cast))
    assert "Ritiro" in change.reason and "famiglia" in change.reason
    history = text(office.get(reverse("people:office_student", args=[cast.child.pk])))
    assert "Ritiro per motivi di famiglia" in history

    family = cast.client_for(cast.guardian)
    child_page = reverse("people:student_detail", args=[cast.child.pk])
    revoke_leavers(ends - datetime.timedelta(days=1))
    assert family.get(child_page).status_code == 200  # the day before: still visible
    revoke_leavers(ends)  # the institute's date
    assert family.get(child_page).status_code == 404
    assert family.get(reverse("people:student_detail", args=[cast.sibling.pk])).status_code == 200
    cast.child_user.refresh_from_db()
    assert not cast.child_user.is_active


def test_a_leaving_recorded_after_the_date_ends_access_at_once(cast: Cast) -> None:
    year = cast.classroom_1a.school_year
    late = cast.institute.access_end_after(year) + datetime.timedelta(days=3)
    student_leave(
        student_id=cast.other_child.pk,
        institute_id=cast.institute.pk,
        day=year.lessons_end,
        reason=ExitReason.WITHDRAWAL,
        actor=cast.office,
        today=late,
    )
    assert not Guardianship.objects.filter(
        student=cast.other_child, access_revoked_on__isnull=True
    ).exists()
    cast.other_guardian.refresh_from_db()
    assert not cast.other_guardian.is_active  # nothing else to see


def test_a_second_leaving_is_refused_and_writes_nothing(cast: Cast) -> None:
    kwargs = {
        "student_id": cast.child.pk,
        "institute_id": cast.institute.pk,
        "day": a_day(cast),
        "reason": ExitReason.WITHDRAWAL,
        "actor": cast.office,
    }
    student_leave(**kwargs)  # type: ignore[arg-type]
    count = Change.objects.count()
    with pytest.raises(ValidationError, match="già registrata"):
        student_leave(**kwargs)  # type: ignore[arg-type]
    assert Change.objects.count() == count


def test_transfer_keeps_the_destination_and_refuses_a_wrong_code(cast: Cast) -> None:
    office = cast.client_for(cast.principal)  # the principal may record it too
    url = reverse("people:office_transfer", args=[cast.child.pk])
    body = {"day": iso(a_day(cast)), "school_name": "Liceo Muratori", "school_code": "XX123"}
    refused = office.post(url, {**body, "confirm": "1"})
    assert refused.status_code == 200
    assert "codice meccanografico" in text(refused).lower()
    assert Enrollment.objects.get(student=cast.child).exit_date is None
    office.post(url, {**body, "school_code": "", "confirm": "1"})
    enrollment = Enrollment.objects.get(student=cast.child)
    assert enrollment.exit_reason == ExitReason.TRANSFER
    assert enrollment.transfer_school == "Liceo Muratori"


def test_move_closes_the_old_enrolment_and_opens_the_new_one(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    url = reverse("people:office_move", args=[cast.child.pk])
    day = a_day(cast)
    body = {"classroom": cast.classroom_2b.pk, "day": iso(day)}
    preview = text(office.post(url, body))
    assert "2ª B" in preview and "L'accesso non cambia" in preview
    assert office.post(url, {**body, "confirm": "1"}).status_code == 302
    old, new = Enrollment.objects.filter(student=cast.child).order_by("entry_date")
    assert old.classroom == cast.classroom_1a and old.exit_date == day - datetime.timedelta(1)
    assert old.exit_reason == ExitReason.CLASS_CHANGE
    assert new.classroom == cast.classroom_2b and new.entry_date == day and new.exit_date is None
    assert Change.objects.filter(reason__contains="Cambio di classe").count() == 2


def test_adding_an_existing_guardian_and_a_new_one(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    url = reverse("people:office_guardian_add", args=[cast.other_child.pk])
    existing = {"existing": "guardian", "relation": "genitore2", "may_justify": "on"}
    preview = text(office.post(url, existing))
    assert "da subito" in preview
    assert office.post(url, {**existing, "confirm": "1"}).status_code == 302
    forget_roles(cast.guardian)
    family = cast.client_for(cast.guardian)
    assert (
        family.get(reverse("people:student_detail", args=[cast.other_child.pk])).status_code == 200
    )

    new = {"surname": "Neri", "name": "Laura", "relation": "tutore", "confirm": "1"}
    response = office.post(reverse("people:office_guardian_add", args=[cast.child.pk]), new)
    assert response.status_code == 302 and "/credenziali/lotti/" in response["Location"]
    laura = Guardian.objects.get(surname="Neri")
    assert laura.user is not None and laura.user.username[0] in "GX"  # the usernames' rules


def test_removing_a_guardian_ends_their_view_and_their_login(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    link = Guardianship.objects.get(student=cast.other_child)
    url = reverse("people:office_guardian_remove", args=[cast.other_child.pk, link.pk])
    body = {"day": iso(timezone.localdate()), "note": "Provvedimento del tribunale"}
    preview = text(office.post(url, body))
    assert "il suo accesso viene disattivato" in preview
    future = {**body, "day": iso(timezone.localdate() + datetime.timedelta(days=2))}
    assert "futura" in text(office.post(url, {**future, "confirm": "1"}))
    assert office.post(url, {**body, "confirm": "1"}).status_code == 302
    link.refresh_from_db()
    assert link.access_revoked_on == timezone.localdate()
    assert not User.objects.get(pk=cast.other_guardian.pk).is_active
    assert "Provvedimento del tribunale" in Change.objects.get(object_id=link.pk).reason


@pytest.mark.parametrize("who", ["foreign_office", "teacher", "coordinator", "guardian"])
def test_outsiders_are_refused_and_nothing_is_written(cast: Cast, who: str) -> None:
    client = cast.client_for(getattr(cast, who))
    link = Guardianship.objects.get(student=cast.other_child)
    posts = [
        ("people:office_withdraw", [cast.child.pk], {"day": iso(a_day(cast))}),
        (
            "people:office_move",
            [cast.child.pk],
            {"classroom": cast.classroom_2b.pk, "day": iso(a_day(cast))},
        ),
        (
            "people:office_guardian_add",
            [cast.child.pk],
            {"surname": "A", "name": "B", "relation": "tutore"},
        ),
        (
            "people:office_guardian_remove",
            [cast.other_child.pk, link.pk],
            {"day": iso(timezone.localdate())},
        ),
    ]
    before = (
        Enrollment.objects.count(),
        Guardianship.objects.filter(access_revoked_on=None).count(),
    )
    for name, args, body in posts:
        assert client.post(reverse(name, args=args), {**body, "confirm": "1"}).status_code == 404
    assert client.get(reverse("people:office_student", args=[cast.child.pk])).status_code == 404
    after = (
        Enrollment.objects.count(),
        Guardianship.objects.filter(access_revoked_on=None).count(),
    )
    assert before == after
    assert Enrollment.objects.filter(exit_date__isnull=False).count() == 0
    assert not Change.objects.exists()


def test_the_student_admin_and_page_link_to_the_office_pages(cast: Cast) -> None:
    office = cast.client_for(cast.office)
    target = reverse("people:office_student", args=[cast.child.pk])
    admin_page = office.get(reverse("admin:people_student_change", args=[cast.child.pk]))
    assert target in admin_page.content.decode()
    assert (
        target
        in office.get(reverse("people:student_detail", args=[cast.child.pk])).content.decode()
    )
    teacher = cast.client_for(cast.teacher)
    assert (
        target
        not in teacher.get(reverse("people:student_detail", args=[cast.child.pk])).content.decode()
    )
