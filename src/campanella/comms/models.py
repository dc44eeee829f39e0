"""The models of every area of communications (each area keeps its own module)."""

from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingSlot,
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

__all__ = [
    "MeetingAvailability",
    "MeetingBooking",
    "MeetingDay",
    "MeetingSlot",
    "Notice",
    "NoticeAttachment",
    "NoticeConsent",
    "NoticeCounter",
    "NoticeRecipient",
    "NoticeRecipientStudent",
    "NoticeReminder",
]
