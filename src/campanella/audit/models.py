"""The history of legal records: who changed what, when, from what to what, and why.

Lessons, signatures, attendance, justifications, notes, grades and evaluations are public acts
(DESIGN §4): every write through a service leaves a Change here, bulk paths included.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ChangeAction(models.TextChoices):
    CREATE = "create", _("inserimento")
    UPDATE = "update", _("modifica")
    CANCEL = "cancel", _("annullamento")
    RESTORE = "restore", _("ripristino")


class Change(models.Model):
    # No index of their own on content_type and institute: each is the first column of a
    # composite index below, which serves their lookups (one index less to write per change).
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, db_index=False)
    object_id = models.PositiveBigIntegerField()
    action = models.CharField(_("operazione"), max_length=10, choices=ChangeAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="changes",
        verbose_name=_("autore"),
    )
    at = models.DateTimeField(_("quando"), default=timezone.now)
    before = models.JSONField(_("prima"), null=True, blank=True)
    after = models.JSONField(_("dopo"), null=True, blank=True)
    reason = models.CharField(_("motivo"), max_length=300, blank=True)
    institute = models.ForeignKey(
        "school.Institute",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # Whom and which classroom the record is about, copied when the change is recorded so the
    # office filters its history by an index (ids, not foreign keys: audit sits below people).
    student_ref = models.PositiveBigIntegerField(null=True, blank=True)
    classroom_ref = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("modifica")
        verbose_name_plural = _("modifiche")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"]),
            models.Index(fields=["institute", "at"]),
            models.Index(fields=["student_ref", "at"]),
            models.Index(fields=["classroom_ref", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.content_type.model} {self.object_id}"
