"""The forms of meetings: a teacher's weekly availability, the school's general days."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.comms.meetings.models import MeetingMode
from campanella.comms.meetings.services import AvailabilityDraft, MeetingDayDraft, Window

WEEKDAYS = [
    (0, _("lunedì")), (1, _("martedì")), (2, _("mercoledì")), (3, _("giovedì")),
    (4, _("venerdì")), (5, _("sabato")),
]  # fmt: skip


class WindowForm(forms.Form):
    durata = forms.IntegerField(label=_("Durata di ogni colloquio (minuti)"), min_value=5,
                                max_value=240, initial=10)  # fmt: skip
    posti = forms.IntegerField(label=_("Famiglie per colloquio"), min_value=1, max_value=50,
                               initial=1)  # fmt: skip
    modalita = forms.ChoiceField(label=_("Modalità"), choices=MeetingMode.choices)
    luogo = forms.CharField(label=_("Luogo (in presenza)"), max_length=200, required=False)
    collegamento = forms.URLField(label=_("Collegamento (online)"), max_length=500,
                                  required=False, assume_scheme="https")  # fmt: skip
    apertura_giorni = forms.IntegerField(label=_("Prenotabile da quanti giorni prima"),
                                         min_value=0, max_value=60, initial=7)  # fmt: skip
    apertura_ora = forms.TimeField(label=_("Prenotabile dalle ore"), initial=datetime.time(20, 0))
    chiusura_ore = forms.IntegerField(label=_("Chiusura delle prenotazioni (ore prima)"),
                                      min_value=0, max_value=720, initial=24)  # fmt: skip

    def window(self) -> Window:
        data = self.cleaned_data
        return Window(
            slot_minutes=data["durata"], capacity=data["posti"], mode=data["modalita"],
            place=data.get("luogo") or "", link=data.get("collegamento") or "",
            opens_days_before=data["apertura_giorni"], opens_at=data["apertura_ora"],
            closes_hours_before=data["chiusura_ore"],
        )  # fmt: skip


class AvailabilityForm(WindowForm):
    giorno = forms.TypedChoiceField(label=_("Giorno della settimana"), choices=WEEKDAYS,
                                    coerce=int)  # fmt: skip
    dalle = forms.TimeField(label=_("Dalle ore"))
    alle = forms.TimeField(label=_("Alle ore"))
    fino_al = forms.DateField(label=_("Fino al (facoltativo: fine delle lezioni)"),
                              required=False)  # fmt: skip

    def draft(self) -> AvailabilityDraft:
        data = self.cleaned_data
        return AvailabilityDraft(
            weekday=data["giorno"], start_time=data["dalle"], end_time=data["alle"],
            window=self.window(), valid_until=data.get("fino_al"),
        )  # fmt: skip


class MeetingDayForm(WindowForm):
    titolo = forms.CharField(label=_("Titolo"), max_length=200)
    giorno = forms.DateField(label=_("Giorno"))
    dalle = forms.TimeField(label=_("Dalle ore"))
    alle = forms.TimeField(label=_("Alle ore"))

    def draft(self, teacher_ids: list[int], classroom_ids: list[int]) -> MeetingDayDraft:
        data: dict[str, Any] = self.cleaned_data
        return MeetingDayDraft(
            title=data["titolo"], day=data["giorno"], start_time=data["dalle"],
            end_time=data["alle"], window=self.window(), teacher_ids=teacher_ids,
            classroom_ids=classroom_ids,
        )  # fmt: skip
