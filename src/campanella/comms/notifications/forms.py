"""Forms of notifications: a login's preferences and a school's delay for grades."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.comms.notifications.models import (
    DEFAULT_QUIET_FROM,
    DEFAULT_QUIET_UNTIL,
    NotificationKind,
)
from campanella.comms.notifications.preferences import Choice, Timing


class PreferencesForm(forms.Form):
    quiet_hours = forms.BooleanField(
        label=_("Niente e-mail e notifiche push di notte"), required=False
    )
    quiet_from = forms.TimeField(
        label=_("Dalle ore"),
        initial=DEFAULT_QUIET_FROM,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        label=_("Alle ore"),
        initial=DEFAULT_QUIET_UNTIL,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    daily_digest = forms.BooleanField(
        label=_("Un solo riepilogo al giorno per e-mail invece di un messaggio per notifica"),
        required=False,
    )  # fmt: skip

    def __init__(self, *args: Any, choices: dict[str, Choice], timing: Timing, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.initial.update(
            quiet_hours=timing.quiet_hours, quiet_from=timing.quiet_from,
            quiet_until=timing.quiet_until, daily_digest=timing.daily_digest,
        )  # fmt: skip
        for kind, label in NotificationKind.choices:
            choice = choices[kind]
            self.fields[f"email_{kind}"] = forms.BooleanField(
                label=_("%(kind)s per e-mail") % {"kind": label}, required=False,
                initial=choice.email,
            )  # fmt: skip
            self.fields[f"push_{kind}"] = forms.BooleanField(
                label=_("%(kind)s con notifica push") % {"kind": label}, required=False,
                initial=choice.push,
            )  # fmt: skip

    def rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(label), self[f"email_{kind}"], self[f"push_{kind}"])
            for kind, label in NotificationKind.choices
        ]

    def chosen(self) -> dict[str, tuple[bool, bool]]:
        data = self.cleaned_data
        return {
            kind: (data[f"email_{kind}"], data[f"push_{kind}"]) for kind in NotificationKind.values
        }


class SchoolPolicyForm(forms.Form):
    school = forms.TypedChoiceField(label=_("Scuola"), coerce=int)
    grade_delay_hours = forms.IntegerField(
        label=_("Ritardo delle notifiche dei voti (ore)"), min_value=0, max_value=168, initial=0
    )
    grade_release_time = forms.TimeField(
        label=_("Non prima delle ore (facoltativo)"), required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )  # fmt: skip

    def __init__(self, *args: Any, schools: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = schools  # type: ignore[attr-defined]
