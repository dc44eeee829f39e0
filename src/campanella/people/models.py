"""People: users, students, enrolments, guardians and staff.

A User is a login; Student, Guardian and Staff are the roles a login may hold. One user may hold
several (a teacher who is also a parent sees both worlds).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.lib.italian import ItalianCodeError, check_codice_fiscale
from campanella.school.models import Classroom, Institute, SchoolYear

ADULT_AGE = 18


def validate_codice_fiscale(value: str) -> None:
    try:
        check_codice_fiscale(value)
    except ItalianCodeError as error:
        raise ValidationError(str(error), code="codice_fiscale") from None


def age_on(birth_date: datetime.date, day: datetime.date) -> int:
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


class User(AbstractUser):
    """A login. Names live on the role records; these copies are for the admin and e-mails."""

    must_change_password = models.BooleanField(
        _("deve cambiare la password"),
        default=False,
        help_text=_("Vero per le password temporanee: al primo accesso si sceglie la propria."),
    )
    login_email = models.EmailField(
        _("e-mail di accesso"),
        null=True,
        blank=True,
        unique=True,
        help_text=_("Verificata dall'utente: vale come nome utente e per recuperare la password."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_accounts",
        verbose_name=_("unito all'accesso"),
    )
    session_epoch = models.PositiveIntegerField(
        default=0, help_text=_("Aumenta per chiudere tutte le sessioni aperte.")
    )
    totp_secret = models.CharField(max_length=64, blank=True)
    totp_confirmed = models.BooleanField(_("verifica in due passaggi attiva"), default=False)
    # The time step of the last two-step code accepted: a code is accepted once, and none older
    # after it (RFC 6238 §5.2). In the database, so every app server sees it.
    totp_last_step = models.BigIntegerField(default=0)
    # The one e-mail verification link still valid (a newer request replaces it; using it
    # clears it).
    email_link_nonce = models.CharField(max_length=64, blank=True)
    access_version = models.PositiveIntegerField(
        default=0,
        help_text=_("Aumenta quando cambia ciò che l'accesso può vedere (figli, ruoli)."),
    )

    class Meta:
        verbose_name = _("utente")
        verbose_name_plural = _("utenti")

    def get_session_auth_hash(self) -> str:
        # Sessions carry this hash; bumping session_epoch ("esci da tutti i dispositivi") makes
        # every other session invalid, exactly as a password change does.
        base = super().get_session_auth_hash()
        return f"{base}:{self.session_epoch}"


class Sex(models.TextChoices):
    MALE = "M", _("maschio")
    FEMALE = "F", _("femmina")


class PersonFields(models.Model):
    surname = models.CharField(_("cognome"), max_length=100)
    name = models.CharField(_("nome"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.name}"


class Student(PersonFields):
    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="students", verbose_name=_("istituto")
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="student_profile",
        verbose_name=_("utente"),
    )
    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, validators=[validate_codice_fiscale]
    )
    birth_date = models.DateField(_("data di nascita"))
    sex = models.CharField(_("sesso"), max_length=1, choices=Sex.choices)
    birth_place = models.CharField(_("luogo di nascita"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("alunno")
        verbose_name_plural = _("alunni")
        ordering = ["surname", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "codice_fiscale"], name="student_unique_codice_fiscale"
            )
        ]

    def clean(self) -> None:
        self.codice_fiscale = self.codice_fiscale.strip().upper()
        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError({"birth_date": _("La data di nascita è nel futuro.")})

    def is_adult_on(self, day: datetime.date) -> bool:
        return age_on(self.birth_date, day) >= ADULT_AGE

    @property
    def is_adult(self) -> bool:
        """Maggiorenne today: derived from the birth date, never stored."""
        return self.is_adult_on(timezone.localdate())


class ExitReason(models.TextChoices):
    TRANSFER = "trasferimento", _("trasferimento")
    WITHDRAWAL = "ritiro", _("ritiro")
    COMPLETED = "fine_percorso", _("fine del percorso")
    CLASS_CHANGE = "cambio_classe", _("cambio di classe")


class Enrollment(models.Model):
    """Iscrizione: a student in a classroom for a school year, from entry to exit."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="enrollments", verbose_name=_("alunno")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("anno")
    )
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("classe")
    )
    entry_date = models.DateField(_("data di ingresso"))
    exit_date = models.DateField(_("data di uscita"), null=True, blank=True)
    exit_reason = models.CharField(
        _("motivo dell'uscita"), max_length=20, choices=ExitReason.choices, blank=True
    )
    exit_note = models.CharField(_("note sull'uscita"), max_length=300, blank=True)
    transfer_school = models.CharField(
        _("scuola di destinazione"),
        max_length=220,
        blank=True,
        help_text=_("Per i trasferimenti: denominazione e codice meccanografico."),
    )

    class Meta:
        verbose_name = _("iscrizione")
        verbose_name_plural = _("iscrizioni")
        ordering = ["school_year", "entry_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_date__isnull=True) | Q(exit_date__gte=F("entry_date")),
                name="enrollment_exit_after_entry",
            ),
            models.UniqueConstraint(
                fields=["student", "classroom", "entry_date"], name="enrollment_unique"
            ),
        ]
        indexes = [models.Index(fields=["classroom", "exit_date"])]

    def __str__(self) -> str:
        return f"{self.student} – {self.classroom} ({self.school_year})"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or day <= self.exit_date)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.classroom_id and self.school_year_id:
            if self.classroom.school_year_id != self.school_year_id:
                errors["classroom"] = _("La classe è di un altro anno scolastico.")
        if self.student_id and self.classroom_id:
            if self.student.institute_id != self.classroom.school.institute_id:
                errors["classroom"] = _("La classe è di un altro istituto.")
        if self.school_year_id and self.entry_date:
            if not self.school_year.contains(self.entry_date):
                errors["entry_date"] = _("La data di ingresso è fuori dall'anno scolastico.")
        if self.exit_date and self.entry_date and self.exit_date < self.entry_date:
            errors["exit_date"] = _("L'uscita non può precedere l'ingresso.")
        if self.exit_date and not self.exit_reason:
            errors["exit_reason"] = _("Indicare il motivo dell'uscita.")
        if errors:
            raise ValidationError(errors)
        if self.student_id and self.entry_date:
            self._refuse_overlap()

    def _refuse_overlap(self) -> None:
        far_future = datetime.date.max
        end = self.exit_date or far_future
        overlapping = Enrollment.objects.filter(
            student_id=self.student_id, entry_date__lte=end
        ).filter(Q(exit_date__isnull=True) | Q(exit_date__gte=self.entry_date))
        if overlapping.exclude(pk=self.pk).exists():
            raise ValidationError(
                _(
                    "L'alunno è già iscritto in un'altra classe in queste date: chiudere prima "
                    "l'iscrizione precedente."
                )
            )


class Guardian(PersonFields):
    """Genitore o tutore. The same login may be guardian in several institutes."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="guardians", verbose_name=_("istituto")
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guardian_profiles",
        verbose_name=_("utente"),
    )
    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, blank=True, validators=[validate_codice_fiscale]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telefono"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("genitore o tutore")
        verbose_name_plural = _("genitori e tutori")
        ordering = ["surname", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "codice_fiscale"],
                condition=~Q(codice_fiscale=""),
                name="guardian_unique_codice_fiscale",
            )
        ]

    def clean(self) -> None:
        self.codice_fiscale = self.codice_fiscale.strip().upper()


class Relation(models.TextChoices):
    PARENT_1 = "genitore1", _("genitore 1")
    PARENT_2 = "genitore2", _("genitore 2")
    TUTOR = "tutore", _("tutore")


class Guardianship(models.Model):
    """The link student–guardian, with its rights."""

    student = models.ForeignKey(
        Student, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("alunno")
    )
    guardian = models.ForeignKey(
        Guardian,
        on_delete=models.CASCADE,
        related_name="guardianships",
        verbose_name=_("genitore o tutore"),
    )
    relation = models.CharField(_("relazione"), max_length=20, choices=Relation.choices)
    may_justify = models.BooleanField(_("può giustificare"), default=True)
    receives_communications = models.BooleanField(_("riceve le comunicazioni"), default=True)
    parental_responsibility = models.BooleanField(_("responsabilità genitoriale"), default=True)
    access_revoked_on = models.DateField(
        _("accesso revocato il"),
        null=True,
        blank=True,
        help_text=_("Dopo l'uscita dell'alunno il genitore non vede più questo figlio."),
    )

    class Meta:
        verbose_name = _("legame alunno–genitore")
        verbose_name_plural = _("legami alunno–genitore")
        constraints = [
            models.UniqueConstraint(
                fields=["student", "guardian"],
                name="guardianship_unique",
                violation_error_message=_("Questo genitore è già collegato a questo alunno."),
            ),
            models.UniqueConstraint(
                fields=["student", "relation"],
                condition=Q(relation__in=["genitore1", "genitore2"]),
                name="guardianship_unique_parent_rank",
                violation_error_message=_("L'alunno ha già un genitore con questo ruolo."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian} ({self.get_relation_display()}) → {self.student}"

    def clean(self) -> None:
        if self.student_id and self.guardian_id:
            if self.student.institute_id != self.guardian.institute_id:
                raise ValidationError(_("Alunno e genitore sono di istituti diversi."))


class Staff(PersonFields):
    """Personale: teachers, office (segreteria), principal (dirigente). Roles may combine."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="staff", verbose_name=_("istituto")
    )
    user = models.OneToOneField(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_profile",
        verbose_name=_("utente"),
    )
    codice_fiscale = models.CharField(
        _("codice fiscale"), max_length=16, blank=True, validators=[validate_codice_fiscale]
    )
    email = models.EmailField(_("e-mail"), blank=True)
    is_teacher = models.BooleanField(_("docente"), default=False)
    is_office = models.BooleanField(_("segreteria"), default=False)
    is_principal = models.BooleanField(_("dirigente"), default=False)
    active = models.BooleanField(_("in servizio"), default=True)

    class Meta:
        verbose_name = _("personale")
        verbose_name_plural = _("personale")
        ordering = ["surname", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "codice_fiscale"],
                condition=~Q(codice_fiscale=""),
                name="staff_unique_codice_fiscale",
            )
        ]

    def clean(self) -> None:
        self.codice_fiscale = self.codice_fiscale.strip().upper()
        if not (self.is_teacher or self.is_office or self.is_principal):
            raise ValidationError(_("Indicare almeno un ruolo: docente, segreteria o dirigente."))


class AccessEventKind(models.TextChoices):
    LOGIN = "login", _("accesso riuscito")
    LOGIN_FAILED = "login_failed", _("accesso fallito")
    LOCKED = "locked", _("accesso bloccato per troppi tentativi")
    UNLOCKED = "unlocked", _("sblocco da parte della segreteria")
    LOGOUT_EVERYWHERE = "logout_everywhere", _("uscita da tutti i dispositivi")
    CREDENTIALS_ISSUED = "credentials_issued", _("credenziali emesse")
    PASSWORD_CHANGED = "password_changed", _("password cambiata")
    RESET_REQUESTED = "reset_requested", _("recupero password richiesto")
    PASSWORD_RESET = "password_reset", _("password reimpostata con il collegamento")
    OFFICE_RESET = "office_reset", _("password reimpostata dalla segreteria")
    EMAIL_LINKED = "email_linked", _("e-mail collegata")
    ACCOUNTS_MERGED = "accounts_merged", _("accessi uniti")
    ACCESS_REVOKED = "access_revoked", _("accesso revocato")
    ACCESS_ENDED_LOGIN = "access_ended_login", _("tentato accesso dopo la fine dell'accesso")
    TOTP_ENABLED = "totp_enabled", _("verifica in due passaggi attivata")
    TOTP_DISABLED = "totp_disabled", _("verifica in due passaggi disattivata")
    TOTP_FAILED = "totp_failed", _("codice di verifica errato")


class AccessEvent(models.Model):
    """A trace of access: who, when, from where, and what. Kept for the office and for audits."""

    kind = models.CharField(_("evento"), max_length=30, choices=AccessEventKind.choices)
    at = models.DateTimeField(_("quando"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events",
        verbose_name=_("utente"),
    )
    username = models.CharField(_("nome utente indicato"), max_length=254, blank=True)
    actor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="access_events_done",
        verbose_name=_("eseguito da"),
    )
    institute = models.ForeignKey(
        Institute,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_events",
    )
    ip_address = models.GenericIPAddressField(_("indirizzo"), null=True, blank=True)
    user_agent = models.CharField(_("dispositivo"), max_length=200, blank=True)
    detail = models.CharField(_("dettagli"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("evento di accesso")
        verbose_name_plural = _("eventi di accesso")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "kind", "at"]),
            models.Index(fields=["ip_address", "kind", "at"]),
            models.Index(fields=["institute", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_kind_display()} {self.username}"


class UsernameCounter(models.Model):
    """Numbers behind usernames are handed out once: a counter per series, never decreased."""

    series = models.CharField(max_length=20, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.series}: {self.last_value}"


class CredentialBatch(models.Model):
    """Letters of one issuing, kept briefly so the office can download (and print) them.

    The PDFs hold temporary passwords: they are deleted after EXPIRY; the passwords themselves
    are stored only hashed on the users.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("in coda")
        RUNNING = "running", _("in corso")
        DONE = "done", _("completato")
        FAILED = "failed", _("non riuscito")

    institute = models.ForeignKey(Institute, on_delete=models.CASCADE)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="credential_batches")
    issued_at = models.DateTimeField(default=timezone.now)
    description = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    plan = models.JSONField(default=dict)
    login_url = models.CharField(max_length=300, default="")
    email_guardians = models.BooleanField(default=False)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    emails_sent = models.PositiveIntegerField(default=0)
    student_count = models.PositiveIntegerField(default=0)
    guardian_count = models.PositiveIntegerField(default=0)
    staff_count = models.PositiveIntegerField(default=0)
    students_pdf = models.BinaryField(null=True, blank=True)
    guardians_pdf = models.BinaryField(null=True, blank=True)
    staff_pdf = models.BinaryField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"{self.description} ({self.issued_at:%d/%m/%Y %H:%M})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.processed / self.total)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
