"""Import of staff: roles, updates by codice fiscale, roles only added, errors."""

from __future__ import annotations

import pytest

from campanella.interop.columns import EXAMPLE_TEACHER_CF
from campanella.interop.models import ImportKind
from campanella.people.models import Staff
from tests.conftest import Cast
from tests.interop.helpers import STAFF_HEADER, People, csv_bytes, messages, upload_and_apply

pytestmark = pytest.mark.django_db
STAFF = ImportKind.STAFF


def import_staff(cast: Cast, rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    return upload_and_apply(cast, csv_bytes(rows, STAFF_HEADER), STAFF)


def test_creates_staff_with_their_roles_and_no_login(cast: Cast) -> None:
    people = People()
    rows = [
        people.staff_row("docente"),
        people.staff_row("Docente + Segreteria"),
        people.staff_row("dirigente", email=""),
    ]
    result = import_staff(cast, rows)
    assert result.applied, messages(result)
    created = {
        s.codice_fiscale: s
        for s in Staff.objects.filter(codice_fiscale__in=[r["codice_fiscale"] for r in rows])
    }
    teacher, both, principal = (created[r["codice_fiscale"]] for r in rows)
    assert (teacher.is_teacher, teacher.is_office, teacher.is_principal) == (True, False, False)
    assert (both.is_teacher, both.is_office) == (True, True)
    assert principal.is_principal and principal.email == ""
    assert all(
        s.institute == cast.institute and s.user is None and s.active for s in created.values()
    )
    assert result.plan is not None
    assert result.plan.rows[1].details == ["ruoli: docente, segreteria"]


def test_reimport_is_unchanged_and_roles_are_only_added(cast: Cast) -> None:
    people = People()
    row = people.staff_row("docente, segreteria")
    import_staff(cast, [row])
    assert import_staff(cast, [row]).batch.summary["unchanged"] == 1

    result = import_staff(cast, [{**row, "ruoli": "dirigente", "nome": "Ada"}])

    staff = Staff.objects.get(codice_fiscale=row["codice_fiscale"])
    assert (staff.is_teacher, staff.is_office, staff.is_principal) == (True, True, True)
    assert staff.name == "Ada"
    assert result.plan is not None
    details = result.plan.rows[0].details
    assert any(d.startswith("nome:") for d in details)
    assert "ruoli: «docente, segreteria» → «docente, segreteria, dirigente»" in details
    assert Staff.objects.filter(codice_fiscale=row["codice_fiscale"]).count() == 1


def test_a_person_back_in_service_is_reactivated(cast: Cast) -> None:
    people = People()
    row = people.staff_row()
    import_staff(cast, [row])
    Staff.objects.filter(codice_fiscale=row["codice_fiscale"]).update(active=False)
    result = import_staff(cast, [row])
    assert result.plan is not None
    assert result.plan.rows[0].details == ["in servizio: «no» → «sì»"]
    assert Staff.objects.get(codice_fiscale=row["codice_fiscale"]).active


def test_the_same_codice_fiscale_in_another_institute_is_another_person(cast: Cast) -> None:
    row = People().staff_row()
    foreign = Staff.objects.get(user=cast.foreign_office)
    foreign.codice_fiscale = row["codice_fiscale"]
    foreign.save()
    result = import_staff(cast, [row])
    assert result.batch.summary["created"] == 1
    assert Staff.objects.get(institute=cast.institute, codice_fiscale=row["codice_fiscale"])
    unchanged = Staff.objects.get(pk=foreign.pk)
    assert (unchanged.surname, unchanged.is_teacher) == (foreign.surname, False)


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"ruoli": "bidello"}, "3: «ruoli»: ruolo sconosciuto «bidello»"),
        ({"ruoli": ""}, "3: «ruoli»: indicare almeno un ruolo"),
        ({"email": "chi@"}, "3: «email»: indirizzo e-mail non valido «chi@»"),
        (
            {"codice_fiscale": "123"},
            "3: «codice_fiscale»: «123»: Il codice fiscale deve avere 16 caratteri.",
        ),
        ({"codice_fiscale": EXAMPLE_TEACHER_CF}, "3: è la riga di esempio del modello"),
        ({"nome": ""}, "3: «nome»: il valore è obbligatorio"),
    ],
)  # fmt: skip
def test_bad_rows_are_refused_with_their_line(
    cast: Cast, bad: dict[str, str], expected: str
) -> None:
    people = People()
    before = Staff.objects.count()
    result = import_staff(cast, [people.staff_row(), people.staff_row(**bad)])
    assert result.outcome == "refused"
    assert any(m.startswith(expected) for m in messages(result)), messages(result)
    assert Staff.objects.count() == before


def test_a_person_twice_in_the_file_names_both_lines(cast: Cast) -> None:
    people = People()
    row = people.staff_row()
    result = import_staff(cast, [row, people.staff_row(), {**row, "ruoli": "segreteria"}])
    assert messages(result) == [
        f"4: «codice_fiscale»: la persona con codice fiscale {row['codice_fiscale']} compare già "
        "alla riga 2: ogni persona deve comparire una sola volta"
    ]
