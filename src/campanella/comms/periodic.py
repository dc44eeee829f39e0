"""Periodic jobs of communications (lib/periodic.py finds this module): each area's own."""

from campanella.comms.meetings import periodic as meetings_periodic
from campanella.comms.notifications import periodic as notifications_periodic

__all__ = ["meetings_periodic", "notifications_periodic"]
