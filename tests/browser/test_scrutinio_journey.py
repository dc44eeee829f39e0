"""Issue 12's "done when", in one journey with the real checks of every step: the coordinator
reads 1ª A's proposals from the register, a teacher changes one, the council goes through every
step to the lock; then a grade, an absence and a justification for a locked day are refused
from the pages, the API and an import, and nothing is written; the principal reopens with a
reason, the same grade is then accepted, and the office's history tells it all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from playwright.sync_api import FilePayload, Page

from campanella.accounts.services import api_token_issue
from campanella.evaluation.models import EvaluationSession, SessionKind, SubjectMark
from campanella.evaluation.sessions import sessions_create
from campanella.grades.models import Grade
from campanella.register.services import roll_call_save
from campanella.school.models import ClosedPeriod, Term
from tests.browser_support import Watched, assert_accessible, assert_fits_the_screen, login
from tests.conftest import PASSWORD, Cast, build_cast, school_day
from tests.evaluation.council_support import staff, students
from tests.evaluation.test_proposals import grade, weekday_in
from tests.interop.helpers import ATTENDANCE_HEADER, GRADE_HEADER, csv_bytes
from tests.school.closed_days import FED, fingerprint

CLOSED = "è in un periodo chiuso dallo scrutinio"


@pytest.fixture
def live_cast(transactional_db: Any, live_server: Any) -> Cast:
    """1ª A with a term of grades in maths (the teacher) and Italian (the coordinator), the
    child's absence on the last school day, and its final session opened by the office."""
    cast = build_cast()
    term = Term.objects.get(school=cast.school)
    for week, (maths, italian) in enumerate((("7", "6"), ("7", "8"))):
        for student in students(cast):
            day = weekday_in(term, 1, week=week + 2)
            grade(student, cast.maths, day, maths, classroom=cast.classroom_1a)
            grade(student, cast.italian, day, italian, classroom=cast.classroom_1a)
    roll_call_save(
        user=cast.teacher, classroom=cast.classroom_1a, day=school_day(cast),
        absent_ids=[cast.child.pk],
    )  # fmt: skip
    sessions_create(
        classrooms=[cast.classroom_1a], term=term, kind=SessionKind.FINAL, user=cast.office
    )
    return cast


def press(page: Page, name: str) -> None:
    """A button or link by its name, by keyboard: focus, then Enter."""
    control = page.get_by_role("button", name=name).or_(page.get_by_role("link", name=name))
    control.first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")


def advance(page: Page, session_url: str, expected: str) -> None:
    """The stepper's next step, refused with its problems if the step is not complete."""
    page.goto(session_url)
    button = page.get_by_role("button", name="Passa alla fase")
    assert button.count() == 1, page.locator("main").inner_text()
    press(page, button.inner_text())
    step = page.locator('[aria-current="step"]').get_attribute("data-step")
    assert step == expected, page.locator("main").inner_text()


def no_errors(page: Page) -> None:
    assert page.locator("[data-testid=council-errors]").count() == 0, page.inner_text("main")


def upload(page: Page, base: str, kind: str, content: bytes) -> str:
    """The office uploads a file of `kind`: the preview's text."""
    page.goto(f"{base}/segreteria/importa/{kind}/")
    payload: FilePayload = {"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": content}
    page.get_by_label("File CSV o Excel (.xlsx)").set_input_files(files=[payload])
    with page.expect_navigation():
        page.get_by_role("button", name="Carica e mostra l'anteprima").click()
    assert page.get_by_role("button", name="Conferma e importa").count() == 0
    return page.locator("main").inner_text()


def api(user: Any) -> Client:
    _token, raw = api_token_issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_from_the_register_to_the_lock_and_back(
    live_cast: Cast, live_server: Any, desktop: Watched, phone: Watched
) -> None:
    c = live_cast
    base = live_server.url
    session = EvaluationSession.objects.get(classroom=c.classroom_1a)
    session_url = f"{base}/scrutini/{session.pk}/"
    council = f"{session_url}consiglio"
    page = desktop.page

    # 1. The coordinator reads the proposals of 1ª A from the register.
    login(page, base, "coordinator", PASSWORD)
    page.goto(f"{session_url}proposte/")
    press(page, "Leggi le proposte dal registro")
    proposals = {(m.student_id, m.subject_id): m.proposed_mark for m in SubjectMark.objects.all()}
    assert proposals[(c.child.pk, c.maths.pk)] == Decimal(7)
    assert proposals[(c.child.pk, c.italian.pk)] == Decimal(7)
    assert len(proposals) == 6
    assert_accessible(page)
    page.context.clear_cookies()

    # 2. The maths teacher raises one proposal, on a phone.
    small = phone.page
    login(small, base, "teacher", PASSWORD)
    small.goto(f"{session_url}proposte/")
    cell = small.locator(f"#proposta-{c.child.pk}")
    cell.focus()
    small.keyboard.press("Control+A")
    small.keyboard.type("8")
    small.keyboard.press("Enter")
    small.wait_for_function(
        "id => document.getElementById(id).textContent.includes('Salvato')",
        arg=f"stato-{c.child.pk}",
    )
    changed = SubjectMark.objects.get(student=c.child, subject=c.maths)
    assert (changed.proposed_mark, changed.changed_by_hand) == (Decimal(8), True)
    assert_accessible(small)
    assert_fits_the_screen(small)
    small.context.clear_cookies()

    # 3. The council, step by step, each one refused until its page is complete.
    login(page, base, "coordinator", PASSWORD)
    advance(page, session_url, "apertura")
    page.goto(f"{council}/apertura/")
    page.fill("#data", session.term.end_date.isoformat())
    page.fill("#inizio", "15:00")
    page.select_option("#segretario", str(staff(c.teacher).pk))
    page.fill("#luogo", "Aula magna")
    press(page, "Salva l'apertura")
    no_errors(page)
    advance(page, session_url, "frequenza")
    page.goto(f"{council}/frequenza/")
    press(page, "Leggi le ore dal registro e salva le decisioni")
    no_errors(page)
    advance(page, session_url, "voti")
    page.goto(f"{council}/voti/")
    assert page.input_value(f"#m-{c.child.pk}-{c.maths.pk}") == "8"  # the teacher's proposal
    assert_accessible(page)
    press(page, "Salva i voti finali")
    no_errors(page)
    advance(page, session_url, "condotta")
    page.goto(f"{council}/condotta/")
    for student in students(c):
        page.fill(f"#voto-{student.pk}", "9")
        page.fill(f"#motivo-{student.pk}", "Partecipe e corretto")
    press(page, "Salva il comportamento")
    no_errors(page)
    advance(page, session_url, "educazione_civica")
    page.goto(f"{council}/educazione-civica/")
    for student in students(c):
        page.fill(f"#voto-{student.pk}", "8")
    press(page, "Salva l'educazione civica")
    no_errors(page)
    advance(page, session_url, "esiti")
    page.goto(f"{council}/esiti/")
    assert page.input_value(f"#esito-{c.child.pk}") == "ammesso"
    press(page, "Salva gli esiti")
    no_errors(page)
    advance(page, session_url, "verbale")
    page.goto(f"{council}/verbale/")
    page.fill("#verbale", "12")
    page.fill("#fine", "17:30")
    press(page, "Registra la chiusura della seduta")
    no_errors(page)
    press(page, "Genera i documenti")
    no_errors(page)
    page.goto(session_url)
    press(page, "Chiudi lo scrutinio…")
    assert_accessible(page)
    press(page, "Conferma la chiusura")
    assert "Scrutinio chiuso." in page.locator("main").inner_text()
    assert ClosedPeriod.objects.filter(classroom=c.classroom_1a).count() == 1
    page.context.clear_cookies()

    # 4. A grade, an absence and a justification for the locked day: refused everywhere.
    day = school_day(c)
    before = fingerprint(FED)
    login(page, base, "teacher", PASSWORD)
    page.goto(f"{base}/voti/{c.classroom_1a.pk}/{c.maths.pk}/")
    page.fill("#date", day.isoformat())
    page.locator(f"#voto-{c.child.pk}").focus()
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([id, text]) => document.getElementById(id).textContent.includes(text)",
        arg=[f"voto-{c.child.pk}-stato", CLOSED],
    )
    page.goto(f"{base}/registro/{c.classroom_1a.pk}/{day.isoformat()}/")
    page.get_by_test_id("roll-call").locator(f"label[for=absent-{c.child.pk}]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Salva l'appello").click()
    assert CLOSED in page.locator("main").inner_text()
    page.context.clear_cookies()
    login(page, base, "guardian", PASSWORD)
    page.goto(f"{base}/registro/alunno/{c.child.pk}/")
    page.get_by_label("Dal giorno").fill(day.isoformat())
    page.get_by_label("Motivo").fill("Febbre")
    with page.expect_navigation():
        page.get_by_role("button", name="Invia la giustificazione").click()
    assert CLOSED in page.locator("main").inner_text()
    assert_accessible(page)
    page.context.clear_cookies()

    classroom_api = f"/api/v1/classrooms/{c.classroom_1a.pk}"
    refused = [
        api(c.teacher).post(
            f"{classroom_api}/subjects/{c.maths.pk}/grades",
            {"student_id": c.child.pk, "date": day.isoformat(), "kind": "orale", "grade": "9"},
            content_type="application/json",
        ),
        api(c.teacher).put(
            f"{classroom_api}/register/{day.isoformat()}/roll-call",
            {"absent": [c.other_child.pk]},
            content_type="application/json",
        ),
        api(c.guardian).post(
            f"/api/v1/students/{c.child.pk}/justifications",
            {"kind": "assenza", "start_date": day.isoformat(), "reason": "Febbre"},
            content_type="application/json",
        ),
    ]
    assert [(r.status_code, r.json()["code"]) for r in refused] == [(409, "giorno_chiuso")] * 3

    login(page, base, "office", PASSWORD)
    when = day.strftime("%d/%m/%Y")
    row = {"codice_fiscale": c.child.codice_fiscale, "data": when}
    absent = {"codice_fiscale": c.other_child.codice_fiscale, "data": when}
    grades_file = [{**row, "materia": "Matematica", "tipo": "orale", "voto": "9",
                    "docente": "teacher"}]  # fmt: skip
    events_file = [
        {**absent, "tipo": "ASSENZA"},  # a new absence
        {**row, "tipo": "ASSENZA", "giustificata": "sì"},  # the child's, justified
    ]
    for kind, content, lines in (
        ("voti", csv_bytes(grades_file, GRADE_HEADER), (2,)),
        ("assenze", csv_bytes(events_file, ATTENDANCE_HEADER), (2, 3)),
    ):
        preview = upload(page, base, kind, content)
        assert CLOSED in preview and all(f"Riga {line}" in preview for line in lines), preview
    assert_accessible(page)
    assert fingerprint(FED) == before
    page.context.clear_cookies()

    # 5. The principal reopens with a reason: the day is open again.
    login(small, base, "principal", PASSWORD)
    small.goto(session_url)
    small.locator("#motivo").fill("Voto di matematica da rivedere")
    press(small, "Riapri lo scrutinio")
    assert "Scrutinio riaperto (versione 2)" in small.locator("main").inner_text()
    assert not ClosedPeriod.objects.exists()
    answer = api(c.teacher).post(
        f"{classroom_api}/subjects/{c.maths.pk}/grades",
        {"student_id": c.child.pk, "date": day.isoformat(), "kind": "orale", "grade": "9"},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert Grade.objects.filter(student=c.child, date=day).count() == 1
    small.context.clear_cookies()

    # 6. The office's history tells it all.
    login(page, base, "office", PASSWORD)
    page.goto(f"{base}/registro/storico/?tipo=scrutinio")
    story = " ".join(page.get_by_test_id("history").inner_text().split())
    for said in (
        "Apertura · Scrutinio",
        "Passaggio alla fase «apertura della seduta»",
        "Passaggio alla fase «verbale e documenti»",
        "Chiusura · Scrutinio",
        "Riapertura · Scrutinio",
        "Motivo: Voto di matematica da rivedere",
    ):
        assert said in story, said
    page.goto(f"{base}/registro/storico/?tipo=voto-scrutinio")
    story = " ".join(page.get_by_test_id("history").inner_text().split())
    assert "Matematica" in story and "7 → diventa 8" in story, story
    assert_accessible(page)
    assert desktop.errors == [] and phone.errors == []
