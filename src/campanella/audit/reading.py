"""The history as a secretary reads it: in Italian, people and subjects by name, grades in their
notation, dates in Italian form, and only what changed (before → after) with the reason.

Changes keep raw snapshots (field names, ids, ISO dates: `audit.services.snapshot`); this turns
a page of them into lines. Names are fetched in bulk — one query per kind of record named
(students, subjects, classrooms…), whatever the number of rows — so a page costs a constant
number of queries. The records are read through their fields (`_meta`), never imported: audit
sits below the apps whose history it keeps (DESIGN §2).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from campanella.audit.models import Change, ChangeAction
from campanella.lib.grades import format_grade, judgement_label, primary_label
from campanella.lib.letters import italian_date

# The kinds of record whose history the office reads, by the Italian word of their URL.
KINDS: dict[str, str] = {
    "voto": "grades.grade",
    "lezione": "register.lesson",
    "firma": "register.signature",
    "assenza": "register.absence",
    "ritardo": "register.lateentry",
    "uscita": "register.earlyexit",
    "fuori-classe": "register.offsite",
    "giustificazione": "register.justification",
    "nota": "register.disciplinarynote",
    "annotazione": "register.annotation",
    "agenda": "register.agendaitem",
    "deroga": "register.attendancewaiver",
    "iscrizione": "people.enrollment",
    "legame": "people.guardianship",
    "periodo-chiuso": "school.closedperiod",
    "scrutinio": "evaluation.evaluationsession",
    "voto-scrutinio": "evaluation.subjectmark",
    "esito-scrutinio": "evaluation.studentresult",
    "pagellino": "reportcards.interimround",
    "voto-pagellino": "reportcards.interimmark",
    "nota-pagellino": "reportcards.interimreport",
    "documento-di-classe": "classdocs.classdocument",
    "scadenza-documenti": "classdocs.documentdeadline",
    "pubblicazione-documenti": "classdocs.documentpublication",
}

# Italian labels of fields whose model gives none (Django's default is the English name).
FIELD_LABELS: dict[str, Any] = {
    "id": gettext_lazy("numero"),
    "cancelled_at": gettext_lazy("annullato il"),
    "cancel_reason": gettext_lazy("motivo dell'annullamento"),
    "student": gettext_lazy("alunno"),
    "students": gettext_lazy("alunni"),
    "classroom": gettext_lazy("classe"),
    "subject": gettext_lazy("materia"),
    "teacher": gettext_lazy("docente"),
    "slot": gettext_lazy("ora"),
    "lesson": gettext_lazy("lezione"),
    "teaching": gettext_lazy("cattedra"),
    "justification": gettext_lazy("giustificazione"),
    "school_year": gettext_lazy("anno scolastico"),
    "hours": gettext_lazy("ore"),
    "scale": gettext_lazy("scala"),
    "level": gettext_lazy("livello"),
    "judgement": gettext_lazy("giudizio"),
    "recorded_by": gettext_lazy("registrato da"),
    "recorded_at": gettext_lazy("registrato il"),
    "cancelled_by": gettext_lazy("annullato da"),
    "submitted_by": gettext_lazy("inviata da"),
    "submitted_at": gettext_lazy("inviata il"),
    "decided_by": gettext_lazy("decisa da"),
    "decided_at": gettext_lazy("decisa il"),
    "measure_by": gettext_lazy("provvedimento di"),
    "guardian": gettext_lazy("genitore o tutore"),
    "session": gettext_lazy("scrutinio"),
    "created_at": gettext_lazy("creato il"),
    "created_by": gettext_lazy("creato da"),
    "term": gettext_lazy("periodo"),
    "locked_by": gettext_lazy("chiuso da"),
    "updated_at": gettext_lazy("modificato il"),
}

# Bookkeeping a reader already has in the entry itself (who, when, the operation, the reason)
# or that means nothing to the office (internal links).
HIDDEN = frozenset(
    {
        "id", "recorded_at", "recorded_by", "cancelled_at", "cancelled_by", "cancel_reason",
        "signed_at", "submitted_at", "submitted_by", "decided_at", "decided_by", "measure_by",
        "teaching", "lesson", "scale", "created_at", "updated_at", "locked_at", "locked_by",
    }
)  # fmt: skip

# What a record is about: shown once as its description, not repeated among a creation's lines.
ABOUT = ("student", "students", "subject", "classroom", "date", "start_date", "end_date", "slot")
# Models whose description needs more than ABOUT (by label): a scrutinio is of a kind and period.
MODEL_ABOUT: dict[str, tuple[str, ...]] = {
    "evaluation.evaluationsession": ("kind", "classroom", "term", "student"),
}

# A grade's value is kept in one of three fields, by scale: one line "voto" in its notation.
GRADE_FIELDS = ("value", "level", "judgement")

ACTION_LABELS: dict[str, Any] = {
    ChangeAction.CREATE: gettext_lazy("Inserimento"),
    ChangeAction.UPDATE: gettext_lazy("Modifica"),
    ChangeAction.CANCEL: gettext_lazy("Annullamento"),
    ChangeAction.RESTORE: gettext_lazy("Ripristino"),
}


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ReadableChange:
    change: Change
    when: str
    who: str
    action: str
    kind: str
    kind_slug: str
    about: str
    lines: list[ChangeLine]
    reason: str


Ref = tuple[type[models.Model], int]


def kind_models() -> dict[str, type[models.Model]]:
    """The installed models of KINDS, by slug."""
    found: dict[str, type[models.Model]] = {}
    for slug, label in KINDS.items():
        try:
            found[slug] = apps.get_model(label)
        except LookupError:
            continue
    return found


def kind_choices() -> list[tuple[str, str]]:
    """(slug, "Voto") for a filter, in the order of KINDS."""
    return [(slug, capitalized(model._meta.verbose_name)) for slug, model in kind_models().items()]


def slug_of(model: type[models.Model]) -> str:
    label = model._meta.label_lower
    return next((slug for slug, known in KINDS.items() if known == label), "")


def about_fields(model: type[models.Model] | None) -> tuple[str, ...]:
    if model is None:
        return ABOUT
    return MODEL_ABOUT.get(model._meta.label_lower, ABOUT)


def capitalized(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def field_label(model: type[models.Model] | None, name: str) -> str:
    if name in GRADE_FIELDS:
        return _("Voto")
    field = model_field(model, name)
    verbose = getattr(field, "verbose_name", None)
    if verbose is not None and str(verbose).lower() != name.replace("_", " "):
        return capitalized(verbose)
    return capitalized(FIELD_LABELS.get(name, name.replace("_", " ")))


def model_field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def target_of(field: Any) -> type[models.Model] | None:
    if field is None or not (field.many_to_one or field.one_to_one or field.many_to_many):
        return None
    related = field.related_model
    return related if isinstance(related, type) else None


def ids_in(raw: Any) -> list[int]:
    if isinstance(raw, list):
        return [value for value in raw if isinstance(value, int)]
    return [raw] if isinstance(raw, int) else []


# --- values ----------------------------------------------------------------------------------


def parsed(field: Any, raw: Any) -> Any:
    """The snapshot's JSON value as the field's Python value (for comparing and showing)."""
    if field is None or raw is None or target_of(field) is not None:
        return raw
    try:
        return field.to_python(raw)
    except ValidationError:
        return raw


def is_empty(field: Any, raw: Any) -> bool:
    """Nothing worth a line when a record is created: empty, or the field's default."""
    if raw in (None, "", []):
        return True
    if field is None or not field.has_default() or target_of(field) is not None:
        return False
    return bool(parsed(field, raw) == field.get_default())


def grade_text(values: Mapping[str, Any]) -> str:
    """A grade in its notation: 7+, 6½, Distinto, Avanzato."""
    if values.get("value") is not None:
        try:
            return format_grade(Decimal(str(values["value"])))
        except (InvalidOperation, ValueError):
            return str(values["value"])
    if values.get("level"):
        return primary_label(str(values["level"]))
    if values.get("judgement"):
        return judgement_label(str(values["judgement"]))
    return ""


def moment_text(moment: datetime.datetime) -> str:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{italian_date(moment.date())}, {moment:%H:%M}"


def number_text(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


def value_text(field: Any, raw: Any, names: Mapping[Ref, str]) -> str:
    """One stored value as Italian text: a name, "3 dicembre 2026", "sì", "1,5", a choice."""
    if raw in (None, "", []):
        return "—"
    target = target_of(field)
    if target is not None:
        return ", ".join(names.get((target, pk), "—") for pk in ids_in(raw))
    value = parsed(field, raw)
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("sì") if value else _("no")
    if isinstance(value, datetime.datetime):
        return moment_text(value)
    if isinstance(value, datetime.date):
        return italian_date(value)
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    if isinstance(value, Decimal):
        return number_text(value)
    return str(value)


# --- which fields a reader sees --------------------------------------------------------------


def shown_names(model: type[models.Model] | None, change: Change) -> list[str]:
    """The fields of a change's lines: for a creation its content, else what differs."""
    before = change.before or {}
    after = change.after or {}
    names: list[str] = []
    for name in dict.fromkeys([*before, *after]):
        if name in HIDDEN or name in GRADE_FIELDS:
            continue
        field = model_field(model, name)
        if change.action == ChangeAction.CREATE and before == {}:
            if name not in about_fields(model) and not is_empty(field, after.get(name)):
                names.append(name)
        elif parsed(field, before.get(name)) != parsed(field, after.get(name)):
            names.append(name)
    return names


def grade_line(model: type[models.Model] | None, change: Change) -> ChangeLine | None:
    if model is None or not all(model_field(model, n) for n in GRADE_FIELDS):
        return None
    before = grade_text(change.before or {}) if change.before else ""
    after = grade_text(change.after or {})
    if before == after:
        return None
    return ChangeLine(label=_("Voto"), before=before, after=after)


def model_of(change: Change) -> type[models.Model] | None:
    return ContentType.objects.get_for_id(change.content_type_id).model_class()


def snapshot_of(change: Change) -> dict[str, Any]:
    """The record as the change left it (as it was, for a change that kept no "after")."""
    return {**(change.before or {}), **(change.after or {})}


# --- names, in bulk --------------------------------------------------------------------------


def wanted_refs(changes: Sequence[Change]) -> dict[type[models.Model], set[int]]:
    wanted: dict[type[models.Model], set[int]] = defaultdict(set)
    user_model = get_user_model()
    for change in changes:
        if change.actor_id is not None:
            wanted[user_model].add(change.actor_id)
        model = model_of(change)
        values = [change.before or {}, change.after or {}]
        for name in [*shown_names(model, change), *about_fields(model)]:
            target = target_of(model_field(model, name))
            if target is not None:
                for snapshot in values:
                    wanted[target].update(ids_in(snapshot.get(name)))
    return wanted


def person_name(user: Any) -> str:
    """A login by the name of the person behind it (staff, student, guardian), not username.
    The profiles are reached by their relation names: audit does not import people."""
    for profile in ("staff_profile", "student_profile"):
        person = getattr(user, profile, None)
        if person is not None:
            return str(person.full_name)
    guardians = getattr(user, "guardian_profiles", None)
    first = guardians.all()[0] if guardians is not None and guardians.all() else None
    if first is not None:
        return str(first.full_name)
    return str(user.get_full_name() or user.get_username())


def user_names(ids: Iterable[int]) -> dict[int, str]:
    user_model = get_user_model()
    users = user_model._default_manager.filter(pk__in=set(ids))
    relations = {f.name for f in user_model._meta.get_fields()}
    joined = [r for r in ("staff_profile", "student_profile") if r in relations]
    users = users.select_related(*joined)
    if "guardian_profiles" in relations:
        users = users.prefetch_related("guardian_profiles")
    return {user.pk: person_name(user) for user in users}


def record_name(record: models.Model) -> str:
    full_name = getattr(record, "full_name", None)
    if isinstance(full_name, str):
        return full_name
    start = getattr(record, "start_date", None)
    if isinstance(start, datetime.date) and record._meta.label_lower == KINDS["giustificazione"]:
        return _("giustificazione del %(day)s") % {"day": italian_date(start)}
    return str(record)


def names_for(wanted: Mapping[type[models.Model], set[int]]) -> dict[Ref, str]:
    names: dict[Ref, str] = {}
    user_model = get_user_model()
    for model, ids in wanted.items():
        if not ids:
            continue
        if model is user_model:
            names.update({(model, pk): name for pk, name in user_names(ids).items()})
            continue
        for record in model._default_manager.filter(pk__in=ids):
            names[(model, record.pk)] = record_name(record)
    return names


# --- lines -----------------------------------------------------------------------------------


def about_text(model: type[models.Model] | None, change: Change, names: Mapping[Ref, str]) -> str:
    """ "Bianchi Luca · Matematica · 1ª A · 3 dicembre 2026": what the record is about."""
    values = snapshot_of(change)
    parts: list[str] = []
    start, end = values.get("start_date"), values.get("end_date")
    for name in about_fields(model):
        if values.get(name) in (None, "", []) or name in ("start_date", "end_date"):
            continue
        parts.append(value_text(model_field(model, name), values[name], names))
    if start:
        field = model_field(model, "start_date")
        first = value_text(field, start, names)
        parts.append(
            first
            if not end or end == start
            else _("dal %(start)s al %(end)s")
            % {"start": first, "end": value_text(field, end, names)}
        )
    return " · ".join(parts)


def change_lines(
    model: type[models.Model] | None, change: Change, names: Mapping[Ref, str]
) -> list[ChangeLine]:
    before = change.before or {}
    after = change.after or {}
    lines: list[ChangeLine] = []
    grade = grade_line(model, change)
    if grade is not None:
        lines.append(grade)
    for name in shown_names(model, change):
        field = model_field(model, name)
        lines.append(
            ChangeLine(
                label=field_label(model, name),
                before=value_text(field, before.get(name), names) if before else "",
                after=value_text(field, after.get(name), names),
            )
        )
    return lines


def step_action(model: type[models.Model] | None, change: Change) -> str | None:
    """A scrutinio's transitions by name. Its steps are the choices of its `step` field, in
    their order, the lock last: opening, "Passaggio alla fase «voti finali»", "Ritorno alla
    fase «proposte di voto»", closing, reopening."""
    field = model_field(model, "step")
    if field is None or not getattr(field, "choices", None):
        return None
    if change.action == ChangeAction.CREATE:
        return _("Apertura")
    before = str((change.before or {}).get("step"))
    after = str((change.after or {}).get("step"))
    order = [str(value) for value, _label in field.flatchoices]
    if change.action != ChangeAction.UPDATE or before == after or not {before, after} <= set(order):
        return None
    labels = {str(value): str(label) for value, label in field.flatchoices}
    if after == order[-1]:
        return _("Chiusura")
    if before == order[-1]:
        return _("Riapertura")
    if order.index(after) > order.index(before):
        return _("Passaggio alla fase «%(step)s»") % {"step": labels[after]}
    return _("Ritorno alla fase «%(step)s»") % {"step": labels[after]}


# Actions told by name for some models (by label): what a change did, beyond "Modifica".
ACTION_TEXTS: dict[str, Callable[[type[models.Model] | None, Change], str | None]] = {
    "evaluation.evaluationsession": step_action,
}


def action_text(model: type[models.Model] | None, change: Change) -> str:
    told = ACTION_TEXTS.get(model._meta.label_lower) if model is not None else None
    text = told(model, change) if told is not None else None
    return text or str(ACTION_LABELS.get(change.action, change.action))


def readable(change: Change, names: Mapping[Ref, str]) -> ReadableChange:
    model = model_of(change)
    user_model = get_user_model()
    return ReadableChange(
        change=change,
        when=moment_text(change.at),
        who=names.get((user_model, change.actor_id), "—") if change.actor_id else "—",
        action=action_text(model, change),
        kind=capitalized(model._meta.verbose_name) if model else "",
        kind_slug=slug_of(model) if model else "",
        about=about_text(model, change, names),
        lines=change_lines(model, change, names),
        reason=change.reason,
    )


def readable_changes(changes: Iterable[Change]) -> list[ReadableChange]:
    """A page of changes as Italian entries, with a constant number of queries."""
    rows = list(changes)
    names = names_for(wanted_refs(rows))
    return [readable(change, names) for change in rows]
