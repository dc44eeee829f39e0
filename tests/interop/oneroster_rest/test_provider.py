"""OneRoster 1.2 REST provider (issue 15 item 6), driven by a consumer written against the
standard (tests/interop/oneroster_client.py) over raw HTTP-over-WSGI: the token flow, paging,
X-Total-Count, filters, scopes, imsx errors, and another institute's client seeing nothing."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.utils import timezone

from campanella.grades.models import GradeKind
from campanella.grades.services import grade_add
from campanella.interop.keys import api_key_create, api_key_revoke
from campanella.interop.models import ApiKey, OneRosterToken
from campanella.people.models import Staff
from tests import factories as f
from tests.conftest import Cast, school_day
from tests.interop.oneroster_client import (
    DEMOGRAPHICS,
    GRADEBOOK,
    GRADEBOOK_BASE,
    ROSTER,
    ROSTER_CORE,
    ROSTERING,
    OneRosterClient,
    OneRosterError,
)
from tests.interop.oneroster_rest.wsgi import wsgi_transport

pytestmark = pytest.mark.django_db

BASE = "https://testserver"


def client_of(
    cast: Cast,
    scopes: list[str],
    *,
    institute_id: int | None = None,
    asked: list[str] | None = None,
    auth_style: str = "basic",
) -> OneRosterClient:
    """A key made by the office with `scopes`, and a consumer configured with it."""
    key, raw = api_key_create(
        user=cast.office,
        institute_id=institute_id or cast.institute.pk,
        name="Piattaforma didattica",
        scopes=scopes,
    )
    return OneRosterClient(
        BASE,
        f"campanella-{key.pk}",
        raw,
        scopes if asked is None else asked,
        transport=wsgi_transport,
        auth_style=auth_style,
    )


def graded(cast: Cast) -> datetime.date:
    day = school_day(cast)
    common: dict[str, Any] = {"user": cast.teacher, "classroom": cast.classroom_1a,
                              "subject": cast.maths, "day": day}  # fmt: skip
    grade_add(**common, student=cast.child, kind=GradeKind.WRITTEN, text="7+")
    grade_add(**common, student=cast.adult_student, kind=GradeKind.WRITTEN, text="6½")
    grade_add(**common, student=cast.child, kind=GradeKind.ORAL, text="8")
    return day


def imsx_minor(body: dict[str, Any]) -> str:
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_severity"] == "error"
    fields = body["imsx_CodeMinor"]["imsx_codeMinorField"]
    return str(fields[0]["imsx_codeMinorFieldValue"])


# --- token flow -------------------------------------------------------------------------------


@pytest.mark.parametrize("auth_style", ["basic", "post"])
def test_token_by_basic_or_form_post(cast: Cast, auth_style: str) -> None:
    consumer = client_of(cast, [ROSTER_CORE, GRADEBOOK], auth_style=auth_style)
    token = consumer.authenticate()
    assert token["token_type"].lower() == "bearer"
    assert token["expires_in"] == 3600
    assert set(token["scope"].split()) == {ROSTER_CORE, GRADEBOOK}
    stored = OneRosterToken.objects.get()
    assert token["access_token"] not in stored.digest  # only the digest is kept
    assert len(token["access_token"]) >= 40
    key = ApiKey.objects.get()
    assert key.last_used_at is not None and key.last_used_from == "192.0.2.10"
    assert consumer.get(f"{ROSTERING}/orgs").status == 200


def test_bad_secret_unknown_client_and_revoked_client(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    good_secret = consumer.client_secret
    consumer.client_secret = good_secret[:-2] + "xx"
    reply = consumer.request_token()
    assert reply.status == 401
    assert reply.json()["error"] == "invalid_client"
    assert "segreto errato" in reply.json()["error_description"]
    consumer.client_secret = good_secret
    consumer.client_id = "campanella-999999"
    assert consumer.request_token().json()["error"] == "invalid_client"
    consumer.client_id = f"campanella-{ApiKey.objects.get().pk}"
    consumer.authenticate()
    assert consumer.get(f"{ROSTERING}/orgs").status == 200
    api_key_revoke(user=cast.office, key=ApiKey.objects.get())
    reply = consumer.get(f"{ROSTERING}/orgs")  # the token dies with its key
    assert reply.status == 401
    assert imsx_minor(reply.json()) == "unauthorisedrequest"
    assert consumer.request_token().status == 401
    assert OneRosterToken.objects.count() == 1


def test_a_key_without_oneroster_scopes_is_no_client(cast: Cast) -> None:
    consumer = client_of(cast, ["results:read"], asked=[])
    assert consumer.request_token().json()["error"] == "invalid_client"


def test_expired_token_is_refused(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER])
    consumer.authenticate()
    OneRosterToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    reply = consumer.get(f"{ROSTERING}/users")
    assert reply.status == 401
    assert imsx_minor(reply.json()) == "unauthorisedrequest"
    assert "scaduto" in reply.json()["imsx_description"]


def test_scope_not_granted_and_scope_per_service(cast: Cast) -> None:
    roster_only = client_of(cast, [ROSTER_CORE], asked=[ROSTER_CORE, GRADEBOOK])
    reply = roster_only.request_token()
    assert reply.status == 400
    assert reply.json()["error"] == "invalid_scope"
    assert "non concesso" in reply.json()["error_description"]
    roster_only.scopes = [ROSTER_CORE]
    roster_only.authenticate()
    refused = roster_only.get(f"{GRADEBOOK_BASE}/results")
    assert refused.status == 403
    assert imsx_minor(refused.json()) == "forbidden"
    assert roster_only.get(f"{ROSTERING}/demographics").status == 403
    gradebook_only = client_of(cast, [GRADEBOOK])
    assert gradebook_only.get(f"{GRADEBOOK_BASE}/results").status == 200
    assert gradebook_only.get(f"{ROSTERING}/users").status == 403
    demographics = client_of(cast, [DEMOGRAPHICS])
    reply = demographics.get(f"{ROSTERING}/demographics")
    assert reply.status == 200 and reply.json() == {"demographics": []}


def test_no_scope_asked_grants_the_keys_scopes(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE, GRADEBOOK], asked=[])
    assert set(consumer.authenticate()["scope"].split()) == {ROSTER_CORE, GRADEBOOK}


# --- reading ----------------------------------------------------------------------------------


def test_paging_walk_equals_the_full_list(cast: Cast) -> None:
    graded(cast)
    consumer = client_of(cast, [ROSTER, GRADEBOOK])
    everything, reply = consumer.page(f"{ROSTERING}/enrollments", "enrollments", limit=1000)
    assert int(reply.header("X-Total-Count") or 0) == len(everything) > 5
    walked = consumer.enrollments(limit=3)
    assert [e["sourcedId"] for e in walked] == [e["sourcedId"] for e in everything]
    first, reply = consumer.page(f"{ROSTERING}/enrollments", "enrollments", limit=3, offset=3)
    assert len(first) == 3
    link = reply.header("Link") or ""
    assert 'rel="next"' in link and 'rel="prev"' in link and 'rel="last"' in link
    default, reply = consumer.page(f"{ROSTERING}/users", "users")
    assert len(default) == int(reply.header("X-Total-Count") or 0)  # fewer than 100 here


def test_objects_and_references(cast: Cast) -> None:
    graded(cast)
    consumer = client_of(cast, [ROSTER_CORE, GRADEBOOK])
    classes = consumer.classes()
    homeroom = next(c for c in classes if c["classType"] == "homeroom" and "1A" in c["title"])
    assert homeroom["school"]["type"] == "org"
    assert homeroom["school"]["href"].endswith(
        f"/rostering/v1p2/schools/{homeroom['school']['sourcedId']}"
    )
    assert all(key in homeroom for key in ("sourcedId", "status", "dateLastModified"))
    one = consumer.one(f"{ROSTERING}/classes/{homeroom['sourcedId']}", "class")
    assert one == homeroom
    students = list(consumer.walk(f"{ROSTERING}/classes/{homeroom['sourcedId']}/students", "users"))
    assert {s["givenName"] for s in students} >= {cast.child.name}
    assert all(any(r["role"] == "student" for r in s["roles"]) for s in students)
    teachers = list(consumer.walk(f"{ROSTERING}/classes/{homeroom['sourcedId']}/teachers", "users"))
    assert [t["sourcedId"] for t in teachers] == [
        f"staff-{Staff.objects.get(user=cast.coordinator).pk}"
    ]
    school = homeroom["school"]["sourcedId"]
    school_classes = list(consumer.walk(f"{ROSTERING}/schools/{school}/classes", "classes"))
    assert len(school_classes) == len(classes)
    results = consumer.results()
    assert {r["score"] for r in results} == {7.25, 6.5, 8}
    seven = next(r for r in results if r["score"] == 7.25)
    assert seven["textScore"] == "7+" and seven["student"]["type"] == "user"
    maths = seven["class"]["sourcedId"]
    by_class = list(consumer.walk(f"{GRADEBOOK_BASE}/classes/{maths}/results", "results"))
    assert len(by_class) == 3
    item = seven["lineItem"]["sourcedId"]
    deep = consumer.get(f"{GRADEBOOK_BASE}/classes/{maths}/lineItems/{item}/results").json()
    assert len(deep["results"]) == 2
    line_items = consumer.line_items()
    assert {li["sourcedId"] for li in line_items} == {r["lineItem"]["sourcedId"] for r in results}


def test_same_sourced_ids_and_values_as_the_csv_bundle(cast: Cast) -> None:
    from campanella.interop.oneroster import mapping
    from campanella.interop.oneroster.provider import current_year

    graded(cast)
    year = current_year(cast.institute.pk)
    assert year is not None
    roster = mapping.roster_for(mapping.Scope(cast.institute.pk, (cast.school.pk,), year.pk))
    csv_users = {u["sourcedId"]: u for u in mapping.users(roster)}
    consumer = client_of(cast, [ROSTER_CORE])
    rest_users = {u["sourcedId"]: u for u in consumer.users()}
    assert set(rest_users) == set(csv_users)
    for sourced_id, record in csv_users.items():
        assert rest_users[sourced_id]["familyName"] == record["familyName"]
        if record["dateLastModified"]:
            assert rest_users[sourced_id]["dateLastModified"] == record["dateLastModified"]


def test_filter_on_date_last_modified_returns_only_what_changed(cast: Cast) -> None:
    day = graded(cast)
    consumer = client_of(cast, [GRADEBOOK])
    first = consumer.results()
    watermark = max(r["dateLastModified"] for r in first)
    assert consumer.results(filter=f"dateLastModified>'{watermark}'") == []
    time.sleep(0.01)
    grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths, day=day,
              student=cast.child, kind=GradeKind.PRACTICAL, text="9")  # fmt: skip
    changed = consumer.results(filter=f"dateLastModified>'{watermark}'")
    assert [r["score"] for r in changed] == [9]
    assert len(consumer.results(filter=f"dateLastModified<='{watermark}'")) == len(first)


def test_filter_predicates_sort_and_fields(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    both = consumer.classes(filter="classType='homeroom' AND title~'1A'")
    assert len(both) == 1
    either = consumer.classes(filter="classType='homeroom' OR classType='scheduled'")
    assert len(either) == len(consumer.classes())
    school = both[0]["school"]["sourcedId"]
    assert len(consumer.classes(filter=f"school.sourcedId='{school}'")) == len(either)
    titles = [c["title"] for c in consumer.classes(sort="title", orderBy="desc")]
    assert titles == sorted(titles, reverse=True)
    slim, _ = consumer.page(f"{ROSTERING}/users", "users", fields="sourcedId,familyName")
    assert slim and all(set(u) == {"sourcedId", "familyName"} for u in slim)
    whole, _ = consumer.page(f"{ROSTERING}/users", "users", fields="sourcedId,colour")
    assert whole and all("givenName" in u for u in whole)  # an unknown field: whole objects
    teachers = consumer.users(filter="roles.role='teacher'")
    assert {t["sourcedId"] for t in teachers} == {
        t["sourcedId"] for t in consumer.walk(f"{ROSTERING}/teachers", "users")
    }
    reply = consumer.get(f"{ROSTERING}/classes", sort="colour")
    assert reply.status == 400 and imsx_minor(reply.json()) == "invalid_sort_field"


@pytest.mark.parametrize("bad", ["colour='red'", "title='x' XOR title='y'", "title=x",
                                 "dateLastModified>'ieri'"])  # fmt: skip
def test_bad_filter_is_an_imsx_error(cast: Cast, bad: str) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    reply = consumer.get(f"{ROSTERING}/classes", filter=bad)
    assert reply.status == 400
    assert imsx_minor(reply.json()) == "invalid_filter_field"
    assert reply.json()["imsx_description"]


def test_unknown_object_and_path_are_imsx_404(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    for path in ("classes/class-0-homeroom", "classes/class-0-homeroom/students", "nonsense"):
        reply = consumer.get(f"{ROSTERING}/{path}")
        assert reply.status == 404
        assert imsx_minor(reply.json()) == "unknownobject"
    assert consumer.get(f"{ROSTERING}/users", limit="-1").status == 400


def test_token_only_over_https(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    consumer.base_url = "http://testserver"
    reply = consumer.request_token()
    assert reply.status == 400
    assert reply.json()["error"] == "insecure_transport"
    assert "HTTPS" in reply.json()["error_description"]


def test_no_token_is_refused(cast: Cast) -> None:
    status, headers, _body = wsgi_transport("GET", f"{BASE}{ROSTERING}/users", {}, None)
    assert status == 401 and "Bearer" in headers["WWW-Authenticate"]


def test_another_institutes_client_sees_nothing_of_ours(cast: Cast) -> None:
    graded(cast)
    ours = client_of(cast, [ROSTER, GRADEBOOK])
    our_classes = ours.classes()
    our_users = ours.users()
    our_results = ours.results()
    foreign_institute = Staff.objects.get(user=cast.foreign_office).institute_id
    f.SchoolYearFactory(institute_id=foreign_institute)
    theirs = client_of(cast, [ROSTER, GRADEBOOK], institute_id=foreign_institute)
    watched = (OneRosterToken.objects.exclude(key__institute_id=foreign_institute).count(),
               list(ApiKey.objects.filter(institute=cast.institute).values()))  # fmt: skip
    seen = {u["sourcedId"] for u in theirs.users()} | {c["sourcedId"] for c in theirs.classes()}
    assert not seen & ({u["sourcedId"] for u in our_users} | {c["sourcedId"] for c in our_classes})
    assert theirs.results() == []
    paths = [
        f"{ROSTERING}/classes/{our_classes[0]['sourcedId']}",
        f"{ROSTERING}/classes/{our_classes[0]['sourcedId']}/students",
        f"{ROSTERING}/users/{our_users[0]['sourcedId']}",
        f"{ROSTERING}/schools/{our_classes[0]['school']['sourcedId']}/classes",
        f"{GRADEBOOK_BASE}/results/{our_results[0]['sourcedId']}",
        f"{GRADEBOOK_BASE}/classes/{our_results[0]['class']['sourcedId']}/results",
    ]
    for path in paths:
        reply = theirs.get(path)
        assert reply.status == 404, path
        assert imsx_minor(reply.json()) == "unknownobject"
    after = (OneRosterToken.objects.exclude(key__institute_id=foreign_institute).count(),
             list(ApiKey.objects.filter(institute=cast.institute).values()))  # fmt: skip
    assert after == watched


def test_consumer_error_carries_the_reply(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE])
    with pytest.raises(OneRosterError) as raised:
        consumer.one(f"{ROSTERING}/users/student-0", "user")
    assert raised.value.reply.status == 404


def test_the_office_page_shows_the_client_id(cast: Cast) -> None:
    from django.test import Client
    from django.urls import reverse

    consumer = client_of(cast, [ROSTER_CORE])
    plain, _raw = api_key_create(
        user=cast.office, institute_id=cast.institute.pk, name="Area alunni",
        scopes=["results:read"],
    )  # fmt: skip
    page = Client()
    page.force_login(cast.office)
    html = page.get(reverse("interop:api_keys")).content.decode()
    assert f">{consumer.client_id}</code>" in html
    assert f'data-testid="client-id-{plain.pk}"' not in html
    assert "/ims/oneroster/token" in html


def test_only_the_client_credentials_grant(cast: Cast) -> None:
    consumer = client_of(cast, [ROSTER_CORE], auth_style="post")
    body = (
        f"grant_type=password&client_id={consumer.client_id}"
        f"&client_secret={consumer.client_secret}&username=office&password=x"
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, _headers, raw = wsgi_transport("POST", f"{BASE}/ims/oneroster/token", headers, body)
    assert status == 400
    assert b"unsupported_grant_type" in raw and b"client_credentials" in raw
    assert not OneRosterToken.objects.exists()


def test_modified_after_only_for_a_conjunction() -> None:
    from campanella.interop.oneroster.provider_query import modified_after, parse_filter

    known = ("dateLastModified", "score")
    both = parse_filter("dateLastModified>'2026-12-01T10:00:00.000Z' AND score>'5'", known)
    bound = modified_after(both)
    assert bound is not None
    assert bound < datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC)
    assert bound > datetime.datetime(2026, 12, 1, 9, 59, 59, 999000, tzinfo=datetime.UTC)
    either = parse_filter("dateLastModified>'2026-12-01' OR score>'5'", known)
    assert modified_after(either) is None
    assert modified_after(parse_filter("dateLastModified<'2026-12-01'", known)) is None


def test_incremental_line_items_and_or_filters_agree(cast: Cast) -> None:
    day = graded(cast)
    consumer = client_of(cast, [GRADEBOOK])
    watermark = max(li["dateLastModified"] for li in consumer.line_items())
    seen = max(r["dateLastModified"] for r in consumer.results())
    time.sleep(0.01)
    grade_add(user=cast.coordinator, classroom=cast.classroom_1a, subject=cast.italian, day=day,
              student=cast.child, kind=GradeKind.ORAL, text="6")  # fmt: skip
    newer = consumer.line_items(filter=f"dateLastModified>'{watermark}'")
    assert [li["class"]["sourcedId"] for li in newer] == [
        f"class-{cast.classroom_1a.pk}-{cast.italian.pk}"
    ]
    either = consumer.results(filter=f"dateLastModified>'{seen}' OR textScore='7+'")
    assert sorted(r["textScore"] for r in either) == ["6", "7+"]
