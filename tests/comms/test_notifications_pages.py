"""The bell, the notifications page, preferences, push devices, the service worker and the
manifest, the school's delay for grades; and the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.accounts.services import api_token_issue
from campanella.comms.context_processors import unread_counts
from campanella.comms.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
    SchoolNotificationPolicy,
)
from campanella.comms.notifications.selectors import own_notifications
from campanella.comms.notifications.services import notify
from tests.comms.notifications_support import Device
from tests.comms.routes import family_notice
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def news(user: Any, count: int, prefix: str = "n") -> None:
    for n in range(count):
        notify(recipients=[user], kind="notice", title=f"Avviso {n}", url="/comunicazioni/",
               key=f"{prefix}{n}")  # fmt: skip


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_bell_the_notices_and_the_messages_count_in_one_query(cast: Cast) -> None:
    from tests.comms.routes_messages import teacher_thread

    news(cast.guardian, 3)
    news(cast.other_guardian, 2)
    family_notice(cast)
    teacher_thread(cast)
    request = RequestFactory().get("/")
    request.user = cast.guardian
    with CaptureQueriesContext(connection) as captured:
        counts = unread_counts(request)
    assert counts == {"unread_notifications": 3, "unread_notices": 1, "unread_messages": 1}
    assert len(captured) == 1
    sql = captured[0]["sql"]
    assert "comms_notification" in sql and "comms_noticerecipient" in sql
    assert "comms_threadparticipant" in sql
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", captured[0].get("params") or ())
            plan = " ".join(str(row) for row in cursor.fetchall())
        assert "SCAN comms_notification" not in plan and "SCAN comms_noticerecipient" not in plan
        assert "SCAN comms_threadparticipant" not in plan
        assert "USING INDEX notification_" in plan or "COVERING INDEX notification_" in plan
    request.user = cast.outsider
    assert unread_counts(request) == {
        "unread_notifications": 0, "unread_notices": 0, "unread_messages": 0,
    }  # fmt: skip


def test_a_page_costs_the_same_queries_with_many_notifications(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    news(cast.guardian, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("comms:notification_list")).status_code == 200
    news(cast.guardian, 30, prefix="m")
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("comms:notification_list"))
    assert len(many) == len(few)
    html = page.content.decode()
    assert 'data-testid="bell-count">32<' in html
    assert len(page.context["page"].object_list) == 20
    assert client.get(reverse("comms:notification_list") + "?pagina=2").context["page"].number == 2


def test_opening_marks_read_and_goes_to_the_object(cast: Cast) -> None:
    news(cast.guardian, 2)
    row = Notification.objects.filter(user=cast.guardian).first()
    assert row is not None
    client = cast.client_for(cast.guardian)
    response = client.post(reverse("comms:notification_open", args=[row.pk]))
    assert response.status_code == 302 and response["Location"] == "/comunicazioni/"
    row.refresh_from_db()
    assert row.read_at is not None
    html = client.get(reverse("comms:notification_list")).content.decode()
    assert 'data-testid="bell-count">1<' in html
    # Another login's notification is a missing one, and stays unread.
    other = Notification.objects.filter(user=cast.guardian, read_at__isnull=True).get()
    refused = cast.client_for(cast.other_guardian).post(
        reverse("comms:notification_open", args=[other.pk])
    )
    assert refused.status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_an_outside_link_is_not_followed(cast: Cast) -> None:
    notify(recipients=[cast.guardian], kind="message", title="x", url="https://evil.example/",
           key="evil")  # fmt: skip
    row = Notification.objects.get(key="evil")
    response = cast.client_for(cast.guardian).post(
        reverse("comms:notification_open", args=[row.pk])
    )
    assert response["Location"] == "/"


def test_read_all_marks_only_ones_own(cast: Cast) -> None:
    news(cast.guardian, 3)
    news(cast.other_guardian, 2)
    cast.client_for(cast.guardian).post(reverse("comms:notification_read_all"))
    assert not own_notifications(cast.guardian).filter(read_at__isnull=True).exists()
    assert own_notifications(cast.other_guardian).filter(read_at__isnull=True).count() == 2


def test_preferences_page_saves_choices_quiet_hours_and_digest(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    page = client.get(reverse("comms:notification_preferences"))
    html = page.content.decode()
    assert 'name="email_grade"' in html and 'id="id_email_grade"' in html
    assert 'for="id_email_grade"' in html  # every box has its label
    response = client.post(
        reverse("comms:notification_preferences"),
        {"push_grade": "on", "quiet_hours": "on", "quiet_from": "22:00", "quiet_until": "06:30",
         "daily_digest": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    grade = NotificationPreference.objects.get(user=cast.guardian, kind="grade")
    assert (grade.email, grade.push) == (False, True)
    saved = NotificationSettings.objects.get(user=cast.guardian)
    assert (saved.quiet_from.hour, saved.quiet_until.minute, saved.daily_digest) == (22, 30, True)


def test_empty_quiet_hours_are_refused_in_italian(cast: Cast) -> None:
    response = cast.client_for(cast.guardian).post(
        reverse("comms:notification_preferences"),
        {"quiet_hours": "on", "quiet_from": "22:00", "quiet_until": "22:00"},
    )
    assert response.status_code == 200
    assert "inizio diverso dalla fine" in response.content.decode()
    assert not NotificationSettings.objects.exists()


def test_the_browser_subscribes_and_unsubscribes_its_device(cast: Cast) -> None:
    device = Device(path="/push/x")
    subscription = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/push/x",
        "keys": {"p256dh": device.p256dh, "auth": device.auth},
    }
    client = cast.client_for(cast.guardian)
    url = reverse("comms:notification_push_subscribe")
    response = client.post(url, json.dumps(subscription), content_type="application/json")
    assert response.status_code == 201
    assert PushSubscription.objects.get().user == cast.guardian
    bad = {**subscription, "keys": {"p256dh": "abc", "auth": device.auth}}
    refused = client.post(url, json.dumps(bad), content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "chiavi_non_valide"
    # Another login naming this device without its keys cannot take it.
    stolen = {**subscription, "keys": {"p256dh": Device("/y").p256dh, "auth": device.auth}}
    thief = cast.client_for(cast.other_guardian)
    assert thief.post(url, json.dumps(stolen), content_type="application/json").status_code == 404
    assert PushSubscription.objects.get().user == cast.guardian
    client.post(
        reverse("comms:notification_push_unsubscribe"),
        json.dumps({"endpoint": subscription["endpoint"]}),
        content_type="application/json",
    )
    assert not PushSubscription.objects.exists()


def test_the_service_worker_may_control_the_whole_site(client: Client) -> None:
    response = client.get(reverse("comms:notification_service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    body = response.content.decode()
    assert "showNotification" in body and "notificationclick" in body


def test_the_app_is_installable(cast: Cast) -> None:
    html = cast.client_for(cast.guardian).get(reverse("comms:notification_list")).content.decode()
    assert 'rel="manifest"' in html
    assert 'name="service-worker"' in html and "notifications.js" in html
    found = finders.find("campanella/manifest.webmanifest")
    assert isinstance(found, str)
    manifest = json.loads(Path(found).read_text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert manifest["icons"] and manifest["lang"] == "it"


def test_the_office_sets_the_grade_delay(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    url = reverse("comms:notification_school_policy")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"school": cast.school.pk, "grade_delay_hours": 200, "grade_release_time": ""}
    )
    assert response.status_code == 200  # more than a week: refused, nothing written
    assert not SchoolNotificationPolicy.objects.exists()
    client.post(
        url, {"school": cast.school.pk, "grade_delay_hours": 2, "grade_release_time": "15:00"}
    )
    policy = SchoolNotificationPolicy.objects.get(school=cast.school)
    assert (policy.grade_delay_hours, policy.grade_release_time.hour) == (2, 15)  # type: ignore[union-attr]
    assert cast.client_for(cast.teacher).get(url).status_code == 404


# --- API ------------------------------------------------------------------------------------


def test_api_lists_paged_and_marks_read(cast: Cast) -> None:
    news(cast.guardian, 5)
    client = api(cast.guardian)
    page = client.get("/api/v1/notifications?limit=2&offset=0").json()
    assert (page["count"], page["unread"], len(page["items"])) == (5, 5, 2)
    first = page["items"][0]["id"]
    read = client.post(f"/api/v1/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true").json()["count"] == 4
    assert client.post("/api/v1/notifications/read-all").json() == {"marked": 4}
    foreign = api(cast.other_guardian).post(f"/api/v1/notifications/{first}/read")
    assert foreign.status_code == 404 and foreign.json()["code"]


def test_api_preferences_round_trip(cast: Cast) -> None:
    client = api(cast.guardian)
    current = client.get("/api/v1/notifications/preferences").json()
    assert {row["kind"] for row in current["kinds"]} >= {"grade", "notice", "report_card"}
    body = {**current, "kinds": [{"kind": "agenda", "email": True, "push": False}],
            "daily_digest": True}  # fmt: skip
    saved = client.put("/api/v1/notifications/preferences", body, content_type="application/json")
    assert saved.status_code == 200
    agenda = next(row for row in saved.json()["kinds"] if row["kind"] == "agenda")
    assert (agenda["email"], agenda["push"], saved.json()["daily_digest"]) == (True, False, True)
    empty = {**body, "quiet_hours": True, "quiet_from": "21:00:00", "quiet_until": "21:00:00"}
    refused = client.put(
        "/api/v1/notifications/preferences", empty, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["code"] == "silenzio_vuoto"
    unknown = {**body, "kinds": [{"kind": "gossip", "email": True, "push": True}]}
    assert (
        client.put(
            "/api/v1/notifications/preferences", unknown, content_type="application/json"
        ).status_code
        == 422
    )


def test_api_push_subscription(cast: Cast) -> None:
    device = Device(path="/push/api")
    body = {"endpoint": "https://fcm.googleapis.com/fcm/send/api",
            "keys": {"p256dh": device.p256dh, "auth": device.auth}}  # fmt: skip
    client = api(cast.guardian)
    made = client.post(
        "/api/v1/notifications/push-subscriptions", body, content_type="application/json"
    )
    assert made.status_code == 201
    bad = client.post(
        "/api/v1/notifications/push-subscriptions",
        {**body, "endpoint": "ftp://x"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["code"] == "endpoint_non_valido"
    for elsewhere in ("https://intranet.scuola.local/x", "http://fcm.googleapis.com/x",
                      "https://fcm.googleapis.com.evil.example/x"):  # fmt: skip
        refused = client.post(
            "/api/v1/notifications/push-subscriptions",
            {**body, "endpoint": elsewhere},
            content_type="application/json",
        )
        assert refused.json()["code"] == "endpoint_non_valido", elsewhere
    assert PushSubscription.objects.count() == 1
    gone = client.delete(
        "/api/v1/notifications/push-subscriptions?endpoint=https://fcm.googleapis.com/fcm/send/api"
    )
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()
