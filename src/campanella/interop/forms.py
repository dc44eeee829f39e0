"""The upload form: one file, CSV or XLSX; its content is judged by the import, not here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.interop.limits import ATTENDANCE_LIMITS, DEFAULT_LIMITS, limits_for, upload_too_big

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

    def __init__(self, *args: Any, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits_for(kind) if kind else DEFAULT_LIMITS
        if self.limits != DEFAULT_LIMITS:
            self.fields["file"].help_text = _(
                "Prima riga con i nomi delle colonne. CSV separato da punto e virgola, virgola o "
                "tabulazione; Excel: si legge il primo foglio. Al massimo %(max)s MB."
            ) % {"max": self.limits.upload_bytes // (1024 * 1024)}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.limits.upload_bytes:
            raise forms.ValidationError(str(upload_too_big(self.limits)))
        return upload


MAX_EXPORT_DAYS = 400  # a whole school year and some


class AttendanceExportForm(forms.Form):
    """Which attendance events to take out: schools of the office's institute, a range of
    days, optionally only what changed after a moment, and the file's format."""

    scuole: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Scuole (plessi)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegliere almeno una scuola.")},
    )
    dal = forms.DateField(
        label=_("Dal giorno"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indicare il primo giorno.")},
    )
    al = forms.DateField(
        label=_("Al giorno"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Indicare l'ultimo giorno.")},
    )
    modificati_dopo = forms.DateTimeField(
        label=_("Solo gli eventi cambiati dopo (facoltativo)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M"],
        help_text=_(
            "Per leggere solo le novità dall'ultima volta: compaiono anche gli eventi annullati "
            "(colonna «cancelled»)."
        ),
    )
    formato = forms.ChoiceField(
        label=_("Formato"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)"), ("json", "JSON")],
        initial="csv",
        required=False,  # CSV when not given (a link or a script asking for the file)
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from campanella.school.models import School

        field = self.fields["scuole"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = School.objects.filter(institute_id=institute_id).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["formato"] = cleaned.get("formato") or "csv"
        start, end = cleaned.get("dal"), cleaned.get("al")
        if start and end:
            if end < start:
                self.add_error("al", _("L'ultimo giorno viene prima del primo."))
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error(
                    "al", _("Al massimo %(n)d giorni per volta.") % {"n": MAX_EXPORT_DAYS}
                )
        return cleaned


class ResultsExportForm(forms.Form):
    """Which term results to send: schools of the office's institute, a school year, the kinds
    of evaluation (all when none is ticked), and the file's format."""

    scuole: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Scuole (plessi)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegliere almeno una scuola.")},
    )
    anno: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Anno scolastico"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Scegliere l'anno scolastico.")},
    )
    scrutini = forms.MultipleChoiceField(
        label=_("Scrutini (tutti se nessuno è scelto)"),
        choices=[],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    formato = forms.ChoiceField(
        label=_("Formato"),
        choices=[("csv", "CSV"), ("xlsx", "Excel (.xlsx)"), ("json", "JSON")],
        initial="csv",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from campanella.evaluation.models import SessionKind
        from campanella.school.models import School, SchoolYear

        schools = self.fields["scuole"]
        assert isinstance(schools, forms.ModelMultipleChoiceField)
        schools.queryset = School.objects.filter(institute_id=institute_id).order_by("name")
        years = self.fields["anno"]
        assert isinstance(years, forms.ModelChoiceField)
        years.queryset = SchoolYear.objects.filter(institute_id=institute_id).order_by(
            "-start_date"
        )
        kinds = self.fields["scrutini"]
        assert isinstance(kinds, forms.MultipleChoiceField)
        kinds.choices = SessionKind.choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["formato"] = cleaned.get("formato") or "csv"
        return cleaned


class ApiKeyForm(forms.Form):
    """A new key for the back-office: a name to recognise it and what it may do."""

    nome = forms.CharField(
        label=_("Nome della chiave"),
        max_length=100,
        help_text=_("Per riconoscerla: per esempio il programma di segreteria che la usa."),
        error_messages={"required": _("Dare un nome alla chiave.")},
    )
    permessi = forms.MultipleChoiceField(
        label=_("Che cosa può fare"),
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegliere almeno un permesso.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from campanella.interop.models import KeyScope

        scopes = self.fields["permessi"]
        assert isinstance(scopes, forms.MultipleChoiceField)
        scopes.choices = KeyScope.choices


class AttendanceRangeForm(forms.Form):
    """Attendance events in for some schools and a range of days: the file and the choice."""

    file = UploadForm.base_fields["file"]
    scuole: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Scuole (plessi)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegliere almeno una scuola.")},
    )
    dal = AttendanceExportForm.base_fields["dal"]
    al = AttendanceExportForm.base_fields["al"]

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from campanella.school.models import School

        field = self.fields["scuole"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = School.objects.filter(institute_id=institute_id).order_by("name")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > ATTENDANCE_LIMITS.upload_bytes:
            raise forms.ValidationError(str(upload_too_big(ATTENDANCE_LIMITS)))
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("dal"), cleaned.get("al")
        if start and end:
            if end < start:
                self.add_error("al", _("L'ultimo giorno viene prima del primo."))
            elif (end - start).days >= MAX_EXPORT_DAYS:
                self.add_error(
                    "al", _("Al massimo %(n)d giorni per volta.") % {"n": MAX_EXPORT_DAYS}
                )
        return cleaned


class NightlyForm(forms.Form):
    """The office's nightly run: on or off, for which schools, with what."""

    attiva = forms.BooleanField(label=_("Esportazione notturna attiva"), required=False)
    scuole: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Scuole (plessi)"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    assenze = forms.BooleanField(label=_("Le assenze cambiate dall'ultima notte"), required=False)
    esiti = forms.BooleanField(
        label=_("Gli esiti degli scrutini chiusi non ancora inviati"), required=False
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from campanella.school.models import School

        field = self.fields["scuole"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = School.objects.filter(institute_id=institute_id).order_by("name")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("attiva"):
            if not cleaned.get("scuole"):
                self.add_error("scuole", _("Scegliere almeno una scuola."))
            if not (cleaned.get("assenze") or cleaned.get("esiti")):
                self.add_error("assenze", _("Scegliere che cosa esportare."))
        return cleaned
