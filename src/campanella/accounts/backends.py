"""Log in with the username (any letter case) or the verified e-mail; merged accounts follow."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from campanella.accounts.sessions import joined_user
from campanella.orm.compiled import Compiled
from campanella.people.models import User
from campanella.people.roles import remember_roles, roles_from_row, roles_query

# Every request of a login reads its user with the roles: compiled once per process
# (campanella.orm.compiled), building and compiling the ORM query cost more than running it.
_user_with_roles = Compiled(lambda user_id: roles_query().filter(pk=user_id), int)


def find_login(identifier: str) -> User | None:
    """The account an identifier opens: joined (portfolio) accounts lead to the one kept."""
    value = identifier.strip()
    if not value:
        return None
    if "@" in value:
        user = User.objects.filter(login_email__iexact=value).first()
    else:
        user = User.objects.filter(username__iexact=value).first()
    seen: set[int] = set()
    while user is not None and user.merged_into_id is not None and user.pk not in seen:
        seen.add(user.pk)
        user = user.merged_into
    return user


class UsernameOrEmailBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_login(username)
        if user is None:
            # Same work as a real check, so response time does not tell if an account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: int) -> User | None:
        """The user of a session with their roles: read with the session when the session
        store did (accounts.sessions), else in one query."""
        user = joined_user(int(user_id)) or next(iter(_user_with_roles(int(user_id))), None)
        if user is None or not self.user_can_authenticate(user):
            return None
        remember_roles(user, roles_from_row(user))
        return user
