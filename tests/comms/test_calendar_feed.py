"""The private calendar feed: made from its page or the API, read by a phone without a
session, parsed with `icalendar`; it dies when revoked, made anew, with a password change or
reset and with a deactivated account (404, saying nothing); each login sees only its own."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from campanella.accounts.services import api_token_issue
from campanella.accounts.tokens import recovery_tokens
from campanella.comms.calendar import sources
from campanella.comms.calendar.models import CalendarFeed
from campanella.comms.calendar.tokens import token_digest
from campanella.comms.notices.models import AudienceScope
from campanella.comms.notices.services import audience_of
from campanella.lib.calendar_events import CalendarEvent
from campanella.people.access import disable_login
from campanella.people.models import User
from campanella.register.models import AgendaItem
from tests.comms.calendar_support import agenda, feed_url_for, read, summaries, uids
from tests.comms.support import trip
from tests.conftest import Cast, school_day

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "un'altra-password-lunga-7"


def test_the_guardians_feed_has_each_childs_agenda_and_the_consent_deadline(cast: Cast) -> None:
    agenda(cast, text="Equazioni")
    agenda(cast, cast.classroom_2b, kind="compiti", subject=cast.italian, user=cast.other_teacher)
    notice = trip(
        cast, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk])
    )
    path = feed_url_for(cast.guardian)
    calendar = read(path)
    child, sibling = cast.child.name, cast.sibling.name
    assert summaries(calendar) == sorted([
        f"{child}: Verifica di Matematica",
        f"{sibling}: Compiti di Italiano",
        f"Termine per l'adesione: {notice.title}",
    ])  # fmt: skip
    [deadline] = [e for e in calendar.walk("VEVENT") if str(e["UID"]).startswith("notice-")]
    assert deadline.decoded("DTSTART") == notice.consent_deadline.replace(microsecond=0)
    assert str(deadline["URL"]).endswith(reverse("comms:notice_detail", args=[notice.pk]))
    [test] = [e for e in calendar.walk("VEVENT") if "Verifica" in str(e["SUMMARY"])]
    assert str(test["DESCRIPTION"]) == "Equazioni"
    assert isinstance(test.decoded("DTSTART"), datetime.date)  # all day


def test_the_token_twice_gives_the_same_events_and_the_etag_spares_the_download(
    cast: Cast,
) -> None:
    agenda(cast)
    path = feed_url_for(cast.guardian)
    phone = Client()
    first = phone.get(path)
    second = phone.get(path)
    assert first.content == second.content
    assert uids(read(path)) == uids(read(path))
    assert first["ETag"] == second["ETag"]
    assert "private" in first["Cache-Control"] and "max-age" in first["Cache-Control"]
    unchanged = phone.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304 and unchanged.content == b""
    agenda(cast, kind="compiti", subject=cast.italian, user=cast.coordinator)
    assert phone.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_feed_needs_no_session_and_works_from_another_client(cast: Cast) -> None:
    agenda(cast)
    path = feed_url_for(cast.guardian)
    anonymous = read(path)
    someone_else = read(path, cast.client_for(cast.other_guardian))
    assert summaries(anonymous) == summaries(someone_else)
    assert cast.child.name in summaries(anonymous)[0]


def test_each_login_sees_only_its_own(cast: Cast) -> None:
    """Another family's token shows its own child, never the guardian's; 2ª B's teacher does
    not see 1ª A's agenda, 1ª A's teacher does (with the classroom); the child sees their own."""
    agenda(cast)
    trip(cast, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk]))
    other = summaries(read(feed_url_for(cast.other_guardian)))
    assert other == [f"{cast.other_child.name}: Verifica di Matematica"]
    assert summaries(read(feed_url_for(cast.other_teacher))) == []
    assert summaries(read(feed_url_for(cast.teacher))) == ["Verifica di Matematica (1ª A)"]
    assert summaries(read(feed_url_for(cast.child_user))) == ["Verifica di Matematica"]
    assert summaries(read(feed_url_for(cast.foreign_office))) == []
    assert summaries(read(feed_url_for(cast.outsider))) == []


def test_a_cancelled_agenda_item_leaves_the_feed(cast: Cast) -> None:
    item = agenda(cast)
    path = feed_url_for(cast.child_user)
    assert summaries(read(path)) == ["Verifica di Matematica"]
    # The register has no page to cancel an agenda item yet: cancelled as it would be.
    AgendaItem.objects.filter(pk=item.pk).update(
        cancelled_at=timezone.now(), cancelled_by=cast.teacher, cancel_reason="Spostata"
    )
    assert summaries(read(path)) == []


def test_made_anew_the_old_address_is_gone(cast: Cast) -> None:
    old = feed_url_for(cast.guardian)
    new = feed_url_for(cast.guardian)
    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert CalendarFeed.objects.filter(user=cast.guardian).count() == 1


def test_revoked_it_answers_404(cast: Cast) -> None:
    path = feed_url_for(cast.guardian)
    page = cast.client_for(cast.guardian)
    assert page.post(reverse("comms:calendar_feed"), {"azione": "revoca"}).status_code == 302
    assert Client().get(path).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert "Nessun calendario attivo" in page.get(reverse("comms:calendar_feed")).content.decode()


def test_it_dies_with_a_password_reset(cast: Cast) -> None:
    path = feed_url_for(cast.guardian)
    uidb64 = urlsafe_base64_encode(force_bytes(cast.guardian.pk))
    browser = Client()
    token = recovery_tokens.make_token(cast.guardian)
    link = reverse("accounts:recover_confirm", args=[uidb64, token])
    form = browser.get(link, follow=True)
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert Client().get(path).status_code == 404
    page = cast.client_for(User.objects.get(pk=cast.guardian.pk))
    assert "password è stata cambiata" in page.get(reverse("comms:calendar_feed")).content.decode()
    fresh = User.objects.get(pk=cast.guardian.pk)
    assert Client().get(feed_url_for(fresh)).status_code == 200  # a new one works


def test_it_dies_with_a_password_change(cast: Cast) -> None:
    cast.guardian.set_password("una-password-lunga")
    cast.guardian.save()
    path = feed_url_for(cast.guardian)
    client = cast.client_for(cast.guardian)
    changed = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "una-password-lunga",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert Client().get(path).status_code == 404
    _token, raw = api_token_issue(user=User.objects.get(pk=cast.guardian.pk))
    status = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/calendar-feed").json()
    assert (status["active"], status["expired"]) == (False, True)


def test_it_dies_with_the_account(cast: Cast) -> None:
    path = feed_url_for(cast.guardian)
    disable_login(cast.guardian, "prova", institute_id=cast.institute.pk)
    assert Client().get(path).status_code == 404
    User.objects.filter(pk=cast.guardian.pk).update(is_active=True)  # reopened: still dead
    assert Client().get(path).status_code == 404


def test_unknown_or_malformed_tokens_say_nothing(cast: Cast) -> None:
    feed_url_for(cast.guardian)
    for token in ("x", "a" * 43, "a" * 500):
        response = Client().get(reverse("comms:calendar_feed_ics", args=[token]))
        assert response.status_code == 404
    path = feed_url_for(cast.guardian)
    assert Client().post(path).status_code == 405
    assert not CalendarFeed.objects.filter(digest=token_digest(path)).exists()


def test_last_read_is_written_at_most_once_an_hour(cast: Cast) -> None:
    path = feed_url_for(cast.guardian)
    Client().get(path)
    first = CalendarFeed.objects.get(user=cast.guardian).last_used_at
    assert first is not None
    Client().get(path)
    assert CalendarFeed.objects.get(user=cast.guardian).last_used_at == first


def test_the_feed_costs_the_same_queries_for_more_data(cast: Cast) -> None:
    agenda(cast)
    trip(cast, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk]))
    path = feed_url_for(cast.guardian)
    Client().get(path)  # marks the last read, once

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(path).status_code == 200
        return len(captured)

    few = queries()
    day = timezone.localdate()
    for offset in range(1, 15):
        moment = school_day(cast, day + datetime.timedelta(days=offset))  # holidays skipped
        agenda(cast, kind="compiti", day=moment, text=f"Esercizi {offset}")
        agenda(cast, cast.classroom_2b, kind="compiti", subject=cast.italian,
               user=cast.other_teacher, day=moment)  # fmt: skip
    for _ in range(5):
        trip(cast, audience=audience_of(AudienceScope.FAMILIES, [], student_ids=[cast.child.pk]))
    assert queries() == few
    assert few <= 8


@pytest.fixture
def meetings_source() -> Iterator[None]:
    def booked(user: object, first: datetime.date, last: datetime.date) -> list[CalendarEvent]:
        start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
        return [
            CalendarEvent(
                uid="meeting-1@campanella",
                summary="Colloquio con la prof.ssa Rossi",
                start=start,
                end=start + datetime.timedelta(minutes=10),
                location="Aula 3",
            )
        ]

    sources.register(booked)
    yield
    sources._registered.remove(booked)


@pytest.mark.usefixtures("meetings_source")
def test_a_registered_source_joins_the_feed(cast: Cast) -> None:
    calendar = read(feed_url_for(cast.guardian))
    [meeting] = list(calendar.walk("VEVENT"))
    assert str(meeting["SUMMARY"]) == "Colloquio con la prof.ssa Rossi"
    assert meeting.decoded("DTSTART").utcoffset() == datetime.timedelta(0)  # UTC
    assert str(meeting["LOCATION"]) == "Aula 3"


def test_the_api_makes_reads_and_revokes_ones_own_feed(cast: Cast) -> None:
    _token, raw = api_token_issue(user=cast.guardian)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/calendar-feed").json()["active"] is False
    made = api.post("/api/v1/calendar-feed")
    assert made.status_code == 201
    url = made.json()["url"]
    assert url.startswith("http://testserver/comunicazioni/calendario/") and url.endswith(".ics")
    assert Client().get(url).status_code == 200
    status = api.get("/api/v1/calendar-feed").json()
    assert status["active"] is True and "url" not in status
    assert api.delete("/api/v1/calendar-feed").status_code == 204
    assert api.delete("/api/v1/calendar-feed").status_code == 204  # idempotent
    assert Client().get(url).status_code == 404
    assert Client().get("/api/v1/calendar-feed").status_code == 401
