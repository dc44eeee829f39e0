"""Issue 14's journey in Chromium, end to end: the office sends a notice asking 1ª A's families
for their consent; the guardian, on a 375 px phone, gets the e-mail notification (a real SMTP
server), sees the unread count, agrees, and the office's tracking shows it; the guardian books
the maths teacher's meeting slot by keyboard and the teacher's day lists it; the guardian's
private calendar feed, read without a session and parsed with `icalendar`, holds the booking.
Every page axe-clean."""

from __future__ import annotations

import datetime
import urllib.request
from typing import Any

import icalendar
import pytest
from django.utils import timezone

from campanella.comms.meetings.models import MeetingBooking
from campanella.comms.notices.models import Notice, NoticeConsent
from campanella.comms.notifications.delivery import address_of
from campanella.comms.notifications.models import NotificationSettings
from campanella.people.models import Staff
from tests.browser.test_notices_journey import tick
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.comms.meetings_support import publish_on, weekday_in
from tests.conftest import PASSWORD, Cast, build_cast
from tests.mailbox import Mailbox, mailbox  # noqa: F401 - the fixture


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    # Whatever the hour the suite runs at: no quiet hours for the guardian.
    NotificationSettings.objects.update_or_create(
        user=cast.guardian, defaults={"quiet_hours": False}
    )
    return cast


def test_notice_consent_meeting_booking_email_and_calendar_feed(
    live_cast: Cast,
    live_server: Any,
    desktop: Watched,
    phone: Watched,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    base, cast, office, family = live_server.url, live_cast, desktop.page, phone.page
    # The office writes the notice.
    login(office, base, "office", PASSWORD)
    office.goto(f"{base}/comunicazioni/nuova/")
    office.fill("#oggetto", "Uscita didattica al museo")
    office.fill("#testo", "Venerdì la classe visita il museo di scienze.")
    for box in ("#ambito-classi", "#ruolo-famiglie", f"#classe-{cast.classroom_1a.pk}",
                "#adesione", "#per_figlio"):  # fmt: skip
        tick(office, box)
    office.fill("#domanda", "Autorizzate la partecipazione?")
    office.fill("#termine_data", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    office.fill("#termine_ora", "12:00")
    with office.expect_navigation():
        office.get_by_test_id("publish").click()
    notice = Notice.objects.get()

    # The e-mail notification reaches the guardian's mailbox.
    address = address_of(cast.guardian)  # the guardian's own address at school
    assert address
    mailbox.wait_for_address(address, timeout=20)
    told = [
        mail for mail in mailbox.to(address)
        if "Uscita didattica al museo" in f"{mail['Subject']} {mailbox.body(mail)}"
    ]  # fmt: skip
    assert len(told) == 1, [str(mail["Subject"]) for mail in mailbox.to(address)]

    # The guardian on the phone: unread count, the notice, consent by keyboard.
    login(family, base, "guardian", PASSWORD)
    assert "1" in family.get_by_test_id("unread-notices").inner_text()
    family.goto(f"{base}/comunicazioni/{notice.pk}/")
    assert_accessible(family)
    assert_fits_the_screen(family)
    suffix = cast.child.pk
    family.locator(f"#si-{suffix}").focus()
    family.keyboard.press("Space")
    family.get_by_test_id(f"consent-submit-{suffix}").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    assert NoticeConsent.objects.get().student == cast.child
    office.goto(f"{base}/comunicazioni/{notice.pk}/situazione/")
    assert "aderisce" in office.get_by_test_id("line-guardian").inner_text()
    assert_accessible(office)

    # The maths teacher's meeting hour; the guardian books its first slot by keyboard.
    day = weekday_in(2)
    slots = publish_on(cast, day)
    family.goto(f"{base}/comunicazioni/colloqui/")
    name = Staff.objects.get(user=cast.teacher).full_name
    with family.expect_navigation():
        family.get_by_role("link", name=name).first.click()
    family.get_by_test_id(f"book-{slots[0].pk}").focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    booking = MeetingBooking.objects.get()
    assert booking.slot_id == slots[0].pk and booking.student_id == cast.child.pk
    assert_accessible(family)
    assert_fits_the_screen(family)
    office.context.clear_cookies()
    login(office, base, "teacher", PASSWORD)
    office.goto(f"{base}/comunicazioni/colloqui/agenda/?giorno={day.isoformat()}")
    assert cast.child.surname in office.get_by_test_id("day-bookings").inner_text()

    # The guardian's calendar feed, read as a phone would (no session), holds the booking.
    family.goto(f"{base}/comunicazioni/calendario/")
    create = family.get_by_role("button", name="Crea l'indirizzo del calendario")
    create.focus()
    with family.expect_navigation():
        family.keyboard.press("Enter")
    feed_url = family.get_by_label("Indirizzo del calendario").input_value()
    assert_accessible(family)
    with urllib.request.urlopen(feed_url, timeout=30) as response:  # noqa: S310 - the test server
        calendar = icalendar.Calendar.from_ical(response.read())
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    meeting = events[f"meeting-booking-{booking.pk}@campanella"]
    assert meeting.decoded("DTSTART") == slots[0].starts_at
    assert f"notice-consent-{notice.pk}@campanella" in events
    assert desktop.errors == [] and phone.errors == []
