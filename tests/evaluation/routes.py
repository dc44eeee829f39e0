"""Routes of the scrutinio (/scrutini/ and the API's evaluation router): what an outsider gets,
and every write with a valid body on a real object (tests/routes.py explains the tables).

Shared by the evaluation modules: each appends its own entries below its own comment."""

from __future__ import annotations

from django.urls import reverse

from campanella.evaluation.models import EvaluationSession, SessionKind, SubjectMark
from campanella.people.models import User
from campanella.school.models import Classroom, Term
from tests.conftest import Cast
from tests.routes import (
    ApiTable,
    ApiWriteTable,
    PageTable,
    SelfServiceTable,
    Write,
    WriteTable,
    posted,
)

PAGES: PageTable = {}
API: ApiTable = {}
PAGE_WRITES: WriteTable = {}
API_WRITES: ApiWriteTable = {}
SELF_SERVICE: SelfServiceTable = {}


# --- sessions of the cast, for every evaluation route -------------------------------------------


def a_session(c: Cast, classroom: Classroom | None = None) -> EvaluationSession:
    """The session of 1A (or `classroom`) for the cast's term, made once."""
    classroom = classroom or c.classroom_1a
    term = Term.objects.get(school=classroom.school_id, school_year=classroom.school_year_id)
    session, _created = EvaluationSession.objects.get_or_create(
        classroom=classroom, term=term, kind=SessionKind.FINAL, student=None
    )
    return session


# --- proposals (evaluation.views_proposals, evaluation.api_proposals) ---------------------------


def proposal_outsiders(c: Cast) -> tuple[User, ...]:
    """Another class's teacher, the class's coordinator who teaches another subject, the office
    and the principal (who propose nothing), the child's family, the child, another
    institute's office."""
    return (c.other_teacher, c.coordinator, c.office, c.principal, c.guardian, c.child_user,
            c.foreign_office)  # fmt: skip


def read_outsiders(c: Cast) -> tuple[User, ...]:
    """Teachers who do not coordinate, the family, the child, another institute's office."""
    return (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office)


def proposals_save(c: Cast) -> Write:
    body = {"materia": c.maths.pk, f"proposta-{c.child.pk}": "7"}
    in_2b = reverse("evaluation:proposals_save", args=[a_session(c, c.classroom_2b).pk])
    return Write(
        reverse("evaluation:proposals_save", args=[a_session(c).pk]),
        body,
        c.teacher,
        proposal_outsiders(c),
        (SubjectMark,),
        crossed=((c.other_teacher, in_2b, {**body, "materia": c.italian.pk}, 404),),
    )


def proposals_read(c: Cast) -> Write:
    return Write(
        reverse("evaluation:proposals_read", args=[a_session(c).pk]),
        {"sovrascrivi": "1"},
        c.coordinator,
        read_outsiders(c),
        (SubjectMark, EvaluationSession),
    )


def proposals_bulk(c: Cast) -> Write:
    term = Term.objects.get(school=c.school)
    body = {"periodo": f"{term.school_year_id}-{term.number}", "quali": "scelte",
            "classi": [c.classroom_1a.pk]}  # fmt: skip
    return Write(
        reverse("evaluation:proposals_bulk"),
        body,
        c.office,
        (c.teacher, c.coordinator, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (SubjectMark, EvaluationSession),
        # Another institute's office has a reading page of its own: no such period there.
        refused_for={"foreign_office": 200},
    )


def api_proposal_put(c: Cast) -> Write:
    body = {"proposal": "7"}
    session_2b = a_session(c, c.classroom_2b)
    in_2b = f"/api/v1/evaluation-sessions/{session_2b.pk}/proposals/{c.child.pk}/{c.italian.pk}"
    return Write(
        f"/api/v1/evaluation-sessions/{a_session(c).pk}/proposals/{c.child.pk}/{c.maths.pk}",
        body,
        c.teacher,
        proposal_outsiders(c),
        (SubjectMark,),
        crossed=((c.other_teacher, in_2b, body, 404),),
    )


def api_proposal_read(c: Cast) -> Write:
    return Write(
        f"/api/v1/evaluation-sessions/{a_session(c).pk}/proposals/read",
        {"overwrite": False},
        c.coordinator,
        read_outsiders(c),
        (SubjectMark, EvaluationSession),
    )


PAGES.update({
    "evaluation:proposals": (lambda c: {"session_id": a_session(c).pk}, 404, 302),
    "evaluation:proposals_save": (posted, 404, 302),
    "evaluation:proposals_read": (posted, 404, 302),
    "evaluation:proposals_bulk": (lambda c: {}, 404, 302),
})  # fmt: skip
PAGE_WRITES.update({
    "evaluation:proposals_save": proposals_save,
    "evaluation:proposals_read": proposals_read,
    "evaluation:proposals_bulk": proposals_bulk,
})  # fmt: skip
API.update({
    ("get", "/api/v1/evaluation-sessions/{session_id}/proposals"): 404,
    ("put", "/api/v1/evaluation-sessions/{session_id}/proposals/{student_id}/{subject_id}"): 404,
    ("post", "/api/v1/evaluation-sessions/{session_id}/proposals/read"): 404,
})  # fmt: skip
API_WRITES.update({
    ("put", "/api/v1/evaluation-sessions/{session_id}/proposals/{student_id}/{subject_id}"):
        api_proposal_put,
    ("post", "/api/v1/evaluation-sessions/{session_id}/proposals/read"): api_proposal_read,
})  # fmt: skip

# --- the class council (evaluation.views_council, the council's API) ------------------------
# Every page reads a real session of 1A at its step; every write is the coordinator's valid
# body; the classroom's other teacher, the office (they see the session, do not lead it),
# another class's teacher, the family, the student and another institute are refused (404).

from typing import Any  # noqa: E402

from campanella.evaluation.models import (  # noqa: E402
    CouncilMember,
    Deliberation,
    SessionDocument,
    Step,
    StudentResult,
)
from tests.evaluation.council_support import (  # noqa: E402
    council_session,
    decide,
    opened,
    propose,
    staff,
)

COUNCIL_WATCH = (
    EvaluationSession,
    CouncilMember,
    SubjectMark,
    StudentResult,
    Deliberation,
    SessionDocument,
)


def council_outsiders(c: Cast) -> tuple[Any, ...]:
    return (c.teacher, c.office, c.other_teacher, c.guardian, c.child_user, c.foreign_office)


def at(step: Step, **options: Any) -> Any:
    return lambda c: {"session_id": opened(council_session(c, step=step, **options), c).pk}


def document_of(c: Cast) -> dict[str, int]:
    """A document of a real session, with its file (in the tests' media directory)."""
    from django.core.files.base import ContentFile

    session = opened(council_session(c, step=Step.MINUTES), c)
    document = SessionDocument.objects.filter(session=session, kind="verbale").first()
    if document is None:
        document = SessionDocument(session=session, kind="verbale", version=1)
        document.pdf.save("verbale-prova.pdf", ContentFile(b"%PDF-1.7\n%prova\n"), save=True)
    return {"session_id": session.pk, "document_id": document.pk}


PAGES.update(
    {
        "evaluation:council_opening": (at(Step.OPENING), 404, 302),
        "evaluation:council_attendance": (at(Step.ATTENDANCE), 404, 302),
        "evaluation:council_marks": (at(Step.MARKS), 404, 302),
        "evaluation:council_behaviour": (at(Step.BEHAVIOUR), 404, 302),
        "evaluation:council_civics": (at(Step.CIVICS), 404, 302),
        "evaluation:council_outcomes": (at(Step.OUTCOMES), 404, 302),
        "evaluation:council_credits": (at(Step.CREDITS, year=3), 404, 302),
        "evaluation:council_minutes": (at(Step.MINUTES), 404, 302),
        "evaluation:council_vote": (posted, 404, 302),  # POST only: its PAGE_WRITES entry
        "evaluation:council_documents": (at(Step.MINUTES), 404, 302),
        "evaluation:council_document": (document_of, 404, 302),
    }
)


def council_write(c: Cast, step: Step, name: str, body: dict[str, Any], **options: Any) -> Write:
    session = opened(council_session(c, step=step, **options), c)
    return Write(
        reverse(f"evaluation:{name}", args=[session.pk]),
        body,
        c.coordinator,
        council_outsiders(c),
        COUNCIL_WATCH,
    )


def opening_write(c: Cast) -> Write:
    session = council_session(c, step=Step.OPENING)
    body = {
        "data": session.term.end_date.isoformat(),
        "inizio": "15:00",
        "luogo": "Aula magna",
        "verbale": "4",
        "presidente": staff(c.principal).pk,
        "segretario": staff(c.teacher).pk,
    }
    for user in (c.coordinator, c.teacher):
        body[f"membro-{staff(user).pk}"] = "1"
        body[f"presente-{staff(user).pk}"] = "1"
    url = reverse("evaluation:council_opening", args=[session.pk])
    return Write(url, body, c.coordinator, council_outsiders(c), COUNCIL_WATCH)


def outcomes_write(c: Cast) -> Write:
    write = council_write(c, Step.OUTCOMES, "council_outcomes", {})
    session = EvaluationSession.objects.get(classroom=c.classroom_1a)
    decide(session, c)
    return Write(
        write.url,
        {f"esito-{c.child.pk}": "ammesso"},
        c.coordinator,
        council_outsiders(c),
        COUNCIL_WATCH,
    )


def credits_write(c: Cast) -> Write:
    write = council_write(c, Step.CREDITS, "council_credits", {}, year=3)
    session = EvaluationSession.objects.get(classroom=c.classroom_1a)
    decide(session, c)
    StudentResult.objects.filter(session=session).update(outcome="ammesso")
    return Write(
        write.url,
        {f"credito-{c.child.pk}": "9"},
        c.coordinator,
        council_outsiders(c),
        COUNCIL_WATCH,
    )


def vote_write(c: Cast) -> Write:
    session = opened(council_session(c, step=Step.MARKS), c)
    propose(session, c, {(c.child, c.maths): 6})
    SubjectMark.objects.filter(session=session).update(final_mark=7)
    deliberation = Deliberation.objects.create(
        session=session, student=c.child, subject=c.maths, topic="voto"
    )
    return Write(
        reverse("evaluation:council_vote", args=[session.pk]),
        {"delibera": deliberation.pk, "contrari": [staff(c.teacher).pk]},
        c.coordinator,
        council_outsiders(c),
        COUNCIL_WATCH,
    )


PAGE_WRITES.update(
    {
        "evaluation:council_opening": opening_write,
        "evaluation:council_attendance": lambda c: council_write(
            c, Step.ATTENDANCE, "council_attendance", {}
        ),
        "evaluation:council_marks": lambda c: council_write(
            c, Step.MARKS, "council_marks", {f"m-{c.child.pk}-{c.maths.pk}": "7"}
        ),
        "evaluation:council_behaviour": lambda c: council_write(
            c,
            Step.BEHAVIOUR,
            "council_behaviour",
            {f"voto-{c.child.pk}": "8", f"motivo-{c.child.pk}": "Corretto e partecipe"},
        ),
        "evaluation:council_civics": lambda c: council_write(
            c, Step.CIVICS, "council_civics", {f"voto-{c.child.pk}": "7"}
        ),
        "evaluation:council_outcomes": outcomes_write,
        "evaluation:council_credits": credits_write,
        "evaluation:council_minutes": lambda c: council_write(
            c, Step.MINUTES, "council_minutes", {"verbale": "5", "fine": "18:00"}
        ),
        "evaluation:council_vote": vote_write,
    }
)

COUNCIL_API = "/api/v1/evaluation-sessions/{session_id}"
API.update(
    {
        ("get", f"{COUNCIL_API}/final-marks"): 404,
        ("put", f"{COUNCIL_API}/final-marks"): 404,
        ("get", f"{COUNCIL_API}/behaviour"): 404,
        ("put", f"{COUNCIL_API}/behaviour"): 404,
        ("get", f"{COUNCIL_API}/outcomes"): 404,
        ("put", f"{COUNCIL_API}/outcomes"): 404,
        ("get", f"{COUNCIL_API}/credits"): 404,
        ("put", f"{COUNCIL_API}/credits"): 404,
        ("get", f"{COUNCIL_API}/documents"): 404,
        ("get", f"{COUNCIL_API}/documents/{{document_id}}"): 404,
    }
)


def api_write(c: Cast, step: Step, tail: str, body: dict[str, Any], **options: Any) -> Write:
    session = opened(council_session(c, step=step, **options), c)
    if step in (Step.OUTCOMES, Step.CREDITS):
        decide(session, c)
    if step == Step.CREDITS:
        StudentResult.objects.filter(session=session).update(outcome="ammesso")
    return Write(
        f"/api/v1/evaluation-sessions/{session.pk}/{tail}",
        body,
        c.coordinator,
        council_outsiders(c),
        COUNCIL_WATCH,
    )


API_WRITES.update(
    {
        ("put", f"{COUNCIL_API}/final-marks"): lambda c: api_write(
            c,
            Step.MARKS,
            "final-marks",
            {"marks": [{"student_id": c.child.pk, "subject_id": c.maths.pk, "mark": "7"}]},
        ),
        ("put", f"{COUNCIL_API}/behaviour"): lambda c: api_write(
            c,
            Step.BEHAVIOUR,
            "behaviour",
            {"entries": [{"student_id": c.child.pk, "mark": "9", "reason": "Esemplare"}]},
        ),
        ("put", f"{COUNCIL_API}/outcomes"): lambda c: api_write(
            c,
            Step.OUTCOMES,
            "outcomes",
            {"entries": [{"student_id": c.child.pk, "outcome": "ammesso"}]},
        ),
        ("put", f"{COUNCIL_API}/credits"): lambda c: api_write(
            c,
            Step.CREDITS,
            "credits",
            {"entries": [{"student_id": c.child.pk, "credit": 9}]},
            year=3,
        ),
    }
)


def council_api_ids(c: Cast) -> dict[str, int]:
    """A real session of 1A at the minutes with a real document, for the API's reads."""
    ids = document_of(c)
    return {"{session_id}": ids["session_id"], "{document_id}": ids["document_id"]}


API_IDS = council_api_ids


# --- sessions: the list, a session's overview, its steps, lock and reopening -----------------
# (evaluation/views_sessions.py, the sessions' operations of evaluation/api.py)

from campanella.school.models import ClosedPeriod  # noqa: E402
from tests.evaluation.session_helpers import (  # noqa: E402
    first_term,
    lockable_session,
    locked_session,
    quiet_session,
    session_of,
)


def others(c: Cast) -> tuple[Any, ...]:
    """Who may not lead a session of 3C: another class's teacher, a teacher of 1A, the office
    (who sees it: the page comes back with the refusal, 302), the child's family, the child,
    another institute's office."""
    return (c.other_teacher, c.teacher, c.office, c.guardian, c.child_user, c.foreign_office)


def session_write(c: Cast, name: str, step: str, body: dict[str, Any], rightful: Any) -> Write:
    session = quiet_session(c, step)
    return Write(
        reverse(name, args=[session.pk]),
        body,
        rightful,
        others(c),
        (EvaluationSession.objects.filter(pk=session.pk), ClosedPeriod),
        refused_for={"office": 302},
    )


def lock_write(c: Cast) -> Write:
    """1A's final session, complete: its coordinator locks it; a teacher of 1A and the office
    see it and are told they may not (302), the others do not see it (404)."""
    session = lockable_session(c)
    return Write(
        reverse("evaluation:lock", args=[session.pk]),
        {"fase": Step.MINUTES},
        c.coordinator,
        others(c),
        (EvaluationSession.objects.filter(pk=session.pk), ClosedPeriod),
        refused_for={"office": 302, "teacher": 302},
    )


def reopen_write(c: Cast) -> Write:
    session = locked_session(c)
    return Write(
        reverse("evaluation:reopen", args=[session.pk]),
        {"motivo": "Errore materiale nel verbale"},
        c.principal,
        (c.coordinator, c.office, c.teacher, c.other_teacher, c.guardian, c.child_user,
         c.foreign_office),
        (EvaluationSession.objects.filter(pk=session.pk), ClosedPeriod),
        refused_for={"office": 302, "coordinator": 302, "teacher": 302},
    )  # fmt: skip


def create_write(c: Cast) -> Write:
    body = {"periodo": first_term(c).pk, "tipo": SessionKind.FINAL, "classi": "scelte",
            "classe": [c.classroom_1a.pk]}  # fmt: skip
    return Write(
        reverse("evaluation:create"),
        body,
        c.office,
        (c.coordinator, c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (EvaluationSession,),
    )


def defer_write(c: Cast) -> Write:
    session = a_session(c)  # 1A's final session
    return Write(
        reverse("evaluation:defer", args=[session.pk]),
        {"alunno": c.child.pk},
        c.coordinator,
        (c.teacher, c.other_teacher, c.guardian, c.child_user, c.foreign_office),
        (EvaluationSession,),
        refused_for={"teacher": 302},
    )


PAGES.update(
    {
        "evaluation:index": (lambda c: {}, 404, 302),
        "evaluation:create": (posted, 404, 302),
        "evaluation:session": (lambda c: {"session_id": session_of(c).pk}, 404, 302),
        "evaluation:advance": (posted, 404, 302),
        "evaluation:undo": (posted, 404, 302),
        "evaluation:lock": (
            lambda c: {"session_id": session_of(c, step=Step.MINUTES).pk},
            404,
            302,
        ),
        "evaluation:reopen": (posted, 404, 302),
        "evaluation:defer": (posted, 404, 302),
    }
)
PAGE_WRITES.update(
    {
        "evaluation:create": create_write,
        "evaluation:advance": lambda c: session_write(
            c, "evaluation:advance", Step.PROPOSALS, {"fase": Step.PROPOSALS}, c.coordinator
        ),
        "evaluation:undo": lambda c: session_write(
            c, "evaluation:undo", Step.OPENING, {"fase": Step.OPENING}, c.principal
        ),
        "evaluation:lock": lock_write,
        "evaluation:reopen": reopen_write,
        "evaluation:defer": defer_write,
    }
)


def api_move(c: Cast, move: str, step: str, rightful: Any) -> Write:
    session = quiet_session(c, step)
    return Write(
        f"/api/v1/evaluation-sessions/{session.pk}/{move}",
        {"from_step": step},
        rightful,
        others(c),
        (EvaluationSession.objects.filter(pk=session.pk), ClosedPeriod),
        refused_for={"office": 403},
    )


def api_of(page: Write, move: str, body: dict[str, Any], status: int = 403) -> Write:
    """The API's twin of a page's write: the same session, rightful user and outsiders."""
    session_id = page.url.strip("/").split("/")[1]
    return Write(
        f"/api/v1/evaluation-sessions/{session_id}/{move}",
        body,
        page.rightful,
        page.outsiders,
        page.watch,
        refused_for=dict.fromkeys(page.refused_for, status),
    )


API.update(
    {
        ("get", "/api/v1/evaluation-sessions"): 200,
        ("get", "/api/v1/evaluation-sessions/{session_id}"): 404,
        ("post", "/api/v1/evaluation-sessions/{session_id}/advance"): 404,
        ("post", "/api/v1/evaluation-sessions/{session_id}/undo"): 404,
        ("post", "/api/v1/evaluation-sessions/{session_id}/lock"): 404,
        ("post", "/api/v1/evaluation-sessions/{session_id}/reopen"): 404,
    }
)
API_WRITES.update(
    {
        ("post", "/api/v1/evaluation-sessions/{session_id}/advance"): lambda c: api_move(
            c, "advance", Step.PROPOSALS, c.coordinator
        ),
        ("post", "/api/v1/evaluation-sessions/{session_id}/undo"): lambda c: api_move(
            c, "undo", Step.OPENING, c.principal
        ),
        ("post", "/api/v1/evaluation-sessions/{session_id}/lock"): lambda c: api_of(
            lock_write(c), "lock", {"from_step": Step.MINUTES}
        ),
        ("post", "/api/v1/evaluation-sessions/{session_id}/reopen"): lambda c: api_of(
            reopen_write(c), "reopen", {"reason": "Errore materiale nel verbale"}
        ),
    }
)


# --- opening sessions and postponing a student through the API (evaluation/api_sessions.py) ---
# The same period, classroom, student and rightful users as the pages' writes: a teacher of
# the institute (who sees the period) is told 403 `not_allowed`; a family, the child, another
# institute's office (for whom institute A's period and 1A's student do not exist) 404.


def api_create_write(c: Cast) -> Write:
    page = create_write(c)
    body = {"term_id": first_term(c).pk, "kind": SessionKind.FINAL,
            "classroom_ids": [c.classroom_1a.pk]}  # fmt: skip
    return Write(
        "/api/v1/evaluation-sessions",
        body,
        page.rightful,
        page.outsiders,
        page.watch,
        refused_for={"coordinator": 403, "teacher": 403, "other_teacher": 403},
    )


def api_defer_write(c: Cast) -> Write:
    page = defer_write(c)
    session = a_session(c)
    return Write(
        f"/api/v1/evaluation-sessions/{session.pk}/students/{c.child.pk}/defer",
        {},
        page.rightful,
        page.outsiders,
        page.watch,
        refused_for={"teacher": 403},
    )


API.update(
    {
        ("post", "/api/v1/evaluation-sessions"): 404,
        ("post", "/api/v1/evaluation-sessions/{session_id}/students/{student_id}/defer"): 404,
    }
)
API_WRITES.update(
    {
        ("post", "/api/v1/evaluation-sessions"): api_create_write,
        ("post", "/api/v1/evaluation-sessions/{session_id}/students/{student_id}/defer"): (
            api_defer_write
        ),
    }
)
