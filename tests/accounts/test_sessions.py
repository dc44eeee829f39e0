"""The session store: Django's database sessions, read with their login in one query."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campanella.accounts.models import LoginSession as Session
from campanella.accounts.sessions import SessionStore, joined_user
from campanella.people.models import User
from tests.conftest import Cast

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


def test_a_page_reads_its_session_and_its_user_in_one_query(cast: Cast) -> None:
    client = cast.client_for(cast.guardian)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("accounts:profile")).status_code == 200
    sessions = [q["sql"] for q in queries.captured_queries if "accounts_login_session" in q["sql"]]
    assert len(sessions) == 1
    assert '"people_user"' in sessions[0] and "staff_profile" not in sessions[0]
    user_table = User._meta.db_table
    alone = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and f'FROM "{user_table}"' in q["sql"]
        and f'"{user_table}"."id" = ' in q["sql"] and "is_superuser" in q["sql"]
    ]  # fmt: skip
    assert alone == []  # the user is not read again on its own


def test_the_session_row_keeps_its_login_and_the_store_its_user(cast: Cast) -> None:
    client = cast.client_for(cast.principal)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(session_key=key).user_id == cast.principal.pk
    store = SessionStore(key)
    assert int(store[SESSION_KEY]) == cast.principal.pk
    assert store.joined_user is not None and store.joined_user.pk == cast.principal.pk
    assert joined_user(cast.principal.pk) is None  # only while Django's get_user runs
    anonymous = SessionStore()
    anonymous["child"] = 1
    anonymous.save()
    assert Session.objects.get(session_key=anonymous.session_key).user_id is None
    assert SessionStore(anonymous.session_key).load() == {"child": 1}


def test_revocation_still_ends_the_sessions_read_with_their_user(cast: Cast) -> None:
    """A bumped session epoch (password change, "esci da tutti i dispositivi") or a
    deactivated login ends the session at its next request, as with Django's own store."""
    page = reverse("accounts:profile")
    client = cast.client_for(cast.guardian)
    assert client.get(page).status_code == 200
    User.objects.filter(pk=cast.guardian.pk).update(session_epoch=F("session_epoch") + 1)
    assert client.get(page).status_code == 302
    other = cast.client_for(cast.other_guardian)
    assert other.get(page).status_code == 200
    User.objects.filter(pk=cast.other_guardian.pk).update(is_active=False)
    assert other.get(page).status_code == 302


def test_a_session_whose_row_names_another_login_is_not_given_that_login(cast: Cast) -> None:
    """The column is a copy for the join: Django's session data decides who is logged in."""
    client = cast.client_for(cast.guardian)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(user_id=cast.principal.pk)
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.context["user"].pk == cast.guardian.pk
