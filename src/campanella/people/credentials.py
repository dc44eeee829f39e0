"""Credentials: usernames families know, temporary passwords, letters to print.

Usernames (DESIGN §3): student `S` + 6 digits + letter, first guardian `G…` and second guardian
`X…` with the student's digits, staff `<CODE>.<number>`. Numbers come from counters that never go
back, so a username is never handed out twice. Temporary passwords are random, shown once (in
the letters) and stored only hashed; the user must change them at the first login.

Hashing argon2 takes ~0.13 s per password here, so issuing for a classroom takes seconds and
for a school minutes: issuance runs as a background job (`CredentialBatch`) with progress.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from campanella.lib.letters import CredentialLetter, render_credential_letters
from campanella.lib.usernames import FamilyRole, family_username, staff_username
from campanella.people.models import (
    AccessEvent,
    AccessEventKind,
    CredentialBatch,
    Enrollment,
    Guardian,
    Guardianship,
    Relation,
    Staff,
    Student,
    User,
    UsernameCounter,
)
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import Institute

FAMILY_SERIES = "family"
FAMILY_FLOOR = 100000  # six digits, never starting with 0
BATCH_LIFETIME = datetime.timedelta(hours=24)
# No 0/O, 1/l/I: letters are read from paper and typed on phones.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # noqa: S105


def temporary_password() -> str:
    """Three groups of four unambiguous characters, e.g. `k7Pm-x9Qa-3hRt` (~70 bits)."""
    groups = ["".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3)]
    return "-".join(groups)


@transaction.atomic
def allocate_numbers(series: str, count: int, *, floor: int = 0) -> list[int]:
    """`count` fresh numbers of a series, never handed out before (row lock on the counter)."""
    counter, _ = UsernameCounter.objects.select_for_update().get_or_create(
        series=series, defaults={"last_value": floor}
    )
    start = max(counter.last_value, floor) + 1
    counter.last_value = start + count - 1
    counter.save(update_fields=["last_value"])
    return list(range(start, start + count))


def reserve_family_numbers_up_to(highest: int) -> None:
    """Generators that number people themselves keep the counter ahead of them."""
    counter, _ = UsernameCounter.objects.select_for_update().get_or_create(
        series=FAMILY_SERIES, defaults={"last_value": FAMILY_FLOOR}
    )
    if counter.last_value < highest:
        counter.last_value = highest
        counter.save(update_fields=["last_value"])


def family_number_of(user: User | None) -> int | None:
    if user is None or len(user.username) != 8 or not user.username[1:7].isdigit():
        return None
    return int(user.username[1:7])


@dataclass
class IssuePlan:
    """Who gets new credentials in one batch (ids, so the plan can wait in the job queue)."""

    student_ids: list[int] = field(default_factory=list)
    guardian_links: bool = True
    staff_ids: list[int] = field(default_factory=list)
    reissue: bool = False
    # Reset only these guardians of the students (the office resetting one parent).
    guardian_only_ids: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "student_ids": self.student_ids,
            "guardian_links": self.guardian_links,
            "staff_ids": self.staff_ids,
            "reissue": self.reissue,
            "guardian_only_ids": self.guardian_only_ids,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IssuePlan:
        return cls(
            student_ids=list(data.get("student_ids", [])),
            guardian_links=bool(data.get("guardian_links", True)),
            staff_ids=list(data.get("staff_ids", [])),
            reissue=bool(data.get("reissue", False)),
            guardian_only_ids=list(data.get("guardian_only_ids", [])),
        )


@dataclass
class Issued:
    user: User
    password: str
    letter: CredentialLetter


def _set_password(user: User, password: str) -> None:
    user.password = make_password(password)
    user.must_change_password = True
    user.session_epoch += 1  # a reissue logs out whoever used the old password


def _new_user(username: str, surname: str, name: str, email: str, password: str) -> User:
    user = User(username=username, first_name=name, last_name=surname, email=email)
    _set_password(user, password)
    user.save()
    return user


def _classroom_of(student: Student, day: datetime.date) -> tuple[str, str]:
    enrollment = (
        Enrollment.objects.filter(active_enrollments_on(day), student=student)
        .select_related("classroom__school")
        .first()
    )
    if enrollment is None:
        return "", ""
    return enrollment.classroom.name, enrollment.classroom.school.name


def _letter(
    institute: Institute,
    where: tuple[str, str],
    person_name: str,
    role: str,
    student_name: str,
    username: str,
    password: str,
    login_url: str,
) -> CredentialLetter:
    classroom_name, school_name = where
    return CredentialLetter(
        institute_name=institute.name,
        school_name=school_name or institute.name,
        classroom_name=classroom_name,
        person_name=person_name,
        role=role,  # type: ignore[arg-type]
        student_name=student_name,
        username=username,
        temporary_password=password,
        login_url=login_url,
        issued_on=timezone.localdate(),
    )


def _guardian_prefix(relation: str, taken: set[FamilyRole]) -> FamilyRole:
    wanted: FamilyRole = "guardian2" if relation == Relation.PARENT_2 else "guardian1"
    if wanted in taken:
        wanted = "guardian2" if wanted == "guardian1" else "guardian1"
    return wanted


def issue_for_student(
    student: Student, plan: IssuePlan, institute: Institute, login_url: str
) -> tuple[list[Issued], list[Issued]]:
    """The student's credentials and those of the guardians linked to them."""
    where = _classroom_of(student, timezone.localdate())
    students: list[Issued] = []
    if not plan.guardian_only_ids:
        own = _issue_student_login(student, plan.reissue)
        if own is not None:
            user, password = own
            letter = _letter(
                institute,
                where,
                student.full_name,
                "studente",
                "",
                user.username,
                password,
                login_url,
            )
            students.append(Issued(user, password, letter))
    if not plan.guardian_links:
        return students, []
    number = family_number_of(Student.objects.get(pk=student.pk).user)
    guardians: list[Issued] = []
    taken: set[FamilyRole] = set()
    links = Guardianship.objects.filter(student=student, access_revoked_on__isnull=True)
    if plan.guardian_only_ids:
        links = links.filter(guardian_id__in=plan.guardian_only_ids)
    for link in links.select_related("guardian__user").order_by("relation"):
        issued = _issue_guardian_login(link, number, taken, plan.reissue)
        if issued is None:
            continue
        user, password = issued
        child = f"{student.name} {student.surname}"
        letter = _letter(
            institute,
            where,
            link.guardian.full_name,
            "genitore",
            child,
            user.username,
            password,
            login_url,
        )
        guardians.append(Issued(user, password, letter))
    return students, guardians


def _issue_student_login(student: Student, reissue: bool) -> tuple[User, str] | None:
    password = temporary_password()
    if student.user is None:
        number = allocate_numbers(FAMILY_SERIES, 1, floor=FAMILY_FLOOR)[0]
        user = _new_user(
            family_username("student", number), student.surname, student.name, "", password
        )
        Student.objects.filter(pk=student.pk).update(user=user)
        return user, password
    if reissue:
        _set_password(student.user, password)
        student.user.save()
        return student.user, password
    return None


def _issue_guardian_login(
    link: Guardianship, number: int | None, taken: set[FamilyRole], reissue: bool
) -> tuple[User, str] | None:
    """G/X + the student's digits for a new guardian login; a fresh number if those are used."""
    guardian = link.guardian
    if guardian.user is not None and not reissue:
        return None
    password = temporary_password()
    if guardian.user is not None:
        _set_password(guardian.user, password)
        guardian.user.save()
        return guardian.user, password
    role = _guardian_prefix(link.relation, taken)
    taken.add(role)
    username = family_username(role, number) if number is not None else ""
    if not username or User.objects.filter(username=username).exists():
        username = family_username(
            "guardian1", allocate_numbers(FAMILY_SERIES, 1, floor=FAMILY_FLOOR)[0]
        )
    user = _new_user(username, guardian.surname, guardian.name, guardian.email, password)
    Guardian.objects.filter(pk=guardian.pk).update(user=user)
    guardian.user = user
    return user, password


def issue_for_staff(
    staff: Staff, plan: IssuePlan, institute: Institute, login_url: str
) -> Issued | None:
    if staff.user is not None and not plan.reissue:
        return None
    password = temporary_password()
    if staff.user is None:
        if not institute.username_code:
            raise ValueError("Impostare il codice per i nomi utente del personale nell'istituto.")
        number = allocate_numbers(f"staff:{institute.username_code}", 1, floor=0)[0]
        username = staff_username(institute.username_code, number)
        user = _new_user(username, staff.surname, staff.name, staff.email, password)
        Staff.objects.filter(pk=staff.pk).update(user=user)
    else:
        user = staff.user
        _set_password(user, password)
        user.save()
    where = ("", institute.name)
    return Issued(
        user,
        password,
        _letter(
            institute, where, staff.full_name, "personale", "", user.username, password, login_url
        ),
    )


def credential_batch_create(
    *,
    actor: User,
    institute: Institute,
    plan: IssuePlan,
    description: str,
    login_url: str,
    email_guardians: bool = False,
) -> CredentialBatch:
    """Queue an issuing; the job (`credential_batch_run`) does the slow hashing and the PDFs."""
    return CredentialBatch.objects.create(
        institute=institute,
        issued_by=actor,
        description=description,
        plan=plan.as_json(),
        login_url=login_url,
        email_guardians=email_guardians,
        total=len(plan.student_ids) + len(plan.staff_ids),
        expires_at=timezone.now() + BATCH_LIFETIME,
    )


def credential_batch_run(batch_id: int, *, send_letter: Any = None) -> CredentialBatch:
    """Issue everything in the batch, record progress, keep the letters. Safe to run once."""
    updated = CredentialBatch.objects.filter(pk=batch_id, status=CredentialBatch.Status.PENDING)
    if not updated.update(status=CredentialBatch.Status.RUNNING):
        return CredentialBatch.objects.get(pk=batch_id)  # already taken by another worker
    batch = CredentialBatch.objects.select_related("institute", "issued_by").get(pk=batch_id)
    try:
        letters = _issue_all(batch)
    except Exception as error:  # the office must see the failure, not a batch stuck "running"
        CredentialBatch.objects.filter(pk=batch.pk).update(
            status=CredentialBatch.Status.FAILED, error=str(error)[:300]
        )
        raise
    _store_letters(batch, letters)
    if batch.email_guardians and send_letter is not None:
        batch.emails_sent = sum(1 for issued in letters["genitore"] if send_letter(issued))
    batch.status = CredentialBatch.Status.DONE
    batch.save()
    return batch


def _issue_all(batch: CredentialBatch) -> dict[str, list[Issued]]:
    plan = IssuePlan.from_json(batch.plan)
    issued: dict[str, list[Issued]] = {"studente": [], "genitore": [], "personale": []}
    students = (
        Student.objects.filter(pk__in=plan.student_ids, institute=batch.institute)
        .select_related("user")
        .order_by("surname", "name")
    )
    for student in students:
        with transaction.atomic():
            for_student, for_guardians = issue_for_student(
                student, plan, batch.institute, batch.login_url
            )
        issued["studente"] += for_student
        issued["genitore"] += for_guardians
        _progress(batch)
    staff = (
        Staff.objects.filter(pk__in=plan.staff_ids, institute=batch.institute)
        .select_related("user")
        .order_by("surname", "name")
    )
    for member in staff:
        with transaction.atomic():
            one = issue_for_staff(member, plan, batch.institute, batch.login_url)
        if one is not None:
            issued["personale"].append(one)
        _progress(batch)
    _record_issued(batch, [item for group in issued.values() for item in group])
    return issued


def _progress(batch: CredentialBatch) -> None:
    batch.processed += 1
    CredentialBatch.objects.filter(pk=batch.pk).update(processed=batch.processed)


def _record_issued(batch: CredentialBatch, issued: Iterable[Issued]) -> None:
    AccessEvent.objects.bulk_create(
        AccessEvent(
            kind=AccessEventKind.CREDENTIALS_ISSUED,
            user=item.user,
            username=item.user.username,
            actor=batch.issued_by,
            institute=batch.institute,
            detail=batch.description[:300],
        )
        for item in issued
    )


def _store_letters(batch: CredentialBatch, letters: dict[str, list[Issued]]) -> None:
    def pdf(items: Sequence[Issued], title: str) -> bytes | None:
        return render_credential_letters([i.letter for i in items], title=title) if items else None

    batch.students_pdf = pdf(letters["studente"], f"Credenziali alunni – {batch.description}")
    batch.guardians_pdf = pdf(letters["genitore"], f"Credenziali genitori – {batch.description}")
    batch.staff_pdf = pdf(letters["personale"], f"Credenziali personale – {batch.description}")
    batch.student_count = len(letters["studente"])
    batch.guardian_count = len(letters["genitore"])
    batch.staff_count = len(letters["personale"])


def credential_batches_purge(now: datetime.datetime | None = None) -> int:
    """Drop letters past their lifetime: they contain temporary passwords."""
    expired = CredentialBatch.objects.filter(expires_at__lte=now or timezone.now()).filter(
        Q(students_pdf__isnull=False) | Q(guardians_pdf__isnull=False) | Q(staff_pdf__isnull=False)
    )
    return expired.update(students_pdf=None, guardians_pdf=None, staff_pdf=None)
