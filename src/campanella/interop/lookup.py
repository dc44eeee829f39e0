"""In-memory lookups of classrooms and subjects, loaded once per import (no query per row)."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q
from django.utils.translation import gettext as _

from campanella.interop.values import BadValueError
from campanella.people.models import Enrollment, Staff, Student
from campanella.school.models import Classroom, School, SchoolYear, Subject

# "1A", "1 A", "1ª A", "1°A", "1^A", "1A Informatica", "3ª B Amministrazione, finanza e marketing"
_CLASSROOM = re.compile(r"([1-5])\s*[ª°º^.]?\s*([A-Za-z][A-Za-z0-9]*)(?:\s+(.+))?")


def loose(text: str) -> str:
    return " ".join(text.split()).casefold()


class ClassroomFinder:
    """The classrooms of one school year, found by "1A" (+ track, + school code)."""

    def __init__(self, year: SchoolYear, classrooms: Iterable[Classroom]) -> None:
        self.year = year
        self._by_key: dict[tuple[int, str], list[Classroom]] = defaultdict(list)
        self._schools: dict[str, School] = {}
        for classroom in classrooms:
            self._by_key[(classroom.year, classroom.section.upper())].append(classroom)
            school = classroom.school
            self._schools[school.code.upper()] = school
            self._schools.setdefault(loose(school.name), school)
        self.many_schools = len({school.pk for school in self._schools.values()}) > 1

    def label(self, classroom: Classroom) -> str:
        if self.many_schools:
            return f"{classroom.name} ({classroom.school.name})"
        return classroom.name

    def find(self, text: str, *, school_text: str = "", track_text: str = "") -> Classroom:
        match = _CLASSROOM.fullmatch(text.strip())
        if match is None:
            if not text.strip():
                raise BadValueError(_("la classe è obbligatoria"))
            raise BadValueError(
                _("classe «%(value)s» non valida: scrivere anno e sezione, es. 1A o 1ª A")
                % {"value": text}
            )
        year, section, track_in_text = match.groups()
        candidates = self._by_key.get((int(year), section.upper()), [])
        if not candidates:
            raise BadValueError(
                _("classe «%(value)s» non trovata tra le classi dell'anno scolastico %(year)s")
                % {"value": text, "year": self.year.name}
            )
        if school_text:
            candidates = self._in_school(candidates, school_text, text)
        track = track_text or track_in_text or ""
        if track:
            candidates = self._with_track(candidates, track, text)
        if len(candidates) > 1:
            raise BadValueError(
                _(
                    "la classe «%(value)s» è ambigua: può essere %(choices)s. Indicare "
                    "l'indirizzo (es. «%(example)s») o il plesso"
                )
                % {
                    "value": text,
                    "choices": "; ".join(self._describe(c) for c in candidates),
                    "example": f"{year}{section.upper()} {candidates[0].track}".strip(),
                }
            )
        return candidates[0]

    def _describe(self, classroom: Classroom) -> str:
        return f"{classroom.name} – {classroom.school.name} ({classroom.school.code})"

    def _in_school(
        self, candidates: list[Classroom], school_text: str, text: str
    ) -> list[Classroom]:
        school = self._schools.get(school_text.strip().upper()) or self._schools.get(
            loose(school_text)
        )
        if school is None:
            codes = sorted({s.code for s in self._schools.values()})
            raise BadValueError(
                _("plesso «%(value)s» sconosciuto: usare il codice meccanografico (%(codes)s)")
                % {"value": school_text, "codes": ", ".join(codes)}
            )
        found = [c for c in candidates if c.school_id == school.pk]
        if not found:
            raise BadValueError(
                _("la classe «%(value)s» non esiste nel plesso %(school)s")
                % {"value": text, "school": school.code}
            )
        return found

    def _with_track(self, candidates: list[Classroom], track: str, text: str) -> list[Classroom]:
        wanted = loose(track)
        exact = [c for c in candidates if loose(c.track) == wanted]
        found = exact or [c for c in candidates if loose(c.track).startswith(wanted)]
        if not found:
            tracks = ", ".join(f"«{c.track}»" for c in candidates if c.track) or _("nessuno")
            raise BadValueError(
                _(
                    "la classe «%(value)s» con indirizzo «%(track)s» non esiste; indirizzi di "
                    "questa classe: %(tracks)s"
                )
                % {"value": text, "track": track, "tracks": tracks}
            )
        return found


class SubjectFinder:
    """The institute's subjects by name or short name, case-insensitive."""

    def __init__(self, subjects: Iterable[Subject]) -> None:
        self._by_name: dict[str, Subject] = {}
        self._by_short: dict[str, list[Subject]] = defaultdict(list)
        for subject in subjects:
            self._by_name[loose(subject.name)] = subject
            self._by_short[loose(subject.short_name)].append(subject)

    def find(self, text: str) -> Subject:
        key = loose(text)
        if not key:
            raise BadValueError(_("la materia è obbligatoria"))
        if key in self._by_name:
            return self._by_name[key]
        matches = self._by_short.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise BadValueError(
                _("l'abbreviazione «%(value)s» indica più materie (%(names)s): usare il nome")
                % {"value": text, "names": ", ".join(s.name for s in matches)}
            )
        raise BadValueError(
            _("materia «%(value)s» sconosciuta: usare il nome o l'abbreviazione di una materia "
              "dell'istituto") % {"value": text}
        )  # fmt: skip


class StudentFinder:
    """The institute's students by codice fiscale or by username (S123456X), loaded once."""

    def __init__(self, institute_id: int) -> None:
        self.by_code: dict[str, Student] = {}
        self.by_username: dict[str, Student] = {}
        students = Student.objects.filter(institute_id=institute_id).select_related("user")
        for student in students.only(
            "pk", "codice_fiscale", "surname", "name", "institute_id", "user__username"
        ):
            self.by_code[student.codice_fiscale] = student
            if student.user is not None:
                self.by_username[student.user.username.upper()] = student

    def find(self, code: str, username: str) -> tuple[Student | None, str]:
        """The student, and the code or username as written (for the "unknown" count)."""
        if code:
            return self.by_code.get(code), code
        return self.by_username.get(username.upper()), username


class StaffFinder:
    """The institute's staff by username or codice fiscale, loaded once."""

    def __init__(self, institute_id: int) -> None:
        self.by_username: dict[str, Staff] = {}
        self.by_code: dict[str, Staff] = {}
        for staff in Staff.objects.filter(institute_id=institute_id).select_related("user"):
            if staff.codice_fiscale:
                self.by_code[staff.codice_fiscale.upper()] = staff
            if staff.user is not None:
                self.by_username[staff.user.username.casefold()] = staff

    def find(self, text: str) -> Staff:
        value = " ".join(text.split())
        if not value:
            raise BadValueError(_("indicare il nome utente o il codice fiscale"))
        staff = self.by_username.get(value.casefold()) or self.by_code.get(value.upper())
        if staff is None:
            raise BadValueError(
                _(
                    "nessuna persona del personale dell'istituto ha il nome utente o il codice "
                    "fiscale «%(value)s»"
                )
                % {"value": value}
            )
        return staff


class Enrollments:
    """Which classroom each student was in on a day: the enrollments of some students over a
    span of days, with their classroom, school and year, loaded once."""

    def __init__(
        self, student_ids: Iterable[int], start: datetime.date, end: datetime.date
    ) -> None:
        self.start, self.end = start, end
        self._by_student: dict[int, list[Enrollment]] = defaultdict(list)
        enrollments = (
            Enrollment.objects.filter(student_id__in=set(student_ids), entry_date__lte=end)
            .filter(Q(exit_date__isnull=True) | Q(exit_date__gte=start))
            .select_related("classroom__school__institute", "classroom__school_year")
        )
        for enrollment in enrollments:
            self._by_student[enrollment.student_id].append(enrollment)

    def classroom_on(self, student: Student, day: datetime.date) -> Classroom | None:
        for enrollment in self._by_student.get(student.pk, []):
            if enrollment.is_active_on(day):
                return enrollment.classroom
        return None

    def classrooms(self) -> list[Classroom]:
        unique = {e.classroom_id: e.classroom for rows in self._by_student.values() for e in rows}
        return list(unique.values())
