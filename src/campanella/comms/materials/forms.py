"""The teacher's forms for materials: fields in Italian, read into the services' drafts."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.comms.materials.models import MaterialKind


def moment(day: datetime.date | None) -> datetime.datetime | None:
    """A visible-from day as the start of that day, Europe/Rome."""
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(0, 0)))


class MaterialForm(forms.Form):
    tipo = forms.ChoiceField(label=_("Cosa aggiungere"), choices=MaterialKind.choices)
    titolo = forms.CharField(label=_("Titolo"), max_length=200, required=False)
    descrizione = forms.CharField(
        label=_("Descrizione (facoltativa)"), max_length=2000, required=False
    )
    indirizzo = forms.CharField(
        label=_("Indirizzo del collegamento"), max_length=1000, required=False
    )
    cartella = forms.IntegerField(label=_("Cartella"), required=False, min_value=1)
    bozza = forms.BooleanField(label=_("Bozza: nascosto a studenti e famiglie"), required=False)
    visibile_dal = forms.DateField(label=_("Visibile dal (facoltativo)"), required=False)


class EditForm(forms.Form):
    titolo = forms.CharField(label=_("Titolo"), max_length=200)
    descrizione = forms.CharField(
        label=_("Descrizione (facoltativa)"), max_length=2000, required=False
    )
    indirizzo = forms.CharField(
        label=_("Indirizzo del collegamento"), max_length=1000, required=False
    )
    cartella = forms.IntegerField(label=_("Cartella"), required=False, min_value=1)
    bozza = forms.BooleanField(label=_("Bozza: nascosto a studenti e famiglie"), required=False)
    visibile_dal = forms.DateField(label=_("Visibile dal (facoltativo)"), required=False)
