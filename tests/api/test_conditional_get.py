"""Conditional GETs of the API: ETag, 304 on If-None-Match, 400 on a malformed header."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from campanella.accounts.services import api_token_issue
from campanella.lib.etags import MalformedTags, parse_if_none_match
from campanella.register import services as register
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def register_of(cast: Cast) -> str:
    return f"/api/v1/students/{cast.child.pk}/register"


def test_a_get_has_a_strong_etag_and_must_be_revalidated(cast: Cast) -> None:
    response = api(cast.guardian).get("/api/v1/me")
    assert response.status_code == 200
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert response["Cache-Control"] == "private, no-cache"
    assert "Authorization" in response["Vary"]


def test_the_same_tag_answers_304_without_a_body(cast: Cast) -> None:
    client = api(cast.guardian)
    etag = client.get("/api/v1/me")["ETag"]
    again = client.get("/api/v1/me", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "private, no-cache"


def test_a_change_gives_a_new_tag_and_a_full_answer(cast: Cast) -> None:
    client = api(cast.guardian)
    first = client.get(register_of(cast))
    day = school_day(cast)
    register.roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=day, absent_ids=[cast.child.pk]
    )
    changed = client.get(register_of(cast), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert changed.json() != first.json()


@pytest.mark.parametrize(
    "header",
    [
        "*",
        '"other", {etag}',
        '{etag} , "other"',
        "W/{etag}",
        ", ,{etag},",
    ],
)
def test_lists_weak_tags_and_star_match_as_rfc_9110_says(cast: Cast, header: str) -> None:
    client = api(cast.teacher)
    etag = client.get("/api/v1/classrooms")["ETag"]
    response = client.get("/api/v1/classrooms", HTTP_IF_NONE_MATCH=header.format(etag=etag))
    assert response.status_code == 304


def test_a_tag_that_does_not_match_answers_in_full(cast: Cast) -> None:
    client = api(cast.teacher)
    response = client.get("/api/v1/classrooms", HTTP_IF_NONE_MATCH='"not-this-one", W/"nor"')
    assert response.status_code == 200
    assert response.json()


def test_star_does_not_turn_a_404_into_a_304(cast: Cast) -> None:
    response = api(cast.guardian).get("/api/v1/students/999999", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 404


def test_two_logins_never_share_a_tag(cast: Cast) -> None:
    """Even on a body that is the same for both (an empty list), one's tag is not the other's."""
    mine = api(cast.other_teacher).get("/api/v1/notices")
    theirs = api(cast.outsider).get("/api/v1/notices")
    assert mine.status_code == theirs.status_code == 200
    assert mine.content == theirs.content
    assert mine["ETag"] != theirs["ETag"]
    reused = api(cast.outsider).get("/api/v1/notices", HTTP_IF_NONE_MATCH=mine["ETag"])
    assert reused.status_code == 200


@pytest.mark.parametrize(
    "header",
    ["abc", '"unterminated', '"a" "b"', '"a";"b"', "W/abc", '*, "a"', ",", '"a\x7f"', 'w/"a"'],
)
def test_a_malformed_if_none_match_is_refused(cast: Cast, header: str) -> None:
    response = api(cast.guardian).get("/api/v1/me", HTTP_IF_NONE_MATCH=header)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "intestazione_non_valida"
    assert "If-None-Match" in body["message"]


def test_writes_are_not_conditional(cast: Cast) -> None:
    """Only GETs read If-None-Match: a write with a malformed one still runs."""
    client = api(cast.teacher)
    day = school_day(cast).isoformat()
    response = client.put(
        f"/api/v1/classrooms/{cast.classroom_1a.pk}/register/{day}/roll-call",
        {"absent": []},
        content_type="application/json",
        HTTP_IF_NONE_MATCH="garbage",
    )
    assert response.status_code == 200
    assert "ETag" not in response


def test_pages_outside_the_api_are_left_alone(cast: Cast) -> None:
    response = cast.client_for(cast.guardian).get("/", HTTP_IF_NONE_MATCH="garbage")
    assert response.status_code != 400


def test_the_parser_keeps_opaque_tags() -> None:
    parsed = parse_if_none_match(' W/"a", "b" ,')
    assert parsed.opaque_tags == frozenset({'"a"', '"b"'})
    assert parsed.matches('"a"') and parsed.matches('W/"b"') and not parsed.matches('"c"')
    with pytest.raises(MalformedTags):
        parse_if_none_match("")
