"""The report cards' pages and API list ask the database as many questions for a small class
(or family) as for a bigger one."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.accounts.services import api_token_issue
from campanella.evaluation.models import StudentResult
from campanella.people.models import Enrollment, User
from campanella.reportcards.services import confirmation_record
from tests import factories as f
from tests.conftest import Cast
from tests.reportcards.support import published

pytestmark = pytest.mark.django_db


def queries(user: User, path: str) -> int:
    client = Client()
    client.force_login(user)
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def more_students(cast: Cast, session: Any, count: int) -> None:
    """Students of 1ª A with a result in the session (set-up only: the enrolments are written
    past the write guard, which refuses them on the days the lock closed)."""
    classroom = cast.classroom_1a
    for n in range(count):
        student = f.StudentFactory(institute=cast.institute)
        Enrollment.objects.bulk_create(
            [
                Enrollment(
                    student=student,
                    classroom=classroom,
                    school_year=classroom.school_year,
                    entry_date=classroom.school_year.start_date,
                )
            ]
        )
        StudentResult.objects.create(
            session=session,
            student=student,
            outcome="ammesso",
            credit=8 + n % 2,
        )


def test_class_pages_do_not_grow_with_the_class(cast: Cast) -> None:
    session = published(cast)
    pages = [
        (cast.coordinator, reverse("reportcards:confirmations", args=[session.pk])),
        (cast.guardian, reverse("reportcards:outcomes", args=[session.pk])),
        (cast.office, reverse("reportcards:index")),
    ]
    before = [queries(user, path) for user, path in pages]
    more_students(cast, session, 5)
    confirmation_record(user=cast.guardian, session_id=session.pk, student_id=cast.child.pk)
    confirmation_record(
        user=cast.adult_user, session_id=session.pk, student_id=cast.adult_student.pk
    )
    assert [queries(user, path) for user, path in pages] == before
    coordinator = Client()
    coordinator.force_login(cast.coordinator)
    assert "6 studenti senza presa visione" in coordinator.get(pages[0][1]).content.decode()


def api_queries(user: User) -> int:
    _token, raw = api_token_issue(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/report-cards")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/api/v1/report-cards").status_code == 200
    return len(captured)


def test_family_list_and_api_do_not_grow_with_the_children(cast: Cast) -> None:
    session = published(cast)
    path = reverse("reportcards:index")
    one = queries(cast.guardian, path)
    one_api = api_queries(cast.guardian)
    # The guardian of another child of the class too: two report cards, one confirmed.
    from campanella.people.models import Guardian

    f.GuardianshipFactory(
        student=cast.adult_student, guardian=Guardian.objects.get(user=cast.guardian)
    )
    confirmation_record(user=cast.guardian, session_id=session.pk, student_id=cast.child.pk)
    assert queries(cast.guardian, path) == one
    assert api_queries(cast.guardian) == one_api
    _token, raw = api_token_issue(user=cast.guardian)
    listed = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/report-cards").json()
    assert len(listed) == 2
    page = Client()
    page.force_login(cast.guardian)
    assert page.get(path).content.count(b'data-testid="card-') == 2


def card_queries(user: User, session_id: int, student_id: int) -> tuple[int, int, int]:
    """Queries of the family's card page, its PDF and the confirmation (POST)."""
    client = Client()
    client.force_login(user)
    card = reverse("reportcards:card", args=[session_id, student_id])
    pdf = reverse("reportcards:pdf", args=[session_id, student_id])
    confirm = reverse("reportcards:confirm", args=[session_id, student_id])
    client.get(card)
    client.get(pdf)  # made on first download: the next ones read it
    counts = []
    for method, path, status in (("get", card, 200), ("get", pdf, 200), ("post", confirm, 302)):
        with CaptureQueriesContext(connection) as captured:
            assert getattr(client, method)(path).status_code == status
        counts.append(len(captured))
    return counts[0], counts[1], counts[2]


def test_family_card_pdf_and_confirmation_do_not_grow(cast: Cast) -> None:
    """The same questions for another family's child, and after the class and the child's
    history of confirmations grew (publication day: every family of the school at once)."""
    session = published(cast)
    first = card_queries(cast.guardian, session.pk, cast.child.pk)
    more_students(cast, session, 5)
    from campanella.people.models import Relation

    second = f.UserFactory(username="secondo-genitore")
    f.GuardianshipFactory(
        student=cast.other_child,
        guardian=f.GuardianFactory(institute=cast.institute, user=second),
        relation=Relation.PARENT_2,
    )
    confirmation_record(user=second, session_id=session.pk, student_id=cast.other_child.pk)
    assert card_queries(cast.other_guardian, session.pk, cast.other_child.pk) == first


def test_family_access_asks_three_questions(cast: Cast) -> None:
    """The session, the student in it, the guardian's link: whether the family sees it and
    may confirm comes from these (the publication is read with the session)."""
    from campanella.people.roles import roles_for_user
    from campanella.reportcards.rules import report_card_access

    session = published(cast)
    roles_for_user(cast.guardian)  # the login's roles: read once per request by the middleware
    with CaptureQueriesContext(connection) as captured:
        access = report_card_access(cast.guardian, session.pk, cast.child.pk)
    assert access is not None and access.family and access.may_confirm
    assert len(captured) == 3
