"""Forms of the register pages (Italian labels; validation of shape only, rules in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campanella.register.models import AgendaKind, JustificationKind


class SignForm(forms.Form):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.IntegerField(widget=forms.HiddenInput, required=False)
    topic = forms.CharField(
        label=_("Argomento"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    activities = forms.CharField(
        label=_("Attività svolte"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


NO_STUDENT = ("", _("— scegli l'alunno —"))
NO_HOUR = ("", _("— scegli l'ora —"))


class StudentChoiceForm(forms.Form):
    """A form about one student. The list starts on an empty choice the browser and the form
    both require: a preselected first child is too easily recorded by mistake."""

    student = forms.TypedChoiceField(
        label=_("Alunno"),
        coerce=int,
        error_messages={
            "required": _("Scegliere l'alunno dall'elenco."),
            "invalid_choice": _("L'alunno scelto non è della classe in questo giorno."),
        },
    )

    def __init__(self, *args: Any, students: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [NO_STUDENT, *students]  # type: ignore[attr-defined]


class LateForm(StudentChoiceForm):
    time = forms.TimeField(
        label=_("Ora di entrata"), widget=forms.TimeInput(attrs={"type": "time"})
    )


class ExitForm(StudentChoiceForm):
    time = forms.TimeField(label=_("Ora di uscita"), widget=forms.TimeInput(attrs={"type": "time"}))
    picked_up_by = forms.CharField(label=_("Prelevato da"), required=False, max_length=150)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Testo della nota"), widget=forms.Textarea(attrs={"rows": 3}))
    students = forms.TypedMultipleChoiceField(
        label=_("Alunni (nessuno: tutta la classe)"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, students: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["students"].choices = students  # type: ignore[attr-defined]


class AgendaForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo"), choices=AgendaKind.choices)
    subject = forms.TypedChoiceField(label=_("Materia"), coerce=int)
    date = forms.DateField(label=_("Per il giorno"), widget=forms.DateInput(attrs={"type": "date"}))
    text = forms.CharField(label=_("Descrizione"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, subjects: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subject"].choices = subjects  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Motivo dell'annullamento"), max_length=300)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Nota (obbligatoria per respingere)"), required=False, max_length=300
    )


class JustifyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Che cosa giustifichi"), choices=JustificationKind.choices)
    start = forms.DateField(label=_("Dal giorno"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(
        label=_("Al giorno (se più giorni)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time = forms.TimeField(
        label=_("Ora prevista (per entrate e uscite annunciate)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    reason = forms.CharField(label=_("Motivo"), max_length=300)


class HourAbsenceForm(StudentChoiceForm):
    slot = forms.TypedChoiceField(
        label=_("Ora"), coerce=int, error_messages={"required": _("Scegliere l'ora.")}
    )

    def __init__(self, *args: Any, slots: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [NO_HOUR, *slots]  # type: ignore[attr-defined]


class OffSiteForm(StudentChoiceForm):
    reason = forms.CharField(label=_("Attività fuori classe"), max_length=200)


class AnnotationForm(forms.Form):
    text = forms.CharField(label=_("Annotazione"), widget=forms.Textarea(attrs={"rows": 2}))
    visible_to_family = forms.BooleanField(label=_("Visibile alla famiglia"), required=False)


class MeasureForm(forms.Form):
    measure = forms.CharField(label=_("Provvedimento"), max_length=1000)


class WaiverForm(StudentChoiceForm):
    hours = forms.IntegerField(label=_("Ore escluse dal limite"), min_value=1)
    reason = forms.CharField(label=_("Motivo della deroga"), max_length=300)


class HistoryFilterForm(forms.Form):
    """The office's filters on the history: a GET form, every field optional."""

    dal = forms.DateField(
        label=_("Dal giorno"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    al = forms.DateField(
        label=_("Al giorno"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    classe = forms.TypedChoiceField(label=_("Classe"), coerce=int, required=False, empty_value=None)
    alunno = forms.TypedChoiceField(label=_("Alunno"), coerce=int, required=False, empty_value=None)
    autore = forms.TypedChoiceField(
        label=_("Docente o persona che ha scritto"), coerce=int, required=False, empty_value=None
    )
    tipo = forms.ChoiceField(label=_("Tipo di registrazione"), required=False)
    azione = forms.ChoiceField(label=_("Operazione"), required=False)

    def __init__(
        self,
        *args: Any,
        classrooms: list[tuple[int, str]],
        students: list[tuple[int, str]],
        authors: list[tuple[int, str]],
        kinds: list[tuple[str, str]],
        actions: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        every = [("", _("tutti"))]
        self.fields["classe"].choices = [("", _("tutte")), *classrooms]  # type: ignore[attr-defined]
        self.fields["alunno"].choices = [  # type: ignore[attr-defined]
            ("", _("tutti") if students else _("scegliere prima una classe")),
            *students,
        ]
        self.fields["autore"].choices = [*every, *authors]  # type: ignore[attr-defined]
        self.fields["tipo"].choices = [*every, *kinds]  # type: ignore[attr-defined]
        self.fields["azione"].choices = [("", _("tutte")), *actions]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("dal"), data.get("al")
        if since and until and until < since:
            self.add_error("al", _("Il giorno finale precede quello iniziale."))
        return data
