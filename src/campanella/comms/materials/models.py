"""Teaching materials: what a teacher shares on the shelf of a classroom × subject.

One table holds the shelf's tree: folders, files and links, each with its parent folder (None:
the shelf's top level) and its `depth` (0 at the top), kept so the folders' depth cap is checked
without walking the tree. Nothing is ever removed: a deletion marks the item (and what a
deleted folder held) `deleted_at`, and the history is in `audit`. Files live in the default
storage, which has no public URL: they are served only by the authorized download views.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.school.models import Classroom, Subject


class MaterialKind(models.TextChoices):
    FOLDER = "cartella", _("cartella")
    FILE = "file", _("file")
    LINK = "link", _("collegamento")


class Material(models.Model):
    classroom = models.ForeignKey(
        Classroom, on_delete=models.PROTECT, related_name="materials", verbose_name=_("classe")
    )
    subject = models.ForeignKey(
        Subject, on_delete=models.PROTECT, related_name="+", verbose_name=_("materia")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("cartella"),
    )
    depth = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("tipo"), max_length=10, choices=MaterialKind.choices)
    title = models.CharField(_("titolo"), max_length=200)
    description = models.TextField(_("descrizione"), max_length=2000, blank=True)
    url = models.URLField(_("indirizzo"), max_length=1000, blank=True)
    file = models.FileField(_("file"), upload_to="comms/materiali/%Y/%m/", blank=True)
    file_name = models.CharField(_("nome del file"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("dimensione"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    is_draft = models.BooleanField(_("bozza (nascosto)"), default=False)
    visible_from = models.DateTimeField(_("visibile dal"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("creato il"), default=timezone.now)
    updated_at = models.DateTimeField(_("modificato il"), default=timezone.now)
    deleted_at = models.DateTimeField(_("eliminato il"), null=True, blank=True)
    # The item this one was shared from (a copy on another classroom's shelf).
    shared_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("materiale didattico")
        verbose_name_plural = _("materiali didattici")
        ordering = ["title", "pk"]
        indexes = [
            models.Index(
                fields=["classroom", "subject", "parent"],
                condition=Q(deleted_at__isnull=True),
                name="material_shelf_live",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=MaterialKind.LINK) | ~Q(url=""), name="material_link_has_url"
            ),
            models.CheckConstraint(
                condition=~Q(kind=MaterialKind.FILE) | ~Q(file=""), name="material_file_has_file"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_folder(self) -> bool:
        return self.kind == MaterialKind.FOLDER

    @property
    def is_file(self) -> bool:
        return self.kind == MaterialKind.FILE

    @property
    def is_link(self) -> bool:
        return self.kind == MaterialKind.LINK

    def published(self, now: object = None) -> bool:
        """Shown to the classroom's families and students (its folders' aside)."""
        moment = now or timezone.now()
        return (
            self.deleted_at is None
            and not self.is_draft
            and (self.visible_from is None or self.visible_from <= moment)  # type: ignore[operator]
        )
