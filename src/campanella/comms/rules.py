"""django-rules autodiscovers this module: it registers the rules of every area."""

from campanella.comms.messages import rules as messages_rules
from campanella.comms.notices import rules as notices_rules

__all__ = ["messages_rules", "notices_rules"]
