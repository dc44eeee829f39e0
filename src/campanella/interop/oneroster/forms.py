"""The office's choice for the OneRoster export: schools of its institute and a school year."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.school.models import School, SchoolYear


class OneRosterExportForm(forms.Form):
    scuole: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Scuole (plessi)"),
        queryset=School.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Scegliere almeno una scuola.")},
    )
    anno: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Anno scolastico"),
        queryset=SchoolYear.objects.none(),
        empty_label=None,
        error_messages={"required": _("Scegliere l'anno scolastico.")},
    )

    def __init__(self, *args: Any, institute_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schools = self.fields["scuole"]
        assert isinstance(schools, forms.ModelMultipleChoiceField)
        schools.queryset = School.objects.filter(institute_id=institute_id).order_by("name")
        years = self.fields["anno"]
        assert isinstance(years, forms.ModelChoiceField)
        years.queryset = SchoolYear.objects.filter(institute_id=institute_id).order_by(
            "-start_date"
        )
