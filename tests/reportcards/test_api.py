"""The report cards' API: a family lists its published report cards, downloads the PDF and
confirms viewing; before the publication and for another family's child: 404, nothing written."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from campanella.accounts.services import api_token_issue
from campanella.people.models import User
from campanella.reportcards.models import Publication, ReportCard, ViewConfirmation
from tests.conftest import Cast
from tests.reportcards.support import body_of, pdf_text, published

pytestmark = pytest.mark.django_db


def api(user: User) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_family_lists_downloads_and_confirms(cast: Cast) -> None:
    session = published(cast, hours=1)  # not yet
    client = api(cast.guardian)
    base = f"/api/v1/report-cards/{session.pk}/{cast.child.pk}"
    assert client.get("/api/v1/report-cards").json() == []
    assert client.get(f"{base}/pdf").status_code == 404
    refused = client.post(f"{base}/confirmation", {}, content_type="application/json")
    assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    assert not ViewConfirmation.objects.exists() and not ReportCard.objects.exists()

    Publication.objects.filter(session=session).update(
        publish_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    listed = client.get("/api/v1/report-cards").json()
    assert [(c["session_id"], c["student_id"], c["confirmed_at"]) for c in listed] == [
        (session.pk, cast.child.pk, None)
    ]
    assert listed[0]["pdf_url"] == f"{base}/pdf"
    download = client.get(listed[0]["pdf_url"])
    assert download.status_code == 200
    assert "Matematica 5 (cinque)" in pdf_text(body_of(download))
    first = client.post(listed[0]["confirmation_url"], {}, content_type="application/json")
    assert first.status_code == 201 and first.json()["created"] is True
    again = client.post(listed[0]["confirmation_url"], {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["confirmed_at"] == first.json()["confirmed_at"]
    assert ViewConfirmation.objects.count() == 1
    assert client.get("/api/v1/report-cards").json()[0]["confirmed_at"] is not None


def test_another_family_and_the_minor_student_are_refused_and_nothing_is_written(
    cast: Cast,
) -> None:
    session = published(cast)
    base = f"/api/v1/report-cards/{session.pk}/{cast.child.pk}"
    for user in (cast.other_guardian, cast.teacher, cast.foreign_office):
        client = api(user)
        assert client.get(f"{base}/pdf").status_code == 404
        assert (
            client.post(f"{base}/confirmation", {}, content_type="application/json").status_code
            == 404
        )
        assert all(
            c["student_id"] != cast.child.pk for c in client.get("/api/v1/report-cards").json()
        )
    minor = api(cast.child_user)
    assert minor.get(f"{base}/pdf").status_code == 200  # reads their own
    assert (
        minor.post(f"{base}/confirmation", {}, content_type="application/json").status_code == 404
    )
    assert not ViewConfirmation.objects.exists()
    adult = api(cast.adult_user)
    own = f"/api/v1/report-cards/{session.pk}/{cast.adult_student.pk}/confirmation"
    assert adult.post(own, {}, content_type="application/json").status_code == 201
    assert ViewConfirmation.objects.get().as_student
