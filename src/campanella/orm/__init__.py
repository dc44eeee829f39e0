"""Helpers on Django's ORM shared by every app (below them all: no app imports)."""
