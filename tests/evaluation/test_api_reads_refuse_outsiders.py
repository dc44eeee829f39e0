"""Every read of the scrutinio's API refuses the realistic outsiders on a real session.

tests/test_every_route_refuses_outsiders.py sends each read as a login with no role; the writes
are sent by every outsider in tests/test_outsiders_cannot_write.py. Here each GET of the
evaluation router (taken from tests/evaluation/routes.py's API table, so a new one is covered
when it is listed) is sent on 1ª A's real session (at the minutes, with a real document) by
another class's teacher, the child's family, the child and another institute's office: 404
with the error body, nothing of the session in it. The council's data is the leader's: a
teacher of the class and the office get 404 there too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from tests.conftest import Cast
from tests.evaluation.routes import API, council_api_ids

pytestmark = pytest.mark.django_db

READS = sorted(
    path
    for method, path in API
    if method == "get" and path.startswith("/api/v1/evaluation-sessions/{session_id}")
)
LEADERS_ONLY = ("final-marks", "behaviour", "outcomes", "credits")


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_the_reads_are_all_here() -> None:
    assert len(READS) >= 8  # the session, its proposals, the council's four, the documents
    assert "/api/v1/evaluation-sessions/{session_id}/documents/{document_id}" in READS


@pytest.mark.parametrize("path", READS)
def test_a_read_on_a_real_session_is_404_for_outsiders(cast: Cast, path: str) -> None:
    url = path
    for placeholder, value in council_api_ids(cast).items():
        url = url.replace(placeholder, str(value))
    assert "{" not in url
    outsiders = [cast.other_teacher, cast.guardian, cast.child_user, cast.foreign_office]
    if path.rsplit("/", 1)[-1] in LEADERS_ONLY:
        outsiders += [cast.teacher, cast.office]
    for user in outsiders:
        answer = api(user).get(url)
        assert answer.status_code == 404, (user.username, url)
        assert answer.json() == {
            "code": "not_found",
            "message": "Risorsa non trovata.",
            "errors": [],
        }
    # The same URL answers its leader: the refusals above are not a wrong URL's 404.
    assert api(cast.coordinator).get(url).status_code == 200


def test_the_list_of_sessions_is_empty_for_outsiders(cast: Cast) -> None:
    council_api_ids(cast)
    for user in (cast.other_teacher, cast.guardian, cast.child_user, cast.foreign_office):
        answer = api(user).get("/api/v1/evaluation-sessions")
        assert (answer.status_code, answer.json()) == (200, [])
    assert len(api(cast.coordinator).get("/api/v1/evaluation-sessions").json()) == 1
