"""The upload form: one file, CSV or XLSX; its content is judged by the import, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.interop.limits import MAX_UPLOAD_BYTES, upload_too_big

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACCEPTED_TYPES = f".csv,.txt,.tsv,.xlsx,text/csv,{XLSX_TYPE}"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File CSV o Excel (.xlsx)"),
        help_text=_(
            "Prima riga con i nomi delle colonne. CSV separato da punto e virgola, virgola o "
            "tabulazione; Excel: si legge il primo foglio. Al massimo 10 MB."
        ),
        error_messages={
            "required": _("Scegliere il file da importare."),
            "empty": _("Il file è vuoto."),
        },
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(str(upload_too_big()))
        return upload
