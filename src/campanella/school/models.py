"""School structure: institute, schools (plessi), years, terms, classrooms, subjects, timetable.

Validation lives in `clean()` (Italian messages, used by forms, the admin and the services);
database constraints back up what can be expressed there.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.lib.grades import SYNTHETIC_JUDGEMENTS, synthetic_judgement_rank
from campanella.lib.italian import ItalianCodeError, check_codice_meccanografico


def validate_codice_meccanografico(value: str) -> None:
    try:
        check_codice_meccanografico(value)
    except ItalianCodeError as error:
        raise ValidationError(str(error), code="codice_meccanografico") from None


def validate_username_code(value: str) -> None:
    if not re.fullmatch(r"[A-Z]{4}[0-9]{4}", value):
        raise ValidationError(
            _("Il codice deve avere 4 lettere maiuscole e 4 cifre, es. GALI0001."),
            code="username_code",
        )


class Institute(models.Model):
    """The istituto: the legal entity, with one or more schools (plessi)."""

    name = models.CharField(_("denominazione"), max_length=200)
    code = models.CharField(
        _("codice meccanografico"),
        max_length=10,
        unique=True,
        validators=[validate_codice_meccanografico],
    )
    city = models.CharField(_("comune"), max_length=100)
    address = models.CharField(_("indirizzo"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    pec = models.EmailField(_("PEC"), blank=True)
    username_code = models.CharField(
        _("codice per i nomi utente del personale"),
        max_length=8,
        blank=True,
        validators=[validate_username_code],
        help_text=_("4 lettere e 4 cifre, es. GALI0001: il personale accede come GALI0001.123."),
    )
    access_end_month = models.PositiveSmallIntegerField(
        _("mese di fine accesso per chi esce"), default=8
    )
    access_end_day = models.PositiveSmallIntegerField(
        _("giorno di fine accesso per chi esce"),
        default=31,
        help_text=_("Alunni usciti e loro genitori perdono l'accesso in questa data (31 agosto)."),
    )
    adult_students_may_justify = models.BooleanField(
        _("gli alunni maggiorenni giustificano da sé"), default=True
    )
    totp_required_for_office = models.BooleanField(
        _("verifica in due passaggi obbligatoria per la segreteria"), default=False
    )
    totp_required_for_principal = models.BooleanField(
        _("verifica in due passaggi obbligatoria per il dirigente"), default=False
    )
    late_signing_days = models.PositiveSmallIntegerField(
        _("giorni entro cui firmare in ritardo"), default=3
    )
    short_late_minutes = models.PositiveSmallIntegerField(_("minuti del ritardo breve"), default=10)
    unjustified_alert_days = models.PositiveSmallIntegerField(
        _("giorni dopo cui segnalare le assenze non giustificate"), default=5
    )
    weighted_averages = models.BooleanField(_("medie ponderate con i pesi dei voti"), default=True)
    grade_double_minus = models.BooleanField(
        _("ammesso il «--» nei voti (7-- = 6½)"), default=False
    )
    grades_visible_after_days = models.PositiveSmallIntegerField(
        _("giorni prima che un voto sia visibile alla famiglia"), default=0
    )
    one_test_per_day = models.BooleanField(
        _("al massimo una verifica al giorno per classe"),
        default=False,
        help_text=_(
            "Se non selezionato, una seconda verifica nello stesso giorno è solo segnalata."
        ),
    )

    class Meta:
        verbose_name = _("istituto")
        verbose_name_plural = _("istituti")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.code = self.code.strip().upper()
        try:
            datetime.date(2001, self.access_end_month, self.access_end_day)
        except ValueError:
            raise ValidationError(_("La data di fine accesso non esiste.")) from None

    def access_end_after(self, year: SchoolYear) -> datetime.date:
        """When leavers of `year` lose access: the setting's day in the year's final year."""
        return datetime.date(year.end_date.year, self.access_end_month, self.access_end_day)


class SchoolKind(models.TextChoices):
    INFANCY = "infanzia", _("scuola dell'infanzia")
    PRIMARY = "primaria", _("scuola primaria")
    LOWER_SECONDARY = "secondaria1", _("scuola secondaria di primo grado")
    UPPER_SECONDARY = "secondaria2", _("scuola secondaria di secondo grado")


class School(models.Model):
    """A plesso with its own codice meccanografico, kind and weekly rhythm."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="schools", verbose_name=_("istituto")
    )
    name = models.CharField(_("denominazione"), max_length=200)
    code = models.CharField(
        _("codice meccanografico"),
        max_length=10,
        unique=True,
        validators=[validate_codice_meccanografico],
    )
    kind = models.CharField(_("ordine di scuola"), max_length=20, choices=SchoolKind.choices)
    city = models.CharField(_("comune"), max_length=100)
    saturday_lessons = models.BooleanField(
        _("lezioni il sabato"), default=False, help_text=_("Settimana corta se non selezionato.")
    )

    class Meta:
        verbose_name = _("scuola (plesso)")
        verbose_name_plural = _("scuole (plessi)")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.code = self.code.strip().upper()

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Python weekday numbers with lessons (0 = Monday)."""
        return (0, 1, 2, 3, 4, 5) if self.saturday_lessons else (0, 1, 2, 3, 4)


class SchoolYear(models.Model):
    """Anno scolastico: by law 1 September – 31 August."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="school_years", verbose_name=_("istituto")
    )
    start_date = models.DateField(_("inizio"))
    end_date = models.DateField(_("fine"))
    lessons_start = models.DateField(_("inizio delle lezioni"))
    lessons_end = models.DateField(_("fine delle lezioni"))

    class Meta:
        verbose_name = _("anno scolastico")
        verbose_name_plural = _("anni scolastici")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "start_date"], name="school_year_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="school_year_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.start_date.year}/{self.end_date.year}"

    def contains(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date

    def clean(self) -> None:
        if not (self.start_date and self.end_date and self.lessons_start and self.lessons_end):
            return
        if self.end_date <= self.start_date:
            raise ValidationError(_("La fine dell'anno scolastico deve seguire l'inizio."))
        if (self.end_date - self.start_date).days > 366:
            raise ValidationError(_("Un anno scolastico non può durare più di un anno."))
        if not (self.start_date <= self.lessons_start < self.lessons_end <= self.end_date):
            raise ValidationError(
                _("Le lezioni devono iniziare e finire dentro l'anno scolastico.")
            )
        overlapping = SchoolYear.objects.filter(
            institute_id=self.institute_id,
            start_date__lte=self.end_date,
            end_date__gte=self.start_date,
        ).exclude(pk=self.pk)
        if self.institute_id and overlapping.exists():
            raise ValidationError(_("Le date si sovrappongono a un altro anno scolastico."))


class TermKind(models.TextChoices):
    TRIMESTER = "trimestre", _("trimestre")
    FOUR_MONTHS = "quadrimestre", _("quadrimestre")
    FIVE_MONTHS = "pentamestre", _("pentamestre")


class Term(models.Model):
    """Frazione temporale of a school year, for one school."""

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.CASCADE, related_name="terms", verbose_name=_("anno")
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="terms", verbose_name=_("scuola")
    )
    number = models.PositiveSmallIntegerField(_("numero"))
    kind = models.CharField(_("tipo"), max_length=20, choices=TermKind.choices)
    start_date = models.DateField(_("inizio"))
    end_date = models.DateField(_("fine"))

    class Meta:
        verbose_name = _("periodo (frazione temporale)")
        verbose_name_plural = _("periodi (frazioni temporali)")
        ordering = ["school_year", "school", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "school", "number"], name="term_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}° {self.get_kind_display()} {self.school_year}"

    def clean(self) -> None:
        if not (self.start_date and self.end_date and self.school_year_id and self.school_id):
            return
        if self.end_date <= self.start_date:
            raise ValidationError(_("La fine del periodo deve seguire l'inizio."))
        year = self.school_year
        if not (year.start_date <= self.start_date and self.end_date <= year.end_date):
            raise ValidationError(
                _("Il periodo deve stare dentro l'anno scolastico %(year)s.") % {"year": year.name}
            )
        if self.school.institute_id != year.institute_id:
            raise ValidationError(_("La scuola e l'anno scolastico sono di istituti diversi."))
        overlapping = Term.objects.filter(
            school_year_id=self.school_year_id,
            school_id=self.school_id,
            start_date__lte=self.end_date,
            end_date__gte=self.start_date,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(
                _("Il periodo si sovrappone a un altro periodo dello stesso anno e scuola.")
            )
        # Dates over a day closed by a locked term-end evaluation are refused (DayClosed, with
        # the day and the reason); the save checks again under lock (school.guard.term_saving).
        from campanella.school.guard import check_term_open

        check_term_open(self)


class Classroom(models.Model):
    """Classe: year (1ª–5ª) + section (+ track in upper secondary), in one school year."""

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="classrooms", verbose_name=_("scuola")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="classrooms", verbose_name=_("anno")
    )
    year = models.PositiveSmallIntegerField(_("anno di corso"))
    section = models.CharField(_("sezione"), max_length=10)
    track = models.CharField(
        _("indirizzo"), max_length=100, blank=True, help_text=_("Es. Liceo scientifico.")
    )
    coordinator = models.ForeignKey(
        "people.Staff",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coordinated_classrooms",
        verbose_name=_("coordinatore"),
    )

    class Meta:
        verbose_name = _("classe")
        verbose_name_plural = _("classi")
        ordering = ["school__name", "year", "section", "track"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "school_year", "year", "section", "track"],
                name="classroom_unique",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=1, year__lte=5), name="classroom_year_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        track = f" {self.track}" if self.track else ""
        return f"{self.year}ª {self.section}{track}"

    def clean(self) -> None:
        self.section = self.section.strip().upper()
        if self.school_id and self.school_year_id:
            if self.school.institute_id != self.school_year.institute_id:
                raise ValidationError(_("La scuola e l'anno scolastico sono di istituti diversi."))
        max_year = 5 if self.school_id and self.school.kind != SchoolKind.LOWER_SECONDARY else 3
        if self.year and not 1 <= self.year <= max_year:
            raise ValidationError({"year": _("Anno di corso non valido per questa scuola.")})
        coordinator = self.coordinator
        if coordinator is not None and self.school_id:
            if coordinator.institute_id != self.school.institute_id:
                raise ValidationError({"coordinator": _("Il coordinatore è di un altro istituto.")})


class SubjectKind(models.TextChoices):
    ORDINARY = "ordinaria", _("ordinaria")
    RELIGION = "religione", _("religione cattolica")
    ALTERNATIVE = "alternativa", _("attività alternativa")
    CIVICS = "civica", _("educazione civica")
    BEHAVIOUR = "condotta", _("comportamento")
    SUPPORT = "sostegno", _("sostegno")


class Subject(models.Model):
    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="subjects", verbose_name=_("istituto")
    )
    name = models.CharField(_("nome"), max_length=100)
    short_name = models.CharField(_("abbreviazione"), max_length=20)
    kind = models.CharField(
        _("tipo"), max_length=20, choices=SubjectKind.choices, default=SubjectKind.ORDINARY
    )

    class Meta:
        verbose_name = _("materia")
        verbose_name_plural = _("materie")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["institute", "name"], name="subject_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class ClassroomSubject(models.Model):
    """A subject taught in a classroom, with its weekly hours."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="subjects", verbose_name=_("classe")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="classrooms", verbose_name=_("materia")
    )
    weekly_hours = models.PositiveSmallIntegerField(_("ore settimanali"))

    class Meta:
        verbose_name = _("materia della classe")
        verbose_name_plural = _("materie della classe")
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "subject"], name="classroom_subject_unique"
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gte=1, weekly_hours__lte=40),
                name="classroom_subject_hours_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.classroom} – {self.subject} ({self.weekly_hours} h)"

    def clean(self) -> None:
        if self.classroom_id and self.subject_id:
            if self.subject.institute_id != self.classroom.school.institute_id:
                raise ValidationError(_("La materia è di un altro istituto."))


class TeachingKind(models.TextChoices):
    NORMAL = "normale", _("curricolare")
    SUPPORT = "sostegno", _("sostegno")
    CO_TEACHING = "compresenza", _("compresenza")


class Teaching(models.Model):
    """Cattedra: a teacher teaches a subject in a classroom (support: for one student)."""

    teacher = models.ForeignKey(
        "people.Staff",
        on_delete=models.PROTECT,
        related_name="teachings",
        verbose_name=_("docente"),
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="teachings", verbose_name=_("classe")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="teachings", verbose_name=_("materia")
    )
    kind = models.CharField(
        _("tipo"), max_length=20, choices=TeachingKind.choices, default=TeachingKind.NORMAL
    )
    support_student = models.ForeignKey(
        "people.Student",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_teachings",
        verbose_name=_("alunno seguito"),
    )

    class Meta:
        verbose_name = _("cattedra")
        verbose_name_plural = _("cattedre")
        constraints = [
            models.UniqueConstraint(
                fields=["teacher", "classroom", "subject", "kind"],
                condition=Q(support_student__isnull=True),
                name="teaching_unique",
                violation_error_message=_("Questa cattedra esiste già."),
            ),
            models.UniqueConstraint(
                fields=["teacher", "classroom", "subject", "support_student"],
                condition=Q(support_student__isnull=False),
                name="teaching_support_unique",
                violation_error_message=_("Questa cattedra di sostegno esiste già."),
            ),
            models.CheckConstraint(
                condition=Q(kind="sostegno", support_student__isnull=False)
                | (~Q(kind="sostegno") & Q(support_student__isnull=True)),
                name="teaching_support_has_student",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.teacher} – {self.subject} – {self.classroom}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.kind == TeachingKind.SUPPORT and self.support_student_id is None:
            errors["support_student"] = _("Per il sostegno indicare l'alunno seguito.")
        if self.kind != TeachingKind.SUPPORT and self.support_student_id is not None:
            errors["support_student"] = _("L'alunno seguito si indica solo per il sostegno.")
        if self.classroom_id and self.subject_id and self.kind != TeachingKind.SUPPORT:
            has_subject = ClassroomSubject.objects.filter(
                classroom_id=self.classroom_id, subject_id=self.subject_id
            ).exists()
            if not has_subject:
                errors["subject"] = _(
                    "La classe %(classroom)s non ha la materia %(subject)s nel suo quadro orario."
                ) % {"classroom": self.classroom, "subject": self.subject}
        if self.teacher_id and self.classroom_id:
            if self.teacher.institute_id != self.classroom.school.institute_id:
                errors["teacher"] = _("Il docente è di un altro istituto.")
            elif not self.teacher.is_teacher:
                errors["teacher"] = _("Questa persona non ha il ruolo di docente.")
        if self.support_student is not None and self.classroom_id:
            enrolled = self.support_student.enrollments.filter(
                classroom_id=self.classroom_id
            ).exists()
            if not enrolled:
                errors["support_student"] = _("L'alunno seguito non è iscritto in questa classe.")
        if errors:
            raise ValidationError(errors)


class HourSlot(models.Model):
    """An hour of the school day (1ª ora 08:00–09:00), per school."""

    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="hour_slots", verbose_name=_("scuola")
    )
    number = models.PositiveSmallIntegerField(_("ora"))
    start_time = models.TimeField(_("inizio"))
    end_time = models.TimeField(_("fine"))

    class Meta:
        verbose_name = _("ora di lezione")
        verbose_name_plural = _("ore di lezione")
        ordering = ["school", "number"]
        constraints = [
            models.UniqueConstraint(fields=["school", "number"], name="hour_slot_unique_number"),
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="hour_slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}ª ora ({self.start_time:%H:%M}–{self.end_time:%H:%M})"

    def clean(self) -> None:
        if not (self.start_time and self.end_time and self.school_id):
            return
        if self.end_time <= self.start_time:
            raise ValidationError(_("L'ora deve finire dopo l'inizio."))
        overlapping = HourSlot.objects.filter(
            school_id=self.school_id,
            start_time__lt=self.end_time,
            end_time__gt=self.start_time,
        ).exclude(pk=self.pk)
        if overlapping.exists():
            raise ValidationError(_("L'ora si sovrappone a un'altra ora della stessa scuola."))


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lunedì")
    TUESDAY = 1, _("martedì")
    WEDNESDAY = 2, _("mercoledì")
    THURSDAY = 3, _("giovedì")
    FRIDAY = 4, _("venerdì")
    SATURDAY = 5, _("sabato")


class TimetableEntry(models.Model):
    """Orario settimanale: which subject a classroom has at a weekday and hour."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.CASCADE, related_name="timetable", verbose_name=_("classe")
    )
    weekday = models.PositiveSmallIntegerField(_("giorno"), choices=Weekday.choices)
    slot = models.ForeignKey(
        HourSlot, on_delete=models.PROTECT, related_name="timetable", verbose_name=_("ora")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="timetable", verbose_name=_("materia")
    )

    class Meta:
        verbose_name = _("voce dell'orario")
        verbose_name_plural = _("orario settimanale")
        ordering = ["classroom", "weekday", "slot__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "weekday", "slot"], name="timetable_unique_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.classroom} {self.get_weekday_display()} {self.slot.number}ª: {self.subject}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.classroom_id and self.slot_id and self.slot.school_id != self.classroom.school_id:
            errors["slot"] = _("L'ora appartiene a un'altra scuola.")
        if self.classroom_id and self.subject_id:
            has_subject = ClassroomSubject.objects.filter(
                classroom_id=self.classroom_id, subject_id=self.subject_id
            ).exists()
            if not has_subject:
                errors["subject"] = _("La classe non ha questa materia nel suo quadro orario.")
        if self.classroom_id and self.weekday is not None:
            if self.weekday not in self.classroom.school.weekdays:
                errors["weekday"] = _("La scuola non fa lezione in questo giorno.")
        if errors:
            raise ValidationError(errors)


class Closure(models.Model):
    """Holiday or closure: no lessons on these days (whole institute or one school)."""

    institute = models.ForeignKey(
        Institute, on_delete=models.CASCADE, related_name="closures", verbose_name=_("istituto")
    )
    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        verbose_name=_("scuola"),
        help_text=_("Vuoto: vale per tutte le scuole dell'istituto."),
    )
    start_date = models.DateField(_("dal"))
    end_date = models.DateField(_("al"))
    description = models.CharField(_("descrizione"), max_length=200)

    class Meta:
        verbose_name = _("festività o chiusura")
        verbose_name_plural = _("festività e chiusure")
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="closure_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        if self.start_date == self.end_date:
            return f"{self.description} ({self.start_date:%d/%m/%Y})"
        return f"{self.description} ({self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y})"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(_("La chiusura deve finire lo stesso giorno o dopo l'inizio."))
        if self.school is not None and self.school.institute_id != self.institute_id:
            raise ValidationError({"school": _("La scuola è di un altro istituto.")})
        if self.start_date and self.end_date and self.institute_id:
            # A closure changes the lesson days (and the annual hours of the attendance limit):
            # not over a day closed by a locked evaluation (school.guard; the save checks again).
            from campanella.school.guard import check_spans_open, closure_change_spans

            check_spans_open(closure_change_spans(self))


class JudgementArea(models.TextChoices):
    LEARNING = "apprendimento", _("apprendimenti (ogni disciplina)")
    BEHAVIOUR = "comportamento", _("comportamento")


class JudgementDescription(models.Model):
    """The school's own description of a giudizio sintetico of primary school (O.M. 3/2025
    art. 3: the school words the levels in its PTOF). A giudizio without a row here reads the
    default of `lib.grades` (DEFAULT_SYNTHETIC_DESCRIPTIONS, DEFAULT_BEHAVIOUR_DESCRIPTIONS);
    `school.selectors.judgement_descriptions` merges the two."""

    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="judgement_descriptions",
        verbose_name=_("scuola"),
    )
    area = models.CharField(_("ambito"), max_length=20, choices=JudgementArea.choices)
    code = models.CharField(_("giudizio"), max_length=20, choices=SYNTHETIC_JUDGEMENTS)
    description = models.TextField(_("descrizione"), max_length=1000)

    class Meta:
        verbose_name = _("descrizione di un giudizio sintetico")
        verbose_name_plural = _("descrizioni dei giudizi sintetici (primaria)")
        ordering = ["school__name", "area"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "area", "code"], name="judgement_description_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()} – {self.get_area_display()}"

    @property
    def rank(self) -> int:
        return synthetic_judgement_rank(self.code)

    def clean(self) -> None:
        self.description = self.description.strip()
        if self.school_id and self.school.kind != SchoolKind.PRIMARY:
            raise ValidationError(
                {"school": _("I giudizi sintetici con descrizione sono della scuola primaria.")}
            )


class ClosedPeriod(models.Model):
    """Days of a classroom that nothing may change any more: a term-end evaluation (scrutinio)
    locked them. Decided in `evaluation`, held here, below the register and grades, so that
    their one write guard (`school.guard.ensure_open`) checks it without importing upward.
    `holder` names what placed it (e.g. "evaluation.session:123") and removes it."""

    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="closed_periods", verbose_name=_("classe")
    )
    start_date = models.DateField(_("dal"))
    end_date = models.DateField(_("al"))
    reason = models.CharField(
        _("motivo"), max_length=200, help_text=_("Es. Scrutinio del 1° quadrimestre chiuso.")
    )
    holder = models.CharField(_("chiuso da"), max_length=80)
    created_at = models.DateTimeField(_("chiuso il"), default=timezone.now)

    class Meta:
        verbose_name = _("periodo chiuso")
        verbose_name_plural = _("periodi chiusi")
        ordering = ["classroom", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="closed_period_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["holder", "classroom"], name="closed_period_one_per_holder"
            ),
        ]
        indexes = [models.Index(fields=["classroom", "start_date", "end_date"])]

    def __str__(self) -> str:
        return (
            f"{self.classroom} {self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y}: {self.reason}"
        )
