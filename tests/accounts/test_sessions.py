"""The session store: Django's database sessions, read with one written statement."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from campanella.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_is_read_back() -> None:
    store = SessionStore()
    store["child"] = 42
    store.save()
    again = SessionStore(store.session_key)
    assert again["child"] == 42
    assert again.session_key == store.session_key


def test_an_expired_or_unknown_session_reads_as_empty() -> None:
    store = SessionStore()
    store["child"] = 42
    store.save()
    Session.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key is made on the next save
    assert SessionStore("x" * 32).load() == {}
