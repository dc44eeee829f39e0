"""Per-token rate limits of /api/v1/ (per address for requests without a token).

A fixed window: at most `API_RATE_LIMIT` requests per token in each `API_RATE_WINDOW_SECONDS`
(`API_ANONYMOUS_RATE_LIMIT` per client address for requests with no token, i.e. logging in).
The count lives in Redis when REDIS_URL is set, else in the database: never in the process,
since several servers behind a proxy answer the same token. Over the limit: 429
`troppe_richieste` with `Retry-After` (seconds to the next window); nothing else runs.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from campanella.accounts.security import client_ip
from campanella.api.models import RequestCount
from campanella.lib.api_errors import error_body

API_PREFIX = "/api/v1/"
# The API's own description is the same for everyone and holds no data (kept built once per
# process, api.api.CampanellaApi): tools and tests read it before they have a token.
UNCOUNTED = frozenset({f"{API_PREFIX}openapi.json", f"{API_PREFIX}docs"})


@dataclass(frozen=True)
class Verdict:
    """The caller's count in the current window and what to tell them."""

    count: int
    limit: int
    reset_after: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.count <= self.limit

    @property
    def remaining(self) -> int:
        return max(self.limit - self.count, 0)


def bucket_for(request: HttpRequest) -> tuple[str, int]:
    """The caller and its limit: a digest of the bearer token, or the client's address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() == "bearer" and token:
        digest = hashlib.sha256(token.encode()).hexdigest()[:40]
        return f"token:{digest}", settings.API_RATE_LIMIT
    return f"ip:{client_ip(request) or '-'}", settings.API_ANONYMOUS_RATE_LIMIT


def count_request(bucket: str, *, limit: int, window: int, now: float) -> Verdict:
    """Count one request of `bucket` in the window holding `now`."""
    window_start = int(now) // window * window
    if settings.REDIS_URL:
        count = _count_in_redis(bucket, window_start, window)
    else:
        count = _count_in_database(bucket, window_start)
    reset_after = max(window_start + window - int(now), 1)
    return Verdict(count=count, limit=limit, reset_after=reset_after)


def _count_in_redis(bucket: str, window_start: int, window: int) -> int:
    from django_redis import get_redis_connection  # type: ignore[import-untyped]  # with Redis only

    key = f"campanella:api-rate:{bucket}:{window_start}"
    pipe = get_redis_connection("default").pipeline()
    pipe.incr(key)
    pipe.expire(key, window + 1)
    count, _expired = pipe.execute()
    return int(count)


def _count_in_database(bucket: str, window_start: int) -> int:
    table = connection.ops.quote_name(RequestCount._meta.db_table)
    with connection.cursor() as cursor:
        # One statement on SQLite and PostgreSQL alike: concurrent requests never lose a
        # count, and a caller's row starts again at 1 when a new window begins (SET reads the
        # row as it was), so a request costs the same single query whatever came before.
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608 - the table's own name
            f"ON CONFLICT (bucket) DO UPDATE SET count = CASE WHEN {table}.window_start = "
            f"excluded.window_start THEN {table}.count + 1 ELSE 1 END, "
            "window_start = excluded.window_start RETURNING count",
            [bucket, window_start],
        )
        row = cursor.fetchone()
    return int(row[0])


def forget_ended_windows(now: float) -> int:
    """Drop the database's rows of callers whose window has ended (a new request starts again
    at 1 anyway): without it every random bearer string someone tried would keep a row."""
    oldest = int(now) - settings.API_RATE_WINDOW_SECONDS
    deleted, _by_model = RequestCount.objects.filter(window_start__lt=oldest).delete()
    return deleted


def too_many_requests(verdict: Verdict) -> HttpResponse:
    message = f"Troppe richieste con questo accesso: riprovare fra {verdict.reset_after} secondi."
    response = JsonResponse(error_body("troppe_richieste", message).model_dump(), status=429)
    response["Retry-After"] = str(verdict.reset_after)
    return response


class RateLimitMiddleware:
    """Counts every request to /api/v1/ before anything else answers it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) or request.path in UNCOUNTED:
            return self.get_response(request)
        bucket, limit = bucket_for(request)
        verdict = count_request(
            bucket, limit=limit, window=settings.API_RATE_WINDOW_SECONDS, now=time.time()
        )
        response = too_many_requests(verdict) if not verdict.allowed else self.get_response(request)
        response["RateLimit-Limit"] = str(verdict.limit)
        response["RateLimit-Remaining"] = str(verdict.remaining)
        response["RateLimit-Reset"] = str(verdict.reset_after)
        return response
