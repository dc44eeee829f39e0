"""The models of every area of communications (each area keeps its own module)."""

from campanella.comms.materials.models import Material
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
    "Material",
    "Notice",
    "NoticeAttachment",
    "NoticeConsent",
    "NoticeCounter",
    "NoticeRecipient",
    "NoticeRecipientStudent",
    "NoticeReminder",
]
