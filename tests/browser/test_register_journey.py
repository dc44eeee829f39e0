"""Issue 4's journeys in a real browser: the 08:00 roll call on a phone, the family's libretto
web, the teacher's validation, the coordinator's views, the agenda's warning."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from campanella.register.models import Absence
from campanella.school.selectors import is_school_day
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    cast = build_cast()
    cast.institute.unjustified_alert_days = 0  # show unjustified events at once
    cast.institute.save()
    return cast


def school_day(cast: Cast, start: datetime.date) -> datetime.date:
    day = start
    while not is_school_day(cast.school, day):
        day -= datetime.timedelta(days=1)
    return day


def test_roll_call_justification_validation_and_coordinator(
    live_cast: Cast, live_server: Any, phone: Watched, desktop: Watched
) -> None:
    base = live_server.url
    day = school_day(live_cast, timezone.localdate())
    register = f"{base}/registro/{live_cast.classroom_1a.pk}/{day.isoformat()}/"
    page = phone.page
    # 08:00, on a phone: sign the first hour, tap two absents, save; then a late entry.
    login(page, base, "teacher", PASSWORD)
    page.goto(register)
    assert_accessible(page)
    assert_fits_the_screen(page)
    page.get_by_label("Argomento").first.fill("Insiemi numerici")
    with page.expect_navigation():
        page.get_by_role("button", name="Firma la 1ª ora").click()
    assert (
        "Insiemi numerici" in page.get_by_test_id("signatures").first.inner_text()
        or page.get_by_text("Insiemi numerici").count()
    )
    roll = page.get_by_test_id("roll-call")
    # A tap on the name (the label) marks the student absent, as on a phone.
    roll.locator(f"label[for=absent-{live_cast.child.pk}]").click()
    roll.locator(f"label[for=absent-{live_cast.other_child.pk}]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Salva l'appello").click()
    assert page.get_by_role("status").first.inner_text().startswith("Appello salvato: 2 assenti")
    page.locator("#late_student").select_option(str(live_cast.adult_student.pk))
    page.locator("#late_time").fill("09:20")
    with page.expect_navigation():
        page.get_by_role("button", name="Registra l'entrata").click()
    assert_accessible(page)
    assert phone.errors == []

    # The guardian sees the absence and justifies it.
    family = desktop.page
    login(family, base, "guardian", PASSWORD)
    family.goto(f"{base}/registro/alunno/{live_cast.child.pk}/")
    events = family.get_by_test_id("family-events")
    assert "da giustificare" in events.inner_text()
    assert_accessible(family)
    family.get_by_label("Dal giorno").fill(day.isoformat())
    family.get_by_label("Motivo").fill("Febbre")
    with family.expect_navigation():
        family.get_by_role("button", name="Invia la giustificazione").click()
    assert "in attesa di convalida" in family.get_by_test_id("family-events").inner_text()
    family.get_by_role("button", name="Esci", exact=True).click()
    family.wait_for_url("**/accedi/")

    # The teacher validates it.
    page.goto(register)
    card = page.get_by_test_id("pending-justification")
    assert "Febbre" in card.inner_text()
    with page.expect_navigation():
        card.get_by_role("button", name="Accetta").click()
    assert page.get_by_test_id("pending-justification").count() == 0

    # The coordinator sees the remaining unjustified absence and late entry.
    login(family, base, "coordinator", PASSWORD)
    family.goto(f"{base}/registro/{live_cast.classroom_1a.pk}/assenze/")
    unjustified = family.get_by_test_id("unjustified").inner_text()
    assert live_cast.other_child.name in unjustified
    assert live_cast.adult_student.name in unjustified
    assert live_cast.child.name not in unjustified
    assert_accessible(family)
    assert desktop.errors == []


def test_near_the_limit_and_second_test_warning(
    live_cast: Cast, live_server: Any, desktop: Watched
) -> None:
    base = live_server.url
    year = live_cast.classroom_1a.school_year
    days, day = [], year.lessons_start
    while len(days) < 60 and day <= timezone.localdate():
        if is_school_day(live_cast.school, day):
            days.append(day)
        day += datetime.timedelta(days=1)
    Absence.objects.bulk_create(
        Absence(
            student=live_cast.other_child,
            classroom=live_cast.classroom_1a,
            date=d,
            recorded_by=live_cast.teacher,
        )
        for d in days
    )
    page = desktop.page
    login(page, base, "coordinator", PASSWORD)
    page.goto(f"{base}/registro/{live_cast.classroom_1a.pk}/assenze/")
    row = page.get_by_test_id("limit-table").get_by_role(
        "row", name=live_cast.other_child.full_name
    )
    assert "limite" in row.inner_text()
    assert_accessible(page)

    today = school_day(live_cast, timezone.localdate())
    test_day = school_day(live_cast, today + datetime.timedelta(days=9))
    page.goto(f"{base}/registro/{live_cast.classroom_1a.pk}/{today.isoformat()}/")
    for subject in ("Italiano", "Matematica"):
        page.get_by_text("Aggiungi compiti o una verifica").click()  # the form is folded
        page.get_by_label("Tipo").select_option("verifica")
        page.get_by_label("Materia").select_option(label=subject)
        page.get_by_label("Per il giorno").fill(test_day.isoformat())
        page.get_by_label("Descrizione").fill(f"Verifica di {subject}")
        with page.expect_navigation():
            page.get_by_role("button", name="Aggiungi all'agenda").click()
    warnings = page.get_by_role("status").all_inner_texts()
    assert any("ha già una verifica" in text for text in warnings), warnings
    assert desktop.errors == []
