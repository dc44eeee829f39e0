"""Django's database sessions, read with their login in one query compiled once.

Every request of a login read its session, then its user with the roles: two queries (and
two round trips) on every page. The session row keeps its login's id in a column
(`LoginSession.user`, written with the data), so the session is read joined to the user with
the roles (`people.roles`), and the authentication middleware hands that user to the backend
for this request only. Django still checks it as it checks any user (the session's id and
backend, the hash of password and session epoch, is_active): revocation stays in the
database. Writing, expiry and everything else stay Django's."""

from __future__ import annotations

import datetime
from contextvars import ContextVar
from typing import Any

from django.contrib import auth
from django.contrib.auth import SESSION_KEY
from django.contrib.auth import middleware as auth_middleware
from django.contrib.sessions.backends import db
from django.db import router
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from campanella.accounts.models import LoginSession
from campanella.orm.compiled import Compiled
from campanella.people.models import User
from campanella.people.roles import ROLE_ANNOTATIONS, ROLE_RELATIONS, role_annotations


def session_with_user(session_key: str, now: datetime.datetime) -> QuerySet[LoginSession]:
    """The live session `session_key` with its user and the user's roles, as `roles_query`
    reads them (no user: a session before login)."""
    return (
        LoginSession.objects.filter(session_key=session_key, expire_date__gt=now)
        .select_related(*(f"user__{relation}" for relation in ROLE_RELATIONS))
        .annotate(**role_annotations("user__"))
    )


# Every request reads it: compiled once per process (campanella.orm.compiled).
_session_with_user = Compiled(session_with_user, str, datetime.datetime)

# The user read with this request's session, offered to the backend while Django's
# `get_user` runs for this request (reset right after; nothing is kept between requests).
_joined: ContextVar[User | None] = ContextVar("campanella_session_user", default=None)


def joined_user(user_id: int) -> User | None:
    """The user read with the session if it is `user_id`, else None (then read it)."""
    user = _joined.get()
    return user if user is not None and user.pk == user_id else None


def _login_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(db.SessionStore):
    joined_user: User | None = None

    @classmethod
    def get_model_class(cls) -> Any:
        return LoginSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        instance: Any = super().create_model_instance(data)
        instance.user_id = _login_id(data)
        return instance

    def _get_session_from_db(self) -> Any:
        using = router.db_for_read(LoginSession)
        found = next(iter(_session_with_user(self.session_key, timezone.now(), using=using)), None)
        if found is None:
            self._session_key = None
            return None
        user = found.user
        if user is not None:  # the roles' columns, where `roles_from_row` reads them
            for name in ROLE_ANNOTATIONS:
                setattr(user, name, getattr(found, name))
        self.joined_user = user
        return found


def user_of(request: HttpRequest) -> Any:
    """`request.user`: Django's `get_user`, given the user read with the session."""
    if not hasattr(request, "_cached_user"):
        session = request.session
        session.get(SESSION_KEY)  # loads the session (and, from this store, its user)
        token = _joined.set(getattr(session, "joined_user", None))
        try:
            request._cached_user = auth.get_user(request)  # type: ignore[attr-defined]
        finally:
            _joined.reset(token)
    return request._cached_user  # type: ignore[attr-defined]


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with `request.user` read as `user_of` reads it."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: user_of(request))  # type: ignore[assignment]
