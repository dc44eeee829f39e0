"""django-rules autodiscovers this module: it registers the rules of every area."""

from campanella.comms.notices import rules as notices_rules
from campanella.comms.notifications import rules as notifications_rules

__all__ = ["notices_rules", "notifications_rules"]
