"""django-rules autodiscovers this module: it registers the rules of every area."""

from campanella.comms.meetings import rules as meetings_rules
from campanella.comms.notices import rules as notices_rules

__all__ = ["meetings_rules", "notices_rules"]
