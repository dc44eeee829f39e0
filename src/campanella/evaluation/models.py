"""Term-end evaluation (scrutinio): sessions, proposals, final marks, results, council, documents.

A session belongs to one classroom and one period (`school.Term`); it walks through the steps of
`evaluation.steps` (each one undoable by the coordinator until the lock). The lock is *decided*
here and *held* below register and grades as `school.ClosedPeriod` rows, so that their one write
guard refuses every change to the days the session evaluated. Every write goes through
`evaluation.services` and keeps history in `audit`.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campanella.people.models import Staff, Student, User
from campanella.school.models import Classroom, Institute, Subject, Term


def mark_field(label: Any) -> models.DecimalField[Any, Any]:
    """A mark or an average: 1–10 with two decimals (averages; marks are whole or halves)."""
    return models.DecimalField(label, max_digits=4, decimal_places=2, null=True, blank=True)


class SessionKind(models.TextChoices):
    INTERMEDIATE = "intermedio", _("scrutinio intermedio")
    FINAL = "finale", _("scrutinio finale")
    SUPPLEMENTARY = "integrativo", _("scrutinio integrativo")  # giudizio sospeso, before September
    DEFERRED = "rinviato", _("scrutinio rinviato")  # one student, postponed


class Step(models.TextChoices):
    """The steps of domain §3 in their order; which apply depends on level and kind (steps.py)."""

    PROPOSALS = "proposte", _("proposte di voto")
    OPENING = "apertura", _("apertura della seduta")
    ATTENDANCE = "frequenza", _("verifica della frequenza")
    MARKS = "voti", _("voti finali")
    BEHAVIOUR = "condotta", _("comportamento")
    CIVICS = "educazione_civica", _("educazione civica")
    OUTCOMES = "esiti", _("esiti")
    CREDITS = "crediti", _("crediti scolastici")
    MINUTES = "verbale", _("verbale e documenti")
    LOCKED = "chiuso", _("chiuso")


class RecoveryMode(models.TextChoices):
    SELF_STUDY = "studio_individuale", _("studio individuale")
    COURSE = "corso", _("corso di recupero")
    HELP_DESK = "sportello", _("sportello didattico")
    PAUSE = "pausa_didattica", _("pausa didattica")


class Outcome(models.TextChoices):
    ADMITTED = "ammesso", _("ammesso alla classe successiva")
    NOT_ADMITTED = "non_ammesso", _("non ammesso alla classe successiva")
    SUSPENDED = "sospeso", _("giudizio sospeso")
    NOT_ASSESSED = "non_valutato", _("non valutabile per le assenze")
    WITHDRAWN = "ritirato", _("ritirato")
    ABROAD = "anno_estero", _("anno all'estero")
    EXAM_ADMITTED = "ammesso_esame", _("ammesso all'esame di Stato")
    EXAM_NOT_ADMITTED = "non_ammesso_esame", _("non ammesso all'esame di Stato")


class EvaluationSession(models.Model):
    """One scrutinio of a classroom for a period; `student` only for a postponed one."""

    classroom = models.ForeignKey(
        Classroom,
        on_delete=models.PROTECT,
        related_name="evaluation_sessions",
        verbose_name=_("classe"),
    )
    term = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="evaluation_sessions",
        verbose_name=_("periodo"),
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=SessionKind.choices)
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alunno (scrutinio rinviato)"),
    )
    step = models.CharField(_("fase"), max_length=20, choices=Step.choices, default=Step.PROPOSALS)
    # Opening of the council (domain §3.2)
    minutes_number = models.CharField(_("numero del verbale"), max_length=20, blank=True)
    held_on = models.DateField(_("data"), null=True, blank=True)
    starts_at = models.TimeField(_("ora di inizio"), null=True, blank=True)
    ends_at = models.TimeField(_("ora di chiusura"), null=True, blank=True)
    place = models.CharField(_("luogo"), max_length=200, blank=True)
    chair = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("presidente"),
    )
    secretary = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("segretario"),
    )
    # The lock (domain §3.11); `version` grows with every reopening, documents keep theirs.
    locked_at = models.DateTimeField(_("chiuso il"), null=True, blank=True)
    locked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveSmallIntegerField(_("versione"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scrutinio")
        verbose_name_plural = _("scrutini")
        ordering = ["term__start_date", "classroom_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "term", "kind"],
                condition=Q(student__isnull=True),
                name="evaluation_session_one_per_classroom_term_kind",
            ),
            models.UniqueConstraint(
                fields=["classroom", "term", "kind", "student"],
                condition=Q(student__isnull=False),
                name="evaluation_session_one_deferred_per_student",
            ),
            models.CheckConstraint(
                condition=Q(kind="rinviato", student__isnull=False)
                | (~Q(kind="rinviato") & Q(student__isnull=True)),
                name="evaluation_session_student_only_when_deferred",
            ),
            models.CheckConstraint(
                condition=Q(step="chiuso", locked_at__isnull=False)
                | (~Q(step="chiuso") & Q(locked_at__isnull=True)),
                name="evaluation_session_locked_iff_closed_step",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.classroom} ({self.term})"

    @property
    def is_locked(self) -> bool:
        return self.step == Step.LOCKED


class CouncilMember(models.Model):
    """A teacher of the class council: present, or replaced by a colleague (surroga)."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.CASCADE, related_name="members")
    teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    present = models.BooleanField(_("presente"), default=True)
    substitute = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sostituito da"),
    )
    substitution_protocol = models.CharField(
        _("protocollo della nomina"), max_length=40, blank=True
    )
    substitution_date = models.DateField(_("data della nomina"), null=True, blank=True)

    class Meta:
        verbose_name = _("componente del consiglio")
        verbose_name_plural = _("componenti del consiglio")
        constraints = [
            models.UniqueConstraint(fields=["session", "teacher"], name="council_member_once"),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} ({self.session})"


class SubjectMark(models.Model):
    """Per student and subject: the teacher's proposal (read from the register, adjustable)
    and the council's final mark. Numeric marks in `*_mark`; giudizi, IRC judgements and "NC"
    (non classificato) as codes in `*_judgement`."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.CASCADE, related_name="marks")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="+")
    teacher = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("docente proponente"),
    )
    # Read from the register
    register_average = mark_field(_("media del registro"))
    grades_count = models.PositiveSmallIntegerField(_("numero di voti"), default=0)
    hours_absent = models.PositiveSmallIntegerField(_("ore di assenza"), default=0)
    read_at = models.DateTimeField(_("letto dal registro il"), null=True, blank=True)
    # The proposal
    proposed_mark = mark_field(_("voto proposto"))
    proposed_judgement = models.CharField(_("giudizio proposto"), max_length=40, blank=True)
    changed_by_hand = models.BooleanField(_("modificato dal docente"), default=False)
    gaps = models.TextField(_("carenze"), blank=True)
    recovery_mode = models.CharField(
        _("modalità di recupero"), max_length=30, choices=RecoveryMode.choices, blank=True
    )
    # The council's decision
    final_mark = mark_field(_("voto finale"))
    final_judgement = models.CharField(_("giudizio finale"), max_length=40, blank=True)
    debt = models.BooleanField(_("debito formativo"), default=False)

    class Meta:
        verbose_name = _("voto dello scrutinio")
        verbose_name_plural = _("voti dello scrutinio")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "student", "subject"], name="subject_mark_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.subject}: {self.final_mark or self.proposed_mark or ''}"

    @property
    def proposed(self) -> bool:
        return self.proposed_mark is not None or bool(self.proposed_judgement)

    @property
    def decided(self) -> bool:
        return self.final_mark is not None or bool(self.final_judgement)


class StudentResult(models.Model):
    """Per student and session: attendance, behaviour, civic education, outcome, credits."""

    session = models.ForeignKey(EvaluationSession, on_delete=models.CASCADE, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    # Attendance check (domain §3.3)
    hours_absent = models.PositiveIntegerField(_("ore di assenza"), null=True, blank=True)
    annual_hours = models.PositiveIntegerField(_("monte ore annuo"), null=True, blank=True)
    waived_hours = models.PositiveIntegerField(_("ore in deroga"), default=0)
    waiver_reason = models.CharField(_("motivo della deroga"), max_length=300, blank=True)
    assessed = models.BooleanField(_("valutabile"), default=True)
    # Behaviour and civic education (§3.5, §3.6)
    behaviour_mark = mark_field(_("voto di comportamento"))
    behaviour_judgement = models.CharField(
        _("giudizio di comportamento"), max_length=40, blank=True
    )
    behaviour_reason = models.TextField(_("motivazione del comportamento"), blank=True)
    civics_mark = mark_field(_("educazione civica"))
    civics_judgement = models.CharField(
        _("educazione civica (giudizio)"), max_length=40, blank=True
    )
    # Outcome and credits (§3.7, §3.8)
    outcome = models.CharField(_("esito"), max_length=20, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("motivazione dell'esito"), blank=True)
    admission_mark = models.PositiveSmallIntegerField(
        _("voto di ammissione"), null=True, blank=True
    )
    # Facts of the admission to the State exam (D.Lgs 62/2017 arts. 7 and 13), kept so that the
    # outcome can be checked again (completeness, minutes) as it was deliberated.
    invalsi_taken = models.BooleanField(_("prove INVALSI sostenute"), default=True)
    pcto_completed = models.BooleanField(_("ore di PCTO svolte"), default=True)
    citizenship_assignment = models.TextField(_("elaborato di cittadinanza"), blank=True)
    average = mark_field(_("media"))
    credit = models.PositiveSmallIntegerField(_("credito dell'anno"), null=True, blank=True)
    earlier_credits = models.PositiveSmallIntegerField(
        _("crediti degli anni precedenti"), null=True, blank=True
    )
    # The school's criteria for the upper point of the credit band (attendance, interest,
    # activities), as the council judged them for this student.
    credit_criteria_met = models.BooleanField(
        _("criteri della scuola per il punto più alto della fascia"), default=False
    )

    class Meta:
        verbose_name = _("esito dello scrutinio")
        verbose_name_plural = _("esiti dello scrutinio")
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="student_result_once"),
        ]

    def __str__(self) -> str:
        return f"{self.student} ({self.session}): {self.outcome}"


class DeliberationTopic(models.TextChoices):
    MARK = "voto", _("voto")
    ATTENDANCE = "frequenza", _("deroga al limite di assenze")
    BEHAVIOUR = "condotta", _("comportamento")
    OUTCOME = "esito", _("esito")
    CREDIT = "credito", _("credito")
    ADMISSION = "ammissione", _("ammissione all'esame")


class Deliberation(models.Model):
    """A vote of the council: unanimity, or the members who voted against (domain §2)."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.CASCADE, related_name="deliberations"
    )
    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(_("oggetto"), max_length=20, choices=DeliberationTopic.choices)
    unanimous = models.BooleanField(_("all'unanimità"), default=True)
    against = models.ManyToManyField(
        Staff, blank=True, related_name="+", verbose_name=_("contrari")
    )
    reason = models.TextField(_("motivazione"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delibera")
        verbose_name_plural = _("delibere")

    def __str__(self) -> str:
        return f"{self.get_topic_display()} ({self.session})"


class DocumentKind(models.TextChoices):
    MINUTES = "verbale", _("verbale")
    TABELLONE = "tabellone", _("tabellone")
    SIGNATURES = "firme", _("foglio firme")
    DEBT_LETTERS = "lettere_debito", _("lettere per i debiti formativi")
    GAP_LETTERS = "lettere_carenze", _("lettere per le carenze")
    CITIZENSHIP_LETTERS = "lettere_cittadinanza", _("lettere per l'elaborato di cittadinanza")
    NON_ADMISSION_LETTERS = "lettere_non_ammissione", _("lettere di non ammissione")


class SessionDocument(models.Model):
    """A document produced for a session; every version is kept (reopening makes a new one)."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(_("documento"), max_length=30, choices=DocumentKind.choices)
    version = models.PositiveSmallIntegerField(_("versione"))
    # The session's version when it was made: documents made after a reopening are apart.
    session_version = models.PositiveSmallIntegerField(_("versione dello scrutinio"), default=1)
    pdf = models.FileField(_("PDF"), upload_to="scrutini/%Y/")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = _("documento dello scrutinio")
        verbose_name_plural = _("documenti dello scrutinio")
        ordering = ["session_id", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "kind", "version"], name="session_document_version_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} ({self.session})"


class MarkRounding(models.TextChoices):
    HALF_UP = "mezzo_su", _("al voto intero più vicino, 0,5 per eccesso")
    HALF_DOWN = "mezzo_giu", _("al voto intero più vicino, 0,5 per difetto")
    HALVES = "mezzi", _("al mezzo voto più vicino")


class EvaluationSettings(models.Model):
    """The school's criteria (domain [?] items): settings, not constants."""

    institute = models.OneToOneField(
        Institute, on_delete=models.CASCADE, related_name="evaluation_settings"
    )
    proposal_rounding = models.CharField(
        _("arrotondamento delle proposte dalla media"),
        max_length=20,
        choices=MarkRounding.choices,
        default=MarkRounding.HALF_UP,
    )
    lowest_mark = models.PositiveSmallIntegerField(_("voto minimo della scala"), default=1)
    max_debts_for_suspension = models.PositiveSmallIntegerField(
        _("insufficienze massime per la sospensione del giudizio"), default=3
    )
    credit_top_needs_criteria = models.BooleanField(
        _("il punto più alto della banda richiede i criteri della scuola"), default=True
    )
    waiver_reasons = models.TextField(
        _("motivi di deroga al limite di assenze (uno per riga)"),
        default="Gravi motivi di salute documentati\nTerapie e cure programmate\n"
        "Donazioni di sangue\nAttività sportive agonistiche riconosciute dal CONI\n"
        "Motivi religiosi (intese con confessioni religiose)\nGravi motivi di famiglia documentati",
    )

    class Meta:
        verbose_name = _("criteri degli scrutini")
        verbose_name_plural = _("criteri degli scrutini")

    def __str__(self) -> str:
        return f"Criteri degli scrutini ({self.institute})"

    def waiver_reason_list(self) -> list[str]:
        return [line.strip() for line in self.waiver_reasons.splitlines() if line.strip()]
