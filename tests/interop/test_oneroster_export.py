"""OneRoster 1.2 CSV export (issue 15 item 6): the bundle's files and headers as the 1.2 CSV
binding lists them (written here from the standard, docs/oneroster.md, not from our code), every
reference resolving, guardians linked to their children both ways, sourcedIds stable across
exports, nothing of another institute, the office's page in Italian, the API and the command."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campanella.grades.models import GradeKind
from campanella.grades.services import grade_add, grade_cancel
from campanella.interop.models import KeyScope
from campanella.people.models import Guardianship, Staff
from tests import factories as f
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

PAGE = reverse("interop:oneroster_export")
API = "/api/v1/oneroster/export"

# The OneRoster 1.2 CSV binding (1EdTech), section 3: each file's columns in order.
COMMON = ["sourcedId", "status", "dateLastModified"]
STANDARD = {
    "orgs.csv": [*COMMON, "name", "type", "identifier", "parentSourcedId"],
    "academicSessions.csv": [
        *COMMON, "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear",
    ],
    "courses.csv": [
        *COMMON, "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId",
        "subjects", "subjectCodes",
    ],
    "classes.csv": [
        *COMMON, "title", "grades", "courseSourcedId", "classCode", "classType", "location",
        "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods",
    ],
    "users.csv": [
        *COMMON, "enabledUser", "username", "userIds", "givenName", "familyName", "middleName",
        "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password",
        "userMasterIdentifier", "preferredGivenName",
        "preferredMiddleName", "preferredFamilyName", "primaryOrgSourcedId", "pronouns",
    ],
    "roles.csv": [
        *COMMON, "userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId",
        "userProfileSourcedId",
    ],
    "enrollments.csv": [
        *COMMON, "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary",
        "beginDate", "endDate",
    ],
    "categories.csv": [*COMMON, "title", "weight"],
    "lineItems.csv": [
        *COMMON, "title", "description", "assignDate", "dueDate", "classSourcedId",
        "categorySourcedId", "academicSessionSourcedId", "resultValueMin", "resultValueMax",
        "schoolSourcedId",
    ],
    "results.csv": [
        *COMMON, "lineItemSourcedId", "studentSourcedId", "scoreStatus", "score", "scoreDate",
        "comment", "textScore", "classSourcedId", "inProgress", "incomplete", "late", "missing",
    ],
    "manifest.csv": ["propertyName", "value"],
}  # fmt: skip
MANIFEST_FILES = [
    "academicSessions", "categories", "classes", "classResources", "courses", "courseResources",
    "demographics", "enrollments", "lineItemLearningObjectiveIds", "lineItems",
    "lineItemScoreScales", "orgs", "resources", "resultLearningObjectiveIds", "results",
    "resultScoreScales", "roles", "scoreScales", "userProfiles", "userResources", "users",
]  # fmt: skip

Bundle = dict[str, list[dict[str, str]]]


def office(cast: Cast) -> Client:
    client = Client()
    client.force_login(cast.office)
    return client


def graded(cast: Cast) -> datetime.date:
    """Two maths written grades of 1A on one day (one assessment), an oral one, a cancelled one."""
    day = school_day(cast)
    common: dict[str, Any] = {"user": cast.teacher, "classroom": cast.classroom_1a,
                              "subject": cast.maths, "day": day}  # fmt: skip
    grade_add(**common, student=cast.child, kind=GradeKind.WRITTEN, text="7+")
    grade_add(**common, student=cast.adult_student, kind=GradeKind.WRITTEN, text="6½")
    grade_add(**common, student=cast.child, kind=GradeKind.ORAL, text="8")
    wrong = grade_add(**common, student=cast.other_child, kind=GradeKind.ORAL, text="4")
    grade_cancel(user=cast.teacher, grade=wrong, reason="Voto inserito per errore")
    return day


def read_bundle(content: bytes) -> tuple[Bundle, dict[str, list[str]]]:
    """Each file's records and header row, read as any consumer would."""
    records: Bundle = {}
    headers: dict[str, list[str]] = {}
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            assert "/" not in name, "files at the root of the zip"
            text = archive.read(name).decode("utf-8")
            rows = list(csv.reader(io.StringIO(text)))
            headers[name] = rows[0]
            records[name] = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    return records, headers


def downloaded(cast: Cast, client: Client | None = None) -> Bundle:
    response = (client or office(cast)).get(
        PAGE, {"scuole": [cast.school.pk], "anno": cast.classroom_1a.school_year_id}
    )
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert "oneroster-" in response["Content-Disposition"]
    records, _headers = read_bundle(b"".join(response.streaming_content))
    return records


def ids(bundle: Bundle, name: str) -> set[str]:
    return {row["sourcedId"] for row in bundle[name]}


def test_files_and_headers_are_the_standards(cast: Cast) -> None:
    graded(cast)
    response = office(cast).get(
        PAGE, {"scuole": [cast.school.pk], "anno": cast.classroom_1a.school_year_id}
    )
    _records, headers = read_bundle(b"".join(response.streaming_content))
    assert headers == STANDARD


def test_manifest_names_every_file_of_the_binding(cast: Cast) -> None:
    bundle = downloaded(cast)
    manifest = {row["propertyName"]: row["value"] for row in bundle["manifest.csv"]}
    assert manifest["manifest.version"] == "1.0"
    assert manifest["oneroster.version"] == "1.2"
    assert manifest["source.systemName"] == "Campanella"
    assert manifest["source.systemCode"] == cast.institute.code
    for name in MANIFEST_FILES:
        expected = "bulk" if f"{name}.csv" in bundle else "absent"
        assert manifest[f"file.{name}"] == expected, name
    assert manifest["file.demographics"] == "absent"  # privacy: no birth dates, no sex


def test_every_reference_resolves(cast: Cast) -> None:
    graded(cast)
    bundle = downloaded(cast)
    orgs, sessions = ids(bundle, "orgs.csv"), ids(bundle, "academicSessions.csv")
    users, classes = ids(bundle, "users.csv"), ids(bundle, "classes.csv")
    courses, items = ids(bundle, "courses.csv"), ids(bundle, "lineItems.csv")
    categories = ids(bundle, "categories.csv")
    references = {
        "orgs.csv": {"parentSourcedId": orgs},
        "academicSessions.csv": {"parentSourcedId": sessions},
        "courses.csv": {"schoolYearSourcedId": sessions, "orgSourcedId": orgs},
        "classes.csv": {"courseSourcedId": courses, "schoolSourcedId": orgs,
                        "termSourcedIds": sessions},
        "users.csv": {"agentSourcedIds": users, "primaryOrgSourcedId": orgs},
        "roles.csv": {"userSourcedId": users, "orgSourcedId": orgs},
        "enrollments.csv": {"classSourcedId": classes, "schoolSourcedId": orgs,
                            "userSourcedId": users},
        "lineItems.csv": {"classSourcedId": classes, "categorySourcedId": categories,
                          "academicSessionSourcedId": sessions, "schoolSourcedId": orgs},
        "results.csv": {"lineItemSourcedId": items, "studentSourcedId": users,
                        "classSourcedId": classes},
    }  # fmt: skip
    for name, columns in references.items():
        assert bundle[name], f"{name} is empty"
        for row in bundle[name]:
            for column, known in columns.items():
                for value in filter(None, row[column].split(",")):
                    assert value in known, f"{name} {row['sourcedId']} {column}={value}"
    for name, rows in bundle.items():
        if name != "manifest.csv":
            assert len(ids(bundle, name)) == len(rows), f"{name}: sourcedIds repeat"
            assert {row["status"] for row in rows} == {"active"}


def test_roster_content(cast: Cast) -> None:
    graded(cast)
    bundle = downloaded(cast)
    by_id = {row["sourcedId"]: row for row in bundle["users.csv"]}
    child = by_id[f"student-{cast.child.pk}"]
    assert (child["givenName"], child["familyName"]) == (cast.child.name, cast.child.surname)
    assert child["identifier"] == "child"  # the login name, never the codice fiscale
    text = "".join(str(row) for rows in bundle.values() for row in rows)
    for student in (cast.child, cast.sibling, cast.adult_student):
        assert student.codice_fiscale not in text
    types = {row["sourcedId"]: row["type"] for row in bundle["orgs.csv"]}
    assert types == {f"institute-{cast.institute.pk}": "district",
                     f"school-{cast.school.pk}": "school"}  # fmt: skip
    kinds = {row["classType"] for row in bundle["classes.csv"]}
    assert kinds == {"homeroom", "scheduled"}
    teacher = Staff.objects.get(user=cast.teacher)
    maths_1a = f"class-{cast.classroom_1a.pk}-{cast.maths.pk}"
    teaching = [row for row in bundle["enrollments.csv"]
                if row["userSourcedId"] == f"staff-{teacher.pk}"]  # fmt: skip
    assert [(row["classSourcedId"], row["role"], row["primary"]) for row in teaching] == [
        (maths_1a, "teacher", "true")
    ]
    in_maths = {row["userSourcedId"] for row in bundle["enrollments.csv"]
                if row["classSourcedId"] == maths_1a and row["role"] == "student"}  # fmt: skip
    assert in_maths == {f"student-{s.pk}" for s in
                        (cast.child, cast.adult_student, cast.other_child)}  # fmt: skip
    principal = Staff.objects.get(user=cast.principal)
    assert f"staff-{principal.pk}" not in by_id  # staff without teachings are not users here


def test_guardians_link_to_their_children_both_ways(cast: Cast) -> None:
    bundle = downloaded(cast)
    by_id = {row["sourcedId"]: row for row in bundle["users.csv"]}
    for link in Guardianship.objects.filter(student__institute=cast.institute):
        guardian = by_id[f"guardian-{link.guardian_id}"]
        student = by_id[f"student-{link.student_id}"]
        assert f"student-{link.student_id}" in guardian["agentSourcedIds"].split(",")
        assert f"guardian-{link.guardian_id}" in student["agentSourcedIds"].split(",")
    guardian = by_id[f"guardian-{cast.child.guardianships.get().guardian_id}"]
    assert sorted(guardian["agentSourcedIds"].split(",")) == sorted(
        [f"student-{cast.child.pk}", f"student-{cast.sibling.pk}"]
    )
    parent_roles = [row for row in bundle["roles.csv"]
                    if row["userSourcedId"] == guardian["sourcedId"]]  # fmt: skip
    assert [row["role"] for row in parent_roles] == ["parent"]


def test_grade_book(cast: Cast) -> None:
    day = graded(cast)
    bundle = downloaded(cast)
    assert {row["title"] for row in bundle["categories.csv"]} == {
        "Prove scritte", "Prove orali", "Prove pratiche",
    }  # fmt: skip
    items = bundle["lineItems.csv"]
    assert len(items) == 2  # the two written grades of the day are one assessment
    written = next(row for row in items if row["categorySourcedId"] == "category-scritto")
    assert written["assignDate"] == day.isoformat()
    assert written["classSourcedId"] == f"class-{cast.classroom_1a.pk}-{cast.maths.pk}"
    assert written["academicSessionSourcedId"].startswith("period-")
    assert written["schoolSourcedId"] == f"school-{cast.school.pk}"
    scores = {(row["studentSourcedId"], row["lineItemSourcedId"]): (row["score"], row["textScore"])
              for row in bundle["results.csv"]}  # fmt: skip
    assert scores == {
        (f"student-{cast.child.pk}", written["sourcedId"]): ("7.25", "7+"),
        (f"student-{cast.adult_student.pk}", written["sourcedId"]): ("6.5", "6½"),
        (f"student-{cast.child.pk}", written["sourcedId"].replace("scritto", "orale")): ("8", "8"),
    }  # the cancelled grade is no result
    assert all(row["scoreStatus"] == "fully graded" for row in bundle["results.csv"])
    assert all(row["dateLastModified"].endswith("Z") for row in bundle["results.csv"])


def test_a_second_export_gives_the_same_sourced_ids(cast: Cast) -> None:
    graded(cast)
    first = downloaded(cast)
    second = downloaded(cast)
    for name in first:
        assert ids(first, name) == ids(second, name) if name != "manifest.csv" else True
        assert first[name] == second[name]


def test_another_institutes_data_never_appears(cast: Cast) -> None:
    graded(cast)
    other_school = f.SchoolFactory(institute=cast.foreign_office.staff_profile.institute)
    other_year = f.SchoolYearFactory(institute=other_school.institute)
    other_room = f.ClassroomFactory(school=other_school, school_year=other_year)
    stranger = f.StudentFactory(institute=other_school.institute)
    f.EnrollmentFactory(student=stranger, classroom=other_room)
    bundle = downloaded(cast)
    text = "".join(str(row) for rows in bundle.values() for row in rows)
    assert stranger.surname not in text and other_school.code not in text
    assert f"student-{stranger.pk}" not in ids(bundle, "users.csv")
    # another school of the same institute, not chosen, stays out too
    sister = f.SchoolFactory(institute=cast.institute)
    room = f.ClassroomFactory(school=sister, school_year=cast.classroom_1a.school_year)
    pupil = f.StudentFactory(institute=cast.institute)
    f.EnrollmentFactory(student=pupil, classroom=room)
    assert f"student-{pupil.pk}" not in ids(downloaded(cast), "users.csv")


def test_the_page_is_italian_and_refuses_a_foreign_school(cast: Cast) -> None:
    client = office(cast)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Esportazione OneRoster 1.2" in html and 'lang="it"' in html
    assert "Scarica l&#x27;archivio OneRoster" in html or "Scarica l'archivio" in html
    foreign = f.SchoolFactory(institute=cast.foreign_office.staff_profile.institute)
    refused = client.get(PAGE, {"scuole": [foreign.pk],
                                 "anno": cast.classroom_1a.school_year_id})  # fmt: skip
    assert refused.status_code == 400
    assert 'data-testid="errors"' in refused.content.decode()
    ours = {"scuole": [cast.school.pk], "anno": cast.classroom_1a.school_year_id}
    for outsider in (cast.teacher, cast.guardian, cast.principal, cast.child_user):
        other = Client()
        other.force_login(outsider)
        assert other.get(PAGE).status_code == 404
        assert other.get(PAGE, ours).status_code == 404
    foreign = Client()
    foreign.force_login(cast.foreign_office)  # its own institute's form: ours is not a choice
    answer = foreign.get(PAGE, ours)
    assert answer.status_code == 400 and answer["Content-Type"].startswith("text/html")


def _token_client(user: Any) -> Client:
    from campanella.accounts.services import api_token_issue

    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _key_client(cast: Cast, scopes: list[str]) -> Client:
    from campanella.interop.keys import api_key_create

    _key, raw = api_key_create(
        user=cast.office, institute_id=cast.institute.pk, name="LMS", scopes=scopes
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_api_for_the_office_and_the_results_key(cast: Cast) -> None:
    graded(cast)
    year = cast.classroom_1a.school_year_id
    url = f"{API}?school={cast.school.pk}&school_year={year}"
    for client in (_token_client(cast.office), _key_client(cast, [KeyScope.RESULTS_READ])):
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        records, headers = read_bundle(b"".join(response.streaming_content))
        assert headers == STANDARD
        assert len(records["results.csv"]) == 3
    assert _key_client(cast, [KeyScope.ATTENDANCE_READ]).get(url).status_code == 404
    assert _token_client(cast.foreign_office).get(url).status_code == 400  # not its school
    assert _token_client(cast.teacher).get(url).status_code == 404
    assert Client().get(url).status_code == 401
    wrong_year = _token_client(cast.office).get(f"{API}?school={cast.school.pk}&school_year=0")
    assert wrong_year.status_code == 400
    assert wrong_year.json()["code"] == "school_year_unknown"


def test_command_writes_the_same_bundle(cast: Cast, tmp_path: Any) -> None:
    graded(cast)
    target = tmp_path / "bundle.zip"
    year = cast.classroom_1a.school_year.name
    call_command("sync", "oneroster-out", "--school", cast.school.code, "--year", year,
                 "--output", str(target), stderr=io.StringIO())  # fmt: skip
    records, headers = read_bundle(target.read_bytes())
    assert headers == STANDARD
    assert records == downloaded(cast)


def _queries_for_bundle(cast: Cast) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from campanella.interop.oneroster.bundle import write_bundle
    from campanella.interop.oneroster.mapping import Scope, roster_for

    scope = Scope(cast.institute.pk, (cast.school.pk,), cast.classroom_1a.school_year_id)
    with CaptureQueriesContext(connection) as captured:
        write_bundle(roster_for(scope), io.BytesIO())
    return len(captured)


def test_queries_do_not_grow_with_the_school(cast: Cast) -> None:
    graded(cast)
    before = _queries_for_bundle(cast)
    day = school_day(cast)
    for _ in range(5):
        student = f.StudentFactory(institute=cast.institute)
        f.EnrollmentFactory(student=student, classroom=cast.classroom_1a)
        f.GuardianshipFactory(student=student, guardian=f.GuardianFactory(institute=cast.institute))
        grade_add(user=cast.teacher, classroom=cast.classroom_1a, subject=cast.maths,
                  student=student, day=day, kind=GradeKind.PRACTICAL, text="9")  # fmt: skip
    assert _queries_for_bundle(cast) == before
