"""The class council's documents (scrutinio) as Typst PDFs: minutes (verbale), tabellone,
signature sheet, and the letters to families (debts, gaps, citizenship assignment,
non-admission). Domain: ``shared/domain/term-evaluation.md`` §2–3 (issue 12, item 4).

Pure on purpose: no Django, no models. The evaluation app maps a session to one
``CouncilSession`` (frozen dataclasses all the way down) and calls a renderer; each returns the
PDF bytes. The data is checked for consistency here (unknown subject codes, an absent member
without a substitute, credits over 40…), but the *legal* rules (which outcome follows from
which marks, the credit bands) are the evaluation app's: this layer prints what it is told.

Vocabulary follows the evaluation models: levels as ``SchoolKind`` ("primaria",
"secondaria1", "secondaria2"), session kinds, outcomes and deliberation topics as their codes.
Texts (names, subjects, reasons, recovery modes) arrive as they are to be printed.
Marks are written in figures, and in upper secondary also in letters ("7 (sette)",
DPR 135/2025, with ``lib.evaluation_rules.mark_in_letters``); primary writes giudizi.

All values reach the templates as JSON (``campanella.lib.typst_pdf``), never as markup.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final, Literal, get_args

from campanella.lib import evaluation_rules as rules
from campanella.lib.grades import format_average
from campanella.lib.italian import italian_date
from campanella.lib.typst_pdf import TEMPLATES, compile_template

__all__ = [
    "Attendance",
    "CitizenshipAssignment",
    "CouncilDocumentError",
    "CouncilMember",
    "CouncilSession",
    "CouncilSubject",
    "Debt",
    "Deliberation",
    "DeliberationTopic",
    "Letter",
    "LetterKind",
    "Mark",
    "Outcome",
    "SchoolHeader",
    "SchoolLevel",
    "SessionKind",
    "Sex",
    "StudentResult",
    "SubjectResult",
    "Totals",
    "citizenship_assignment_letter_pdf",
    "debt_letter_pdf",
    "gaps_letter_pdf",
    "letters_due",
    "letters_pdf",
    "minutes_pdf",
    "non_admission_letter_pdf",
    "signature_sheet_pdf",
    "tabellone_pdf",
]

SchoolLevel = Literal["primaria", "secondaria1", "secondaria2"]
SessionKind = Literal["intermedio", "finale", "integrativo", "rinviato"]
Outcome = Literal[
    "ammesso",
    "non_ammesso",
    "sospeso",
    "non_valutato",
    "ritirato",
    "anno_estero",
    "ammesso_esame",
    "non_ammesso_esame",
]
DeliberationTopic = Literal["voto", "frequenza", "condotta", "esito", "credito", "ammissione"]
LetterKind = Literal["debiti", "carenze", "cittadinanza", "non_ammissione"]
Sex = Literal["M", "F"]

LEVELS: Final = frozenset(get_args(SchoolLevel))
SESSION_KINDS: Final = frozenset(get_args(SessionKind))
OUTCOMES: Final = frozenset(get_args(Outcome))
TOPICS: Final = frozenset(get_args(DeliberationTopic))
LETTER_KINDS: Final = frozenset(get_args(LetterKind))

ADMITTED: Final = frozenset({"ammesso", "ammesso_esame"})
NOT_ADMITTED: Final = frozenset({"non_ammesso", "non_ammesso_esame"})
NOT_COUNTED: Final = frozenset({"non_valutato", "ritirato", "anno_estero"})

MAX_CREDIT_TOTAL: Final = 40  # D.Lgs 62/2017 art. 15: years 3–5 together
MAX_YEAR_CREDIT: Final = 15  # Table A, year 5, top band
PASS_MARK: Final = Decimal(6)

TEMPLATE_MINUTES: Final = TEMPLATES / "council_minutes.typ"
TEMPLATE_TABELLONE: Final = TEMPLATES / "council_tabellone.typ"
TEMPLATE_SIGNATURES: Final = TEMPLATES / "council_signatures.typ"
TEMPLATE_LETTERS: Final = TEMPLATES / "council_letters.typ"


class CouncilDocumentError(ValueError):
    """Data a council document cannot be printed from; the message is Italian, for users."""


def _decimal(value: Decimal | int | str) -> Decimal:
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise CouncilDocumentError(f"Voto non valido: «{value}».") from None
    if not number.is_finite():
        raise CouncilDocumentError(f"Voto non valido: «{value}».")
    return number


# --------------------------------------------------------------------------------------------
# The data a document needs
# --------------------------------------------------------------------------------------------


def _require(text: str, what: str) -> None:
    if not text.strip():
        raise CouncilDocumentError(f"Manca {what}.")


@dataclass(frozen=True)
class SchoolHeader:
    """Printed at the top of every page."""

    institute_name: str  # "Istituto di Istruzione Superiore «Galileo Galilei»"
    school_name: str  # the plesso: "Liceo scientifico «Galileo Galilei»"
    codice_meccanografico: str  # of the plesso: "MOPS01000X"
    city: str  # "Modena": also where letters are dated
    principal_name: str = ""  # signs the letters ("Il Dirigente scolastico")

    def __post_init__(self) -> None:
        _require(self.institute_name, "il nome dell'istituto")
        _require(self.school_name, "il nome della scuola")
        _require(self.codice_meccanografico, "il codice meccanografico")
        _require(self.city, "il comune della scuola")


@dataclass(frozen=True)
class CouncilSubject:
    """A subject with marks in this classroom, in the order the tabellone shows them."""

    code: str  # the key marks and debts refer to (e.g. the Subject's id as text)
    name: str  # "Lingua e letteratura italiana"
    short_name: str  # "ITA": the tabellone's column heading (with a legend)

    def __post_init__(self) -> None:
        _require(self.code, "il codice di una materia")
        _require(self.name, f"il nome della materia {self.code}")
        _require(self.short_name, f"l'abbreviazione della materia {self.name}")


@dataclass(frozen=True)
class CouncilMember:
    """A teacher of the council; an absent one is replaced by a colleague the principal
    appoints (surroga), with the protocol number and date of the appointment."""

    name: str  # "Bianchi Paolo"
    subjects: tuple[str, ...]  # as printed: ("Matematica", "Fisica"), ("Sostegno",)
    present: bool = True
    substitute: str = ""
    substitution_protocol: str = ""  # "1234/C1"
    substitution_date: datetime.date | None = None

    def __post_init__(self) -> None:
        _require(self.name, "il nome di un componente del consiglio")
        if not self.present and not (
            self.substitute.strip()
            and self.substitution_protocol.strip()
            and self.substitution_date is not None
        ):
            raise CouncilDocumentError(
                f"Il consiglio di classe è un collegio perfetto: per {self.name}, assente, "
                "servono il sostituto, il numero di protocollo e la data della nomina."
            )
        if self.present and self.substitute.strip():
            raise CouncilDocumentError(f"{self.name} è presente: non può avere un sostituto.")


@dataclass(frozen=True)
class Mark:
    """A mark in figures (``value``, out of ten), a giudizio (``judgement``, as printed:
    "Ottimo", "Non sufficiente"), or "non classificato": exactly one of the three."""

    value: Decimal | int | None = None
    judgement: str = ""
    not_classified: bool = False

    def __post_init__(self) -> None:
        given = (self.value is not None) + bool(self.judgement.strip()) + self.not_classified
        if given != 1:
            raise CouncilDocumentError(
                "Una valutazione è un voto, un giudizio o «non classificato»: una sola delle tre."
            )
        if self.value is not None:
            number = _decimal(self.value)
            if not Decimal(0) <= number <= Decimal(10) or (number * 2) % 1:
                raise CouncilDocumentError(
                    f"Un voto va da 0 a 10, intero o con il mezzo voto: «{self.value}» no."
                )

    @property
    def failing(self) -> bool:
        """Under the pass mark, or not classified (counts as the lowest)."""
        return self.not_classified or (self.value is not None and _decimal(self.value) < PASS_MARK)


@dataclass(frozen=True)
class SubjectResult:
    subject: str  # CouncilSubject.code
    mark: Mark
    hours_absent: int | None = None


@dataclass(frozen=True)
class Attendance:
    """The check of DPR 122/2009 art. 14 c. 7: absences against a quarter of the year's hours."""

    hours_absent: int
    annual_hours: int  # monte ore annuo of the classroom
    waived_hours: int = 0  # hours covered by a waiver (deroga)
    waiver_reason: str = ""
    assessed: bool = True  # False: over the limit without a waiver

    def __post_init__(self) -> None:
        if self.annual_hours <= 0:
            raise CouncilDocumentError("Il monte ore annuo deve essere positivo.")
        if self.hours_absent < 0 or self.waived_hours < 0:
            raise CouncilDocumentError("Le ore di assenza non possono essere negative.")
        if self.waived_hours and not self.waiver_reason.strip():
            raise CouncilDocumentError("Una deroga al limite di assenze richiede il motivo.")

    @property
    def hours_limit(self) -> Decimal:
        """A quarter of the annual hours (may be fractional: 990 h -> 247,5 h)."""
        return Decimal(self.annual_hours) / 4

    @property
    def over_limit(self) -> bool:
        return self.hours_absent > self.hours_limit


@dataclass(frozen=True)
class Debt:
    """A subject to recover: a debt (giudizio sospeso) or, in ``StudentResult.gaps``, a gap
    (carenza) of an admitted student."""

    subject: str  # CouncilSubject.code
    gaps: str  # what is missing: "equazioni di secondo grado; geometria analitica"
    recovery_mode: str  # as printed: "corso di recupero", "studio individuale"
    check_date: datetime.date | None = None  # the verifica, when already set

    def __post_init__(self) -> None:
        _require(self.gaps, "la descrizione delle carenze")
        _require(self.recovery_mode, "la modalità di recupero")


@dataclass(frozen=True)
class CitizenshipAssignment:
    """The elaborato critico on active citizenship of a student with 6 in behaviour."""

    topic: str
    due_on: datetime.date | None = None
    notes: str = ""  # length, how to hand it in…

    def __post_init__(self) -> None:
        _require(self.topic, "il tema dell'elaborato di cittadinanza")


@dataclass(frozen=True)
class StudentResult:
    key: str  # unique in the session (e.g. the Student's id): deliberations and letters use it
    name: str  # "Rossi Maria", as printed
    marks: tuple[SubjectResult, ...]
    sex: Sex | None = None  # for "ammesso"/"ammessa"; None writes both forms
    adult: bool = False  # letters are addressed to the student, not the family
    behaviour: Mark | None = None  # secondary: a mark; primary: a giudizio
    behaviour_reason: str = ""
    civic_education: Mark | None = None
    attendance: Attendance | None = None  # None in primary school (no limit)
    average: Decimal | None = None  # as the evaluation app computed it
    outcome: Outcome | None = None  # None in intermediate sessions
    outcome_reason: str = ""
    debts: tuple[Debt, ...] = ()
    gaps: tuple[Debt, ...] = ()
    citizenship_assignment: CitizenshipAssignment | None = None
    credit: int | None = None  # this year's (upper secondary years 3–5)
    earlier_credits: int | None = None  # years before, together
    admission_mark: int | None = None  # lower secondary year 3

    def __post_init__(self) -> None:
        _require(self.key, "la chiave di uno studente")
        _require(self.name, "il nome di uno studente")
        if self.sex is not None and self.sex not in ("M", "F"):
            raise CouncilDocumentError(f"Sesso non valido per {self.name}: «{self.sex}».")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise CouncilDocumentError(f"Esito non valido per {self.name}: «{self.outcome}».")
        if self.outcome in NOT_ADMITTED and not self.outcome_reason.strip():
            raise CouncilDocumentError(f"La non ammissione di {self.name} richiede la motivazione.")
        if self.outcome == "sospeso" and not self.debts and self.citizenship_assignment is None:
            raise CouncilDocumentError(
                f"Il giudizio sospeso di {self.name} richiede le discipline con debito "
                "o l'elaborato di cittadinanza."
            )
        codes = [result.subject for result in self.marks]
        if len(set(codes)) != len(codes):
            raise CouncilDocumentError(f"{self.name} ha due voti nella stessa materia.")
        for credit in (self.credit, self.earlier_credits):
            if credit is not None and credit < 0:
                raise CouncilDocumentError(f"Crediti negativi per {self.name}.")
        if self.credit is not None and self.credit > MAX_YEAR_CREDIT:
            raise CouncilDocumentError(
                f"Il credito dell'anno di {self.name} supera {MAX_YEAR_CREDIT} punti."
            )
        total = self.total_credits
        if total is not None and total > MAX_CREDIT_TOTAL:
            raise CouncilDocumentError(
                f"Il credito totale di {self.name} supera {MAX_CREDIT_TOTAL} punti."
            )
        if self.admission_mark is not None and not 0 <= self.admission_mark <= 10:
            raise CouncilDocumentError(f"Il voto di ammissione di {self.name} va da 0 a 10.")

    @property
    def total_credits(self) -> int | None:
        if self.credit is None:
            return None
        return self.credit + (self.earlier_credits or 0)


@dataclass(frozen=True)
class Deliberation:
    """A vote of the council. No names against means unanimity (no abstentions, domain §2)."""

    topic: DeliberationTopic
    reason: str  # what was decided and why, as printed
    student: str = ""  # StudentResult.key, if about one student
    subject: str = ""  # CouncilSubject.code, if about one subject
    against: tuple[str, ...] = ()  # the members who voted against, by name

    def __post_init__(self) -> None:
        if self.topic not in TOPICS:
            raise CouncilDocumentError(f"Oggetto di delibera non valido: «{self.topic}».")
        _require(self.reason, "il testo di una delibera")

    @property
    def unanimous(self) -> bool:
        return not self.against


@dataclass(frozen=True)
class Totals:
    enrolled: int  # every student listed
    assessed: int  # enrolled minus withdrawn, abroad and not assessable (attendance)
    admitted: int  # to the next year or to the State exam
    suspended: int
    not_admitted: int
    not_assessed: int
    withdrawn: int
    abroad: int


@dataclass(frozen=True)
class CouncilSession:
    """One meeting of a class council for one scrutinio, with everything its documents print."""

    school: SchoolHeader
    classroom: str  # "3ª A Liceo scientifico"
    class_year: int  # 1–5
    level: SchoolLevel
    school_year: str  # "2026/2027"
    kind: SessionKind
    title: str  # "Scrutinio finale", "Scrutinio del 1° quadrimestre", "Scrutinio integrativo"
    minutes_number: str
    date: datetime.date
    place: str  # "aula 12 della sede di via Roma"
    start_time: datetime.time
    end_time: datetime.time
    chair: str
    secretary: str
    members: tuple[CouncilMember, ...]
    subjects: tuple[CouncilSubject, ...]
    students: tuple[StudentResult, ...]
    deliberations: tuple[Deliberation, ...] = ()
    chair_is_principal: bool = True  # False: a teacher delegated by the principal
    coordinator: str = ""  # named in the letters, for a meeting
    _students_by_key: dict[str, StudentResult] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise CouncilDocumentError(f"Grado di scuola non valido: «{self.level}».")
        if self.kind not in SESSION_KINDS:
            raise CouncilDocumentError(f"Tipo di scrutinio non valido: «{self.kind}».")
        if not 1 <= self.class_year <= 5:
            raise CouncilDocumentError("L'anno di corso va da 1 a 5.")
        for text, what in (
            (self.classroom, "la classe"),
            (self.school_year, "l'anno scolastico"),
            (self.title, "il titolo dello scrutinio"),
            (self.minutes_number, "il numero del verbale"),
            (self.place, "il luogo della seduta"),
            (self.chair, "il presidente"),
            (self.secretary, "il segretario"),
        ):
            _require(text, what)
        if self.end_time <= self.start_time:
            raise CouncilDocumentError("L'ora di chiusura deve seguire l'ora di inizio.")
        if not self.members:
            raise CouncilDocumentError("Il consiglio di classe non ha componenti.")
        if not self.students:
            raise CouncilDocumentError("Lo scrutinio non ha studenti.")
        codes = [subject.code for subject in self.subjects]
        if len(set(codes)) != len(codes):
            raise CouncilDocumentError("Due materie hanno lo stesso codice.")
        keys = [student.key for student in self.students]
        if len(set(keys)) != len(keys):
            raise CouncilDocumentError("Due studenti hanno la stessa chiave.")
        known = set(codes)
        for student in self.students:
            named = [r.subject for r in student.marks]
            named += [d.subject for d in (*student.debts, *student.gaps)]
            unknown = sorted(set(named) - known)
            if unknown:
                raise CouncilDocumentError(
                    f"{student.name}: materia sconosciuta ({', '.join(unknown)})."
                )
        for deliberation in self.deliberations:
            if deliberation.student and deliberation.student not in keys:
                raise CouncilDocumentError(
                    f"Una delibera riguarda uno studente sconosciuto ({deliberation.student})."
                )
            if deliberation.subject and deliberation.subject not in known:
                raise CouncilDocumentError(
                    f"Una delibera riguarda una materia sconosciuta ({deliberation.subject})."
                )
        object.__setattr__(self, "_students_by_key", dict(zip(keys, self.students, strict=True)))

    def student(self, key: str) -> StudentResult:
        try:
            return self._students_by_key[key]
        except KeyError:
            raise CouncilDocumentError(
                f"Studente sconosciuto in questo scrutinio: {key}."
            ) from None

    def subject(self, code: str) -> CouncilSubject:
        for subject in self.subjects:
            if subject.code == code:
                return subject
        raise CouncilDocumentError(f"Materia sconosciuta in questo scrutinio: {code}.")

    @property
    def exam_year(self) -> bool:
        """The year ending with the State exam: 3rd of lower, 5th of upper secondary."""
        return (self.level, self.class_year) in (("secondaria1", 3), ("secondaria2", 5))

    @property
    def has_credits(self) -> bool:
        return self.level == "secondaria2" and self.class_year >= 3 and self.kind != "intermedio"

    @property
    def totals(self) -> Totals:
        outcomes = [student.outcome for student in self.students]
        not_assessed = sum(
            student.outcome == "non_valutato"
            or (
                student.outcome is None
                and student.attendance is not None
                and not student.attendance.assessed
            )
            for student in self.students
        )
        withdrawn = outcomes.count("ritirato")
        abroad = outcomes.count("anno_estero")
        return Totals(
            enrolled=len(self.students),
            assessed=len(self.students) - withdrawn - abroad - not_assessed,
            admitted=sum(outcome in ADMITTED for outcome in outcomes),
            suspended=outcomes.count("sospeso"),
            not_admitted=sum(outcome in NOT_ADMITTED for outcome in outcomes),
            not_assessed=not_assessed,
            withdrawn=withdrawn,
            abroad=abroad,
        )


@dataclass(frozen=True)
class Letter:
    """One letter of a bundle: which kind, for which student (``StudentResult.key``)."""

    kind: LetterKind
    student: str
    issued_on: datetime.date | None = None  # default: the day of the council
    protocol: str = ""  # "Prot. n. …", when the office registers it

    def __post_init__(self) -> None:
        if self.kind not in LETTER_KINDS:
            raise CouncilDocumentError(f"Tipo di lettera non valido: «{self.kind}».")


# --------------------------------------------------------------------------------------------
# From the data to what the templates print
# --------------------------------------------------------------------------------------------

_MINUTES_SECTIONS: Final = ("frequenza", "voto", "condotta", "esito", "ammissione", "credito")


def _ending(student: StudentResult) -> str:
    return {"M": "o", "F": "a"}.get(student.sex or "", "o/a")


def _noun(student: StudentResult, level: SchoolLevel) -> dict[str, str]:
    """ "lo studente" / "la studentessa" (primary: "l'alunno" / "l'alunna"), and "dello…"."""
    if level == "primaria":
        forms = {
            "M": ("l'alunno", "dell'alunno"),
            "F": ("l'alunna", "dell'alunna"),
            "": ("l'alunno/a", "dell'alunno/a"),
        }
    else:
        forms = {
            "M": ("lo studente", "dello studente"),
            "F": ("la studentessa", "della studentessa"),
            "": ("lo studente o la studentessa", "dello studente o della studentessa"),
        }
    the, of_the = forms[student.sex or ""]
    return {"the": the, "of_the": of_the}


def outcome_label(session: CouncilSession, student: StudentResult, *, short: bool = False) -> str:
    """The outcome in words, agreeing with the student: "ammessa alla classe successiva";
    in the year of the State exam "ammesso all'esame di Stato" (whichever code says it)."""
    if student.outcome is None:
        return ""
    o = _ending(student)
    if session.exam_year:
        step, brief_step = "all'esame di Stato", " all'esame"
    elif session.level == "primaria" and session.class_year == 5:
        step, brief_step = "alla scuola secondaria di primo grado", ""
    else:
        step, brief_step = "alla classe successiva", ""
    full = {
        "ammesso": f"ammess{o} {step}",
        "non_ammesso": f"non ammess{o} {step}",
        "sospeso": "giudizio sospeso",
        "non_valutato": "non valutabile per le assenze",
        "ritirato": f"ritirat{o}",
        "anno_estero": "anno all'estero",
        "ammesso_esame": f"ammess{o} all'esame di Stato",
        "non_ammesso_esame": f"non ammess{o} all'esame di Stato",
    }
    brief = {
        "ammesso": f"Ammess{o}{brief_step}",
        "non_ammesso": f"Non ammess{o}{brief_step}",
        "sospeso": "Sospeso",
        "non_valutato": "Non valutabile",
        "ritirato": f"Ritirat{o}",
        "anno_estero": "Estero",
        "ammesso_esame": f"Ammess{o} all'esame",
        "non_ammesso_esame": f"Non ammess{o} all'esame",
    }
    return (brief if short else full)[student.outcome]


NOT_ASSESSED_REASON: Final = (
    "le ore di assenza superano il limite di un quarto del monte ore annuo (DPR 122/2009, "
    "art. 14, c. 7) senza deroghe applicabili."
)


def _reason(student: StudentResult) -> str:
    """The outcome's reason; for "non valutabile" without one, the rule that decided it."""
    if not student.outcome_reason.strip() and student.outcome == "non_valutato":
        return NOT_ASSESSED_REASON
    return student.outcome_reason


def _mark(mark: Mark | None, level: SchoolLevel) -> dict[str, object] | None:
    """``{"figure": "7", "words": "sette", "failing": False}``; a giudizio in ``figure``.
    Words only in upper secondary (DPR 135/2025)."""
    if mark is None:
        return None
    words = level == "secondaria2"
    if mark.not_classified:
        return {
            "figure": rules.NC,
            "words": rules.mark_in_letters(rules.NC) if words else "",
            "failing": True,
        }
    if mark.value is None:
        return {"figure": mark.judgement, "words": "", "failing": False}
    number = _decimal(mark.value)
    return {
        "figure": rules.mark_in_figures(number),
        "words": rules.mark_in_letters(number) if words else "",
        "failing": mark.failing,
    }


def _mark_text(mark: Mark | None, level: SchoolLevel) -> str:
    """One string: "7 (sette)", "Buono", "N.C. (non classificato)", "—"."""
    shown = _mark(mark, level)
    if shown is None:
        return "—"
    return f"{shown['figure']} ({shown['words']})" if shown["words"] else str(shown["figure"])


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def _time(moment: datetime.time) -> str:
    return f"{moment:%H:%M}"


def _school(session: CouncilSession) -> dict[str, str]:
    school = session.school
    return {
        "institute": school.institute_name,
        "school": school.school_name,
        "code": school.codice_meccanografico,
        "city": school.city,
    }


def _common(session: CouncilSession, title: str) -> dict[str, object]:
    return {
        "title": title,
        "school": _school(session),
        "classroom": session.classroom,
        "school_year": session.school_year,
        "session_title": session.title,
        "date": italian_date(session.date),
        "footer": f"{session.title} – classe {session.classroom} – a.s. {session.school_year}",
    }


def _vote(deliberation: Deliberation) -> str:
    if deliberation.unanimous:
        return "all'unanimità"
    return "a maggioranza; contrari: " + ", ".join(deliberation.against)


def _deliberation(session: CouncilSession, deliberation: Deliberation) -> dict[str, str]:
    about = []
    if deliberation.student:
        about.append(session.student(deliberation.student).name)
    if deliberation.subject:
        about.append(session.subject(deliberation.subject).name)
    return {
        "about": " – ".join(about),
        "reason": deliberation.reason,
        "vote": _vote(deliberation),
        "unanimous": "sì" if deliberation.unanimous else "no",
    }


def _outcome_vote(session: CouncilSession, student: StudentResult) -> str:
    votes = [
        d
        for d in session.deliberations
        if d.student == student.key and d.topic in ("esito", "ammissione")
    ]
    if not votes:
        return "—"
    return "; ".join(_vote(d) for d in votes)


def _debt_rows(
    session: CouncilSession, student: StudentResult, debts: Iterable[Debt]
) -> list[dict[str, str]]:
    marks = {result.subject: result.mark for result in student.marks}
    return [
        {
            "subject": session.subject(debt.subject).name,
            "mark": _mark_text(marks.get(debt.subject), session.level),
            "gaps": debt.gaps,
            "recovery": debt.recovery_mode,
            "check": italian_date(debt.check_date) if debt.check_date else "",
        }
        for debt in debts
    ]


def _grid(session: CouncilSession) -> dict[str, object]:
    """The tabellone: students × subjects, then civic education, behaviour, average…"""
    level = session.level
    show_civic = any(s.civic_education is not None for s in session.students)
    show_behaviour = any(s.behaviour is not None for s in session.students)
    show_average = any(s.average is not None for s in session.students)
    show_hours = any(s.attendance is not None for s in session.students)
    show_outcome = any(s.outcome is not None for s in session.students)
    show_credits = session.has_credits and any(s.credit is not None for s in session.students)
    show_admission = any(s.admission_mark is not None for s in session.students)
    rows = []
    for number, student in enumerate(session.students, start=1):
        marks = {result.subject: result.mark for result in student.marks}
        rows.append(
            {
                "n": str(number),
                "name": student.name,
                "cells": [_mark(marks.get(subject.code), level) for subject in session.subjects],
                "civic": _mark(student.civic_education, level),
                "behaviour": _mark(student.behaviour, level),
                "average": format_average(student.average) if student.average is not None else "",
                "hours": str(student.attendance.hours_absent) if student.attendance else "",
                "outcome": outcome_label(session, student, short=True),
                "credit": "" if student.credit is None else str(student.credit),
                "total": "" if student.total_credits is None else str(student.total_credits),
                "admission": "" if student.admission_mark is None else str(student.admission_mark),
            }
        )
    return {
        "subjects": [{"short": s.short_name, "name": s.name} for s in session.subjects],
        "pupil": "Alunno/a" if level == "primaria" else "Studente",
        "words": level == "secondaria2",
        "judgements": level == "primaria",
        "show": {
            "civic": show_civic,
            "behaviour": show_behaviour,
            "average": show_average,
            "hours": show_hours,
            "outcome": show_outcome,
            "credits": show_credits,
            "admission": show_admission,
        },
        "rows": rows,
    }


def _members(session: CouncilSession) -> list[dict[str, str]]:
    return [
        {
            "name": member.name,
            "subjects": ", ".join(member.subjects),
            "present": "sì" if member.present else "no",
            "substitute": member.substitute,
            "protocol": member.substitution_protocol,
            "protocol_date": (
                italian_date(member.substitution_date) if member.substitution_date else ""
            ),
        }
        for member in session.members
    ]


def _attendance_rows(session: CouncilSession) -> list[dict[str, str]]:
    rows = []
    for student in session.students:
        a = student.attendance
        if a is None:
            continue
        rows.append(
            {
                "name": student.name,
                "hours": str(a.hours_absent),
                "annual": str(a.annual_hours),
                "limit": _number(a.hours_limit),
                "percent": format_average(Decimal(100 * a.hours_absent) / a.annual_hours) + " %",
                "waived": str(a.waived_hours) if a.waived_hours else "",
                "waiver": a.waiver_reason,
                "assessed": "sì" if a.assessed else "no",
            }
        )
    return rows


def _minutes_data(session: CouncilSession, attach_grid: bool) -> dict[str, object]:
    level = session.level
    students = session.students
    by_topic: dict[str, list[dict[str, str]]] = {topic: [] for topic in _MINUTES_SECTIONS}
    for deliberation in session.deliberations:
        by_topic[deliberation.topic].append(_deliberation(session, deliberation))
    outcomes = None
    if any(s.outcome is not None for s in students):
        outcomes = {
            "rows": [
                {
                    "name": s.name,
                    "outcome": outcome_label(session, s),
                    "reason": _reason(s),
                    "vote": _outcome_vote(session, s),
                }
                for s in students
                if s.outcome is not None
            ],
            "admitted": [s.name for s in students if s.outcome in ADMITTED],
            "suspended": [
                {
                    "name": s.name,
                    "debts": _debt_rows(session, s, s.debts),
                    "citizenship": (
                        s.citizenship_assignment.topic if s.citizenship_assignment else ""
                    ),
                }
                for s in students
                if s.outcome == "sospeso"
            ],
            "not_admitted": [
                {"name": s.name, "outcome": outcome_label(session, s), "reason": _reason(s)}
                for s in students
                if s.outcome in NOT_ADMITTED or s.outcome == "non_valutato"
            ],
        }
    credits = None
    if session.has_credits and any(s.credit is not None for s in students):
        credits = [
            {
                "name": s.name,
                "average": format_average(s.average) if s.average is not None else "—",
                "credit": "—" if s.credit is None else str(s.credit),
                "earlier": "—" if s.earlier_credits is None else str(s.earlier_credits),
                "total": "—" if s.total_credits is None else str(s.total_credits),
                "note": "in sede di scrutinio integrativo" if s.outcome == "sospeso" else "",
            }
            for s in students
            if s.outcome not in NOT_COUNTED
        ]
    admission = [
        {
            "name": s.name,
            "mark": _mark_text(Mark(s.admission_mark), level),
        }
        for s in students
        if s.admission_mark is not None
    ]
    behaviour = [
        {"name": s.name, "mark": _mark_text(s.behaviour, level), "reason": s.behaviour_reason}
        for s in students
        if s.behaviour is not None
    ]
    totals = session.totals
    absent = [m for m in session.members if not m.present]
    title = f"Verbale n. {session.minutes_number} – {session.title} – classe {session.classroom}"
    return _common(session, title) | {
        "number": session.minutes_number,
        "kind": session.kind,
        "level": level,
        "place": session.place,
        "start": _time(session.start_time),
        "end": _time(session.end_time),
        "chair": session.chair,
        "chair_role": (
            "il Dirigente scolastico"
            if session.chair_is_principal
            else "il docente delegato dal Dirigente scolastico"
        ),
        "secretary": session.secretary,
        "members": _members(session),
        "all_present": not absent,
        "attendance": _attendance_rows(session),
        "behaviour": behaviour,
        "behaviour_is_judgement": level == "primaria",
        "outcomes": outcomes,
        "credits": credits,
        "admission": admission,
        "deliberations": by_topic,
        "totals": {
            "enrolled": totals.enrolled,
            "assessed": totals.assessed,
            "admitted": totals.admitted,
            "suspended": totals.suspended,
            "not_admitted": totals.not_admitted,
            "not_assessed": totals.not_assessed,
            "withdrawn": totals.withdrawn,
            "abroad": totals.abroad,
        },
        "final": session.kind != "intermedio",
        "suspension_possible": level == "secondaria2" and session.kind == "finale",
        "grid": _grid(session) if attach_grid else None,
    }


# --------------------------------------------------------------------------------------------
# Renderers
# --------------------------------------------------------------------------------------------


def minutes_pdf(session: CouncilSession, *, attach_grid: bool = True) -> bytes:
    """The verbale with every content of domain §3.10; the tabellone attached (landscape
    pages at the end) unless ``attach_grid`` is False."""
    pages = 4 + (len(session.students) // 10)
    return compile_template(TEMPLATE_MINUTES, _minutes_data(session, attach_grid), pages=pages)


def tabellone_pdf(session: CouncilSession) -> bytes:
    """The class grid on landscape A4: students × subjects, behaviour, average, outcome,
    credits; the subjects' abbreviations explained under it."""
    title = f"Tabellone – {session.title} – classe {session.classroom}"
    data = _common(session, title) | {"grid": _grid(session)}
    return compile_template(TEMPLATE_TABELLONE, data)


def signature_sheet_pdf(session: CouncilSession) -> bytes:
    """Each member (or the substitute who replaced them) with their subjects and a box to sign;
    the chair too, if not a member."""
    rows = []
    for member in session.members:
        if member.present:
            rows.append({"subjects": ", ".join(member.subjects), "name": member.name, "note": ""})
        else:
            rows.append(
                {
                    "subjects": ", ".join(member.subjects),
                    "name": member.substitute,
                    "note": f"in sostituzione di {member.name}",
                }
            )
    names = {member.name for member in session.members if member.present}
    names |= {member.substitute for member in session.members if not member.present}
    title = f"Foglio firme – {session.title} – classe {session.classroom}"
    data = _common(session, title) | {
        "rows": rows,
        "chair": session.chair,
        "chair_is_member": session.chair in names,
        "chair_role": "Dirigente scolastico" if session.chair_is_principal else "delegato",
        "secretary": session.secretary,
    }
    return compile_template(TEMPLATE_SIGNATURES, data)


def _letter_data(session: CouncilSession, letter: Letter) -> dict[str, object]:
    student = session.student(letter.student)
    kind = letter.kind
    if kind == "debiti" and not student.debts:
        raise CouncilDocumentError(f"{student.name} non ha debiti formativi da comunicare.")
    if kind == "carenze" and not student.gaps:
        raise CouncilDocumentError(f"{student.name} non ha carenze da comunicare.")
    if kind == "cittadinanza" and student.citizenship_assignment is None:
        raise CouncilDocumentError(f"{student.name} non ha un elaborato di cittadinanza.")
    if kind == "non_ammissione" and not (
        student.outcome in NOT_ADMITTED or student.outcome == "non_valutato"
    ):
        raise CouncilDocumentError(f"{student.name} non risulta non ammesso.")
    noun = _noun(student, session.level)
    assignment = student.citizenship_assignment
    o = _ending(student)
    if student.adult:
        to = {"M": "Allo studente", "F": "Alla studentessa"}.get(student.sex or "", "A")
        recipient = f"{to} {student.name}"
    else:
        recipient = f"Ai genitori o a chi esercita la responsabilità genitoriale di {student.name}"
    return {
        "kind": kind,
        "student": student.name,
        "recipient": recipient,
        "classroom": session.classroom,
        "noun": noun["the"],
        "of_noun": noun["of_the"],
        "o": o,
        "place_date": f"{session.school.city}, {italian_date(letter.issued_on or session.date)}",
        "protocol": letter.protocol,
        "council_date": italian_date(session.date),
        "exam_year": session.exam_year,
        "last_year": session.level == "secondaria2" and session.class_year == 5,
        "debts": _debt_rows(session, student, student.debts),
        "gaps": _debt_rows(session, student, student.gaps),
        "checks_set": any(d.check_date for d in student.debts),
        "behaviour": _mark_text(student.behaviour, session.level),
        "behaviour_reason": student.behaviour_reason.strip().rstrip("."),  # quoted «…»
        "assignment": (
            {
                "topic": assignment.topic,
                "due": italian_date(assignment.due_on) if assignment.due_on else "",
                "notes": assignment.notes,
            }
            if assignment
            else None
        ),
        "outcome": outcome_label(session, student),
        "outcome_code": student.outcome or "",
        "reason": _reason(student),
        "coordinator": session.coordinator,
        "principal": session.school.principal_name,
    }


LETTER_TITLES: Final[dict[str, str]] = {
    "debiti": "Comunicazione della sospensione del giudizio e dei debiti formativi",
    "carenze": "Comunicazione delle carenze formative",
    "cittadinanza": "Assegnazione dell'elaborato di cittadinanza attiva",
    "non_ammissione": "Comunicazione della non ammissione",
}


def letters_pdf(session: CouncilSession, letters: Sequence[Letter]) -> bytes:
    """Several letters in one PDF, each starting on its own page and numbered on its own
    ("Pagina 1 di 1"), for the office to print and send. Raises on an empty list or on a
    letter the student's data does not support (debts letter without debts…)."""
    if not letters:
        raise CouncilDocumentError("Nessuna lettera da stampare.")
    kinds = {letter.kind for letter in letters}
    if len(kinds) == 1:
        title = f"{LETTER_TITLES[letters[0].kind]} – classe {session.classroom}"
    else:
        title = f"Lettere alle famiglie – {session.title} – classe {session.classroom}"
    if len(letters) == 1:
        student = session.student(letters[0].student)
        title = f"{LETTER_TITLES[letters[0].kind]} – {student.name}"
    data = _common(session, title) | {
        "letters": [
            _letter_data(session, letter) | {"subject_line": LETTER_TITLES[letter.kind]}
            for letter in letters
        ]
    }
    return compile_template(TEMPLATE_LETTERS, data, pages=len(letters))


def letters_due(session: CouncilSession) -> tuple[Letter, ...]:
    """The letters the data calls for, student by student: debts for a suspended judgement,
    gaps where recorded, the citizenship assignment, non-admission for minors (their families
    are told before publication)."""
    due = []
    for student in session.students:
        if student.outcome == "sospeso" and student.debts:
            due.append(Letter("debiti", student.key))
        if student.gaps and student.outcome not in NOT_ADMITTED:
            due.append(Letter("carenze", student.key))
        if student.citizenship_assignment is not None:
            due.append(Letter("cittadinanza", student.key))
        if not student.adult and (
            student.outcome in NOT_ADMITTED or student.outcome == "non_valutato"
        ):
            due.append(Letter("non_ammissione", student.key))
    return tuple(due)


def _one_letter(
    kind: LetterKind,
    session: CouncilSession,
    student: StudentResult | str,
    issued_on: datetime.date | None,
    protocol: str,
) -> bytes:
    key = student if isinstance(student, str) else student.key
    return letters_pdf(session, [Letter(kind, key, issued_on, protocol)])


def debt_letter_pdf(
    session: CouncilSession,
    student: StudentResult | str,
    *,
    issued_on: datetime.date | None = None,
    protocol: str = "",
) -> bytes:
    """Debts (O.M. 92/2007 art. 7) to the family of a suspended student: subjects, proposed
    marks, gaps, recovery mode, dates of the checks when set."""
    return _one_letter("debiti", session, student, issued_on, protocol)


def gaps_letter_pdf(
    session: CouncilSession,
    student: StudentResult | str,
    *,
    issued_on: datetime.date | None = None,
    protocol: str = "",
) -> bytes:
    """Gaps (carenze) of an admitted student, with how to recover them."""
    return _one_letter("carenze", session, student, issued_on, protocol)


def citizenship_assignment_letter_pdf(
    session: CouncilSession,
    student: StudentResult | str,
    *,
    issued_on: datetime.date | None = None,
    protocol: str = "",
) -> bytes:
    """The elaborato di cittadinanza of a student with 6 in behaviour (L. 150/2024)."""
    return _one_letter("cittadinanza", session, student, issued_on, protocol)


def non_admission_letter_pdf(
    session: CouncilSession,
    student: StudentResult | str,
    *,
    issued_on: datetime.date | None = None,
    protocol: str = "",
) -> bytes:
    """Non-admission, with its reason, to the family before the outcomes are published."""
    return _one_letter("non_ammissione", session, student, issued_on, protocol)
