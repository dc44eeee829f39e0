"""The demo's messages, written through the same services a school uses: a teacher of a first
class writes to a student's family, who answers, and the family writes to the office, so the
demo's teacher, family and office each find a thread."""

from __future__ import annotations

import datetime

from campanella.comms.messages.models import Thread
from campanella.comms.messages.services import message_send, thread_start
from campanella.people.models import Enrollment, Guardianship
from campanella.people.selectors import active_enrollments_on
from campanella.school.models import SchoolYear, Teaching


def generate_messages(*, institute_id: int, year: SchoolYear, today: datetime.date) -> int:
    """Threads written (none if the institute has some already, or nobody to write to)."""
    if Thread.objects.filter(institute_id=institute_id).exists():
        return 0
    teaching = (
        Teaching.objects.filter(
            classroom__school_year=year, classroom__year=1, support_student__isnull=True,
            teacher__user__isnull=False, teacher__active=True,
        )
        .select_related("teacher__user", "subject", "classroom")
        .order_by("classroom__school_id", "classroom__section", "pk")
        .first()
    )  # fmt: skip
    if teaching is None or teaching.teacher.user is None:
        return 0
    enrolled = Enrollment.objects.filter(active_enrollments_on(today), classroom=teaching.classroom)
    link = (
        Guardianship.objects.filter(
            student_id__in=enrolled.values("student_id"), access_revoked_on__isnull=True,
            guardian__user__isnull=False,
        )
        .select_related("guardian__user", "student")
        .order_by("student__surname", "student__name", "pk")
        .first()
    )  # fmt: skip
    if link is None or link.guardian.user is None:
        return 0
    family, student = link.guardian.user, link.student
    first = thread_start(
        user=teaching.teacher.user, student_id=student.pk,
        subject=f"{teaching.subject.name}: compiti non consegnati",
        body=(f"Buongiorno, {student.name} non ha consegnato gli esercizi assegnati per oggi. "
              "Vi chiedo di controllare il diario con lui."),
    )  # fmt: skip
    message_send(
        user=family, thread_id=first.thread_id,
        body="Buongiorno professore, grazie della segnalazione: li consegnerà domani.",
    )  # fmt: skip
    thread_start(
        user=family, student_id=student.pk, to_office=True,
        subject="Certificato di frequenza",
        body="Buongiorno, avrei bisogno di un certificato di frequenza per la palestra. Grazie.",
    )  # fmt: skip
    return 2
