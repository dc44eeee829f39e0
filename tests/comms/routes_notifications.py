"""Routes of notifications (/comunicazioni/notifiche/ and /api/v1/notifications): what an
outsider gets, and every write with a valid body on a real object (tests/routes.py explains
the tables). Everything but the school's policy is the login's own: another login naming the
guardian's notification or device is refused (404), and doing the same to their own login
changes nothing of the guardian's."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from campanella.comms.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationSettings,
    PushSubscription,
    SchoolNotificationPolicy,
)
from campanella.comms.notifications.services import notify, push_subscribe
from tests.comms.notifications_support import Device
from tests.conftest import Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}


def nothing(c: Cast) -> dict[str, Any]:
    return {}


def guardian_notification(c: Cast) -> Notification:
    notify(recipients=[c.guardian], kind="grade", title="Nuovo voto", url="/", key="route")
    return Notification.objects.get(user=c.guardian, key="route")


def others(c: Cast) -> tuple[Any, ...]:
    """Another family, the child, a teacher of the classroom, the office, another institute."""
    return (c.other_guardian, c.child_user, c.teacher, c.office, c.foreign_office)


def guardian_device(c: Cast) -> PushSubscription:
    device = Device(path="/push/guardian")
    return push_subscribe(
        user=c.guardian, endpoint="https://fcm.googleapis.com/fcm/send/push/guardian",
        p256dh=device.p256dh, auth=device.auth,
    )  # fmt: skip


def renewed_keys(c: Cast) -> dict[str, str]:
    """The guardian's device endpoint with renewed keys (what the browser sends on renewal)."""
    subscription = guardian_device(c)
    fresh = Device(path="/push/guardian")
    return {"endpoint": subscription.endpoint, "p256dh": fresh.p256dh, "auth": fresh.auth}


def own_preferences(c: Cast) -> tuple[Any, ...]:
    return (
        NotificationPreference.objects.filter(user=c.guardian),
        NotificationSettings.objects.filter(user=c.guardian),
    )


def open_write(c: Cast) -> Write:
    row = guardian_notification(c)
    return Write(
        reverse("comms:notification_open", args=[row.pk]), {}, c.guardian, others(c),
        (Notification.objects.filter(user=c.guardian),),
    )  # fmt: skip


def read_all_write(c: Cast) -> Write:
    guardian_notification(c)
    return Write(
        reverse("comms:notification_read_all"), {}, c.guardian, others(c),
        (Notification.objects.filter(user=c.guardian),), refused=302,
    )  # fmt: skip


PREFERENCES_FORM = {
    "email_grade": "on", "push_grade": "on", "quiet_hours": "on", "quiet_from": "22:00",
    "quiet_until": "06:30", "daily_digest": "on",
}  # fmt: skip


def preferences_write(c: Cast) -> Write:
    return Write(
        reverse("comms:notification_preferences"), PREFERENCES_FORM, c.guardian, others(c),
        own_preferences(c), refused=302,
    )  # fmt: skip


def school_policy_write(c: Cast) -> Write:
    return Write(
        reverse("comms:notification_school_policy"),
        {"school": c.school.pk, "grade_delay_hours": 2, "grade_release_time": "14:00"},
        c.office,
        (c.teacher, c.coordinator, c.guardian, c.child_user, c.adult_user, c.foreign_office),
        (SchoolNotificationPolicy,),
    )


def subscribe_write(c: Cast) -> Write:
    return Write(
        reverse("comms:notification_push_subscribe"), renewed_keys(c), c.guardian, others(c),
        (PushSubscription,),
    )  # fmt: skip


def unsubscribe_write(c: Cast) -> Write:
    subscription = guardian_device(c)
    return Write(
        reverse("comms:notification_push_unsubscribe"), {"endpoint": subscription.endpoint},
        c.guardian, others(c), (PushSubscription,), refused=302,
    )  # fmt: skip


PAGES.update({
    "comms:notification_list": (nothing, 200, 302),  # the login's own (here: none)
    "comms:notification_open": (posted, 404, 302),
    "comms:notification_read_all": (posted, 302, 302),  # the login's own only
    "comms:notification_preferences": (nothing, 200, 302),  # the login's own
    "comms:notification_school_policy": (nothing, 404, 302),
    "comms:notification_push_subscribe": (posted, 404, 302),
    "comms:notification_push_unsubscribe": (posted, 302, 302),  # the login's own devices only
    "comms:notification_service_worker": (nothing, 200, 200),  # public script, no data
})  # fmt: skip
PAGE_WRITES.update({
    "comms:notification_open": open_write,
    "comms:notification_read_all": read_all_write,
    "comms:notification_preferences": preferences_write,
    "comms:notification_school_policy": school_policy_write,
    "comms:notification_push_subscribe": subscribe_write,
    "comms:notification_push_unsubscribe": unsubscribe_write,
})  # fmt: skip

BASE = "/api/v1/notifications"


def api_read_write(c: Cast) -> Write:
    row = guardian_notification(c)
    return Write(
        f"{BASE}/{row.pk}/read", {}, c.guardian, others(c),
        (Notification.objects.filter(user=c.guardian),),
    )  # fmt: skip


def api_read_all_write(c: Cast) -> Write:
    page = read_all_write(c)
    return Write(f"{BASE}/read-all", {}, page.rightful, page.outsiders, page.watch, refused=200)


def api_preferences_write(c: Cast) -> Write:
    body = {
        "kinds": [{"kind": "grade", "email": False, "push": True}],
        "quiet_hours": True, "quiet_from": "22:00:00", "quiet_until": "06:30:00",
        "daily_digest": True,
    }  # fmt: skip
    return Write(
        f"{BASE}/preferences", body, c.guardian, others(c), own_preferences(c), refused=200
    )


def api_subscribe_write(c: Cast) -> Write:
    keys = renewed_keys(c)
    body = {"endpoint": keys["endpoint"], "keys": {"p256dh": keys["p256dh"], "auth": keys["auth"]}}
    return Write(f"{BASE}/push-subscriptions", body, c.guardian, others(c), (PushSubscription,))


def api_unsubscribe_write(c: Cast) -> Write:
    subscription = guardian_device(c)
    url = f"{BASE}/push-subscriptions?{urlencode({'endpoint': subscription.endpoint})}"
    return Write(url, {}, c.guardian, others(c), (PushSubscription,))


API.update({
    ("get", BASE): 200,  # the caller's own: an outsider gets none
    ("post", f"{BASE}/{{notification_id}}/read"): 404,
    ("post", f"{BASE}/read-all"): 200,  # the caller's own only
    ("get", f"{BASE}/preferences"): 200,  # the caller's own
    ("put", f"{BASE}/preferences"): 200,  # the caller's own
    ("post", f"{BASE}/push-subscriptions"): 404,
    ("delete", f"{BASE}/push-subscriptions"): 404,
})  # fmt: skip
API_WRITES.update({
    ("post", f"{BASE}/{{notification_id}}/read"): api_read_write,
    ("post", f"{BASE}/read-all"): api_read_all_write,
    ("put", f"{BASE}/preferences"): api_preferences_write,
    ("post", f"{BASE}/push-subscriptions"): api_subscribe_write,
    ("delete", f"{BASE}/push-subscriptions"): api_unsubscribe_write,
})  # fmt: skip
