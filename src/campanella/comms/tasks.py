"""Background jobs of every area of communications."""

from campanella.comms.meetings.tasks import send_meeting_reminders
from campanella.comms.notices.tasks import send_notice_reminder
from campanella.comms.notifications.tasks import deliver_notifications

__all__ = ["deliver_notifications", "send_meeting_reminders", "send_notice_reminder"]
