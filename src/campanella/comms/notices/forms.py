"""The new-notice form: fields in Italian, the audience's lists read as ids."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campanella.comms.notices.audience import Audience
from campanella.comms.notices.models import AudienceRole, AudienceScope, NoticeKind
from campanella.comms.notices.services import NoticeDraft, audience_of
from campanella.lib.ids import parse_id


class NoticeForm(forms.Form):
    tipo = forms.ChoiceField(label=_("Tipo"), choices=NoticeKind.choices)
    oggetto = forms.CharField(label=_("Oggetto"), max_length=200)
    testo = forms.CharField(label=_("Testo"), max_length=20_000, widget=forms.Textarea)
    protocollo = forms.CharField(label=_("Protocollo"), max_length=60, required=False)
    pubblicazione_data = forms.DateField(label=_("Data di pubblicazione"), required=False)
    pubblicazione_ora = forms.TimeField(label=_("Ora di pubblicazione"), required=False)
    scadenza_data = forms.DateField(label=_("Scadenza (facoltativa)"), required=False)
    conferma = forms.BooleanField(label=_("Richiede la conferma di lettura"), required=False)
    adesione = forms.BooleanField(label=_("Chiede l'adesione (sì/no)"), required=False)
    domanda = forms.CharField(label=_("Domanda per l'adesione"), max_length=300, required=False)
    termine_data = forms.DateField(label=_("Termine per rispondere: data"), required=False)
    termine_ora = forms.TimeField(label=_("Termine per rispondere: ora"), required=False)
    per_figlio = forms.BooleanField(label=_("Una risposta per ciascun figlio"), required=False)
    ambito = forms.ChoiceField(label=_("A chi"), choices=AudienceScope.choices)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("adesione") and not data.get("termine_data"):
            self.add_error("termine_data", _("Indicare il termine per rispondere."))
        return data


def moment(day: datetime.date | None, time: datetime.time | None) -> datetime.datetime | None:
    if day is None:
        return None
    naive = datetime.datetime.combine(day, time or datetime.time(23, 59))
    return timezone.make_aware(naive)


def ids(post: QueryDict, name: str) -> list[int]:
    return [i for i in (parse_id(v) for v in post.getlist(name)) if i is not None]


def audience_from(post: QueryDict, scope: str) -> Audience:
    roles = [r for r in post.getlist("ruolo") if r in AudienceRole.values]
    years = [y for y in ids(post, "anno") if 1 <= y <= 5]
    return audience_of(
        scope,
        roles,
        school_ids=ids(post, "scuola"),
        years=years,
        classroom_ids=ids(post, "classe"),
        student_ids=ids(post, "alunno"),
    )


def draft_from(form: NoticeForm, post: QueryDict) -> NoticeDraft:
    data = form.cleaned_data
    now = timezone.now()
    if data.get("pubblicazione_data"):
        publish_at = moment(data["pubblicazione_data"], data.get("pubblicazione_ora") or None)
    else:
        publish_at = now
    assert publish_at is not None
    return NoticeDraft(
        title=data["oggetto"],
        body=data["testo"],
        kind=data["tipo"],
        protocol=data.get("protocollo", ""),
        audience=audience_from(post, data["ambito"]),
        publish_at=publish_at,
        expires_at=moment(data.get("scadenza_data"), None),
        requires_confirmation=bool(data.get("conferma")),
        asks_consent=bool(data.get("adesione")),
        consent_question=data.get("domanda", ""),
        consent_deadline=moment(data.get("termine_data"), data.get("termine_ora")),
        consent_per_child=bool(data.get("per_figlio")),
    )
