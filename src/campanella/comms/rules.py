"""django-rules autodiscovers this module: it registers the rules of every area."""

from campanella.comms.calendar import rules as calendar_rules
from campanella.comms.materials import rules as materials_rules
from campanella.comms.meetings import rules as meetings_rules
from campanella.comms.messages import rules as messages_rules
from campanella.comms.notices import rules as notices_rules
from campanella.comms.notifications import rules as notifications_rules

__all__ = [
    "calendar_rules", "materials_rules", "meetings_rules", "messages_rules", "notices_rules",
    "notifications_rules",
]  # fmt: skip
