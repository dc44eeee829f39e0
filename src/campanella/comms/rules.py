"""django-rules autodiscovers this module: it registers the rules of every area."""

from campanella.comms.materials import rules as materials_rules
from campanella.comms.notices import rules as notices_rules

__all__ = ["materials_rules", "notices_rules"]
