"""Meetings (colloqui): teachers' weekly slots, general meeting days, bookings."""
