"""In-memory lookups of classrooms and subjects, loaded once per import (no query per row)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from django.utils.translation import gettext as _

from campanella.interop.values import BadValueError
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
