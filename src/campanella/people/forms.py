"""The office's forms about a student's enrolment and guardians (Italian labels and errors)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from campanella.lib.holidays_it import provinces
from campanella.people.models import Guardian, Relation
from campanella.school.models import Classroom, School


class ClassroomChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Classroom) -> str:
        return f"{obj.name} – {obj.school.name}"


def date_field(label: Any, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class WithdrawForm(forms.Form):
    day = date_field(_("Data di uscita"), _("L'ultimo giorno in cui l'alunno è iscritto."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class TransferForm(forms.Form):
    day = date_field(_("Data del trasferimento"), _("L'ultimo giorno in questa scuola."))
    school_name = forms.CharField(label=_("Scuola di destinazione"), max_length=180)
    school_code = forms.CharField(
        label=_("Codice meccanografico della scuola di destinazione"),
        max_length=10,
        required=False,
        help_text=_("Es. MOIS00200C; si può lasciare vuoto per una scuola estera."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class MoveForm(forms.Form):
    classroom = ClassroomChoice(
        label=_("Nuova classe"), queryset=Classroom.objects.none(), empty_label=None
    )
    day = date_field(_("Dal giorno"), _("Il primo giorno nella nuova classe."))

    def __init__(self, *args: Any, classrooms: QuerySet[Classroom], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["classroom"]
        assert isinstance(field, ClassroomChoice)
        field.queryset = classrooms


class GuardianAddForm(forms.Form):
    existing = forms.CharField(
        label=_("Genitore già registrato: codice fiscale o nome utente"),
        max_length=254,
        required=False,
        help_text=_("Lasciare vuoto per registrare un nuovo genitore con i dati qui sotto."),
    )
    surname = forms.CharField(label=_("Cognome"), max_length=100, required=False)
    name = forms.CharField(label=_("Nome"), max_length=100, required=False)
    codice_fiscale = forms.CharField(label=_("Codice fiscale"), max_length=16, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    relation = forms.ChoiceField(label=_("Relazione"), choices=Relation.choices)
    may_justify = forms.BooleanField(label=_("Può giustificare"), required=False, initial=True)
    receives_communications = forms.BooleanField(
        label=_("Riceve le comunicazioni"), required=False, initial=True
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.institute_id = institute_id
        self.guardian: Guardian | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        existing = (data.get("existing") or "").strip()
        if existing:
            found = Guardian.objects.filter(institute_id=self.institute_id).filter(
                Q(codice_fiscale__iexact=existing)
                | Q(user__username__iexact=existing)
                | Q(user__login_email__iexact=existing)
            )
            self.guardian = found.first()
            if self.guardian is None or found.count() > 1:
                self.add_error("existing", _("Nessun genitore dell'istituto con questi dati."))
        elif not (data.get("surname") and data.get("name")):
            raise forms.ValidationError(
                _("Indicare un genitore già registrato oppure cognome e nome del nuovo genitore.")
            )
        return data


class GuardianRemoveForm(forms.Form):
    day = date_field(_("Dal giorno"), _("Da questo giorno il genitore non vede più l'alunno."))
    note = forms.CharField(label=_("Motivo"), max_length=300, required=False)


class ProvinceForm(forms.Form):
    province = forms.ChoiceField(
        label=_("Provincia"),
        help_text=_("Aggiunge la festa del santo patrono del capoluogo."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["province"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = provinces()


class ClosureForm(forms.Form):
    start_date = date_field(_("Dal giorno"))
    end_date = date_field(_("Al giorno"), _("Lo stesso giorno per una chiusura di un giorno."))
    description = forms.CharField(
        label=_("Descrizione"), max_length=200, help_text=_("Es. Vacanze di Natale, ponte.")
    )
    school = forms.ModelChoiceField(
        label=_("Scuola"),
        queryset=School.objects.none(),
        required=False,
        empty_label=_("tutte le scuole dell'istituto"),
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = School.objects.filter(institute_id=institute_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("La chiusura deve finire lo stesso giorno o dopo."))
        return data
