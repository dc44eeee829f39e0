"""Report cards (pagelle, *documento di valutazione*) as tagged Typst PDFs. Domain:
``shared/domain/term-evaluation.md`` §4–5 (issue 13, item 1).

Pure like ``lib.council_documents``, whose data it prints: the evaluation app maps a locked
session to one ``CouncilSession`` (the same the minutes and the tabellone are made from), and
this module lays out, per student:

* primary school: the giudizio sintetico of each subject with the school's description of that
  level, behaviour and civic education as giudizi;
* lower secondary: the marks and the hours of absence of each subject, behaviour with its reason;
* upper secondary: the marks in figures and in letters (DPR 135/2025) and the hours of absence;
  in years 3–5 of a final session the average, the year's credit and the total;
* in final sessions, the outcome.

The school's header, the page set-up and the PDF/UA-1 tagging are ``council_common.typ``'s and
``typst_pdf.compile_template``'s: one place for every document of the evaluation.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from campanella.lib import council_documents as docs
from campanella.lib.italian import italian_date
from campanella.lib.typst_pdf import TEMPLATES, compile_template

__all__ = ["ReportCardError", "StudentFacts", "report_card_pdf", "report_cards_pdf"]

TEMPLATE: Final = TEMPLATES / "report_card.typ"
FINAL_KINDS: Final = frozenset({"finale", "integrativo", "rinviato"})


class ReportCardError(ValueError):
    """A report card that cannot be printed from the data; the message is Italian."""


@dataclass(frozen=True)
class StudentFacts:
    """What the report card prints of a student besides the council's results."""

    key: str  # docs.StudentResult.key
    birth_date: datetime.date | None = None
    birth_place: str = ""


def _heading(session: docs.CouncilSession) -> str:
    if session.kind in FINAL_KINDS:
        return f"Documento di valutazione – {session.title.lower()}"
    return f"Documento di valutazione – {session.title.removeprefix('Scrutinio ').strip()}"


def _student_card(
    session: docs.CouncilSession,
    student: docs.StudentResult,
    facts: StudentFacts | None,
    descriptions: Mapping[str, str],
    behaviour_descriptions: Mapping[str, str],
) -> dict[str, object]:
    level = session.level
    primary = level == "primaria"
    rows = []
    for result in student.marks:
        subject = session.subject(result.subject)
        shown = docs._mark(result.mark, level) or {"figure": "—", "words": "", "failing": False}
        rows.append(
            {
                "subject": subject.name,
                "figure": str(shown["figure"]),
                "words": str(shown["words"]),
                "failing": bool(shown["failing"]),
                "description": descriptions.get(str(shown["figure"]).casefold(), "")
                if primary
                else "",
                "hours": "" if result.hours_absent is None else str(result.hours_absent),
            }
        )
    final = session.kind in FINAL_KINDS
    credits = None
    if level == "secondaria2" and session.class_year >= 3 and final:
        credits = {
            "average": docs._number(student.average) if student.average is not None else "—",
            "credit": "" if student.credit is None else str(student.credit),
            "earlier": "" if student.earlier_credits is None else str(student.earlier_credits),
            "total": "" if student.total_credits is None else str(student.total_credits),
        }
    behaviour = docs._mark_text(student.behaviour, level) if student.behaviour else ""
    born = ""
    if facts is not None and facts.birth_date is not None:
        born = f"nat{docs._ending(student)} il {italian_date(facts.birth_date)}"
        if facts.birth_place.strip():
            born += f" a {facts.birth_place.strip()}"
    outcome = docs.outcome_label(session, student) if final and student.outcome else ""
    attendance = student.attendance
    return {
        "name": student.name,
        "born": born,
        "rows": rows,
        "hours": not primary,
        "words": level == "secondaria2",
        "behaviour": behaviour,
        "behaviour_description": behaviour_descriptions.get(behaviour.casefold(), "")
        if primary and behaviour
        else "",
        "behaviour_reason": student.behaviour_reason.strip() if not primary else "",
        "civics": docs._mark_text(student.civic_education, level)
        if student.civic_education
        else "",
        "hours_total": str(attendance.hours_absent) if attendance and not primary else "",
        "outcome": outcome[:1].upper() + outcome[1:] if outcome else "",
        "outcome_reason": docs._reason(student)
        if outcome and student.outcome not in docs.ADMITTED
        else "",
        "debts": [
            {"subject": session.subject(d.subject).name, "gaps": d.gaps, "mode": d.recovery_mode}
            for d in student.debts
        ]
        if final
        else [],
        "admission_mark": "" if student.admission_mark is None else str(student.admission_mark),
        "credits": credits,
    }


def _data(
    session: docs.CouncilSession,
    keys: Sequence[str],
    facts: Mapping[str, StudentFacts],
    descriptions: Mapping[str, str],
    behaviour_descriptions: Mapping[str, str],
) -> dict[str, object]:
    if not keys:
        raise ReportCardError("Nessuna pagella da stampare.")
    # Descriptions are keyed by the giudizio as printed ("Buono"), case-insensitively.
    by_label = {k.replace("_", " ").casefold(): v for k, v in descriptions.items()}
    by_label_behaviour = {
        k.replace("_", " ").casefold(): v for k, v in behaviour_descriptions.items()
    }
    cards = []
    for key in keys:
        try:
            student = session.student(key)
        except docs.CouncilDocumentError as error:
            raise ReportCardError(str(error)) from None
        cards.append(_student_card(session, student, facts.get(key), by_label, by_label_behaviour))
    heading = _heading(session)
    if len(cards) == 1:
        title = f"{heading} – {cards[0]['name']}"
    else:
        title = f"{heading} – classe {session.classroom}"
    school = docs._school(session)
    return {
        "title": title,
        "heading": heading,
        "school": school,
        "classroom": session.classroom,
        "school_year": session.school_year,
        "date": italian_date(session.date),
        "place_date": f"{session.school.city}, {italian_date(session.date)}",
        "principal": session.school.principal_name,
        "footer": f"{heading} – classe {session.classroom} – a.s. {session.school_year}",
        "cards": cards,
    }


def report_card_pdf(
    session: docs.CouncilSession,
    key: str,
    *,
    facts: StudentFacts | None = None,
    descriptions: Mapping[str, str] | None = None,
    behaviour_descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """One student's report card. ``descriptions`` (primary school): the school's description
    of each giudizio sintetico, by code ("ottimo" … "non_sufficiente")."""
    data = _data(
        session,
        [key],
        {key: facts} if facts else {},
        descriptions or {},
        behaviour_descriptions or {},
    )
    return compile_template(TEMPLATE, data)


def report_cards_pdf(
    session: docs.CouncilSession,
    keys: Sequence[str],
    *,
    facts: Mapping[str, StudentFacts] | None = None,
    descriptions: Mapping[str, str] | None = None,
    behaviour_descriptions: Mapping[str, str] | None = None,
) -> bytes:
    """Several report cards in one PDF (a classroom's bundle), each starting on its own page
    and numbered on its own."""
    data = _data(session, keys, facts or {}, descriptions or {}, behaviour_descriptions or {})
    return compile_template(TEMPLATE, data, pages=len(keys))
