"""Per-token rate limits of the API, counted in the database or in Redis (never in memory)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.api.models import RequestCount
from campanella.api.throttle import count_request, forget_ended_windows
from campanella.register.models import DisciplinaryNote
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

REDIS_DB_5 = "redis://127.0.0.1:6379/5"


@pytest.fixture(params=["database", "redis"])
def store(request: Any, settings: Any) -> Iterator[str]:
    """The same behaviour whichever store counts (Redis: this helper's db 5)."""
    if request.param == "redis":
        settings.REDIS_URL = REDIS_DB_5
        settings.CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "LOCATION": REDIS_DB_5,
                "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
            }
        }
        from django.core.cache import cache

        cache.clear()
        yield request.param
        cache.clear()
    else:
        settings.REDIS_URL = ""
        yield request.param


@pytest.fixture
def small_limit(settings: Any) -> None:
    settings.API_RATE_LIMIT = 3
    settings.API_ANONYMOUS_RATE_LIMIT = 2
    settings.API_RATE_WINDOW_SECONDS = 3600


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_over_the_limit_a_token_gets_429_with_retry_after(
    cast: Cast, store: str, small_limit: None
) -> None:
    client = api(cast.guardian)
    answers = [client.get("/api/v1/me") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0"]
    refused = client.get("/api/v1/me")
    assert refused.status_code == 429
    assert refused.json()["code"] == "troppe_richieste"
    assert "riprovare fra" in refused.json()["message"]
    assert 1 <= int(refused["Retry-After"]) <= 3600
    assert refused["RateLimit-Limit"] == "3"


def test_over_the_limit_nothing_is_written(cast: Cast, store: str, small_limit: None) -> None:
    client = api(cast.teacher)
    for _ in range(3):
        client.get("/api/v1/me")
    url = f"/api/v1/classrooms/{cast.classroom_1a.pk}/notes"
    body = {"date": school_day(cast).isoformat(), "text": "Disturba la lezione"}
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 429
    assert not DisciplinaryNote.objects.exists()


def test_two_tokens_are_counted_apart(cast: Cast, store: str, small_limit: None) -> None:
    first, second = api(cast.guardian), api(cast.guardian)
    for _ in range(3):
        assert first.get("/api/v1/me").status_code == 200
    assert first.get("/api/v1/me").status_code == 429
    assert second.get("/api/v1/me").status_code == 200


def test_logging_in_is_limited_per_address(cast: Cast, store: str, small_limit: None) -> None:
    body = {"username": "guardian", "password": "wrong"}
    here, there = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    statuses = [
        here.post("/api/v1/auth/token", body, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [401, 401] and statuses[2] == 429
    answer = there.post("/api/v1/auth/token", body, content_type="application/json")
    assert answer.status_code == 401


def test_the_window_resets(store: str) -> None:
    for now in (7200.0, 7201.5, 7259.0):
        verdict = count_request("token:x", limit=2, window=60, now=now)
    assert not verdict.allowed and verdict.reset_after == 1
    fresh = count_request("token:x", limit=2, window=60, now=7260.0)
    assert fresh.allowed and fresh.count == 1 and fresh.reset_after == 60


def test_the_database_keeps_one_row_per_caller(settings: Any) -> None:
    settings.REDIS_URL = ""
    for now in (0.0, 1.0, 61.0, 125.0):
        count_request("ip:192.0.2.1", limit=9, window=60, now=now)
    assert list(RequestCount.objects.values_list("bucket", "window_start", "count")) == [
        ("ip:192.0.2.1", 120, 1)
    ]


def test_pages_are_not_counted(cast: Cast, settings: Any) -> None:
    settings.API_ANONYMOUS_RATE_LIMIT = 1
    settings.REDIS_URL = ""
    for _ in range(3):
        assert Client().get("/accounts/login/").status_code != 429
    assert not RequestCount.objects.exists()


def test_ended_windows_leave_the_database(settings: Any) -> None:
    settings.API_RATE_WINDOW_SECONDS = 60
    now = 1_000_000.0
    RequestCount.objects.create(bucket="token:ended", window_start=int(now) - 120, count=5)
    RequestCount.objects.create(bucket="token:current", window_start=int(now) - 30, count=5)
    assert forget_ended_windows(now) == 1
    assert list(RequestCount.objects.values_list("bucket", flat=True)) == ["token:current"]
