"""Writes of grades: one atomic change each, with history; bad input refused in Italian.

Every write passes the write guard (`school.guard.ensure_open`) for the grade's classroom and
day after authorization: a day closed by a locked term-end evaluation raises DayClosed."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, QuerySet, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from campanella.audit.concurrency import lock_unchanged
from campanella.audit.models import Change, ChangeAction
from campanella.audit.services import change_record, snapshot
from campanella.grades.models import (
    COMMENT_LENGTH,
    DESCRIPTION_LENGTH,
    Grade,
    GradeKind,
    GradesStamp,
    ScaleKind,
)
from campanella.grades.selectors import terms_key
from campanella.lib.grades import (
    GradeError,
    NumericScale,
    parse_grade,
    parse_judgement,
    parse_level,
    parse_synthetic_judgement,
    primary_scale_for_year,
)
from campanella.people.models import Enrollment, Staff, Student, User
from campanella.people.news import StudentNews, day_start, tell_families
from campanella.people.roles import is_office_of, roles_for_user
from campanella.people.selectors import enrolled_students
from campanella.school.guard import ensure_open
from campanella.school.models import (
    Classroom,
    ClassroomSubject,
    Institute,
    SchoolKind,
    Subject,
    SubjectKind,
    Teaching,
    TeachingKind,
    Term,
)


class GradeInputError(ValidationError):
    pass


class NotAllowed(Exception):
    """Outside the teacher's assignments: answered as 404."""


def scale_for(classroom: Classroom, subject: Subject) -> str:
    """The scale of a new grade: judgements for religion and the alternative activity; in
    primary school the scale of the classroom's school year (giudizi sintetici from 2024/25,
    the 2020 descriptive levels before, lib.grades.primary_scale_for_year); numbers otherwise.
    A grade keeps the scale it was written in (grade_change parses with `grade.scale`)."""
    if subject.kind in {SubjectKind.RELIGION, SubjectKind.ALTERNATIVE}:
        return ScaleKind.JUDGEMENT
    if classroom.school.kind == SchoolKind.PRIMARY:
        return primary_scale_for_year(classroom.school_year.start_date.year)
    return ScaleKind.NUMERIC


def numeric_scale(classroom: Classroom) -> NumericScale:
    return NumericScale(allow_double_minus=classroom.school.institute.grade_double_minus)


def may_grade(user: Any, classroom: Classroom, subject: Subject, student: Student) -> bool:
    """The teacher of that subject in that classroom, or the support teacher of that student."""
    return student.pk in gradable_students(user, classroom, subject, [student.pk])


OWN_SUBJECT = (TeachingKind.NORMAL, TeachingKind.CO_TEACHING)


def own_teachings(staff_id: int, classroom_ref: Any, subject_ref: Any) -> QuerySet[Teaching]:
    """The staff member's teachings of that subject in that classroom (normal or co-teaching):
    the teacher who grades everyone. References may be ids or OuterRefs."""
    return Teaching.objects.filter(
        teacher_id=staff_id, classroom_id=classroom_ref, subject_id=subject_ref,
        kind__in=OWN_SUBJECT,
    )  # fmt: skip


def teaches_subject(user: Any, classroom_ref: Any, subject_ref: Any) -> Exists | Value:
    """`own_teachings` of the login, as an annotation (read with a scope, in its query)."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return Value(False)
    return Exists(own_teachings(roles.staff.pk, classroom_ref, subject_ref))


def gradable_students(
    user: Any,
    classroom: Classroom,
    subject: Subject,
    student_ids: list[int],
    *,
    teaches: bool | None = None,
) -> set[int]:
    """Of these students, those `user` may grade in that subject: all for the subject's
    teacher (normal or co-teaching; `teaches` when already read with `teaches_subject`), their
    own for a support teacher."""
    roles = roles_for_user(user)
    if roles.staff is None or not roles.is_teacher:
        return set()
    if teaches is None:
        teaches = own_teachings(roles.staff.pk, classroom.pk, subject.pk).exists()
    if teaches:
        return set(student_ids)
    return set(
        Teaching.objects.filter(
            teacher=roles.staff, classroom=classroom, kind=TeachingKind.SUPPORT,
            support_student_id__in=student_ids,
        ).values_list("support_student_id", flat=True)
    )  # fmt: skip


def staff_may_grade(staff: Staff, classroom: Classroom, subject: Subject, student: Student) -> bool:
    """`may_grade` for a staff record rather than a login: the teacher an import names."""
    if not staff.is_teacher or staff.institute_id != classroom.school.institute_id:
        return False
    if own_teachings(staff.pk, classroom.pk, subject.pk).exists():
        return True
    return Teaching.objects.filter(
        teacher=staff, classroom=classroom, kind=TeachingKind.SUPPORT, support_student=student
    ).exists()


@dataclass(frozen=True)
class ParsedValue:
    value: Decimal | None = None
    level: str = ""
    judgement: str = ""


def parse_value(text: str, scale: str, numeric: NumericScale) -> ParsedValue:
    try:
        if scale == ScaleKind.NUMERIC:
            return ParsedValue(value=parse_grade(text, numeric))
        if scale == ScaleKind.SYNTHETIC:
            return ParsedValue(level=parse_synthetic_judgement(text))
        if scale == ScaleKind.LEVEL:
            return ParsedValue(level=parse_level(text))
        return ParsedValue(judgement=parse_judgement(text))
    except GradeError as error:
        raise GradeInputError(str(error)) from None


MAX_WEIGHT = Decimal(10)


def check_weight(weight: Decimal) -> None:
    """0 to 10 with at most 2 decimals (what the column keeps: nothing silently rounded)."""
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT:
        raise GradeInputError(_("Il peso deve essere tra 0 e 10."))
    if weight != weight.quantize(Decimal("0.01")):
        raise GradeInputError(_("Il peso ha al massimo due decimali."))


def check_description(description: str) -> str:
    text = description.strip()
    if len(text) > DESCRIPTION_LENGTH:
        raise GradeInputError(
            _("La descrizione è lunga al massimo %(n)s caratteri.") % {"n": DESCRIPTION_LENGTH}
        )
    return text


def check_comment(comment: str) -> str:
    """The comment for the family, trimmed; refused past COMMENT_LENGTH (never cut)."""
    text = comment.strip()
    if len(text) > COMMENT_LENGTH:
        raise GradeInputError(
            _("Il commento per la famiglia è lungo al massimo %(n)s caratteri.")
            % {"n": COMMENT_LENGTH}
        )
    return text


def visible_from_for(
    classroom: Classroom, day: datetime.date, wanted: datetime.date | None
) -> datetime.date | None:
    """When families see a grade: the teacher's date, but never before the school's delay
    (the school gives teachers time to talk about a test in class first)."""
    delay = classroom.school.institute.grades_visible_after_days
    earliest = day + datetime.timedelta(days=delay) if delay else None
    if wanted is None or earliest is None:
        return wanted or earliest
    return max(wanted, earliest)


def lesson_of(classroom: Classroom, subject: Subject, day: datetime.date) -> Any | None:
    """The register's lesson of that subject in that classroom that day (its first hour), to
    which a grade given that day belongs; None when the register has none. Reached through the
    relation: grades and the register are sibling apps that do not import each other."""
    lesson_model = Grade._meta.get_field("lesson").related_model
    assert isinstance(lesson_model, type)
    lessons = lesson_model._default_manager
    return (
        lessons.filter(classroom=classroom, subject=subject, date=day)
        .order_by("slot__number")
        .first()
    )


def grades_changed(classroom_ids: Iterable[int]) -> None:
    """New stamps for these classrooms' grades, in the caller's transaction: what pages kept
    under the old ones is not shown again (grades.views.page_key). In id order, so that two
    transactions renewing overlapping classrooms never wait on each other crosswise."""
    stamps = [
        GradesStamp(classroom_id=pk, stamp=secrets.randbits(62))
        for pk in sorted(set(classroom_ids))
    ]
    GradesStamp.objects.bulk_create(
        stamps, update_conflicts=True, unique_fields=["classroom"], update_fields=["stamp"]
    )


def subject_changed(instance: Subject, **_signal: Any) -> None:
    """A subject renamed or of another kind: the classrooms that have it, or grades in it
    (a subject taken off a classroom keeps its grades there), show it anew."""
    linked = ClassroomSubject.objects.filter(subject=instance)
    graded = Grade.objects.filter(subject=instance).order_by()
    grades_changed(
        [
            *linked.values_list("classroom_id", flat=True),
            *graded.values_list("classroom_id", flat=True).distinct(),
        ]
    )


def institute_changed(instance: Institute, **_signal: Any) -> None:
    """Averages weighted or not: every classroom anew."""
    grades_changed(
        Classroom.objects.filter(school__institute=instance).values_list("pk", flat=True)
    )


def term_changed(instance: Term, **_signal: Any) -> None:
    """A term saved or deleted: its year's terms are read again (once this is committed, so
    that no request keeps the old ones meanwhile), and its classrooms' pages computed anew."""
    key = terms_key(instance.school_id, instance.school_year_id)
    transaction.on_commit(lambda: cache.delete(key))
    grades_changed(
        Classroom.objects.filter(
            school_id=instance.school_id, school_year_id=instance.school_year_id
        ).values_list("pk", flat=True)
    )


def student_changed(instance: Student, **_signal: Any) -> None:
    """A student renamed: the books of their classrooms show the new name."""
    grades_changed(
        Enrollment.objects.filter(student=instance).values_list("classroom_id", flat=True)
    )


def lesson_linked(instance: Grade, update_fields: Any = None, **_signal: Any) -> None:
    """A grade linked to the lesson signed after it (register.services, which cannot reach
    this module): the API lists each grade's lesson, so its classroom's reads are anew."""
    if update_fields is not None and "lesson" in update_fields:
        grades_changed([instance.classroom_id])


BEFORE = "_campanella_classroom_before"


def enrollment_saving(instance: Enrollment, **_signal: Any) -> None:
    """Remember the classroom an enrollment had, for `enrollment_changed`."""
    if instance.pk is not None:
        before = Enrollment.objects.filter(pk=instance.pk).values_list("classroom_id", flat=True)
        setattr(instance, BEFORE, before.first())


def enrollment_changed(instance: Enrollment, **_signal: Any) -> None:
    """A student enrolled, moved or leaving (saved or deleted): the books of the classrooms
    before and after, once the enrollment is written (the stamp comes after the data)."""
    before = getattr(instance, BEFORE, None)
    grades_changed({instance.classroom_id} | ({before} if before is not None else set()))


# What grade pages show besides the grades is edited one record at a time (the administration,
# the office's pages) and followed here (connected in grades.apps); imports, which write in
# bulk, renew every classroom's stamp themselves (interop.services).
FOLLOWED = (
    ("post_save", Grade, lesson_linked),
    ("post_save", Subject, subject_changed),
    ("post_save", Institute, institute_changed),
    ("post_save", Term, term_changed),
    ("post_delete", Term, term_changed),
    ("post_save", Student, student_changed),
    ("pre_save", Enrollment, enrollment_saving),
    ("post_save", Enrollment, enrollment_changed),
    ("post_delete", Enrollment, enrollment_changed),
)


def _trace(grade: Grade, user: User, action: str, before: Any, reason: str) -> Change:
    """The history of a correction, a change of details or a cancellation (DESIGN §4), and
    the classroom's new grades stamp."""
    change = change_record(
        instance=grade,
        action=action,
        actor=user,
        before=before,
        reason=reason.strip(),
        institute_id=grade.classroom.school.institute_id,
    )
    grades_changed([grade.classroom_id])
    return change


def _lock_writable(user: User, grade: Grade) -> None:
    """Only the grade's teacher writes it, never once cancelled, never on a closed day; locked
    and re-read first (after its classroom: the order every register write locks in)."""
    if not may_grade(user, grade.classroom, grade.subject, grade.student):
        raise NotAllowed
    ensure_open(classroom_ids=[grade.classroom_id], start=grade.date)
    lock_unchanged(grade)
    if grade.is_cancelled:
        raise NotAllowed


def _grader(
    user: User, classroom: Classroom, subject: Subject, student: Student, teacher: Staff | None
) -> Staff:
    """Who gives the grade. Normally the login itself, a teacher who may grade that student in
    that subject. The office records grades given elsewhere (the back-office, a paper register:
    the office's import) naming their teacher: then the office is who recorded them (the
    grade's `recorded_by` and the history's actor) and the named teacher must be one who may
    grade that student in that subject."""
    if teacher is None:
        if not may_grade(user, classroom, subject, student):
            raise NotAllowed
        staff = roles_for_user(user).staff
        assert staff is not None
        return staff
    if not is_office_of(user, classroom.school.institute_id):
        raise NotAllowed
    if not staff_may_grade(teacher, classroom, subject, student):
        raise GradeInputError(
            _("%(teacher)s non insegna %(subject)s a questo alunno in %(classroom)s.")
            % {"teacher": teacher.full_name, "subject": subject.name, "classroom": classroom.name}
        )
    return teacher


@transaction.atomic
def grade_add(
    *,
    user: User,
    classroom: Classroom,
    subject: Subject,
    student: Student,
    day: datetime.date,
    kind: str,
    text: str,
    weight: Decimal = Decimal("1"),
    counts_in_average: bool = True,
    description: str = "",
    comment: str = "",
    visible_from: datetime.date | None = None,
    teacher: Staff | None = None,
) -> Grade:
    """A new grade, given by the login (a teacher who may grade it) or, with `teacher`,
    recorded by the office for that teacher (see `_grader`)."""
    staff = _grader(user, classroom, subject, student, teacher)
    if student.pk not in set(enrolled_students(classroom, day).values_list("pk", flat=True)):
        if teacher is None:
            raise NotAllowed
        raise GradeInputError(
            _("L'alunno non è iscritto in %(classroom)s il %(day)s.")
            % {"classroom": classroom.name, "day": f"{day:%d/%m/%Y}"}
        )
    ensure_open(classroom_ids=[classroom.pk], start=day)
    year = classroom.school_year
    if not year.contains(day):
        raise GradeInputError(
            _("La data %(day)s è fuori dall'anno scolastico %(year)s.")
            % {"day": f"{day:%d/%m/%Y}", "year": year.name}
        )
    if day > timezone.localdate():
        raise GradeInputError(_("Non si può dare un voto in una data futura."))
    if kind not in GradeKind.values:
        raise GradeInputError(_("Tipo di voto non valido: scritto, orale o pratico."))
    check_weight(weight)
    description = check_description(description)
    comment = check_comment(comment)
    scale = scale_for(classroom, subject)
    parsed = parse_value(text, scale, numeric_scale(classroom))
    grade = Grade.objects.create(
        lesson=lesson_of(classroom, subject, day),
        student=student, classroom=classroom, subject=subject, teacher=staff, date=day, kind=kind,
        scale=scale, value=parsed.value, level=parsed.level, judgement=parsed.judgement,
        weight=weight, counts_in_average=counts_in_average, description=description,
        comment=comment, visible_from=visible_from_for(classroom, day, visible_from),
        recorded_by=user,
    )  # fmt: skip
    change_record(
        instance=grade,
        action=ChangeAction.CREATE,
        actor=user,
        institute_id=classroom.school.institute_id,
    )
    grades_changed([classroom.pk])
    tell_families([grade_news(grade, student, subject)], school_id=classroom.school_id)
    return grade


def grade_news(grade: Grade, student: Student, subject: Subject) -> StudentNews:
    """The family is told of a new grade from when they may see it (the school's delay for
    notifications is applied by comms); the value is left to the page, not the lock screen."""
    from django.urls import reverse

    return StudentNews(
        student_ids=(student.pk,),
        kind="grade",
        title=_("Nuovo voto di %(subject)s per %(name)s")
        % {"subject": subject.name, "name": student.name},
        body=f"{grade.get_kind_display()} · {grade.date:%d/%m/%Y}",
        url=reverse("grades:student", args=[student.pk]),
        key=f"grade:{grade.pk}",
        not_before=day_start(grade.visible_from),
    )


def _tell_correction(grade: Grade, change: Change, *, cancelled: bool) -> None:
    """A family that may already see the grade is told it was corrected or cancelled (one
    notification per change). A grade not yet visible is not: its own news is still to come
    and the page will show it as it is then."""
    if grade.visible_from is not None and grade.visible_from > timezone.localdate():
        return
    from django.urls import reverse

    subject, student = grade.subject, grade.student
    title = (
        _("Voto di %(subject)s annullato per %(name)s")
        if cancelled
        else _("Voto di %(subject)s corretto per %(name)s")
    )
    tell_families(
        [StudentNews(
            student_ids=(student.pk,), kind="grade",
            title=title % {"subject": subject.name, "name": student.name},
            body=f"{grade.get_kind_display()} · {grade.date:%d/%m/%Y}",
            url=reverse("grades:student", args=[student.pk]),
            key=f"grade:{grade.pk}:change:{change.pk}",
        )],
        school_id=grade.classroom.school_id,
    )  # fmt: skip


@transaction.atomic
def grade_change(*, user: User, grade: Grade, text: str, reason: str) -> Grade:
    """Correct the value. `grade` is what the caller read: if someone else corrected or
    cancelled it since, AlreadyChanged (so the history's "before" is the value corrected)."""
    _lock_writable(user, grade)
    if not reason.strip():
        raise GradeInputError(_("Indicare il motivo della correzione."))
    parsed = parse_value(text, grade.scale, numeric_scale(grade.classroom))
    before = snapshot(grade)
    grade.value, grade.level, grade.judgement = parsed.value, parsed.level, parsed.judgement
    grade.save(update_fields=["value", "level", "judgement"])
    change = _trace(grade, user, ChangeAction.UPDATE, before, reason)
    _tell_correction(grade, change, cancelled=False)
    return grade


@transaction.atomic
def grade_details_change(
    *,
    user: User,
    grade: Grade,
    description: str,
    comment: str,
    weight: Decimal,
    counts_in_average: bool,
    visible_from: datetime.date | None,
    reason: str = "",
) -> Grade:
    """The test's description, the comment for the family, the weight, whether it counts and
    from when the family sees it. A change that moves the average needs a reason."""
    _lock_writable(user, grade)
    check_weight(weight)
    description = check_description(description)
    comment = check_comment(comment)
    moves_average = weight != grade.weight or counts_in_average != grade.counts_in_average
    if moves_average and not reason.strip():
        raise GradeInputError(_("Indicare il motivo: il peso o la media cambiano."))
    before = snapshot(grade)
    grade.description = description
    grade.comment = comment
    grade.weight = weight
    grade.counts_in_average = counts_in_average
    grade.visible_from = visible_from_for(grade.classroom, grade.date, visible_from)
    fields = ["description", "comment", "weight", "counts_in_average", "visible_from"]
    grade.save(update_fields=fields)
    _trace(grade, user, ChangeAction.UPDATE, before, reason)
    return grade


@transaction.atomic
def grade_cancel(*, user: User, grade: Grade, reason: str) -> None:
    """Cancel once: a caller that read the grade before another cancellation or correction
    gets AlreadyChanged, not a second cancellation."""
    _lock_writable(user, grade)
    if not reason.strip():
        raise GradeInputError(_("Indicare il motivo dell'annullamento."))
    before = snapshot(grade)
    grade.cancelled_at = timezone.now()
    grade.cancelled_by = user
    grade.cancel_reason = reason.strip()
    grade.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    change = _trace(grade, user, ChangeAction.CANCEL, before, reason)
    _tell_correction(grade, change, cancelled=True)
