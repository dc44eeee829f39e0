"""The models of every area of communications (each area keeps its own module)."""

from campanella.comms.calendar.models import CalendarFeed
from campanella.comms.materials.models import Material
from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingSlot,
)
from campanella.comms.messages.models import (
    Broadcast,
    Message,
    MessageAttachment,
    MessageHours,
    TeacherInbox,
    Thread,
    ThreadParticipant,
)
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
    "Broadcast",
    "CalendarFeed",
    "Delivery",
    "Material",
    "MeetingAvailability",
    "MeetingBooking",
    "MeetingDay",
    "MeetingSlot",
    "Message",
    "MessageAttachment",
    "MessageHours",
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
    "TeacherInbox",
    "Thread",
    "ThreadParticipant",
]
