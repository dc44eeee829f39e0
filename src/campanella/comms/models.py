"""The models of every area of communications (each area keeps its own module)."""

from campanella.comms.notices.models import (
    Notice,
    NoticeAttachment,
    NoticeConsent,
    NoticeCounter,
    NoticeRecipient,
    NoticeRecipientStudent,
    NoticeReminder,
)
from campanella.comms.notifications.models import (
    Delivery,
    Notification,
    NotificationPreference,
    NotificationSettings,
    PeriodicSlot,
    PushSubscription,
    SchoolNotificationPolicy,
)

__all__ = [
    "Delivery",
    "Notice",
    "NoticeAttachment",
    "NoticeConsent",
    "NoticeCounter",
    "NoticeRecipient",
    "NoticeRecipientStudent",
    "NoticeReminder",
    "Notification",
    "NotificationPreference",
    "NotificationSettings",
    "PeriodicSlot",
    "PushSubscription",
    "SchoolNotificationPolicy",
]
