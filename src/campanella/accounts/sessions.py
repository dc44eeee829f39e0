"""Django's database sessions, read with one statement written once.

Every request reads its session; building that ORM query cost more than running it
(docs/benchmarks.md). Writing, expiry and everything else stay Django's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


@dataclass(frozen=True)
class StoredSession:
    session_data: str


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        model = self.model
        connection = connections[router.db_for_read(model)]
        quote = connection.ops.quote_name
        table = quote(model._meta.db_table)
        sql = (
            f"SELECT {quote('session_data')} FROM {table} "  # noqa: S608 - names from the model
            f"WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return StoredSession(session_data=row[0])
