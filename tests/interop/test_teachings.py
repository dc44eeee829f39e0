"""Import of teaching assignments: the rules and messages of Teaching.clean(), in memory."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from campanella.interop.models import ImportKind
from campanella.people.models import Staff
from campanella.school.models import Subject, SubjectKind, Teaching
from tests import factories as f
from tests.conftest import Cast
from tests.interop.helpers import TEACHING_HEADER, People, csv_bytes, messages, upload_and_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def codes(cast: Cast) -> dict[str, str]:
    """Codici fiscali for the cast's staff (the factories leave them blank)."""
    people = People(21)
    result = {}
    for who in ("teacher", "other_teacher", "office", "coordinator"):
        staff = Staff.objects.get(user=getattr(cast, who))
        staff.codice_fiscale = people.person((1960, 1990)).codice_fiscale
        staff.save()
        result[who] = staff.codice_fiscale
    return result


def row(
    teacher: str, classe: str, materia: str, tipo: str = "", alunno: str = ""
) -> dict[str, str]:
    return {
        "docente_codice_fiscale": teacher,
        "classe": classe,
        "materia": materia,
        "tipo": tipo,
        "alunno_codice_fiscale": alunno,
    }


def import_teachings(cast: Cast, rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    return upload_and_apply(cast, csv_bytes(rows, TEACHING_HEADER), ImportKind.TEACHINGS)


def test_creates_every_kind_and_a_second_import_changes_nothing(
    cast: Cast, codes: dict[str, str]
) -> None:
    support = Subject.objects.create(
        institute=cast.institute, name="Sostegno", short_name="SOS", kind=SubjectKind.SUPPORT
    )
    rows = [
        row(codes["teacher"], "1A", "Matematica"),  # already in the cast
        row(codes["other_teacher"], "1ª A", "mat", "curricolare"),
        row(codes["other_teacher"], "1A", "Italiano", "compresenza"),
        row(codes["coordinator"], "1A", "Sostegno", "sostegno", cast.child.codice_fiscale),
    ]
    before = Teaching.objects.count()

    result = import_teachings(cast, rows)

    assert result.applied, messages(result)
    assert result.plan is not None
    assert [r.action for r in result.plan.rows] == ["unchanged", "created", "created", "created"]
    assert Teaching.objects.count() == before + 3
    coordinator = Staff.objects.get(user=cast.coordinator)
    support_teaching = Teaching.objects.get(teacher=coordinator, subject=support)
    assert (support_teaching.kind, support_teaching.support_student) == ("sostegno", cast.child)
    assert Teaching.objects.filter(kind="compresenza", subject=cast.italian).count() == 1

    again = import_teachings(cast, rows)
    assert again.batch.summary["unchanged"] == 4
    assert Teaching.objects.count() == before + 3


def model_message(**fields: object) -> str:
    """What Teaching.full_clean() says about these fields."""
    try:
        Teaching(**fields).full_clean()
    except ValidationError as error:
        return next(iter(m for ms in error.message_dict.values() for m in ms))
    raise AssertionError("the model accepted it")


def test_the_messages_are_those_of_the_model(cast: Cast, codes: dict[str, str]) -> None:
    physics = f.SubjectFactory(institute=cast.institute, name="Fisica", short_name="FIS")
    teacher = Staff.objects.get(user=cast.teacher)
    office = Staff.objects.get(user=cast.office)
    cases = [
        (
            row(codes["teacher"], "1A", "Fisica"),
            "materia",
            model_message(teacher=teacher, classroom=cast.classroom_1a, subject=physics),
        ),
        (
            row(codes["teacher"], "1A", "Matematica", "sostegno"),
            "alunno_codice_fiscale",
            model_message(
                teacher=teacher, classroom=cast.classroom_1a, subject=cast.maths, kind="sostegno"
            ),
        ),
        (
            row(codes["teacher"], "1A", "Italiano", "", cast.child.codice_fiscale),
            "alunno_codice_fiscale",
            model_message(
                teacher=teacher,
                classroom=cast.classroom_1a,
                subject=cast.italian,
                support_student=cast.child,
            ),
        ),
        (
            row(codes["teacher"], "1A", "Matematica", "sostegno", cast.sibling.codice_fiscale),
            "alunno_codice_fiscale",
            model_message(
                teacher=teacher,
                classroom=cast.classroom_1a,
                subject=cast.maths,
                kind="sostegno",
                support_student=cast.sibling,
            ),
        ),
        (
            row(codes["office"], "2B", "Italiano"),
            "docente_codice_fiscale",
            model_message(teacher=office, classroom=cast.classroom_2b, subject=cast.italian),
        ),
    ]
    before = Teaching.objects.count()
    result = import_teachings(cast, [r for r, _column, _message in cases])
    assert result.outcome == "refused"
    found = messages(result)
    for line, (_row, column, message) in enumerate(cases, start=2):
        assert f"{line}: «{column}»: {message}" in found, (message, found)
    assert Teaching.objects.count() == before


UNKNOWN_CF = "RSSMRA80A01H501U"  # valid, but nobody's in the cast


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ("?", "1A", "Matematica"),
            f"«docente_codice_fiscale»: nessuna persona del personale ha il codice fiscale "
            f"{UNKNOWN_CF}",
        ),
        (("teacher", "1A", "Latino"), "«materia»: materia «Latino» sconosciuta"),
        (("teacher", "4D", "Matematica"), "«classe»: classe «4D» non trovata"),
        (
            ("teacher", "1A", "Matematica", "supplenza"),
            "«tipo»: tipo di cattedra sconosciuto «supplenza»",
        ),
        (
            ("teacher", "1A", "Matematica", "sostegno", UNKNOWN_CF),
            "«alunno_codice_fiscale»: nessun alunno dell'istituto ha il codice fiscale "
            + UNKNOWN_CF,
        ),
    ],
)
def test_unknown_references_are_refused(
    cast: Cast, codes: dict[str, str], cells: tuple[str, ...], expected: str
) -> None:
    teacher, *rest = cells
    result = import_teachings(cast, [row(codes.get(teacher, UNKNOWN_CF), *rest)])
    assert len(messages(result)) == 1
    assert messages(result)[0].startswith(f"2: {expected}")


def test_a_teacher_not_in_service_gets_no_new_assignment(cast: Cast, codes: dict[str, str]) -> None:
    Staff.objects.filter(user=cast.other_teacher).update(active=False)
    result = import_teachings(cast, [row(codes["other_teacher"], "1A", "Italiano")])
    assert "non è in servizio" in messages(result)[0]


def test_the_same_assignment_twice_names_both_lines(cast: Cast, codes: dict[str, str]) -> None:
    rows = [row(codes["other_teacher"], "1A", "Italiano"), row(codes["other_teacher"], "1A", "ita")]
    result = import_teachings(cast, rows)
    assert messages(result) == ["3: questa cattedra compare già alla riga 2"]


def test_an_ambiguous_short_name_asks_for_the_name(cast: Cast, codes: dict[str, str]) -> None:
    f.SubjectFactory(institute=cast.institute, name="Matematica applicata", short_name="MAT")
    result = import_teachings(cast, [row(codes["teacher"], "1A", "MAT")])
    assert "l'abbreviazione «MAT» indica più materie" in messages(result)[0]
