"""API keys of the back-office (issue 15 item 5) and `campanella sync` for cron: a key is made
by the office with scopes, shown once, used for the exchange's API only, revoked at once; the
command writes the same files as the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from campanella.interop.keys import api_key_create
from campanella.interop.models import ApiKey, ResultsExport, ResultsExportChannel
from tests.conftest import Cast
from tests.evaluation.session_helpers import locked_session
from tests.interop.test_attendance_export import api_query
from tests.interop.test_attendance_import import apply, days, sample

pytestmark = pytest.mark.django_db

KEYS = reverse("interop:api_keys")
EVENTS = "/api/v1/attendance/events"
RESULTS = "/api/v1/results/terms"


def key_client(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def new_key(cast: Cast, *scopes: str) -> tuple[ApiKey, str]:
    return api_key_create(
        user=cast.office, institute_id=cast.institute.pk, name="Gestionale", scopes=scopes
    )


def test_the_office_makes_a_key_shown_once_and_stored_as_a_digest(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.office)
    response = client.post(KEYS, {"nome": "Area alunni", "permessi": ["attendance:read"]})
    assert response.status_code == 200
    page = response.content.decode()
    raw = page.split('data-testid="raw-key">')[1].split("<")[0]
    key = ApiKey.objects.get()
    assert raw.startswith("cmpk_") and raw not in (key.digest, key.prefix)
    assert key.scopes == ["attendance:read"] and key.institute == cast.institute
    assert raw not in client.get(KEYS).content.decode()  # never shown again
    assert key_client(raw).get(EVENTS, api_query(cast)).status_code == 200


def test_a_key_without_a_scope_or_a_name_is_refused(cast: Cast) -> None:
    client = Client()
    client.force_login(cast.office)
    assert client.post(KEYS, {"nome": "Area alunni"}).status_code == 400
    assert client.post(KEYS, {"nome": "", "permessi": ["results:read"]}).status_code == 400
    assert client.post(KEYS, {"nome": "X", "permessi": ["grades:write"]}).status_code == 400
    assert not ApiKey.objects.exists()


def test_a_key_reads_what_its_scopes_allow_and_nothing_else(cast: Cast) -> None:
    assert apply(cast, sample(cast)).applied
    _key, attendance_only = new_key(cast, "attendance:read")
    client = key_client(attendance_only)
    events = json.loads(b"".join(client.get(EVENTS, api_query(cast)).streaming_content))
    assert len(events) == 5
    session = locked_session(cast)
    query = {"school": [cast.school.pk], "school_year": session.classroom.school_year_id}
    assert client.get(RESULTS, query).status_code == 404
    assert not ResultsExport.objects.exists()
    # The rest of the API is a person's: the key opens nothing there.
    assert client.get("/api/v1/me").status_code == 401
    assert client.get(f"/api/v1/students/{cast.child.pk}/grades").status_code == 401


def test_a_results_key_takes_the_results_and_the_sending_names_the_key(cast: Cast) -> None:
    session = locked_session(cast)
    key, raw = new_key(cast, "results:read")
    query = {"school": [cast.school.pk], "school_year": session.classroom.school_year_id}
    response = key_client(raw).get(RESULTS, query)
    assert response.status_code == 200
    assert json.loads(b"".join(response.streaming_content))
    sent = ResultsExport.objects.get()
    assert sent.api_key == key and sent.created_by is None
    assert sent.channel == ResultsExportChannel.API
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_from == "127.0.0.1"


def test_a_revoked_key_stops_at_once_and_the_page_shows_it(cast: Cast) -> None:
    key, raw = new_key(cast, "attendance:read")
    assert key_client(raw).get(EVENTS, api_query(cast)).status_code == 200
    office = Client()
    office.force_login(cast.office)
    response = office.post(reverse("interop:api_key_revoke", args=[key.pk]), follow=True)
    assert "revocata il" in response.content.decode()
    refused = key_client(raw).get(EVENTS, api_query(cast))
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"


def test_a_key_of_one_institute_never_reads_anothers_schools(cast: Cast) -> None:
    from campanella.school.models import Institute
    from tests.factories import SchoolFactory

    assert apply(cast, sample(cast)).applied
    other = Institute.objects.exclude(pk=cast.institute.pk).first()
    assert other is not None
    foreign_school = SchoolFactory(institute=other)
    _key, raw = api_key_create(
        user=cast.foreign_office, institute_id=other.pk, name="B", scopes=["attendance:read"]
    )
    response = key_client(raw).get(EVENTS, api_query(cast))
    assert response.status_code == 400 and response.json()["code"] == "school_unknown"
    assert cast.child.codice_fiscale.encode() not in response.content
    mine = key_client(raw).get(EVENTS, {**api_query(cast), "school": [foreign_school.pk]})
    assert mine.status_code == 200


# --- campanella sync ---------------------------------------------------------------------------


def test_sync_attendance_out_writes_the_events_file(cast: Cast, tmp_path: Path) -> None:
    assert apply(cast, sample(cast)).applied
    day, before = days(cast)
    target = tmp_path / "assenze.csv"
    call_command(
        "sync", "attendance-out", "--school", cast.school.code, "--from", str(before),
        "--to", str(day), "--output", str(target),
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(target.read_text("utf-8-sig")), delimiter=";"))
    assert len(rows) == 5 and {row["codice_fiscale"] for row in rows}


def test_sync_results_out_records_the_sending(cast: Cast, tmp_path: Path) -> None:
    session = locked_session(cast)
    target = tmp_path / "esiti.json"
    call_command(
        "sync", "results-out", "--school", cast.school.code,
        "--year", session.classroom.school_year.name, "--format", "json", "--output", str(target),
    )  # fmt: skip
    assert json.loads(target.read_text())
    assert ResultsExport.objects.get().channel == ResultsExportChannel.COMMAND


@pytest.mark.parametrize(
    "arguments",
    [
        ["attendance-out", "--school", "XX00000000", "--from", "2026-10-01", "--to", "2026-10-02"],
        ["results-out", "--school", "{school}", "--year", "1999/2000"],
        ["attendance-out", "--school", "{school}", "--from", "2026-10-02", "--to", "2026-10-01"],
    ],
)
def test_sync_refuses_bad_arguments_clearly(cast: Cast, arguments: list[Any]) -> None:
    filled = [a.replace("{school}", cast.school.code) for a in arguments]
    with pytest.raises(CommandError):
        call_command("sync", *filled, "--output", "/dev/null")
    assert not ResultsExport.objects.exists()
