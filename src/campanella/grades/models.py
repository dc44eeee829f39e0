"""Grades: numeric (Italian notation), giudizi sintetici (primary school from 2024/25; the 2020
descriptive levels before), judgements (religion).

The value is stored once, as a number or a level/judgement code; the display form is derived by
`campanella.lib.grades` (DESIGN: never stored twice). Grades are public acts: written through
`grades.services`, with history, never deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.lib.grades import DESCRIPTIVE_LEVELS, JUDGEMENTS, SYNTHETIC_JUDGEMENTS
from campanella.people.models import Staff, Student, User
from campanella.school.models import Classroom, Subject

DESCRIPTION_LENGTH = 200
COMMENT_LENGTH = 1000  # the comment for the family: checked by grades.services (a TextField)


class GradeKind(models.TextChoices):
    WRITTEN = "scritto", _("scritto")
    ORAL = "orale", _("orale")
    PRACTICAL = "pratico", _("pratico")


class ScaleKind(models.TextChoices):
    NUMERIC = "numerico", _("voto numerico")
    LEVEL = "livello", _("livello descrittivo")
    JUDGEMENT = "giudizio", _("giudizio")
    SYNTHETIC = "sintetico", _("giudizio sintetico")


# Primary school evaluations share the `level` column: the 2020 descriptive levels (kept for the
# years 2020/21–2023/24) and the giudizi sintetici of O.M. 3/2025; their codes are distinct.
LEVEL_CODES = [code for code, _label in DESCRIPTIVE_LEVELS]
SYNTHETIC_CODES = [code for code, _label in SYNTHETIC_JUDGEMENTS]


class Grade(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="grades")
    classroom = models.ForeignKey(Classroom, on_delete=models.PROTECT, related_name="grades")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="grades")
    teacher = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="grades_given")
    date = models.DateField(_("data"))
    kind = models.CharField(_("tipo"), max_length=10, choices=GradeKind.choices)
    scale = models.CharField(max_length=10, choices=ScaleKind.choices, default=ScaleKind.NUMERIC)
    value = models.DecimalField(_("voto"), max_digits=4, decimal_places=2, null=True, blank=True)
    level = models.CharField(
        max_length=40, blank=True, choices=[*DESCRIPTIVE_LEVELS, *SYNTHETIC_JUDGEMENTS]
    )
    judgement = models.CharField(max_length=20, blank=True, choices=JUDGEMENTS)
    weight = models.DecimalField(_("peso"), max_digits=4, decimal_places=2, default=Decimal("1"))
    counts_in_average = models.BooleanField(_("fa media"), default=True)
    description = models.CharField(
        _("descrizione della prova"), max_length=DESCRIPTION_LENGTH, blank=True
    )
    comment = models.TextField(_("commento per la famiglia"), blank=True)
    visible_from = models.DateField(_("visibile alla famiglia dal"), null=True, blank=True)
    lesson = models.ForeignKey(
        "register.Lesson", on_delete=models.SET_NULL, null=True, blank=True, related_name="grades"
    )
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("voto")
        verbose_name_plural = _("voti")
        ordering = ["-date", "-recorded_at"]
        indexes = [
            models.Index(fields=["classroom", "subject", "date"]),
            models.Index(fields=["student", "date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scale="numerico", value__isnull=False) & Q(level="", judgement=""))
                | (Q(scale="livello", value__isnull=True, level__in=LEVEL_CODES) & Q(judgement=""))
                | (
                    Q(scale="sintetico", value__isnull=True, level__in=SYNTHETIC_CODES)
                    & Q(judgement="")
                )
                | (Q(scale="giudizio", value__isnull=True) & Q(level="") & ~Q(judgement="")),
                name="grade_value_matches_scale",
            ),
            models.CheckConstraint(condition=Q(weight__gte=0), name="grade_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.student} {self.subject} {self.date:%d/%m/%Y}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class GradesStamp(models.Model):
    """A random stamp per classroom, replaced by every write of its grades and by what else
    grade pages show (grades.services.FOLLOWED, imports): those pages keep what they computed
    under it, so a new grade shows at once and an unchanged book is not computed again
    (grades.views.page_key)."""

    classroom = models.OneToOneField(
        Classroom, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.classroom_id}: {self.stamp}"
