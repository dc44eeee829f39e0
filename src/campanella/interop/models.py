"""Imports of the office: every uploaded file is kept as an ImportBatch.

The batch keeps the raw bytes, so the apply step re-reads exactly the file that was previewed,
and it is the trace of the import: who uploaded it and when, who applied it and when, with the
counts of what changed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.school.models import Institute


class ImportKind(models.TextChoices):
    STUDENTS = "alunni", _("alunni e genitori")
    STAFF = "personale", _("personale")
    TEACHINGS = "cattedre", _("cattedre (assegnazioni dei docenti)")
    GRADES = "voti", _("voti")
    ATTENDANCE = "assenze", _("assenze, ritardi e uscite")
    ONEROSTER = "oneroster", _("anagrafica OneRoster 1.2 (archivio .zip)")


class ImportStatus(models.TextChoices):
    PENDING = "in_attesa", _("in attesa di conferma")
    INVALID = "non_valido", _("non importabile")
    APPLIED = "applicato", _("importato")


class ImportBatch(models.Model):
    institute = models.ForeignKey(
        Institute,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("istituto"),
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=ImportKind.choices)
    file_name = models.CharField(_("nome del file"), max_length=255)
    content = models.BinaryField(_("contenuto"))
    status = models.CharField(
        _("stato"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("caricato da"),
    )
    uploaded_at = models.DateTimeField(_("caricato il"), default=timezone.now)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("importato da"),
    )
    applied_at = models.DateTimeField(_("importato il"), null=True, blank=True)
    summary = models.JSONField(_("riepilogo"), default=dict, blank=True)

    class Meta:
        verbose_name = _("importazione")
        verbose_name_plural = _("importazioni")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["institute", "-uploaded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="applicato") | models.Q(applied_at__isnull=False),
                name="import_batch_applied_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"

    @property
    def raw(self) -> bytes:
        """The uploaded bytes (PostgreSQL returns a memoryview)."""
        return bytes(self.content)

    @property
    def is_applied(self) -> bool:
        return self.status == ImportStatus.APPLIED


ONEROSTER_SCOPE_PREFIX = "https://purl.imsglobal.org/spec/or/v1p2/scope/"
ONEROSTER_CLIENT_PREFIX = "campanella-"


class KeyScope(models.TextChoices):
    ATTENDANCE_READ = "attendance:read", _("leggere le assenze")
    ATTENDANCE_WRITE = "attendance:write", _("scrivere le assenze")
    RESULTS_READ = "results:read", _("leggere gli esiti degli scrutini")
    # OneRoster 1.2's own scopes (a key with any of them is also an OAuth 2 client of the
    # OneRoster REST provider: docs/oneroster.md).
    ONEROSTER_ROSTER_CORE = (
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
        _("OneRoster: leggere scuole, anni, corsi, classi, persone e iscrizioni"),
    )
    ONEROSTER_ROSTER = (
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
        _("OneRoster: leggere tutto l'elenco (anche i dati demografici)"),
    )
    ONEROSTER_DEMOGRAPHICS = (
        "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly",
        _("OneRoster: leggere i dati demografici"),
    )
    ONEROSTER_GRADEBOOK = (
        "https://purl.imsglobal.org/spec/or/v1p2/scope/gradebook.readonly",
        _("OneRoster: leggere il registro dei voti (prove e risultati)"),
    )
    ROSTER_WRITE = "roster:write", _("importare l'anagrafica (archivio OneRoster 1.2)")


class RosterLinkKind(models.TextChoices):
    STUDENT = "alunno", _("alunno")
    STAFF = "personale", _("personale")
    GUARDIAN = "genitore", _("genitore o tutore")


class RosterLink(models.Model):
    """A person of a OneRoster bundle made by another system, by its sourcedId: the next bundle
    of that system finds the same person even without a codice fiscale (staff, guardians).
    Our own sourcedIds ("student-42") need no link: they are the primary key."""

    institute = models.ForeignKey(
        Institute, on_delete=models.CASCADE, related_name="+", verbose_name=_("istituto")
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=RosterLinkKind.choices)
    sourced_id = models.CharField(_("sourcedId"), max_length=255)
    object_id = models.PositiveBigIntegerField(_("id nel registro"))
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)

    class Meta:
        verbose_name = _("collegamento OneRoster")
        verbose_name_plural = _("collegamenti OneRoster")
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "kind", "sourced_id"], name="roster_link_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.sourced_id} → {self.object_id}"


class ApiKey(models.Model):
    """A key for the back-office's software (a machine, not a person): created by the office
    for its institute with the scopes it needs, shown once (only its digest is kept),
    revocable; its last use is shown on the office's page."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="+", verbose_name=_("istituto")
    )
    name = models.CharField(_("nome"), max_length=100)
    scopes = models.JSONField(_("permessi"), default=list)
    prefix = models.CharField(_("inizio della chiave"), max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("creata il"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("creata da"),
    )
    revoked_at = models.DateTimeField(_("revocata il"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revocata da"),
    )
    last_used_at = models.DateTimeField(_("ultimo uso"), null=True, blank=True)
    last_used_from = models.GenericIPAddressField(_("ultimo indirizzo"), null=True, blank=True)

    class Meta:
        verbose_name = _("chiave API del gestionale")
        verbose_name_plural = _("chiavi API del gestionale")
        ordering = ["revoked_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def scope_labels(self) -> list[str]:
        return [str(KeyScope(scope).label) for scope in self.scopes if scope in KeyScope.values]

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in self.scopes

    @property
    def oneroster_client_id(self) -> str | None:
        """The OAuth 2 client id of a key with OneRoster scopes (oneroster/oauth.py); its secret
        is the key itself."""
        if not any(scope.startswith(ONEROSTER_SCOPE_PREFIX) for scope in self.scopes):
            return None
        return f"{ONEROSTER_CLIENT_PREFIX}{self.pk}"


class ResultsExportChannel(models.TextChoices):
    PAGE = "pagina", _("pagina della segreteria")
    API = "api", _("API")
    COMMAND = "comando", _("comando campanella sync")
    NIGHTLY = "notturno", _("esportazione notturna")


class ResultsExport(models.Model):
    """A file of term results sent to the back-office: who took it, when, how, and which locked
    evaluations (at which version) it held — so the office sees what was sent, and what was
    reopened and locked again after it."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="+", verbose_name=_("istituto")
    )
    created_at = models.DateTimeField(_("inviato il"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("inviato da"),
    )
    api_key = models.ForeignKey(
        ApiKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("chiave API"),
    )
    channel = models.CharField(_("canale"), max_length=10, choices=ResultsExportChannel.choices)
    file_format = models.CharField(_("formato"), max_length=10)
    rows = models.PositiveIntegerField(_("righe"), default=0)

    class Meta:
        verbose_name = _("invio degli esiti")
        verbose_name_plural = _("invii degli esiti")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["institute", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} ({self.file_format})"


class ResultsExportSession(models.Model):
    """One locked evaluation in a results export, with the version that was sent."""

    export = models.ForeignKey(ResultsExport, on_delete=models.CASCADE, related_name="sessions")
    session = models.ForeignKey(
        "evaluation.EvaluationSession", on_delete=models.PROTECT, related_name="+"
    )
    session_version = models.PositiveSmallIntegerField(_("versione dello scrutinio"))

    class Meta:
        verbose_name = _("scrutinio inviato")
        verbose_name_plural = _("scrutini inviati")
        constraints = [
            models.UniqueConstraint(
                fields=["export", "session"], name="results_export_session_once"
            )
        ]
        indexes = [models.Index(fields=["session", "-export"])]

    def __str__(self) -> str:
        return f"{self.session_id} v{self.session_version}"


class SyncJobStatus(models.TextChoices):
    QUEUED = "in_coda", _("in coda")
    RUNNING = "in_corso", _("in corso")
    DONE = "completato", _("completato")
    CANCELLED = "annullato", _("annullato")
    FAILED = "non_riuscito", _("non riuscito")


class SyncJob(models.Model):
    """Attendance events written into the register for some schools and a range of days, from
    a previewed batch, as a background job (interop.sync_jobs): one transaction per day (all or
    nothing), the day's writes and the checkpoint committed together, so a worker killed in the
    middle resumes after the last day done, without doubling or losing a row."""

    institute = models.ForeignKey(
        Institute, on_delete=models.PROTECT, related_name="+", verbose_name=_("istituto")
    )
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("file")
    )
    school_ids = models.JSONField(_("scuole"), default=list)
    start_date = models.DateField(_("dal"))
    end_date = models.DateField(_("al"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("richiesto il"), default=timezone.now)
    status = models.CharField(
        _("stato"), max_length=20, choices=SyncJobStatus.choices, default=SyncJobStatus.QUEUED
    )
    days_total = models.PositiveIntegerField(default=0)
    days_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    written = models.JSONField(default=dict, blank=True)
    checkpoint = models.DateField(_("ultimo giorno importato"), null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    rows_at_start = models.PositiveIntegerField(default=0)  # of this run (a resumed one)
    lease_until = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    runs = models.PositiveSmallIntegerField(default=0)
    log = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("importazione delle assenze in corso")
        verbose_name_plural = _("importazioni delle assenze in corso")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "lease_until"])]

    def __str__(self) -> str:
        return f"{self.batch} ({self.start_date:%d/%m/%Y}–{self.end_date:%d/%m/%Y})"

    @property
    def is_finished(self) -> bool:
        return self.status in {SyncJobStatus.DONE, SyncJobStatus.CANCELLED, SyncJobStatus.FAILED}

    @property
    def percent(self) -> int:
        return 100 if not self.rows_total else round(100 * self.rows_done / self.rows_total)

    def rows_per_second(self, now: datetime.datetime | None = None) -> float | None:
        if not self.started_at or self.rows_done <= self.rows_at_start:
            return None
        elapsed = ((self.finished_at or now or timezone.now()) - self.started_at).total_seconds()
        return (self.rows_done - self.rows_at_start) / elapsed if elapsed > 0 else None

    def seconds_left(self, now: datetime.datetime | None = None) -> int | None:
        rate = self.rows_per_second(now)
        if self.is_finished or not rate:
            return None
        return round((self.rows_total - self.rows_done) / rate)


class NightlyKind(models.TextChoices):
    ATTENDANCE = "assenze", _("assenze cambiate dall'ultima notte")
    RESULTS = "esiti", _("esiti degli scrutini chiusi non ancora inviati")


class NightlySchedule(models.Model):
    """The office's nightly run for the back-office: each night the attendance events changed
    since the previous night and the results of the scrutini locked and not yet sent, of the
    chosen schools, are written as files the back-office collects (page or API)."""

    institute = models.OneToOneField(
        Institute, on_delete=models.CASCADE, related_name="+", verbose_name=_("istituto")
    )
    enabled = models.BooleanField(_("attiva"), default=True)
    school_ids = models.JSONField(_("scuole"), default=list)
    attendance = models.BooleanField(_("assenze"), default=True)
    results = models.BooleanField(_("esiti degli scrutini"), default=True)
    updated_at = models.DateTimeField(_("modificata il"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("esportazione notturna")
        verbose_name_plural = _("esportazioni notturne")

    def __str__(self) -> str:
        return str(self.institute)


class NightlyFile(models.Model):
    """One file of a nightly run, kept for the back-office to collect."""

    institute = models.ForeignKey(
        Institute, on_delete=models.CASCADE, related_name="+", verbose_name=_("istituto")
    )
    kind = models.CharField(_("contenuto"), max_length=10, choices=NightlyKind.choices)
    night = models.DateField(_("notte"))
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)
    since = models.DateTimeField(_("cambiamenti dal"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("righe"), default=0)
    file = models.FileField(_("file"), upload_to="gestionale/notturno/%Y/%m/")

    class Meta:
        verbose_name = _("file notturno per il gestionale")
        verbose_name_plural = _("file notturni per il gestionale")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["institute", "kind", "night"], name="nightly_file_once_a_night"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.night:%d/%m/%Y}"


class OneRosterToken(models.Model):
    """An OAuth 2 access token of the OneRoster REST provider, issued to a key (the client) by
    the client credentials grant: random, kept only as its digest, short-lived, with the scopes
    granted; it dies with the key's revocation (checked at every request)."""

    key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, related_name="+", verbose_name=_("chiave")
    )
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("permessi"), default=list)
    issued_at = models.DateTimeField(_("rilasciato il"), default=timezone.now)
    expires_at = models.DateTimeField(_("scade il"), db_index=True)

    class Meta:
        verbose_name = _("token di accesso OneRoster")
        verbose_name_plural = _("token di accesso OneRoster")

    def __str__(self) -> str:
        return f"{self.key} → {self.expires_at:%d/%m/%Y %H:%M}"
