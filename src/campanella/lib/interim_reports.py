"""Interim reports (pagellino: a mid-period report, not deliberated by the council) as tagged
Typst PDFs (issue 13, item 4).

Pure like ``lib.report_cards``: the reportcards app maps a student's interim report to an
``InterimCard`` and this module lays it out with the same header, page set-up and PDF/UA-1
tagging as every document of the evaluation (``council_common.typ``,
``typst_pdf.compile_template``). Marks are written as the report card writes them: in figures
(and in letters in upper secondary); primary school's giudizi with the school's description
of each level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from campanella.lib import council_documents as docs
from campanella.lib.typst_pdf import TEMPLATES, compile_template

__all__ = ["InterimCard", "InterimLine", "interim_report_pdf"]

TEMPLATE: Final = TEMPLATES / "interim_report.typ"


@dataclass(frozen=True)
class InterimLine:
    subject: str
    figure: str  # "7", "6,5", "NC", "Buono"; "—" when there is none
    words: str = ""  # "sette" (upper secondary)
    description: str = ""  # the level's description (primary school)
    note: str = ""  # the teacher's note on this subject


@dataclass(frozen=True)
class InterimCard:
    school: docs.SchoolHeader
    title: str  # "Pagellino di metà pentamestre"
    period: str  # "2° pentamestre"
    school_year: str
    classroom: str
    student: str
    published: str  # "12 febbraio 2027"
    lines: Sequence[InterimLine]
    note: str = ""  # the class council's note on the student


def interim_report_pdf(card: InterimCard) -> bytes:
    """One student's interim report."""
    heading = f"{card.title} – {card.period}"
    data = {
        "title": f"{heading} – {card.student}",
        "heading": heading,
        "school": {
            "institute": card.school.institute_name,
            "school": card.school.school_name,
            "code": card.school.codice_meccanografico,
            "city": card.school.city,
        },
        "footer": f"{heading} – classe {card.classroom} – a.s. {card.school_year}",
        "classroom": card.classroom,
        "school_year": card.school_year,
        "student": card.student,
        "published": card.published,
        "place_date": f"{card.school.city}, {card.published}",
        "principal": card.school.principal_name,
        "descriptions": any(line.description for line in card.lines),
        "notes": any(line.note for line in card.lines),
        "rows": [
            {
                "subject": line.subject,
                "mark": f"{line.figure} ({line.words})" if line.words else line.figure,
                "description": line.description,
                "note": line.note,
            }
            for line in card.lines
        ],
        "note": card.note,
    }
    return compile_template(TEMPLATE, data)
