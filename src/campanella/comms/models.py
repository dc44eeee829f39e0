"""The models of every area of communications (each area keeps its own module)."""

from campanella.comms.calendar.models import CalendarFeed
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
    "CalendarFeed",
    "Notice",
    "NoticeAttachment",
    "NoticeConsent",
    "NoticeCounter",
    "NoticeRecipient",
    "NoticeRecipientStudent",
    "NoticeReminder",
]
