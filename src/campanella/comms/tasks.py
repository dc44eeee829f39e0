"""Background jobs of every area of communications."""

from campanella.comms.notices.tasks import send_notice_reminder

__all__ = ["send_notice_reminder"]
