"""Pages of meetings: a family books and cancels, a refusal in Italian, the teacher's day,
the teacher's weekly availability and the office's general days; queries bounded."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campanella.comms.meetings.models import (
    MeetingAvailability,
    MeetingBooking,
    MeetingDay,
    MeetingSlot,
)
from campanella.comms.meetings.services import booking_create
from campanella.people.models import Staff
from tests.comms.meetings_support import booked, in_days, open_slot, publish_on, weekday_in
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_a_family_finds_the_teacher_books_and_cancels(cast: Cast) -> None:
    slot = open_slot(cast)
    teacher = Staff.objects.get(user=cast.teacher)
    client = cast.client_for(cast.guardian)
    index = client.get(reverse("comms:meeting_index")).content.decode()
    slots_url = reverse("comms:meeting_slots", args=[cast.child.pk, teacher.pk])
    assert slots_url in index and "Nessun colloquio prenotato." in index
    page = client.get(slots_url).content.decode()
    assert f'data-testid="book-{slot.pk}"' in page and "1 posto libero" in page
    response = client.post(reverse("comms:meeting_book", args=[slot.pk]), {"alunno": cast.child.pk},
                           follow=True)  # fmt: skip
    assert "Colloquio prenotato" in response.content.decode()
    booking = MeetingBooking.objects.get(slot=slot)
    assert f'data-testid="cancel-{booking.pk}"' in response.content.decode()
    assert "al completo" in client.get(slots_url).content.decode()
    response = client.post(reverse("comms:meeting_booking_cancel", args=[booking.pk]), follow=True)
    assert "Prenotazione annullata." in response.content.decode()
    booking.refresh_from_db()
    assert booking.cancelled_at is not None


def test_a_full_slot_is_refused_clearly_and_nothing_written(cast: Cast) -> None:
    booking = booked(cast)
    client = cast.client_for(cast.other_guardian)
    response = client.post(
        reverse("comms:meeting_book", args=[booking.slot_id]), {"alunno": cast.other_child.pk},
        follow=True,
    )  # fmt: skip
    assert "Il colloquio è al completo: scegliere un altro orario." in response.content.decode()
    assert MeetingBooking.objects.count() == 1


def test_a_closed_window_is_refused_clearly(cast: Cast) -> None:
    slot = open_slot(cast)
    MeetingSlot.objects.filter(pk=slot.pk).update(closes_at=slot.opens_at + datetime.timedelta(1))
    response = cast.client_for(cast.guardian).post(
        reverse("comms:meeting_book", args=[slot.pk]), {"alunno": cast.child.pk}, follow=True
    )
    assert "Le prenotazioni per questo colloquio si sono chiuse" in response.content.decode()
    assert not MeetingBooking.objects.exists()


def test_the_teacher_sees_the_days_list_and_cancels_a_slot(cast: Cast) -> None:
    booking = booked(cast)
    client = cast.client_for(cast.teacher)
    url = f"{reverse('comms:meeting_day')}?giorno={in_days(2).isoformat()}"
    page = client.get(url).content.decode()
    assert cast.child.surname in page and "15:00" in page and "Aula colloqui" in page
    assert "1 su 1 prenotati" in page
    response = client.post(reverse("comms:meeting_slot_cancel", args=[booking.slot_id]),
                           follow=True)  # fmt: skip
    assert "prenotazioni annullate: 1" in response.content.decode()
    assert "Nessuna prenotazione in questo giorno." in response.content.decode()
    assert cast.client_for(cast.other_teacher).get(url).content.decode().count(
        cast.child.surname
    ) == 0  # fmt: skip


def test_the_teacher_publishes_weekly_availability(cast: Cast) -> None:
    client = cast.client_for(cast.teacher)
    url = reverse("comms:meeting_availability")
    assert client.get(url).status_code == 200
    body = {
        "giorno": weekday_in(3).weekday(), "dalle": "16:00", "alle": "17:00", "durata": "15",
        "posti": "1", "modalita": "online", "collegamento": "https://meet.example.org/rossi",
        "apertura_giorni": "7", "apertura_ora": "20:00", "chiusura_ore": "24",
        "fino_al": (weekday_in(3) + datetime.timedelta(days=7)).isoformat(),
    }  # fmt: skip
    response = client.post(url, body, follow=True)
    assert "Ricevimento pubblicato: 8 colloqui." in response.content.decode()
    assert MeetingSlot.objects.filter(link="https://meet.example.org/rossi").count() == 8
    refused = client.post(url, {**body, "collegamento": ""}).content.decode()
    assert "indicare il collegamento" in refused
    assert MeetingAvailability.objects.count() == 1


def test_the_office_publishes_a_general_day(cast: Cast) -> None:
    client = cast.client_for(cast.office)
    url = reverse("comms:meeting_general_days")
    assert cast.classroom_1a.section in client.get(url).content.decode()
    body = {
        "titolo": "Udienze di dicembre", "giorno": in_days(5).isoformat(), "dalle": "15:00",
        "alle": "16:00", "durata": "10", "posti": "1", "modalita": "presenza",
        "luogo": "Palestra", "apertura_giorni": "7", "apertura_ora": "20:00",
        "chiusura_ore": "24", "classe": [cast.classroom_1a.pk],
    }  # fmt: skip
    response = client.post(url, body, follow=True)
    assert "Udienze pubblicate: 12 colloqui." in response.content.decode()
    assert MeetingDay.objects.get().title == "Udienze di dicembre"
    assert cast.client_for(cast.teacher).get(url).status_code == 404


def test_pages_queries_do_not_grow_with_slots_and_bookings(cast: Cast) -> None:
    teacher = Staff.objects.get(user=cast.teacher)
    family = cast.client_for(cast.guardian)
    teacher_client = cast.client_for(cast.teacher)
    slots_url = reverse("comms:meeting_slots", args=[cast.child.pk, teacher.pk])
    day_url = f"{reverse('comms:meeting_day')}?giorno={in_days(2).isoformat()}"
    index_url = reverse("comms:meeting_index")

    def costs() -> list[int]:
        counts = []
        for client, url in ((family, slots_url), (family, index_url), (teacher_client, day_url)):
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))
        return counts

    slots = publish_on(cast, in_days(2), capacity=3)
    booking_create(user=cast.guardian, slot_id=slots[0].pk, student_id=cast.child.pk)
    few = costs()
    more = publish_on(cast, in_days(2), start=datetime.time(16, 0), end=datetime.time(18, 0),
                      capacity=3)  # fmt: skip
    booking_create(user=cast.other_guardian, slot_id=more[0].pk, student_id=cast.other_child.pk)
    booking_create(user=cast.guardian, slot_id=open_slot(cast, teacher=cast.coordinator).pk,
                   student_id=cast.child.pk)  # fmt: skip
    assert costs() == few
